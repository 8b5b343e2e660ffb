import type { CommandMeta, Severity } from '../shared';

/**
 * Supervision (督办) of an incident of severity III or above: a room above the lead gives the lead
 * room (or a supporting room below it) a task with a deadline, follows its progress, and accepts or
 * returns what it reports done. An unmet deadline marks the item overdue and escalates it to the
 * supervising room's leader. Stream type `supervision`, stream `supervision:<supervisionId>`.
 */

/** The lowest severity an incident must have for a room above to supervise it (issue 16: "III+ incidents"). */
export const SUPERVISION_MIN_SEVERITY: Severity = 'III';

/**
 * The longest term a supervising room may give, in days. Unsourced: a deadline months away is no
 * 督办; the supervising room extends it instead.
 */
export const SUPERVISION_MAX_TERM_DAYS = 90;

/** The key of a supervision item's deadline row; an item holds at most one pending deadline. */
export const SUPERVISION_DEADLINE_KEY = 'deadline';

/** Who must do it (责任单位): the supervised room, and optionally a named person in it. */
type SupervisionOwner = {
  jurisdiction: string;
  person: string | null;
};

/** 佐证材料: what the supervised room offers as proof that the task is done. */
type SupervisionEvidence = {
  text: string;
  /** Document numbers, file names, links: free text, as the room cites them. */
  references: string[];
};

/** A type, not an interface: a machine's context is also a plain record (PersistedState), which only type literals are assignable to. */
export type SupervisionContext = {
  supervisionId: string;
  incidentId: string;
  /** 督办事项 */
  task: string;
  owner: SupervisionOwner;
  /** The room that opened the item and accepts or returns it. */
  supervisingJurisdiction: string;
  /** The incident's severity when the item was opened. */
  severity: Severity | null;
  openedBy: string;
  openedAt: string | null;
  /** 办理时限: the deadline in force (the latest one set). */
  deadline: string | null;
  /** When the deadline in force passed unmet; null while it has not (or a new one was set since). */
  overdueAt: string | null;
  /** How many times an unmet deadline escalated the item (0: never). */
  escalationLevel: number;
  /** When the supervised room last reported the task done; null while it has not, or after a return. */
  doneReportedAt: string | null;
  evidence: SupervisionEvidence | null;
  /** How many times the supervising room sent a done report back. */
  returns: number;
  closedAt: string | null;
  closedBy: string | null;
  updatedAt: string | null;
};

interface Cmd<T extends string> {
  type: T;
  meta: CommandMeta;
}

/**
 * Opens the item. `supervisionId` comes from the stream id; `supervisingJurisdiction` (the sender's
 * room) and `severity` (the incident's) are filled in by the engine, never by the sender.
 */
type OpenSupervision = Cmd<'OpenSupervision'> & {
  supervisionId: string;
  incidentId: string;
  task: string;
  owner: { jurisdiction: string; person?: string };
  deadline: string;
  supervisingJurisdiction: string;
  severity: Severity | null;
};
/** 报告进展: the supervised room says where it stands. */
type ReportSupervisionProgress = Cmd<'ReportSupervisionProgress'> & { note: string };
/** 办结报告: the supervised room reports the task done, with its evidence. */
type ReportSupervisionDone = Cmd<'ReportSupervisionDone'> & { evidence: { text: string; references?: string[] } };
/** 办结: the supervising room accepts the done report; the item is over. */
type CloseSupervision = Cmd<'CloseSupervision'> & { note?: string };
/** 退回: the supervising room sends the done report back with a reason and a new deadline. */
type ReturnSupervision = Cmd<'ReturnSupervision'> & { reason: string; deadline: string };
/** 延期: the supervising room sets a new deadline (after one passed unmet, or before). */
type ExtendSupervision = Cmd<'ExtendSupervision'> & { deadline: string; reason?: string };
/** Sent by the timers service when the item's deadline row falls due. */
type DeadlinePassed = Cmd<'DeadlinePassed'> & { key: string; dueAt: string };

export type SupervisionCommand =
  | OpenSupervision
  | ReportSupervisionProgress
  | ReportSupervisionDone
  | CloseSupervision
  | ReturnSupervision
  | ExtendSupervision
  | DeadlinePassed;
export type SupervisionCommandType = SupervisionCommand['type'];

export const SUPERVISION_STATES = ['none', 'open', 'overdue', 'reportedDone', 'closed'] as const;
export type SupervisionState = (typeof SUPERVISION_STATES)[number];

export const SUPERVISION_EVENT_FOR = {
  OpenSupervision: 'SupervisionOpened',
  ReportSupervisionProgress: 'SupervisionProgressReported',
  ReportSupervisionDone: 'SupervisionDoneReported',
  CloseSupervision: 'SupervisionClosed',
  ReturnSupervision: 'SupervisionReturned',
  ExtendSupervision: 'SupervisionExtended',
  DeadlinePassed: 'SupervisionOverdue',
} as const satisfies Record<SupervisionCommandType, string>;

/** Derived from SupervisionOverdue: the item escalates to the supervising room's leader. */
export const SUPERVISION_ESCALATED = 'SupervisionEscalated';

/** Supervision item X is the stream `supervision:X`. */
export function supervisionStreamId(supervisionId: string): string {
  return `supervision:${supervisionId}`;
}
