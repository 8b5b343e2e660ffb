import type { FollowUpSchedule } from '../rules/plan-rules';
import type { ChainLink, ReportContext, ReportItem, ReportKind, ReportLine } from './report.types';

/**
 * The schedule of an obligation: which reports each line of the chain owes and when, from the terms
 * and the facts so far. Pure, so that replay computes the same schedule.
 */

/** `at` plus `minutes`, as an ISO time; null when either is missing. */
export function addMinutes(at: string | null, minutes: number | null): string | null {
  if (at === null || minutes === null) return null;
  return new Date(Date.parse(at) + minutes * 60_000).toISOString();
}

const CHINA_STANDARD_TIME_MS = 8 * 3600_000;
const DAY_MS = 24 * 3600_000;

/** The first of the day's fixed times (HH:MM, UTC+8) strictly after `after`. */
function nextDailySlot(after: string, times: readonly string[]): string {
  const t = Date.parse(after);
  const local = new Date(t + CHINA_STANDARD_TIME_MS);
  const midnight = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate()) - CHINA_STANDARD_TIME_MS;
  const slots = times.map((hhmm) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5))).sort((a, b) => a - b);
  for (let day = 0; day <= 1; day += 1) {
    for (const minutes of slots) {
      const at = midnight + day * DAY_MS + minutes * 60_000;
      if (at > t) return new Date(at).toISOString();
    }
  }
  // Unreachable with at least one slot: tomorrow's first slot always lies after `after`.
  return new Date(midnight + DAY_MS).toISOString();
}

/** When the next 续报 falls due after the last written report (or the moment the line began to owe). */
function nextFollowUpAt(schedule: FollowUpSchedule | null, after: string | null): string | null {
  if (schedule === null || after === null) return null;
  switch (schedule.kind) {
    case 'interval':
      return addMinutes(after, schedule.minutes);
    case 'daily':
      return nextDailySlot(after, schedule.times);
    default: {
      const unknown: never = schedule;
      throw new Error(`unknown follow-up schedule ${JSON.stringify(unknown)}`);
    }
  }
}

export const itemIdOf = (from: string, key: string): string => `${from}/${key}`;

/** The report an acknowledgement or a return names: its key, and the room that owes it (default: the lead). */
export function namedReport(context: Pick<ReportContext, 'items' | 'lead'>, key: unknown, from: unknown): ReportItem | undefined {
  const id = itemIdOf(typeof from === 'string' ? from : context.lead, String(key));
  return context.items.find((i) => i.id === id);
}
export const followUpKey = (n: number): string => `followUp-${n}`;
export const supplementaryKey = (n: number): string => `supplementary-${n}`;

/** Still owed on a clock: neither filed nor already recorded overdue. */
export const isOpen = (item: ReportItem): boolean => item.submittedAt === null && item.overdueAt === null;
/** Owed: not filed (it may be overdue). */
export const isOwed = (item: ReportItem): boolean => item.submittedAt === null;

export function newItem(line: Pick<ReportLine, 'from' | 'to'>, key: string, kind: ReportKind, number: number | null, dueAt: string | null): ReportItem {
  return {
    id: itemIdOf(line.from, key),
    key,
    kind,
    number,
    from: line.from,
    to: line.to,
    dueAt,
    firstDueAt: dueAt,
    submittedAt: null,
    submittedBy: null,
    firstSubmittedAt: null,
    reportId: null,
    overdueAt: null,
    receivedAt: null,
    receivedBy: null,
    directTo: null,
    copiedTo: [],
    missingFields: [],
    returns: [],
  };
}

const isWritten = (i: ReportItem) => i.kind === 'initial' || i.kind === 'followUp';

/** When the line's last written report (初报 or 续报) was filed: the next 续报 runs from there. */
function lastWrittenAt(items: readonly ReportItem[], from: string): string | null {
  let latest: string | null = null;
  for (const i of items) {
    if (i.from !== from || !isWritten(i) || i.submittedAt === null) continue;
    if (latest === null || Date.parse(i.submittedAt) > Date.parse(latest)) latest = i.submittedAt;
  }
  return latest;
}

/**
 * The items as the terms and the facts make them. An item filed or overdue is a fact and never
 * changes; so is one sent back (it keeps its correction deadline). An open one goes when it no longer
 * falls due, and moves with the terms when `recompute` is set (a new severity); otherwise it keeps its
 * due time (a lead change moves who owes, never when). A report that would fall due before its line
 * began to owe is not the line's.
 */
