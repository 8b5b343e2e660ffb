import { assign, emit, setup } from 'xstate';
import type { AggregateDefinition } from '../aggregate';
import type { EmittedEvent } from '../shared';
import {
  addMinutes,
  followUpKey,
  isOpen,
  isOwed,
  itemIdOf,
  linesFor,
  minutesLate,
  namedReport,
  newItem,
  recharge,
  schedule,
  supplementaryKey,
} from './report.schedule';
import {
  REPORT_EVENT_FOR,
  REQUIRED_REPORT_FIELDS,
  followUpTitle,
  type ReportCommand,
  type ReportCommandType,
  type ReportContext,
  type ReportItem,
  type ReportKind,
  type ReportLine,
} from './report.types';

function as<T extends ReportCommandType>(event: ReportCommand, type: T): Extract<ReportCommand, { type: T }> {
  if (event.type !== type) throw new Error(`report machine: expected ${type}, got ${event.type}`);
  return event as Extract<ReportCommand, { type: T }>;
}

function payload(command: ReportCommand): Record<string, unknown> {
  const { type: _type, meta: _meta, ...data } = command;
  return data;
}

const emptyContext: ReportContext = {
  incidentId: '',
  severity: null,
  category: null,
  subtype: null,
  lead: '',
  exercise: false,
  receivedAt: null,
  occurredAt: null,
  confirmedAt: null,
  liftedAt: null,
  terms: null,
  lines: [],
  items: [],
  updatedAt: null,
};

type Filing = Extract<ReportCommand, { type: 'RecordPhoneReport' | 'SubmitInitialReport' | 'SubmitFollowUpReport' | 'SubmitFinalReport' | 'SubmitSupplementaryReport' }>;

const KIND_OF: { readonly [T in Filing['type']]: ReportKind } = {
  RecordPhoneReport: 'phone',
  SubmitInitialReport: 'initial',
  SubmitFollowUpReport: 'followUp',
  SubmitFinalReport: 'final',
  SubmitSupplementaryReport: 'supplementary',
};

const isFiling = (event: ReportCommand): event is Filing => Object.hasOwn(KIND_OF, event.type);

/** The report a filing files: one its room owes (a returned one first), else a new one on its line. */
interface FilingTarget {
  item: ReportItem;
  line: ReportLine | null;
  isNew: boolean;
}

/** Whether a 补报 may still be taken: within the window after the incident happened (493号令 §13). */
function supplementaryOpen(context: ReportContext, now: string): boolean {
  const days = context.terms?.supplementaryWindowDays ?? null;
  if (days === null || context.occurredAt === null) return false;
  return Date.parse(now) <= Date.parse(context.occurredAt) + days * 24 * 3600_000;
}

function filingTarget(context: ReportContext, event: Filing): FilingTarget | null {
  const room = event.meta.actor.jurisdiction;
  const kind = KIND_OF[event.type];
  const line = context.lines.find((l) => l.from === room) ?? null;
  const owed = context.items
    .filter((i) => i.from === room && i.kind === kind && isOwed(i))
    .sort((a, b) => b.returns.length - a.returns.length || (a.number ?? 0) - (b.number ?? 0));
  const initialFiled = context.items.some((i) => i.kind === 'initial' && i.submittedAt !== null);
  switch (kind) {
    case 'phone':
    case 'initial':
    case 'final': {
      if (kind === 'final' && context.liftedAt === null) return null;
      const first = owed[0];
      if (first) return { item: first, line, isNew: false };
      if (line === null || context.items.some((i) => i.id === itemIdOf(room, kind))) return null;
      return { item: newItem(line, kind, kind, null, null), line, isNew: true };
    }
    case 'followUp': {
      if (!initialFiled) return null;
      const first = owed[0];
      if (first) return { item: first, line, isNew: false };
      if (line === null || context.liftedAt !== null && context.items.some((i) => i.from === room && i.kind === 'final' && i.submittedAt !== null)) return null;
      const n = line.followUps + 1;
      return { item: newItem(line, followUpKey(n), 'followUp', n, null), line, isNew: true };
    }
    case 'supplementary': {
      if (line === null || !supplementaryOpen(context, event.meta.now)) return null;
      const n = line.supplements + 1;
      return { item: newItem(line, supplementaryKey(n), 'supplementary', n, null), line, isNew: true };
    }
    default: {
      const unknown: never = kind;
      throw new Error(`report machine: unknown kind ${String(unknown)}`);
    }
  }
}

