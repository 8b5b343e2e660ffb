import { assign, emit, setup } from 'xstate';
import { OVER_TAG, type AggregateDefinition } from '../aggregate';
import type { EmittedEvent } from '../shared';
import { DRILL_EVENT_FOR, injectDeadlineKey, type DrillCommand, type DrillCommandType, type DrillContext, type DrillState, type InjectInput } from './drill.types';

function as<T extends DrillCommandType>(event: DrillCommand, type: T): Extract<DrillCommand, { type: T }> {
  if (event.type !== type) throw new Error(`drill machine: expected ${type}, got ${event.type}`);
  return event as Extract<DrillCommand, { type: T }>;
}

function payload(command: DrillCommand): Record<string, unknown> {
  const { type: _type, meta: _meta, ...data } = command;
  return data;
}

/** One spelling of an instant, whatever offset it was sent with. */
const instant = (iso: string): string => new Date(Date.parse(iso)).toISOString();
const isInstant = (iso: string): boolean => Number.isFinite(Date.parse(iso));
const filled = (text: string): boolean => text.trim().length > 0;

const injectOf = (input: InjectInput) => ({
  injectId: input.injectId,
  kind: input.kind,
  dueAt: instant(input.dueAt),
  incidentId: input.incidentId ?? null,
  content: input.content,
  expectedAction: input.expectedAction ?? null,
  status: 'scheduled' as const,
  deliveredAt: null,
});

const injectsAcceptable = (inputs: readonly InjectInput[], taken: readonly string[]): boolean => {
  const ids = [...taken, ...inputs.map((i) => i.injectId)];
  return new Set(ids).size === ids.length && inputs.every((i) => filled(i.injectId) && filled(i.content) && isInstant(i.dueAt));
};

/**
 * The inject rows the timers should hold: every scheduled inject while the drill runs and is not
 * paused; none before StartEx, while paused, or after EndEx. Read from the context alone, so the engine
 * can keep the rows in step after every event (a pause cancels them, a resume schedules them again;
 * an inject whose time passed during the pause is delivered at the timers' next scan).
 */
export function pendingInjectDeadlines(context: DrillContext): { key: string; dueAt: string }[] {
  if (context.startedAt === null || context.endedAt !== null || context.cancelledAt !== null || context.injectsPaused) return [];
  return context.injects.filter((i) => i.status === 'scheduled').map((i) => ({ key: injectDeadlineKey(i.injectId), dueAt: i.dueAt }));
}

/** The states in which a participant of a double-blind drill may not yet see its plan (before EndEx). */
const BLIND_STATES: ReadonlySet<DrillState> = new Set(['planned', 'running']);

/**
 * What a room sees of a drill. The controller sees all of it. A participant never sees what the
 * controller expects of it nor an inject before it is delivered; in a double-blind drill (双盲) it also
 * sees neither title, scenario, objectives nor start time until the drill ends (EndEx).
 */
export function drillViewFor(context: DrillContext, state: DrillState, viewer: 'controller' | 'participant') {
  if (viewer === 'controller') return context;
  const delivered = context.injects.filter((i) => i.status === 'delivered').map((i) => ({ ...i, expectedAction: null }));
  const ended = !BLIND_STATES.has(state);
  if (ended) return { ...context, injects: context.injects.map((i) => ({ ...i })) };
  if (!context.doubleBlind) return { ...context, injects: delivered };
  return { ...context, title: '', scenario: '', objectives: [], scheduledStart: null, injects: delivered, observations: [] };
}

const emptyContext: DrillContext = {
  drillId: '',
  title: '',
  kind: 'tabletop',
  doubleBlind: false,
  controller: '',
  participants: [],
  objectives: [],
  scenario: '',
  scheduledStart: null,
  injects: [],
  injectsPaused: false,
  incidents: [],
  observations: [],
  hotWash: [],
  capabilities: [],
  correctiveActions: [],
  plannedBy: '',
  startedAt: null,
  endedAt: null,
  aarDraftedAt: null,
  closedAt: null,
  cancelledAt: null,
  updatedAt: null,
};

