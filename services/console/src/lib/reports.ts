import type { Jurisdiction, ReportItemView, ReportsView } from '@muster/client';

/**
 * The reporting chain (信息报送) as a duty officer reads it: who owes which report to whom, what each
 * report is called, how late it is, and what the signed-in room may do about it. Pure, so that the
 * panel and the timeline say the same thing and tests can check it without a browser.
 */

export type ReportKind = ReportItemView['kind'];
type Line = NonNullable<ReportsView['lines']>[number];
/** Looks a message up by prefix and value (the i18n `tr`). */
type Tr = (prefix: string, value: string) => string;

const KIND_ORDER: Record<ReportKind, number> = { phone: 0, initial: 1, followUp: 2, final: 3, supplementary: 4 };
const DIGITS = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'];

/** A number as the notices write it: 一, 十, 十二, 二十三; 100 and above in digits. */
export function chineseNumber(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n >= 100) return String(n);
  if (n < 10) return DIGITS[n] ?? String(n);
  const tens = Math.floor(n / 10);
  const ones = n % 10;
  return `${tens === 1 ? '' : (DIGITS[tens] ?? '')}十${ones === 0 ? '' : (DIGITS[ones] ?? '')}`;
}

/** The report's name: 电话报告, 初报, 续报一, 终报, 补报二 (Follow-up 1 … in English). */
export function reportTitle(report: { kind: ReportKind; number: number | null }, tr: Tr, lang: string): string {
  const name = tr('report', report.kind);
  if (report.number === null) return name;
  return lang === 'en' ? `${name} ${report.number}` : `${name}${chineseNumber(report.number)}`;
}

/** A report key (`initial`, `followUp-2`, `supplementary-1`) as its kind and number; null for anything else. */
export function parseReportKey(key: string): { kind: ReportKind; number: number | null } | null {
  const match = /^(phone|initial|final|followUp|supplementary)(?:-(\d+))?$/.exec(key);
  if (!match) return null;
  const kind = match[1] as ReportKind;
  const numbered = kind === 'followUp' || kind === 'supplementary';
  if (numbered !== (match[2] !== undefined)) return null;
  return { kind, number: numbered ? Number(match[2]) : null };
}

/** A report named by its key (or an item id `<room>/<key>`), e.g. 续报二; the key itself never shows. */
export function titleOfKey(key: string, tr: Tr, lang: string): string {
  const parsed = parseReportKey(key.slice(key.lastIndexOf('/') + 1));
  return parsed ? reportTitle(parsed, tr, lang) : tr('report', 'other');
}

/** In the order of the notices: phone, 初报, 续报 by number, 终报, 补报 by number. */
function byReportOrder(a: ReportItemView, b: ReportItemView): number {
  return KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || (a.number ?? 0) - (b.number ?? 0);
}

/** One room's reports to the room above it: a line of the chain in force, or a room that left it still holding reports. */
export interface ReportGroup {
  from: string;
  to: string;
  /** `lead` and `relay` are lines of the chain in force; `former` holds what a room that no longer owes on the chain still has. */
  role: 'lead' | 'relay' | 'former';
  /** The room led the incident before a lead change (原主办单位). */
  formerLead: boolean;
  items: ReportItemView[];
  /** Reports of the group not yet filed. */
  owed: number;
}

/**
 * The reports grouped by who owes them: each line of the chain in force, in chain order (lead first),
 * then each room that left the chain with reports it filed or still owes (a former lead keeps what
 * fell due while it led: 原主办单位仍欠报).
 */
export function groupByLine(view: Pick<ReportsView, 'lines' | 'items'>, formerLeads: ReadonlySet<string> = new Set()): ReportGroup[] {
  const lines: Line[] = view.lines ?? [];
  const items = [...(view.items ?? [])].sort(byReportOrder);
  const owedIn = (list: ReportItemView[]) => list.filter((i) => i.submittedAt === null).length;
  const groups: ReportGroup[] = lines.map((line) => {
    const mine = items.filter((i) => i.from === line.from);
    return { from: line.from, to: line.to, role: line.role, formerLead: false, items: mine, owed: owedIn(mine) };
  });
  const rest = items.filter((i) => !lines.some((l) => l.from === i.from));
  for (const from of new Set(rest.map((i) => i.from))) {
    const mine = rest.filter((i) => i.from === from);
    // The room it owed to when it left: the one its reports still go to.
    const to = (mine.find((i) => i.submittedAt === null) ?? mine[0])?.to ?? '';
    groups.push({ from, to, role: 'former', formerLead: formerLeads.has(from), items: mine, owed: owedIn(mine) });
  }
  return groups;
}

