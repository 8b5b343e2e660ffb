import type { CommandMeta } from '../shared';

/**
 * A drill (演练, issue 22; HSEEP, ref §4): planned, run against scheduled injects (the MSEL), talked
 * over in the hot wash, written up in the after-action report (AAR/IP), closed; its corrective actions
 * are tracked to closure after that. Stream type `drill` (an engine stream seen by its controller and
 * its participants only, see @muster/engine aggregates.ts), stream `drill:<drillId>`.
 *
 * The drill's incidents are ordinary incidents reported with `exercise: true`: their events, rows and
 * deadlines carry that flag, and the drill lists them by id (`incidents`). That flag, not the drill id,
 * is what boards, lists and scores filter on; the drill id says which drill an incident belongs to.
 */

/** 桌面推演, 功能演练 (one or a few functions, no field units), 全面/实战演练 (ref §1.8, HSEEP). */
const DRILL_KINDS = ['tabletop', 'functional', 'fullScale'] as const;
type DrillKind = (typeof DRILL_KINDS)[number];

/** What an inject looks like when it arrives, as if from outside (ref §4: MSEL). */
const INJECT_KINDS = ['watchLogCall', 'sceneReport', 'sensorAlarm', 'casualtyFigure'] as const;
type InjectKind = (typeof INJECT_KINDS)[number];

/** An inject of the master scenario events list: what reaches which drill incident, and when. */
type Inject = {
  injectId: string;
  kind: InjectKind;
  /** When the timers deliver it (ISO 8601). */
  dueAt: string;
  /** The drill incident it is delivered into; null: the drill's first incident when it is delivered. */
  incidentId: string | null;
  /** What the participants receive, as the caller or sensor would put it. */
  content: string;
  /** What the controller expects the players to do (never shown to them). */
  expectedAction: string | null;
  /** The figures a scene report or a rising casualty figure gives (delivered as a scene report's figures). */
  figures: InjectFigures | null;
  status: 'scheduled' | 'delivered' | 'skipped';
  deliveredAt: string | null;
};
/** Casualty and displacement figures an inject may carry (those of a scene report). */
export type InjectFigures = { dead?: number; injured?: number; missing?: number; trapped?: number; evacuated?: number };
export type InjectInput = Omit<Inject, 'status' | 'deliveredAt' | 'dueAt' | 'incidentId' | 'expectedAction' | 'figures'> & {
  dueAt: string;
  incidentId?: string;
  expectedAction?: string;
  figures?: InjectFigures;
};

/** An evaluator's note against an objective (HSEEP exercise evaluation guide). */
type Observation = { by: string; at: string; objective: string; note: string };

/** HSEEP capability ratings: Performed without challenges, with Some challenges, with Major challenges, Unable to be performed. */
const CAPABILITY_RATINGS = ['P', 'S', 'M', 'U'] as const;
type CapabilityRating = (typeof CAPABILITY_RATINGS)[number];

type CapabilityAssessment = { capability: string; rating: CapabilityRating; strengths: string[]; improvements: string[] };
/** An improvement-plan item as the AAR/IP drafts it: who (an owner room of the drill) does what by when. */
type CorrectiveActionInput = { actionId: string; action: string; owner: string; deadline: string };
/**
 * An improvement-plan item tracked to closure: closed by its owner room or the controller (who and
 * when is kept); past its deadline while open it is marked overdue once, which the controller hears of.
 */
type CorrectiveAction = CorrectiveActionInput & {
  closedAt: string | null;
  closedBy: string | null;
  closure: string | null;
  overdueAt: string | null;
};

/** A type, not an interface: a machine's context is also a plain record (PersistedState). */
export type DrillContext = {
  drillId: string;
  title: string;
  kind: DrillKind;
  /** 双盲: the participants are told neither the time nor the scenario (ref §1.8). */
  doubleBlind: boolean;
  /** The controlling room (导调): plans, injects, ends and evaluates. */
  controller: string;
  /** The rooms that play. */
  participants: string[];
  objectives: string[];
  scenario: string;
  /** The plan (预案) the drill exercises, if it names one (the plan library's id). */
  planId: string | null;
  scheduledStart: string | null;
  injects: Inject[];
  /** While true the timers deliver nothing: no inject row is pending. */
  injectsPaused: boolean;
  /** The drill's incidents (reported with `exercise: true`). */
  incidents: string[];
  observations: Observation[];
  hotWash: string[];
  capabilities: CapabilityAssessment[];
  correctiveActions: CorrectiveAction[];
  /** Why the AAR/IP asks for the drilled plan to be revised (修编); null: it does not. */
  planRevision: string | null;
  plannedBy: string;
  startedAt: string | null;
  endedAt: string | null;
  aarDraftedAt: string | null;
  closedAt: string | null;
  cancelledAt: string | null;
  updatedAt: string | null;
};