export function schedule(context: ReportContext, recompute: boolean): ReportItem[] {
  const items = [...context.items];
  const terms = context.terms;
  const want = (line: ReportLine, key: string, kind: ReportKind, number: number | null, dueAt: string | null) => {
    const id = itemIdOf(line.from, key);
    const at = items.findIndex((i) => i.id === id);
    const existing = items[at];
    if (existing === undefined) {
      if (dueAt !== null && Date.parse(dueAt) >= Date.parse(line.since)) items.push(newItem(line, key, kind, number, dueAt));
      return;
    }
    if (!isOpen(existing) || existing.returns.length > 0) return;
    // What no longer falls due (a 续报 after the response is lifted) goes; a due time moves only with new terms.
    if (dueAt === null) items.splice(at, 1);
    else if (recompute) items[at] = { ...existing, dueAt, firstDueAt: dueAt };
  };
  const anyInitialFiled = items.some((i) => i.kind === 'initial' && i.submittedAt !== null);
  for (const line of context.lines) {
    const lead = line.role === 'lead';
    const mine = items.filter((i) => i.from === line.from);
    const finalFiled = mine.some((i) => i.kind === 'final' && i.submittedAt !== null);
    want(line, 'phone', 'phone', null, finalFiled ? null : addMinutes(line.clockFrom, (lead ? terms?.phoneMinutes : terms?.relayPhoneMinutes) ?? null));
    want(line, 'initial', 'initial', null, finalFiled ? null : addMinutes(line.clockFrom, (lead ? terms?.writtenMinutes : terms?.relayWrittenMinutes) ?? null));
    // 续报 run on the schedule after the line's last written report until the response is lifted; a
    // line that took over with no 初报 of its own to file (another room's was filed) owes them from
    // the moment it took over.
    const ownInitial = mine.some((i) => i.kind === 'initial');
    const written = lastWrittenAt(items, line.from) ?? (anyInitialFiled && !ownInitial ? line.since : null);
    const running = context.liftedAt === null && !finalFiled;
    want(line, followUpKey(line.followUps + 1), 'followUp', line.followUps + 1, running ? nextFollowUpAt(terms?.followUp ?? null, written) : null);
    want(line, 'final', 'final', null, finalFiled ? null : addMinutes(context.liftedAt, terms?.finalWithinMinutes ?? null));
  }
  return items;
}

/** The lines of a chain, keeping what each room that still owes already has (its clock, its counts). */
export function linesFor(context: ReportContext, chain: readonly ChainLink[], now: string): ReportLine[] {
  const formerLead = context.lines.find((l) => l.role === 'lead');
  return chain.map((link) => {
    const existing = context.lines.find((l) => l.from === link.from);
    if (existing) return { ...existing, to: link.to, role: link.role };
    // The line that takes over the lead takes over its clock: time already spent is kept.
    const clockFrom = link.role === 'lead' ? (formerLead?.clockFrom ?? context.receivedAt ?? now) : now;
    return { from: link.from, to: link.to, role: link.role, clockFrom, since: now, followUps: 0, supplements: 0 };
  });
}

/** What a lead change did to one report: moved to the new lead, kept by who owed it, or merged into what the new lead already owes. */
export interface Recharged {
  key: string;
  from: string;
  to: string;
  dueAt: string | null;
  outcome: 'moved' | 'kept' | 'merged';
  /** For a moved report: its new id and receiving room. */
  id?: string;
  newTo?: string;
}

/**
 * Re-charges the reports of rooms that no longer owe (issue 16): what is still open moves to the new
 * lead with its due time; what already fell due stays with the room that owed it then (it may still
 * file it, and its lateness is its own); what the new lead already owes is merged into that.
 */
export function recharge(context: ReportContext, lines: readonly ReportLine[], now: string): { items: ReportItem[]; changes: Recharged[] } {
  const lead = lines.find((l) => l.role === 'lead');
  const changes: Recharged[] = [];
  const items: ReportItem[] = [];
  const remaining = context.items.filter((i) => lines.some((l) => l.from === i.from));
  const leaving = context.items.filter((i) => !lines.some((l) => l.from === i.from));
  for (const item of remaining) {
    const line = lines.find((l) => l.from === item.from);
    items.push(line && isOwed(item) && item.to !== line.to ? { ...item, to: line.to } : item);
  }
  for (const item of leaving) {
    const base = { key: item.key, from: item.from, to: item.to, dueAt: item.dueAt };
    // Fell due already (whether or not the timers have marked it yet), or filed once and sent back
    // for correction: it stays with the room that owed it then, with its history.
    const fellDue = item.dueAt !== null && Date.parse(item.dueAt) <= Date.parse(now);
    if (!isOpen(item) || fellDue || item.returns.length > 0) {
      items.push(item);
      if (isOwed(item)) changes.push({ ...base, outcome: 'kept' });
      continue;
    }
    if (!lead) {
      changes.push({ ...base, outcome: 'merged' });
      continue;
    }
    const leadItems = items.filter((i) => i.from === lead.from);
    const key = item.kind === 'followUp' ? followUpKey(lead.followUps + 1) : item.key;
    const taken = item.kind === 'followUp' ? leadItems.some((i) => i.kind === 'followUp' && isOwed(i)) : leadItems.some((i) => i.key === key);
    if (taken || item.kind === 'supplementary') {
      changes.push({ ...base, outcome: 'merged' });
      continue;
    }
    const moved: ReportItem = { ...item, id: itemIdOf(lead.from, key), key, number: item.kind === 'followUp' ? lead.followUps + 1 : item.number, from: lead.from, to: lead.to };
    items.push(moved);
    changes.push({ ...base, outcome: 'moved', id: moved.id, newTo: lead.to });
  }
  return { items, changes };
}

/** Minutes a filed report was late against its first deadline (0 when on time); null when it had none or is not filed. */
export function minutesLate(item: Pick<ReportItem, 'firstDueAt' | 'firstSubmittedAt'>): number | null {
  if (item.firstDueAt === null || item.firstSubmittedAt === null) return null;
  return Math.max(0, Math.round((Date.parse(item.firstSubmittedAt) - Date.parse(item.firstDueAt)) / 60_000));
}
