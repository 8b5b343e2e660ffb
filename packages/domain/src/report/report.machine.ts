import { assign, emit, setup } from 'xstate';
import type { AggregateDefinition } from '../aggregate';
import type { EmittedEvent } from '../shared';
import { addMinutes } from './report.rules';
import {
  REPORT_EVENT_FOR,
  followUpTitle,
  type ReportCommand,
  type ReportCommandType,
  type ReportContext,
  type ReportItem,
  type ReportKind,
  type ReportTerms,
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
  jurisdiction: '',
  upperJurisdiction: null,
  exercise: false,
  confirmedAt: null,
  liftedAt: null,
  terms: null,
  items: [],
  followUps: 0,
  updatedAt: null,
};

const newItem = (key: string, kind: ReportKind, number: number | null, dueAt: string | null): ReportItem => ({
  key,
  kind,
  number,
  dueAt,
  submittedAt: null,
  submittedBy: null,
  reportId: null,
  overdueAt: null,
  receivedAt: null,
  receivedBy: null,
});

/** Still owed on a clock: neither filed nor already recorded overdue. */
const isOpen = (item: ReportItem): boolean => item.submittedAt === null && item.overdueAt === null;
const followUpKey = (n: number): string => `followUp-${n}`;
const sameTime = (a: string | null, b: string | null): boolean => a !== null && b !== null && Date.parse(a) === Date.parse(b);

/** When the last written report (初报 or 续报) was filed: the next 续报 runs from there. */
function lastWrittenAt(items: readonly ReportItem[]): string | null {
  const written = items.filter((i) => (i.kind === 'initial' || i.kind === 'followUp') && i.submittedAt !== null);
  return written.reduce<string | null>((latest, i) => (latest === null || Date.parse(i.submittedAt ?? '') > Date.parse(latest) ? i.submittedAt : latest), null);
}

/**
 * The items as the terms and the facts so far make them: what is due and when. An item already filed
 * or already overdue is a fact and never changes; an open one follows the terms (it moves, appears or
 * goes away when severity changes). Pure, so replay computes the same schedule.
 */
function schedule(context: ReportContext, terms: ReportTerms | null): ReportItem[] {
  const items = [...context.items];
  const want = (key: string, kind: ReportKind, number: number | null, dueAt: string | null) => {
    const at = items.findIndex((i) => i.key === key);
    const existing = items[at];
    if (existing === undefined) {
      if (dueAt !== null) items.push(newItem(key, kind, number, dueAt));
      return;
    }
    if (!isOpen(existing)) return;
    if (dueAt === null) items.splice(at, 1);
    else items[at] = { ...existing, dueAt };
  };
  const finalFiled = items.some((i) => i.kind === 'final' && i.submittedAt !== null);
  want('phone', 'phone', null, finalFiled ? null : addMinutes(context.confirmedAt, terms?.phoneMinutes ?? null));
  want('initial', 'initial', null, finalFiled ? null : addMinutes(context.confirmedAt, terms?.writtenMinutes ?? null));
  // 续报 run at the cadence after the 初报 until the response is lifted; then only the 终报 is due.
  const initialFiled = items.some((i) => i.kind === 'initial' && i.submittedAt !== null);
  const cadence = initialFiled && context.liftedAt === null && !finalFiled ? (terms?.followUpEveryMinutes ?? null) : null;
  want(followUpKey(context.followUps + 1), 'followUp', context.followUps + 1, addMinutes(lastWrittenAt(items), cadence));
  want('final', 'final', null, finalFiled ? null : addMinutes(context.liftedAt, terms?.finalWithinMinutes ?? null));
  return items;
}

/** Marks an item filed (adding it when nothing made it due), then lets the schedule follow. */
function file(context: ReportContext, key: string, kind: ReportKind, number: number | null, at: string, by: string, reportId: string | null): ReportContext {
  const filed = { submittedAt: at, submittedBy: by, reportId };
  const items = context.items.some((i) => i.key === key)
    ? context.items.map((i) => (i.key === key ? { ...i, ...filed } : i))
    : [...context.items, { ...newItem(key, kind, number, null), ...filed }];
  const next = { ...context, items, followUps: kind === 'followUp' ? context.followUps + 1 : context.followUps };
  return { ...next, items: schedule(next, next.terms) };
}

/** Deadlines the timers service should hold for this obligation: every open item with a due time. */
export function pendingDeadlines(context: ReportContext): { key: string; dueAt: string }[] {
  return context.items.filter((i) => isOpen(i) && i.dueAt !== null).map((i) => ({ key: i.key, dueAt: i.dueAt ?? '' }));
}

