import { assign, emit, setup } from 'xstate';
import { OVER_TAG, type AggregateDefinition } from '../aggregate';
import { severityAtLeast, type EmittedEvent } from '../shared';
import {
  SUPERVISION_DEADLINE_KEY,
  SUPERVISION_ESCALATED,
  SUPERVISION_EVENT_FOR,
  SUPERVISION_MAX_TERM_DAYS,
  SUPERVISION_MIN_SEVERITY,
  type SupervisionCommand,
  type SupervisionCommandType,
  type SupervisionContext,
} from './supervision.types';

function as<T extends SupervisionCommandType>(event: SupervisionCommand, type: T): Extract<SupervisionCommand, { type: T }> {
  if (event.type !== type) throw new Error(`supervision machine: expected ${type}, got ${event.type}`);
  return event as Extract<SupervisionCommand, { type: T }>;
}

function payload(command: SupervisionCommand): Record<string, unknown> {
  const { type: _type, meta: _meta, ...data } = command;
  return data;
}

const DAY_MS = 24 * 60 * 60_000;

/** One spelling of an instant, whatever offset it was sent with, so deadlines compare and show alike. */
const instant = (iso: string): string => new Date(Date.parse(iso)).toISOString();
const sameTime = (a: string | null, b: string): boolean => a !== null && Date.parse(a) === Date.parse(b);

/**
 * Why a deadline cannot be given at `now` (办理时限): it must lie in the future and within
 * SUPERVISION_MAX_TERM_DAYS; null when it may. The engine answers the sender with this message, and
 * the machine refuses such a deadline whoever sends it.
 */
export function supervisionDeadlineIssue(deadline: string, now: string): string | null {
  const due = Date.parse(deadline);
  const at = Date.parse(now);
  if (!Number.isFinite(due)) return 'must be an ISO 8601 time with an offset';
  if (due <= at) return 'must lie in the future';
  if (due > at + SUPERVISION_MAX_TERM_DAYS * DAY_MS) return `must lie within ${SUPERVISION_MAX_TERM_DAYS} days`;
  return null;
}

/**
 * The deadline row the timers should hold for an item: its deadline while it is open and not yet
 * passed; none once it passed, was reported done, or the item closed. Read from the context alone, so
 * the engine keeps the rows in step after every event.
 */
export function pendingSupervisionDeadline(context: SupervisionContext): { key: string; dueAt: string } | null {
  if (context.deadline === null || context.overdueAt !== null || context.doneReportedAt !== null || context.closedAt !== null) return null;
  return { key: SUPERVISION_DEADLINE_KEY, dueAt: context.deadline };
}

const emptyContext: SupervisionContext = {
  supervisionId: '',
  incidentId: '',
  task: '',
  owner: { jurisdiction: '', person: null },
  supervisingJurisdiction: '',
  severity: null,
  openedBy: '',
  openedAt: null,
  deadline: null,
  overdueAt: null,
  escalationLevel: 0,
  doneReportedAt: null,
  evidence: null,
  returns: 0,
  closedAt: null,
  closedBy: null,
  updatedAt: null,
};

