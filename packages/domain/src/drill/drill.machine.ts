import { assign, emit, setup } from 'xstate';
import { OVER_TAG, type AggregateDefinition } from '../aggregate';
import type { EmittedEvent } from '../shared';
import { correctiveActionDeadlineKey, DRILL_EVENT_FOR, injectDeadlineKey, type DrillCommand, type DrillCommandType, type DrillContext, type DrillState, type InjectFigures, type InjectInput } from './drill.types';

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
  figures: input.figures === undefined ? null : { ...input.figures },
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

/**
 * The corrective-action rows the timers should hold: each open action of a drafted AAR/IP that is not
 * yet overdue, at its deadline. Closing it or its firing (overdue, once) removes its row.
 */
function pendingActionDeadlines(context: DrillContext): { key: string; dueAt: string }[] {
  if (context.aarDraftedAt === null || context.cancelledAt !== null) return [];
  return context.correctiveActions
    .filter((a) => a.closedAt === null && a.overdueAt === null)
    .map((a) => ({ key: correctiveActionDeadlineKey(a.actionId), dueAt: a.deadline }));
}

/**
 * Every deadline row a drill holds now, with the command the timers send when it falls due: its
 * injects' deliveries and its corrective actions' deadlines. The engine keeps the rows equal to these.
 */
export function pendingDrillDeadlines(context: DrillContext): { key: string; dueAt: string; command: { type: 'DeadlinePassed' | 'MarkCorrectiveActionOverdue'; data: { key: string; dueAt: string } } }[] {
  return [
    ...pendingInjectDeadlines(context).map((d) => ({ ...d, command: { type: 'DeadlinePassed' as const, data: { key: d.key, dueAt: d.dueAt } } })),
    ...pendingActionDeadlines(context).map((d) => ({ ...d, command: { type: 'MarkCorrectiveActionOverdue' as const, data: { key: d.key, dueAt: d.dueAt } } })),
  ];
}

/**
 * How an inject due now reaches the drill's incidents, as if from outside (the timers send it through
 * the ordinary incident and scene commands): into its incident (or the drill's first), whose details
 * take what the caller, sensor or scene says and whose scene, if one is in command, the figures; with
 * no drill incident yet, the call or alarm opens one in the first participant's room; a call (`call`)
 * is also logged in the watch log of the incident's room. Null when the
 * key names no inject pending now (skipped, delivered, paused: nothing is delivered).
 */
export function injectDeliveryFor(
  context: DrillContext,
  key: string,
):
  | { open: { title: string; description: string; leadJurisdiction: string; source: 'phone' | 'sensor'; exercise: true }; call: boolean }
  | { incidentId: string; details: { description: string }; figures: InjectFigures | null; reportId: string; call: boolean }
  | null {
  if (!pendingInjectDeadlines(context).some((d) => d.key === key)) return null;
  const inject = context.injects.find((i) => injectDeadlineKey(i.injectId) === key);
  if (!inject) return null;
  // A call also rings in the room's watch log (值班记录), as a drill's call.
  const call = inject.kind === 'watchLogCall';
  // Only ever one of the drill's own incidents: an id the MSEL names that is not one goes to the first.
  const named = inject.incidentId !== null && context.incidents.includes(inject.incidentId) ? inject.incidentId : null;
  const incidentId = named ?? context.incidents[0] ?? null;
  if (incidentId === null) {
    const lead = context.participants[0] ?? context.controller;
    const title = inject.content.length > 100 ? `${inject.content.slice(0, 99)}…` : inject.content;
    return { open: { title, description: inject.content, leadJurisdiction: lead, source: inject.kind === 'sensorAlarm' ? 'sensor' : 'phone', exercise: true }, call };
  }
  return { incidentId, details: { description: inject.content }, figures: inject.figures, reportId: `inject-${inject.injectId}`, call };
}

/** The room that may act as the drill's: its controller, or one of its participants. */
export function drillRoleOf(context: Pick<DrillContext, 'controller' | 'participants'>, jurisdiction: string): 'controller' | 'participant' | null {
  if (jurisdiction === context.controller) return 'controller';
  return context.participants.includes(jurisdiction) ? 'participant' : null;
}