/** The item an acknowledgement, a return or a deadline names. */
function namedItem(context: ReportContext, event: ReportCommand): ReportItem | undefined {
  switch (event.type) {
    case 'AcknowledgeReport':
    case 'ReturnReport':
      return namedReport(context, event.key, event.from);
    case 'DeadlinePassed':
      return context.items.find((i) => i.id === event.key);
    default:
      return undefined;
  }
}

/** Required fields a filing leaves out (completeness). */
function missingFieldsOf(event: Filing): string[] {
  const given: Record<string, unknown> = event.type === 'SubmitInitialReport' ? { ...event.content } : payload(event);
  return REQUIRED_REPORT_FIELDS[KIND_OF[event.type]].filter((field) => {
    const value = given[field];
    return value === undefined || value === null || (typeof value === 'string' && value.trim() === '') || (typeof value === 'object' && Object.keys(value).length === 0);
  });
}

/** The rooms a 越级 report passes over, from the receiving room up the chain to the room it goes to. */
function passedOver(context: ReportContext, to: string, directTo: string): string[] {
  const skipped = [to];
  for (let room = to; ; ) {
    const next = context.lines.find((l) => l.from === room)?.to;
    if (next === undefined || next === directTo || skipped.includes(next)) return skipped;
    skipped.push(next);
    room = next;
  }
}

/** The phone report counts when the call was made (occurredAt), never later than it was recorded; written ones when received. */
function filedAt(event: Filing): string {
  if (event.type !== 'RecordPhoneReport') return event.meta.now;
  return Date.parse(event.meta.occurredAt) < Date.parse(event.meta.now) ? new Date(Date.parse(event.meta.occurredAt)).toISOString() : event.meta.now;
}

function file(context: ReportContext, event: Filing): ReportContext {
  const target = filingTarget(context, event);
  if (!target) return context;
  const at = filedAt(event);
  // Replay gives back the recorded facts, where a filing without 越级 says null.
  const directTo = event.directTo ?? null;
  const filed: ReportItem = {
    ...target.item,
    submittedAt: at,
    submittedBy: event.meta.actor.userId,
    firstSubmittedAt: target.item.firstSubmittedAt ?? at,
    reportId: event.reportId ?? null,
    directTo,
    copiedTo: directTo === null ? [] : passedOver(context, target.item.to, directTo),
    missingFields: missingFieldsOf(event),
  };
  const items = target.isNew ? [...context.items, filed] : context.items.map((i) => (i.id === filed.id ? filed : i));
  const lines = context.lines.map((l) =>
    l.from !== filed.from
      ? l
      : filed.kind === 'followUp'
        ? { ...l, followUps: Math.max(l.followUps, filed.number ?? 0) }
        : filed.kind === 'supplementary'
          ? { ...l, supplements: l.supplements + 1 }
          : l,
  );
  const next = { ...context, items, lines };
  return { ...next, items: schedule(next, false) };
}

/** What a filing event records besides the payload: which report it was, to whom, and how late. */
function filingFacts(before: ReportContext, after: ReportContext, event: Filing): Record<string, unknown> {
  const target = filingTarget(before, event);
  const item = target ? after.items.find((i) => i.id === target.item.id) : undefined;
  if (!item) return {};
  return {
    id: item.id,
    key: item.key,
    kind: item.kind,
    number: item.number,
    from: item.from,
    to: item.to,
    directTo: item.directTo,
    copiedTo: item.copiedTo,
    title: item.kind === 'followUp' && item.number !== null ? followUpTitle(item.number) : item.kind,
    dueAt: item.dueAt,
    submittedAt: item.submittedAt,
    resubmitted: item.returns.length > 0,
    minutesLate: minutesLate(item),
    missingFields: item.missingFields,
  };
}

/** Deadlines the timers service should hold for this obligation: every open item with a due time. */
export function pendingDeadlines(context: ReportContext): { key: string; dueAt: string; from: string }[] {
  return context.items.filter((i) => isOpen(i) && i.dueAt !== null).map((i) => ({ key: i.id, dueAt: i.dueAt ?? '', from: i.from }));
}

/**
 * JSON with object keys sorted. Stored state comes back from jsonb with its keys reordered, so a
 * plain JSON.stringify comparison would call equal terms different when deciding and equal when
 * replaying, and replay would then refuse the recorded event.
 */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

const chainOf = (lines: readonly ReportLine[]) => lines.map((l) => ({ from: l.from, to: l.to, role: l.role }));