export const supervisionMachine = setup({
  types: { context: {} as SupervisionContext, events: {} as SupervisionCommand, emitted: {} as EmittedEvent },
  guards: {
    // Only an incident of III or above is supervised, by a room other than the one that must act, on
    // a deadline it can meet.
    openable: ({ event }) =>
      event.type === 'OpenSupervision' &&
      event.severity !== null &&
      severityAtLeast(event.severity, SUPERVISION_MIN_SEVERITY) &&
      event.owner.jurisdiction !== event.supervisingJurisdiction &&
      supervisionDeadlineIssue(event.deadline, event.meta.now) === null,
    newDeadlineAcceptable: ({ event }) =>
      (event.type === 'ReturnSupervision' || event.type === 'ExtendSupervision') && supervisionDeadlineIssue(event.deadline, event.meta.now) === null,
    // Only the deadline the item holds now counts: a stale firing (the deadline was moved, or met in
    // the meantime) is refused, so a late or repeated firing never escalates the item twice.
    deadlineCurrent: ({ context, event }) => {
      if (event.type !== 'DeadlinePassed') return false;
      const pending = pendingSupervisionDeadline(context);
      return pending !== null && event.key === pending.key && sameTime(pending.dueAt, event.dueAt);
    },
  },
  actions: {
    record: emit(({ context, event }) => {
      const type = SUPERVISION_EVENT_FOR[event.type];
      if (event.type !== 'DeadlinePassed') return { type, data: payload(event) };
      // The supervising room's console shows whose item is late and how often it has been.
      return {
        type,
        data: {
          ...payload(event),
          supervisionId: context.supervisionId,
          owner: context.owner,
          supervisingJurisdiction: context.supervisingJurisdiction,
          escalationLevel: context.escalationLevel,
        },
      };
    }),
    // Addressed to the supervising room's leader (带班领导), who takes it up with the supervised room.
    escalate: emit(({ context }) => ({
      type: SUPERVISION_ESCALATED,
      data: {
        supervisionId: context.supervisionId,
        incidentId: context.incidentId,
        task: context.task,
        owner: context.owner,
        dueAt: context.deadline,
        escalationLevel: context.escalationLevel,
        to: { jurisdiction: context.supervisingJurisdiction, role: 'leader' },
      },
      derived: true,
    })),
    touch: assign({ updatedAt: ({ event }) => event.meta.now }),
    open: assign(({ event }) => {
      const c = as(event, 'OpenSupervision');
      return {
        ...emptyContext,
        supervisionId: c.supervisionId,
        incidentId: c.incidentId,
        task: c.task,
        owner: { jurisdiction: c.owner.jurisdiction, person: c.owner.person ?? null },
        supervisingJurisdiction: c.supervisingJurisdiction,
        severity: c.severity,
        openedBy: c.meta.actor.userId,
        openedAt: c.meta.now,
        deadline: instant(c.deadline),
      };
    }),
    done: assign(({ event }) => {
      const c = as(event, 'ReportSupervisionDone');
      return { doneReportedAt: c.meta.now, evidence: { text: c.evidence.text, references: c.evidence.references ?? [] } };
    }),
    close: assign({ closedAt: ({ event }) => event.meta.now, closedBy: ({ event }) => event.meta.actor.userId }),
    sendBack: assign(({ context, event }) => {
      const c = as(event, 'ReturnSupervision');
      return { doneReportedAt: null, evidence: null, returns: context.returns + 1, deadline: instant(c.deadline), overdueAt: null };
    }),
    extend: assign(({ event }) => ({ deadline: instant(as(event, 'ExtendSupervision').deadline), overdueAt: null })),
    overdue: assign(({ context, event }) => ({ overdueAt: instant(as(event, 'DeadlinePassed').dueAt), escalationLevel: context.escalationLevel + 1 })),
  },
}).createMachine({
  id: 'supervision',
  initial: 'none',
  context: emptyContext,
  states: {
    none: { on: { OpenSupervision: { guard: 'openable', target: 'open', actions: ['open', 'touch', 'record'] } } },
    // 办理中: the supervised room works on it against the deadline.
    open: {
      on: {
        ReportSupervisionProgress: { actions: ['touch', 'record'] },
        ReportSupervisionDone: { target: 'reportedDone', actions: ['done', 'touch', 'record'] },
        ExtendSupervision: { guard: 'newDeadlineAcceptable', actions: ['extend', 'touch', 'record'] },
        DeadlinePassed: { guard: 'deadlineCurrent', target: 'overdue', actions: ['overdue', 'touch', 'record', 'escalate'] },
      },
    },
    // 已逾期: the deadline passed unmet; the supervised room may still report, the supervising room may set a new deadline.
    overdue: {
      on: {
        ReportSupervisionProgress: { actions: ['touch', 'record'] },
        ReportSupervisionDone: { target: 'reportedDone', actions: ['done', 'touch', 'record'] },
        ExtendSupervision: { guard: 'newDeadlineAcceptable', target: 'open', actions: ['extend', 'touch', 'record'] },
      },
    },
    // 待审核: reported done; the supervising room accepts (办结) or sends it back (退回).
    reportedDone: {
      on: {
        CloseSupervision: { target: 'closed', actions: ['close', 'touch', 'record'] },
        ReturnSupervision: { guard: 'newDeadlineAcceptable', target: 'open', actions: ['sendBack', 'touch', 'record'] },
      },
    },
    closed: { type: 'final', tags: [OVER_TAG] },
  },
});

export const supervisionAggregate: AggregateDefinition<typeof supervisionMachine> = {
  streamType: 'supervision',
  machine: supervisionMachine,
  eventFor: SUPERVISION_EVENT_FOR,
};