/**
 * Whether and how a room sees the drill at all: its controller always; a participant once the drill
 * has started, or from its planning when it is not double-blind — a double-blind drill comes without
 * notice (不打招呼, ref §1.8), so before StartEx its players do not know it exists.
 */
export function drillViewerOf(context: Pick<DrillContext, 'controller' | 'participants' | 'doubleBlind' | 'startedAt'>, jurisdiction: string): 'controller' | 'participant' | null {
  const role = drillRoleOf(context, jurisdiction);
  return role === 'participant' && context.doubleBlind && context.startedAt === null ? null : role;
}

/** The states in which a participant of a double-blind drill may not yet see its plan (before EndEx). */
const BLIND_STATES: ReadonlySet<DrillState> = new Set(['planned', 'running']);

/**
 * What a room sees of a drill. The controller sees all of it. A participant never sees what the
 * controller expects of it nor an inject before it is delivered; in a double-blind drill (双盲) it also
 * sees neither title, scenario, objectives, plan nor start time until the drill ends (EndEx).
 */
export function drillViewFor(context: DrillContext, state: DrillState, viewer: 'controller' | 'participant') {
  if (viewer === 'controller') return context;
  const delivered = context.injects.filter((i) => i.status === 'delivered').map((i) => ({ ...i, expectedAction: null }));
  const ended = !BLIND_STATES.has(state);
  if (ended) return { ...context, injects: context.injects.map((i) => ({ ...i })) };
  if (!context.doubleBlind) return { ...context, injects: delivered };
  return { ...context, title: '', scenario: '', objectives: [], planId: null, scheduledStart: null, injects: delivered, observations: [] };
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
  planId: null,
  scheduledStart: null,
  injects: [],
  injectsPaused: false,
  incidents: [],
  observations: [],
  hotWash: [],
  capabilities: [],
  correctiveActions: [],
  planRevision: null,
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
      new Set(event.participants).size === event.participants.length &&
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
    // An evaluator's observation is against one of the drill's objectives.
    noteFilled: ({ context, event }) =>
      event.type === 'RecordObservation' ? context.objectives.includes(event.objective) && filled(event.note) : event.type === 'RecordHotWash' && filled(event.note),
    // The AAR/IP rates at least one capability, and every corrective action has an owner (a room of
    // the drill) and a deadline; an action once closed stays in the plan (it may not be dropped).
    draftable: ({ context, event }) =>
      event.type === 'DraftAfterActionReport' &&
      event.capabilities.length > 0 &&
      event.capabilities.every((c) => filled(c.capability)) &&
      new Set(event.correctiveActions.map((a) => a.actionId)).size === event.correctiveActions.length &&
      event.correctiveActions.every((a) => filled(a.actionId) && filled(a.action) && drillRoleOf(context, a.owner) !== null && isInstant(a.deadline)) &&
      context.correctiveActions.every((a) => a.closedAt === null || event.correctiveActions.some((b) => b.actionId === a.actionId)),
    actionOpen: ({ context, event }) =>
      event.type === 'CloseCorrectiveAction' && filled(event.closure) && context.correctiveActions.some((a) => a.actionId === event.actionId && a.closedAt === null),
    // Only the row the action holds now: a closed, already overdue or moved action is not marked again.
    actionDue: ({ context, event }) =>
      event.type === 'MarkCorrectiveActionOverdue' && pendingActionDeadlines(context).some((d) => d.key === event.key && Date.parse(d.dueAt) === Date.parse(event.dueAt)),
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
          incidentId: c.incidentId ?? inject?.incidentId ?? context.incidents[0] ?? null,
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
        planId: c.planId ?? null,
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
    deliver: assign(({ context, event }) => {
      const c = as(event, 'DeadlinePassed');
      // Replayed from its event, the firing names the incident it was delivered into, or null for none.
      const into = typeof c.incidentId === 'string' ? c.incidentId : null;
      const injects = context.injects.map((i) =>
        injectDeadlineKey(i.injectId) === c.key ? { ...i, status: 'delivered' as const, deliveredAt: event.meta.now, incidentId: into ?? i.incidentId ?? context.incidents[0] ?? null } : i,
      );
      // An incident the timers opened for the inject (a call before any drill incident) joins the drill.
      const incidents = into === null || context.incidents.includes(into) ? context.incidents : [...context.incidents, into];
      return { injects, incidents };
    }),
    end: assign({ endedAt: ({ event }) => event.meta.now }),
    observe: assign({
      observations: ({ context, event }) => {
        const c = as(event, 'RecordObservation');
        return [...context.observations, { by: c.meta.actor.userId, at: c.meta.now, objective: c.objective, note: c.note }];
      },
    }),
    hotWash: assign({ hotWash: ({ context, event }) => [...context.hotWash, as(event, 'RecordHotWash').note] }),
    draft: assign(({ context, event }) => {
      const c = as(event, 'DraftAfterActionReport');
      // A redraft keeps what happened to an action already tracked (closed, overdue) under its id.
      const tracked = new Map(context.correctiveActions.map((a) => [a.actionId, a]));
      return {
        capabilities: c.capabilities.map((cap) => ({ ...cap, strengths: [...cap.strengths], improvements: [...cap.improvements] })),
        correctiveActions: c.correctiveActions.map((a) => {
          const before = tracked.get(a.actionId);
          const deadline = instant(a.deadline);
          const moved = before !== undefined && before.deadline !== deadline;
          return {
            ...a,
            deadline,
            closedAt: before?.closedAt ?? null,
            closedBy: before?.closedBy ?? null,
            closure: before?.closure ?? null,
            // A new deadline is a new chance: the action may be overdue again, once, at it.
            overdueAt: moved ? null : (before?.overdueAt ?? null),
          };
        }),
        planRevision: c.planRevision ?? null,
        aarDraftedAt: c.meta.now,
      };
    }),
    closeAction: assign({
      correctiveActions: ({ context, event }) => {
        const c = as(event, 'CloseCorrectiveAction');
        return context.correctiveActions.map((a) => (a.actionId === c.actionId ? { ...a, closedAt: c.meta.now, closedBy: c.meta.actor.userId, closure: c.closure } : a));
      },
    }),
    markOverdue: assign({
      correctiveActions: ({ context, event }) => {
        const c = as(event, 'MarkCorrectiveActionOverdue');
        return context.correctiveActions.map((a) => (correctiveActionDeadlineKey(a.actionId) === c.key ? { ...a, overdueAt: c.meta.now } : a));
      },
    }),
    // Who hears of an overdue action: its owner and the controller (see the engine's drill rooms).
    recordOverdue: emit(({ context, event }) => {
      const c = as(event, 'MarkCorrectiveActionOverdue');
      const action = context.correctiveActions.find((a) => correctiveActionDeadlineKey(a.actionId) === c.key);
      return {
        type: DRILL_EVENT_FOR.MarkCorrectiveActionOverdue,
        data: { ...payload(c), drillId: context.drillId, actionId: action?.actionId ?? null, owner: action?.owner ?? null, escalatedTo: context.controller },
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
    // AAR/IP drafted: it may be redrafted until the controller closes the drill; its corrective
    // actions are tracked from here on.
    aarDrafted: {
      on: {
        DraftAfterActionReport: { guard: 'draftable', actions: ['draft', 'touch', 'record'] },
        CloseDrill: { target: 'closed', actions: ['close', 'touch', 'record'] },
        CloseCorrectiveAction: { guard: 'actionOpen', actions: ['closeAction', 'touch', 'record'] },
        MarkCorrectiveActionOverdue: { guard: 'actionDue', actions: ['recordOverdue', 'markOverdue', 'touch'] },
      },
    },
    // No more play nor redraft, but not over: its improvement plan is tracked to closure (like a
    // report obligation, which the upper room still acknowledges after the 终报).
    closed: {
      on: {
        CloseCorrectiveAction: { guard: 'actionOpen', actions: ['closeAction', 'touch', 'record'] },
        MarkCorrectiveActionOverdue: { guard: 'actionDue', actions: ['recordOverdue', 'markOverdue', 'touch'] },
      },
    },
    cancelled: { type: 'final', tags: [OVER_TAG] },
  },
});

export const drillAggregate: AggregateDefinition<typeof drillMachine> = {
  streamType: 'drill',
  machine: drillMachine,
  eventFor: DRILL_EVENT_FOR,
};