export const drillMachine = setup({
  types: { context: {} as DrillContext, events: {} as DrillCommand, emitted: {} as EmittedEvent },
  guards: {
    // A drill plays rooms other than the one that controls it, towards stated objectives.
    plannable: ({ event }) =>
      event.type === 'PlanDrill' &&
      filled(event.title) &&
      filled(event.controller) &&
      event.participants.length > 0 &&
      !event.participants.includes(event.controller) &&
      event.objectives.length > 0 &&
      event.objectives.every(filled) &&
      (event.scheduledStart === undefined || isInstant(event.scheduledStart)) &&
      injectsAcceptable(event.injects ?? [], []),
    injectAcceptable: ({ context, event }) =>
      event.type === 'AddInject' &&
      injectsAcceptable(
        [event.inject],
        context.injects.map((i) => i.injectId),
      ),
    injectScheduled: ({ context, event }) => event.type === 'SkipInject' && context.injects.some((i) => i.injectId === event.injectId && i.status === 'scheduled'),
    incidentNew: ({ context, event }) => event.type === 'LinkDrillIncident' && filled(event.incidentId) && !context.incidents.includes(event.incidentId),
    running: ({ context }) => !context.injectsPaused,
    paused: ({ context }) => context.injectsPaused,
    // Only a row the drill holds now delivers: a stale firing (the inject was skipped, moved, or the
    // drill paused in the meantime) is refused, so no inject is delivered twice or while paused.
    injectDue: ({ context, event }) =>
      event.type === 'DeadlinePassed' && pendingInjectDeadlines(context).some((d) => d.key === event.key && Date.parse(d.dueAt) === Date.parse(event.dueAt)),
    noteFilled: ({ event }) => (event.type === 'RecordObservation' ? filled(event.objective) && filled(event.note) : event.type === 'RecordHotWash' && filled(event.note)),
    // The AAR/IP rates at least one capability, and every corrective action has an owner and a deadline.
    draftable: ({ event }) =>
      event.type === 'DraftAfterActionReport' &&
      event.capabilities.length > 0 &&
      event.capabilities.every((c) => filled(c.capability)) &&
      event.correctiveActions.every((a) => filled(a.action) && filled(a.owner) && isInstant(a.deadline)),
    reasonGiven: ({ event }) => event.type === 'CancelDrill' && filled(event.reason),
  },
  actions: {
    record: emit(({ event }) => ({ type: DRILL_EVENT_FOR[event.type], data: payload(event) })),
    // What the participants receive, as if from outside; never what the controller expects of them.
    recordDelivery: emit(({ context, event }) => {
      const c = as(event, 'DeadlinePassed');
      const inject = context.injects.find((i) => injectDeadlineKey(i.injectId) === c.key);
      return {
        type: DRILL_EVENT_FOR.DeadlinePassed,
        data: {
          ...payload(c),
          drillId: context.drillId,
          injectId: inject?.injectId ?? null,
          kind: inject?.kind ?? null,
          incidentId: inject?.incidentId ?? context.incidents[0] ?? null,
          content: inject?.content ?? null,
        },
      };
    }),
    plan: assign(({ event }) => {
      const c = as(event, 'PlanDrill');
      return {
        ...emptyContext,
        drillId: c.drillId,
        title: c.title,
        kind: c.kind,
        doubleBlind: c.doubleBlind,
        controller: c.controller,
        participants: [...c.participants],
        objectives: [...c.objectives],
        scenario: c.scenario,
        scheduledStart: c.scheduledStart === undefined ? null : instant(c.scheduledStart),
        injects: (c.injects ?? []).map(injectOf),
        plannedBy: c.meta.actor.userId,
      };
    }),
    addInject: assign({ injects: ({ context, event }) => [...context.injects, injectOf(as(event, 'AddInject').inject)] }),
    skipInject: assign({
      injects: ({ context, event }) => context.injects.map((i) => (i.injectId === as(event, 'SkipInject').injectId ? { ...i, status: 'skipped' as const } : i)),
    }),
    start: assign({ startedAt: ({ event }) => event.meta.now }),
    link: assign({ incidents: ({ context, event }) => [...context.incidents, as(event, 'LinkDrillIncident').incidentId] }),
    pause: assign({ injectsPaused: true }),
    resume: assign({ injectsPaused: false }),
    deliver: assign({
      injects: ({ context, event }) => {
        const c = as(event, 'DeadlinePassed');
        return context.injects.map((i) =>
          injectDeadlineKey(i.injectId) === c.key ? { ...i, status: 'delivered' as const, deliveredAt: event.meta.now, incidentId: i.incidentId ?? context.incidents[0] ?? null } : i,
        );
      },
    }),
    end: assign({ endedAt: ({ event }) => event.meta.now }),
    observe: assign({
      observations: ({ context, event }) => {
        const c = as(event, 'RecordObservation');
        return [...context.observations, { by: c.meta.actor.userId, at: c.meta.now, objective: c.objective, note: c.note }];
      },
    }),
    hotWash: assign({ hotWash: ({ context, event }) => [...context.hotWash, as(event, 'RecordHotWash').note] }),
    draft: assign(({ event }) => {
      const c = as(event, 'DraftAfterActionReport');
      return {
        capabilities: c.capabilities.map((cap) => ({ ...cap, strengths: [...cap.strengths], improvements: [...cap.improvements] })),
        correctiveActions: c.correctiveActions.map((a) => ({ ...a, deadline: instant(a.deadline) })),
        aarDraftedAt: c.meta.now,
      };
    }),
    close: assign({ closedAt: ({ event }) => event.meta.now }),
    cancel: assign({ cancelledAt: ({ event }) => event.meta.now }),
    touch: assign({ updatedAt: ({ event }) => event.meta.now }),
  },
}).createMachine({
  id: 'drill',
  initial: 'none',
  context: emptyContext,
  states: {
    none: { on: { PlanDrill: { guard: 'plannable', target: 'planned', actions: ['plan', 'touch', 'record'] } } },
    // 计划: the controller writes the MSEL; the participants of a double-blind drill know nothing of it.
    planned: {
      on: {
        AddInject: { guard: 'injectAcceptable', actions: ['addInject', 'touch', 'record'] },
        SkipInject: { guard: 'injectScheduled', actions: ['skipInject', 'touch', 'record'] },
        StartDrill: { target: 'running', actions: ['start', 'touch', 'record'] },
        CancelDrill: { guard: 'reasonGiven', target: 'cancelled', actions: ['cancel', 'touch', 'record'] },
      },
    },
    // 实施: injects arrive at their times; the controller may pause, skip or add them live.
    running: {
      on: {
        AddInject: { guard: 'injectAcceptable', actions: ['addInject', 'touch', 'record'] },
        SkipInject: { guard: 'injectScheduled', actions: ['skipInject', 'touch', 'record'] },
        LinkDrillIncident: { guard: 'incidentNew', actions: ['link', 'touch', 'record'] },
        PauseInjects: { guard: 'running', actions: ['pause', 'touch', 'record'] },
        ResumeInjects: { guard: 'paused', actions: ['resume', 'touch', 'record'] },
        DeadlinePassed: { guard: 'injectDue', actions: ['recordDelivery', 'deliver', 'touch'] },
        RecordObservation: { guard: 'noteFilled', actions: ['observe', 'touch', 'record'] },
        EndDrill: { target: 'hotWash', actions: ['end', 'touch', 'record'] },
      },
    },
    // 复盘 (hot wash): straight after EndEx, players and evaluators say what went well and what did not.
    hotWash: {
      on: {
        RecordObservation: { guard: 'noteFilled', actions: ['observe', 'touch', 'record'] },
        RecordHotWash: { guard: 'noteFilled', actions: ['hotWash', 'touch', 'record'] },
        DraftAfterActionReport: { guard: 'draftable', target: 'aarDrafted', actions: ['draft', 'touch', 'record'] },
      },
    },
    // AAR/IP drafted: it may be redrafted until the controller closes the drill.
    aarDrafted: {
      on: {
        DraftAfterActionReport: { guard: 'draftable', actions: ['draft', 'touch', 'record'] },
        CloseDrill: { target: 'closed', actions: ['close', 'touch', 'record'] },
      },
    },
    closed: { type: 'final', tags: [OVER_TAG] },
    cancelled: { type: 'final', tags: [OVER_TAG] },
  },
});

export const drillAggregate: AggregateDefinition<typeof drillMachine> = {
  streamType: 'drill',
  machine: drillMachine,
  eventFor: DRILL_EVENT_FOR,
};