export const reportMachine = setup({
  types: { context: {} as ReportContext, events: {} as ReportCommand, emitted: {} as EmittedEvent },
  guards: {
    fileable: ({ context, event }) => isFiling(event) && filingTarget(context, event) !== null,
    // Only the deadline the obligation holds now counts: a stale one (moved by a severity change, or
    // met in the meantime) is refused, so a late or repeated firing never makes a report overdue.
    deadlineCurrent: ({ context, event }) => {
      if (event.type !== 'DeadlinePassed') return false;
      const item = namedItem(context, event);
      return item !== undefined && isOpen(item) && item.dueAt !== null && Date.parse(item.dueAt) === Date.parse(event.dueAt);
    },
    termsChanged: ({ context, event }) =>
      event.type === 'AdjustReportObligation' &&
      (event.severity !== context.severity ||
        event.category !== context.category ||
        event.subtype !== context.subtype ||
        canonical(event.terms) !== canonical(context.terms) ||
        canonical(event.chain) !== canonical(chainOf(context.lines))),
    chainChanged: ({ context, event }) => event.type === 'RechargeReportObligation' && (event.lead !== context.lead || canonical(event.chain) !== canonical(chainOf(context.lines))),
    // A filed report not yet acknowledged may be acknowledged or sent back.
    awaitingReceipt: ({ context, event }) => {
      const item = namedItem(context, event);
      return item !== undefined && item.submittedAt !== null && item.receivedAt === null;
    },
  },
  actions: {
    record: emit(({ event }) => ({ type: REPORT_EVENT_FOR[event.type], data: payload(event) })),
    touch: assign({ updatedAt: ({ event }) => event.meta.now }),
    open: assign(({ event }) => {
      const c = as(event, 'OpenReportObligation');
      const opened: ReportContext = {
        ...emptyContext,
        incidentId: c.incidentId,
        severity: c.severity,
        category: c.category,
        subtype: c.subtype,
        lead: c.lead,
        exercise: c.exercise,
        receivedAt: c.receivedAt,
        occurredAt: c.occurredAt,
        confirmedAt: c.confirmedAt,
        terms: c.terms,
        // Every line the obligation opens with counts from 接报.
        lines: c.chain.map((link) => ({ ...link, clockFrom: c.receivedAt, since: c.receivedAt, followUps: 0, supplements: 0 })),
      };
      return { ...opened, items: schedule(opened, true) };
    }),
    adjust: assign(({ context, event }) => {
      const c = as(event, 'AdjustReportObligation');
      const lines = linesFor(context, c.chain, c.meta.now);
      const { items } = recharge(context, lines, c.meta.now);
      const next = { ...context, severity: c.severity, category: c.category, subtype: c.subtype, terms: c.terms, lines, items };
      return { ...next, items: schedule(next, true) };
    }),
    recordRecharge: emit(({ context, event }) => {
      const c = as(event, 'RechargeReportObligation');
      const { changes } = recharge(context, linesFor(context, c.chain, c.meta.now), c.meta.now);
      return { type: REPORT_EVENT_FOR[c.type], data: { ...payload(c), formerLead: context.lead, changes } };
    }),
    recharge: assign(({ context, event }) => {
      const c = as(event, 'RechargeReportObligation');
      const lines = linesFor(context, c.chain, c.meta.now);
      const { items } = recharge(context, lines, c.meta.now);
      const next = { ...context, lead: c.lead, lines, items };
      return { ...next, items: schedule(next, false) };
    }),
    requireFinal: assign(({ context, event }) => {
      const next = { ...context, liftedAt: as(event, 'RequireFinalReport').liftedAt };
      return { ...next, items: schedule(next, false) };
    }),
    recordFiling: emit(({ context, event }) => {
      if (!isFiling(event)) throw new Error(`report machine: ${event.type} is not a filing`);
      return { type: REPORT_EVENT_FOR[event.type], data: { ...payload(event), ...filingFacts(context, file(context, event), event) } };
    }),
    file: assign(({ context, event }) => {
      if (!isFiling(event)) throw new Error(`report machine: ${event.type} is not a filing`);
      return file(context, event);
    }),
    // Consoles of the receiving room show the overdue report with whose it is (escalation, 督办);
    // in a drill (演练) no room receives it but the drill's own.
    recordOverdue: emit(({ context, event }) => {
      const c = as(event, 'DeadlinePassed');
      const item = namedItem(context, c);
      return {
        type: REPORT_EVENT_FOR[c.type],
        data: {
          ...payload(c),
          reportKey: item?.key ?? null,
          kind: item?.kind ?? null,
          number: item?.number ?? null,
          jurisdiction: item?.from ?? context.lead,
          // A drill's overdue report stays in the drill: it escalates to no real room above.
          upperJurisdiction: context.exercise ? null : (item?.to ?? null),
          incidentId: context.incidentId,
          exercise: context.exercise,
        },
      };
    }),
    overdue: assign({
      items: ({ context, event }) => {
        const item = namedItem(context, event);
        return context.items.map((i) => (i.id === item?.id ? { ...i, overdueAt: event.meta.now } : i));
      },
    }),
    recordReceipt: emit(({ context, event }) => {
      const item = namedItem(context, event);
      return { type: REPORT_EVENT_FOR[event.type], data: { ...payload(event), id: item?.id ?? null, kind: item?.kind ?? null, number: item?.number ?? null, from: item?.from ?? null, to: item?.to ?? null } };
    }),
    acknowledge: assign({
      items: ({ context, event }) => {
        const item = namedItem(context, event);
        return context.items.map((i) => (i.id === item?.id ? { ...i, receivedAt: event.meta.now, receivedBy: event.meta.actor.userId } : i));
      },
    }),
    // 退回: the filing is undone (kept in `returns`), and the report is due again on its own deadline.
    sendBack: assign({
      items: ({ context, event }) => {
        const c = as(event, 'ReturnReport');
        const item = namedItem(context, c);
        const dueAt = addMinutes(c.meta.now, context.terms?.correctionWithinMinutes ?? null);
        return context.items.map((i) =>
          i.id !== item?.id
            ? i
            : {
                ...i,
                returns: [...i.returns, { at: c.meta.now, by: c.meta.actor.userId, reason: c.reason, submittedAt: i.submittedAt }],
                submittedAt: null,
                submittedBy: null,
                overdueAt: null,
                dueAt,
              },
        );
      },
    }),
  },
}).createMachine({
  id: 'reportObligation',
  initial: 'none',
  context: emptyContext,
  states: {
    none: { on: { OpenReportObligation: { target: 'open', actions: ['open', 'touch', 'record'] } } },
    // Reports owed along the chain: phone, 初报, 续报 on the schedule, 补报 within the window.
    open: {
      on: {
        RecordPhoneReport: { guard: 'fileable', actions: ['recordFiling', 'file', 'touch'] },
        SubmitInitialReport: { guard: 'fileable', actions: ['recordFiling', 'file', 'touch'] },
        SubmitFollowUpReport: { guard: 'fileable', actions: ['recordFiling', 'file', 'touch'] },
        SubmitSupplementaryReport: { guard: 'fileable', actions: ['recordFiling', 'file', 'touch'] },
        AdjustReportObligation: { guard: 'termsChanged', actions: ['adjust', 'touch', 'record'] },
        RechargeReportObligation: { guard: 'chainChanged', actions: ['recordRecharge', 'recharge', 'touch'] },
        RequireFinalReport: { target: 'lifted', actions: ['requireFinal', 'touch', 'record'] },
        DeadlinePassed: { guard: 'deadlineCurrent', actions: ['recordOverdue', 'overdue', 'touch'] },
        AcknowledgeReport: { guard: 'awaitingReceipt', actions: ['recordReceipt', 'acknowledge', 'touch'] },
        ReturnReport: { guard: 'awaitingReceipt', actions: ['recordReceipt', 'sendBack', 'touch'] },
      },
    },
    // The response is lifted: the 终报 is due on every line; what is still owed may still be filed.
    lifted: {
      on: {
        RecordPhoneReport: { guard: 'fileable', actions: ['recordFiling', 'file', 'touch'] },
        SubmitInitialReport: { guard: 'fileable', actions: ['recordFiling', 'file', 'touch'] },
        SubmitFollowUpReport: { guard: 'fileable', actions: ['recordFiling', 'file', 'touch'] },
        SubmitFinalReport: { guard: 'fileable', actions: ['recordFiling', 'file', 'touch'] },
        SubmitSupplementaryReport: { guard: 'fileable', actions: ['recordFiling', 'file', 'touch'] },
        AdjustReportObligation: { guard: 'termsChanged', actions: ['adjust', 'touch', 'record'] },
        RechargeReportObligation: { guard: 'chainChanged', actions: ['recordRecharge', 'recharge', 'touch'] },
        DeadlinePassed: { guard: 'deadlineCurrent', actions: ['recordOverdue', 'overdue', 'touch'] },
        AcknowledgeReport: { guard: 'awaitingReceipt', actions: ['recordReceipt', 'acknowledge', 'touch'] },
        ReturnReport: { guard: 'awaitingReceipt', actions: ['recordReceipt', 'sendBack', 'touch'] },
      },
    },
  },
});

export const reportAggregate: AggregateDefinition<typeof reportMachine> = {
  streamType: 'report',
  machine: reportMachine,
  eventFor: REPORT_EVENT_FOR,
};