interface Cmd<T extends string> {
  type: T;
  meta: CommandMeta;
}

type PlanDrill = Cmd<'PlanDrill'> & {
  drillId: string;
  title: string;
  kind: DrillKind;
  doubleBlind: boolean;
  controller: string;
  participants: string[];
  objectives: string[];
  scenario: string;
  planId?: string;
  scheduledStart?: string;
  injects?: InjectInput[];
};
type AddInject = Cmd<'AddInject'> & { inject: InjectInput };
type SkipInject = Cmd<'SkipInject'> & { injectId: string; reason?: string };
/** StartEx: the clock of the injects runs from here. */
type StartDrill = Cmd<'StartDrill'>;
/** A drill incident (reported with `exercise: true`) joins the drill. */
type LinkDrillIncident = Cmd<'LinkDrillIncident'> & { incidentId: string };
type PauseInjects = Cmd<'PauseInjects'> & { reason?: string };
type ResumeInjects = Cmd<'ResumeInjects'>;
/** EndEx: play stops; the hot wash begins and double-blind participants may see the controller's view. */
type EndDrill = Cmd<'EndDrill'>;
type RecordObservation = Cmd<'RecordObservation'> & { objective: string; note: string };
type RecordHotWash = Cmd<'RecordHotWash'> & { note: string };
type DraftAfterActionReport = Cmd<'DraftAfterActionReport'> & { capabilities: CapabilityAssessment[]; correctiveActions: CorrectiveActionInput[]; planRevision?: string };
/** The owner room (or the controller) closes a corrective action, saying what was done. */
type CloseCorrectiveAction = Cmd<'CloseCorrectiveAction'> & { actionId: string; closure: string };
/** Sent by the timers when a corrective action's row falls due (key `action:<actionId>`): it is overdue. */
type MarkCorrectiveActionOverdue = Cmd<'MarkCorrectiveActionOverdue'> & { key: string; dueAt: string };
type CloseDrill = Cmd<'CloseDrill'>;
type CancelDrill = Cmd<'CancelDrill'> & { reason: string };
/**
 * Sent by the timers when an inject's row falls due (key `inject:<injectId>`): the inject is delivered.
 * `incidentId`: the drill incident the timers delivered it into (one they opened joins the drill).
 */
type DeadlinePassed = Cmd<'DeadlinePassed'> & { key: string; dueAt: string; incidentId?: string };

export type DrillCommand =
  | PlanDrill
  | AddInject
  | SkipInject
  | StartDrill
  | LinkDrillIncident
  | PauseInjects
  | ResumeInjects
  | EndDrill
  | RecordObservation
  | RecordHotWash
  | DraftAfterActionReport
  | CloseDrill
  | CancelDrill
  | DeadlinePassed
  | CloseCorrectiveAction
  | MarkCorrectiveActionOverdue;
export type DrillCommandType = DrillCommand['type'];

export const DRILL_STATES = ['none', 'planned', 'running', 'hotWash', 'aarDrafted', 'closed', 'cancelled'] as const;
export type DrillState = (typeof DRILL_STATES)[number];

export const DRILL_EVENT_FOR = {
  PlanDrill: 'DrillPlanned',
  AddInject: 'InjectAdded',
  SkipInject: 'InjectSkipped',
  StartDrill: 'DrillStarted',
  LinkDrillIncident: 'DrillIncidentLinked',
  PauseInjects: 'InjectsPaused',
  ResumeInjects: 'InjectsResumed',
  EndDrill: 'DrillEnded',
  RecordObservation: 'ObservationRecorded',
  RecordHotWash: 'HotWashRecorded',
  DraftAfterActionReport: 'AfterActionReportDrafted',
  CloseDrill: 'DrillClosed',
  CancelDrill: 'DrillCancelled',
  DeadlinePassed: 'InjectDelivered',
  CloseCorrectiveAction: 'CorrectiveActionClosed',
  MarkCorrectiveActionOverdue: 'CorrectiveActionOverdue',
} as const satisfies Record<DrillCommandType, string>;

/** The key of an inject's deadline row. */
export const injectDeadlineKey = (injectId: string): string => `inject:${injectId}`;
/** The key of a corrective action's deadline row. */
export const correctiveActionDeadlineKey = (actionId: string): string => `action:${actionId}`;
/** The stream of a drill. */
export const drillStreamId = (drillId: string): string => `drill:${drillId}`;

export { CAPABILITY_RATINGS, DRILL_KINDS, INJECT_KINDS };