/** Minutes a filed report was late (0 when on time); null when it had no deadline or is not filed. */
export function minutesLate(item: Pick<ReportItem, 'dueAt' | 'submittedAt'>): number | null {
  if (item.dueAt === null || item.submittedAt === null) return null;
  return Math.max(0, Math.round((Date.parse(item.submittedAt) - Date.parse(item.dueAt)) / 60_000));
}

function itemOf(context: ReportContext, key: string): ReportItem | undefined {
  return context.items.find((i) => i.key === key);
}

/** What a filing event records besides the payload: which report it was and how late. */
function filingFacts(context: ReportContext, key: string): Record<string, unknown> {
  const item = itemOf(context, key);
  if (!item) return { key };
  return {
    key,
    kind: item.kind,
    number: item.number,
    title: item.kind === 'followUp' && item.number !== null ? followUpTitle(item.number) : item.kind,
    dueAt: item.dueAt,
    submittedAt: item.submittedAt,
    minutesLate: minutesLate(item),
  };
}

/** The key a command concerns, once the command has been applied. */
function keyOf(context: ReportContext, event: ReportCommand): string | null {
  switch (event.type) {
    case 'RecordPhoneReport':
      return 'phone';
    case 'SubmitInitialReport':
      return 'initial';
    case 'SubmitFollowUpReport':
      return followUpKey(context.followUps);
    case 'SubmitFinalReport':
      return 'final';
    case 'AcknowledgeReport':
    case 'DeadlinePassed':
      return event.key;
    case 'OpenReportObligation':
    case 'AdjustReportObligation':
    case 'RequireFinalReport':
      return null;
    default: {
      const unknown: never = event;
      throw new Error(`report machine: unknown command ${JSON.stringify(unknown)}`);
    }
  }
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

export const reportMachine = setup({
  types: { context: {} as ReportContext, events: {} as ReportCommand, emitted: {} as EmittedEvent },
  guards: {
    phoneNotRecorded: ({ context }) => !context.items.some((i) => i.kind === 'phone' && i.submittedAt !== null),
    finalRequired: ({ context }) => context.liftedAt !== null,
    // Only the deadline the obligation holds now counts: a stale one (moved by a severity change, or
    // met in the meantime) is refused, so a late or repeated firing never makes a report overdue.
    deadlineCurrent: ({ context, event }) => {
      if (event.type !== 'DeadlinePassed') return false;
      const item = itemOf(context, event.key);
      return item !== undefined && isOpen(item) && sameTime(item.dueAt, event.dueAt);
    },
    termsChanged: ({ context, event }) =>
      event.type === 'AdjustReportObligation' &&
      (event.severity !== context.severity || event.category !== context.category || canonical(event.terms) !== canonical(context.terms)),
    acknowledgeable: ({ context, event }) => {
      if (event.type !== 'AcknowledgeReport') return false;
      const item = itemOf(context, event.key);
      return item !== undefined && item.submittedAt !== null && item.receivedAt === null;
    },
  },
  actions: {
    record: emit(({ context, event }) => {
      const type = REPORT_EVENT_FOR[event.type];
      const key = keyOf(context, event);
      if (event.type === 'DeadlinePassed') {
        const item = itemOf(context, event.key);
        // Consoles of the upper room show the overdue report with whose it is (escalation, 督办).
        return {
          type,
          data: {
            ...payload(event),
            kind: item?.kind ?? null,
            number: item?.number ?? null,
            jurisdiction: context.jurisdiction,
            upperJurisdiction: context.upperJurisdiction,
            incidentId: context.incidentId,
          },
        };
      }
      return { type, data: key === null || event.type === 'AcknowledgeReport' ? payload(event) : { ...payload(event), ...filingFacts(context, key) } };
    }),
    touch: assign({ updatedAt: ({ event }) => event.meta.now }),
    open: assign(({ event }) => {
      const c = as(event, 'OpenReportObligation');
      const opened: ReportContext = {
        ...emptyContext,
        incidentId: c.incidentId,
        severity: c.severity,
        category: c.category,
        jurisdiction: c.jurisdiction,
        upperJurisdiction: c.upperJurisdiction,
        exercise: c.exercise,
        confirmedAt: c.confirmedAt,
        terms: c.terms,
      };
      return { ...opened, items: schedule(opened, c.terms) };
    }),
    adjust: assign(({ context, event }) => {
      const c = as(event, 'AdjustReportObligation');
      const next = { ...context, severity: c.severity, category: c.category, terms: c.terms };
      return { ...next, items: schedule(next, c.terms) };
    }),
    requireFinal: assign(({ context, event }) => {
      const next = { ...context, liftedAt: as(event, 'RequireFinalReport').liftedAt };
      return { ...next, items: schedule(next, next.terms) };
    }),
    // A phone report is filed when the call was made (occurredAt), never later than it was recorded.
    phone: assign(({ context, event }) => {
      const c = as(event, 'RecordPhoneReport');
      const at = Date.parse(c.meta.occurredAt) < Date.parse(c.meta.now) ? new Date(Date.parse(c.meta.occurredAt)).toISOString() : c.meta.now;
      return file(context, 'phone', 'phone', null, at, c.meta.actor.userId, c.reportId ?? null);
    }),
    // Written reports are filed when the system receives them: that is when the upper room has them.
    initial: assign(({ context, event }) => {
      const c = as(event, 'SubmitInitialReport');
      return file(context, 'initial', 'initial', null, c.meta.now, c.meta.actor.userId, c.reportId ?? null);
    }),
    followUp: assign(({ context, event }) => {
      const c = as(event, 'SubmitFollowUpReport');
      const n = context.followUps + 1;
      return file(context, followUpKey(n), 'followUp', n, c.meta.now, c.meta.actor.userId, c.reportId ?? null);
    }),
    final: assign(({ context, event }) => {
      const c = as(event, 'SubmitFinalReport');
      return file(context, 'final', 'final', null, c.meta.now, c.meta.actor.userId, c.reportId ?? null);
    }),
    overdue: assign({
      items: ({ context, event }) => {
        const c = as(event, 'DeadlinePassed');
        return context.items.map((i) => (i.key === c.key ? { ...i, overdueAt: c.meta.now } : i));
      },
    }),
    acknowledge: assign({
      items: ({ context, event }) => {
        const c = as(event, 'AcknowledgeReport');
        return context.items.map((i) => (i.key === c.key ? { ...i, receivedAt: c.meta.now, receivedBy: c.meta.actor.userId } : i));
      },
    }),
  },
}).createMachine({
  id: 'reportObligation',
  initial: 'none',
  context: emptyContext,
  states: {
    none: { on: { OpenReportObligation: { target: 'initialDue', actions: ['open', 'touch', 'record'] } } },
    // 初报 owed: the phone report and the initial written report.
    initialDue: {
      on: {
        RecordPhoneReport: { guard: 'phoneNotRecorded', actions: ['phone', 'touch', 'record'] },
        SubmitInitialReport: [
          { guard: 'finalRequired', target: 'finalDue', actions: ['initial', 'touch', 'record'] },
          { target: 'continuing', actions: ['initial', 'touch', 'record'] },
        ],
        AdjustReportObligation: { guard: 'termsChanged', actions: ['adjust', 'touch', 'record'] },
        // Lifted before the 初报 came: the 初报 is still owed first, then the 终报.
        RequireFinalReport: { actions: ['requireFinal', 'touch', 'record'] },
        DeadlinePassed: { guard: 'deadlineCurrent', actions: ['overdue', 'touch', 'record'] },
        AcknowledgeReport: { guard: 'acknowledgeable', actions: ['acknowledge', 'touch', 'record'] },
      },
    },
    // 续报 at the cadence, numbered.
    continuing: {
      on: {
        RecordPhoneReport: { guard: 'phoneNotRecorded', actions: ['phone', 'touch', 'record'] },
        SubmitFollowUpReport: { actions: ['followUp', 'touch', 'record'] },
        AdjustReportObligation: { guard: 'termsChanged', actions: ['adjust', 'touch', 'record'] },
        RequireFinalReport: { target: 'finalDue', actions: ['requireFinal', 'touch', 'record'] },
        DeadlinePassed: { guard: 'deadlineCurrent', actions: ['overdue', 'touch', 'record'] },
        AcknowledgeReport: { guard: 'acknowledgeable', actions: ['acknowledge', 'touch', 'record'] },
      },
    },
    // The response is lifted: the 终报 is due (a last 续报 may still come).
    finalDue: {
      on: {
        RecordPhoneReport: { guard: 'phoneNotRecorded', actions: ['phone', 'touch', 'record'] },
        SubmitFollowUpReport: { actions: ['followUp', 'touch', 'record'] },
        SubmitFinalReport: { target: 'finalSubmitted', actions: ['final', 'touch', 'record'] },
        AdjustReportObligation: { guard: 'termsChanged', actions: ['adjust', 'touch', 'record'] },
        DeadlinePassed: { guard: 'deadlineCurrent', actions: ['overdue', 'touch', 'record'] },
        AcknowledgeReport: { guard: 'acknowledgeable', actions: ['acknowledge', 'touch', 'record'] },
      },
    },
    // Not a final state: the upper room still acknowledges the 终报. Nothing is due any more.
    finalSubmitted: {
      on: { AcknowledgeReport: { guard: 'acknowledgeable', actions: ['acknowledge', 'touch', 'record'] } },
    },
  },
});

export const reportAggregate: AggregateDefinition<typeof reportMachine> = {
  streamType: 'report',
  machine: reportMachine,
  eventFor: REPORT_EVENT_FOR,
};