/** Owed and past its deadline now, or marked overdue by the timers (已逾期). */
export function isOverdue(item: Pick<ReportItemView, 'dueAt' | 'submittedAt' | 'overdueAt'>, now: number): boolean {
  if (item.submittedAt !== null) return false;
  return item.overdueAt !== null || (item.dueAt !== null && Date.parse(item.dueAt) < now);
}

/** Minutes the first filing came after the first deadline (迟报, as scored); null when it had no deadline, was on time or is not filed. */
export function minutesLate(item: Pick<ReportItemView, 'firstDueAt' | 'firstSubmittedAt'>): number | null {
  if (item.firstDueAt === null || item.firstSubmittedAt === null) return null;
  const late = Math.round((Date.parse(item.firstSubmittedAt) - Date.parse(item.firstDueAt)) / 60_000);
  return late > 0 ? late : null;
}

/** Minutes an owed report is past its current deadline now; null when it is filed or not yet due. */
export function minutesOverdue(item: Pick<ReportItemView, 'dueAt' | 'submittedAt'>, now: number): number | null {
  if (item.submittedAt !== null || item.dueAt === null) return null;
  const over = Math.floor((now - Date.parse(item.dueAt)) / 60_000);
  return over > 0 ? over : null;
}

/** The room a filed report went to: the room named in 越级上报, else the room above. It, and only it, acknowledges or returns it. */
export const receivingRoom = (item: Pick<ReportItemView, 'to' | 'directTo'>): string => item.directTo ?? item.to;

/** The room may acknowledge (签收) or send back (退回) this report: filed, sent to it, not yet acknowledged. */
export function awaitsReceiptBy(item: ReportItemView, room: string): boolean {
  return item.submittedAt !== null && item.receivedAt === null && receivingRoom(item) === room && item.from !== room;
}

/** A report the signed-in room can file now, and where it goes. */
export interface FilingOption {
  kind: ReportKind;
  /** The owed report it files (a returned one first); null when it files a new one on the room's line. */
  item: ReportItemView | null;
  /** The room it goes to (unless 越级). */
  to: string;
}

/**
 * What the room may file, as the report obligation decides it (packages/domain report.machine.ts,
 * `filingTarget`): what it owes, returned reports first; on its own line also a 电话报告, 初报 or 终报
 * it has not filed, a 续报 once any 初报 is in, and a 补报 while the window is open. A room with no
 * line (a former lead) files only what it still owes.
 */
export function filingOptions(view: Pick<ReportsView, 'lines' | 'items' | 'state'>, room: string, supplementaryOpen: boolean): FilingOption[] {
  const line = (view.lines ?? []).find((l) => l.from === room) ?? null;
  const items = view.items ?? [];
  const lifted = view.state === 'lifted';
  const owed = (kind: ReportKind) =>
    items.filter((i) => i.from === room && i.kind === kind && i.submittedAt === null).sort((a, b) => b.returns.length - a.returns.length || (a.number ?? 0) - (b.number ?? 0))[0] ?? null;
  const onLine = (kind: ReportKind): FilingOption | null => (line === null ? null : { kind, item: null, to: line.to });
  const ownFiled = (kind: ReportKind) => items.some((i) => i.from === room && i.kind === kind && i.submittedAt !== null);
  const options: (FilingOption | null)[] = [];
  for (const kind of ['phone', 'initial', 'final'] as const) {
    if (kind === 'final' && !lifted) continue;
    const first = owed(kind);
    if (first) options.push({ kind, item: first, to: first.to });
    else if (!items.some((i) => i.id === `${room}/${kind}`)) options.push(onLine(kind));
  }
  if (items.some((i) => i.kind === 'initial' && i.submittedAt !== null)) {
    const first = owed('followUp');
    if (first) options.push({ kind: 'followUp', item: first, to: first.to });
    else if (!(lifted && ownFiled('final'))) options.push(onLine('followUp'));
  }
  if (supplementaryOpen) options.push(onLine('supplementary'));
  return options.filter((o): o is FilingOption => o !== null).sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind]);
}

/** Until when 补报 are taken: the incident's occurredAt plus the window's days; null when no window applies. */
export function supplementaryUntil(occurredAt: string | null | undefined, windowDays: number | null | undefined): string | null {
  if (!occurredAt || windowDays == null) return null;
  return new Date(Date.parse(occurredAt) + windowDays * 24 * 3600_000).toISOString();
}

/** The rooms above `room`, nearest first (越级上报 goes to one of them). */
export function roomsAbove(tree: ReadonlyMap<string, Pick<Jurisdiction, 'parent'>>, room: string): string[] {
  const above: string[] = [];
  for (let up = tree.get(room)?.parent; up && !above.includes(up); up = tree.get(up)?.parent) above.push(up);
  return above;
}

/** What a lead change did to one report, as the ReportObligationRecharged event records it. */
interface RechargeChange {
  key: string;
  from: string;
  to: string;
  dueAt: string | null;
  outcome: 'moved' | 'kept' | 'merged';
  id?: string;
  newTo?: string;
}

function isChange(value: unknown): value is RechargeChange {
  if (value === null || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  return typeof v['key'] === 'string' && typeof v['from'] === 'string' && typeof v['to'] === 'string' && ['moved', 'kept', 'merged'].includes(String(v['outcome']));
}

/** The changes of a ReportObligationRecharged event's data; anything unreadable is left out. */
function rechargeChanges(data: Record<string, unknown>): RechargeChange[] {
  return Array.isArray(data['changes']) ? data['changes'].filter(isChange) : [];
}

interface Words {
  tr: Tr;
  lang: string;
  room(code: string): string;
  time(iso: string): string;
}

/** `{name}` placeholders filled in. */
export function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => values[name] ?? whole);
}

/** One re-charged report in words: 初报（应报 …）仍由怀集县报送肇庆市 / 转由肇庆市报送广东省 / 并入肇庆市应报的报告. */
function describeChange(change: RechargeChange, lead: string, words: Words): string {
  return fill(words.tr('recharge', change.outcome), {
    // The report as the room that owed it knew it (初报), whatever number it takes at the new lead.
    report: titleOfKey(change.key, words.tr, words.lang),
    from: words.room(change.from),
    to: words.room(change.to),
    lead: words.room(change.id?.split('/')[0] ?? lead),
    newTo: words.room(change.newTo ?? change.to),
    due: change.dueAt ? words.time(change.dueAt) : '—',
  });
}

/** The notice after a lead change: who leads now and what became of each report (报送责任已随主办单位调整). */
export function rechargeNotice(data: Record<string, unknown>, words: Words): string {
  const formerLead = typeof data['formerLead'] === 'string' ? data['formerLead'] : '';
  const lead = typeof data['lead'] === 'string' ? data['lead'] : '';
  const head = fill(words.tr('recharge', 'notice'), { former: words.room(formerLead), lead: words.room(lead) });
  const changes = rechargeChanges(data).map((c) => describeChange(c, lead, words));
  return changes.length === 0 ? head : `${head}${words.tr('recharge', 'separator')}${changes.join(words.tr('recharge', 'joiner'))}`;
}

/** The labels of required fields a filing left out (缺项): 影响范围、发展趋势; unknown names as they are. */
export function missingFieldLabels(fields: readonly string[], tr: Tr): string[] {
  return fields.map((f) => tr('reportField', f));
}

/**
 * A name for a person the api names by user id: the name the console knows for that user (the
 * signed-in user, the demo directory), else the room they act for (怀集县值班室); never the id.
 */
export function personName(userId: string | null, room: string, known: ReadonlyMap<string, string>, roomName: (code: string) => string, tr: Tr, lang: string): string {
  if (userId === null) return '—';
  const name = known.get(userId);
  return name ? nameIn(name, lang) : fill(tr('person', 'ofRoom'), { room: roomName(room) });
}

/**
 * A name in the console's language: the demo directory names people in both languages
 * ("市应急值班员 City duty officer"); in Chinese the Chinese part shows, in English the rest.
 */
export function nameIn(name: string, lang: string): string {
  const match = /^([\u3000-\u9fff\uff00-\uffef·（）()\d]+)\s+([A-Za-z].*)$/.exec(name.trim());
  if (!match) return name;
  return lang === 'en' ? (match[2] ?? name) : (match[1] ?? name);
}
