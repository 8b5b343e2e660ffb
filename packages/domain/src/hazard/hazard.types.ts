import type { CommandMeta } from '../shared';

/**
 * A hazard (风险隐患, issue 24): reported by an inspection, a unit's self-check or a citizen's tip-off;
 * verified, graded 一般/重大 by the grading rules, put to rectification under a deadline, reported
 * rectified, accepted on inspection (验收) or returned with a new deadline, and written off (销号).
 * An overdue rectification escalates one level; the city may list it for supervision (挂牌督办) with a
 * deadline of its own. Stream type `hazard`, stream `hazard:<hazardId>`, owned by the room of the
 * county where the hazard lies. A tip-off reporter's identity is never in the stream: only the tip-off's
 * id is (the identity lives in its own table, see the api's tip-off routes).
 */

/** 一般事故隐患 / 重大事故隐患 (安监总局令第16号 §3, ref §1.7). */
export const HAZARD_GRADES = ['general', 'major'] as const;
export type HazardGrade = (typeof HAZARD_GRADES)[number];

/** How the hazard came to be known: an inspection (明查 or 暗访), a unit's self-check (自查) or a tip-off (举报). */
export const HAZARD_SOURCES = ['inspection', 'self_check', 'tip_off'] as const;
type HazardSource = (typeof HAZARD_SOURCES)[number];

/** The facts the grading rules read (order 16 §3): each names why a hazard cannot be fixed at once. */
export const HAZARD_CRITERIA = ['requires_stoppage', 'external_factors', 'fixable_at_once'] as const;
export type HazardCriterion = (typeof HAZARD_CRITERIA)[number];

/** A photo or file, attached by reference (stored elsewhere): what it is and where to find it. */
type AttachmentRef = { name: string; ref: string };

/** Where the hazard lies, map-free: the jurisdiction (county or township code) and the address. */
type HazardLocation = { jurisdiction: string; address: string };

/**
 * The six parts of a 重大 rectification plan (治理方案, order 16 §15, ref §1.7): 目标和任务、方法和措施、
 * 经费和物资、机构和人员、时限和要求、安全措施和应急预案.
 */
export type RectificationPlan = {
  objectives: string;
  methods: string;
  funding: string;
  organisation: string;
  timeline: string;
  safetyMeasures: string;
};

type Rectification = {
  /** 责任单位 */
  responsibleUnit: string;
  measures: string;
  /** The deadline in force (a return sets a new one). */
  deadline: string;
  plan: RectificationPlan | null;
  /** Interim controls while a 重大 hazard is being fixed (order 16 §15: 安全防范措施). */
  interimControls: string[];
  assignedAt: string;
  assignedBy: string;
  /** 1 for the first assignment, one more for each return. */
  round: number;
};

export type HazardContext = {
  hazardId: string;
  /** The room that owns it: the county where it lies. */
  jurisdiction: string;
  /** The room above, to which an overdue rectification escalates (null at the top). */
  upperJurisdiction: string | null;
  location: HazardLocation;
  title: string;
  description: string;
  source: HazardSource;
  inspectionId: string | null;
  /** The tip-off that reported it (its reporter's identity is kept apart, never here). */
  tipOffId: string | null;
  attachments: AttachmentRef[];
  reportedBy: string;
  reportedAt: string;
  verifiedAt: string | null;
  verifiedBy: string | null;
  dismissedAt: string | null;
  dismissReason: string | null;
  grade: HazardGrade | null;
  grading: { rule: string; source: string; criteria: HazardCriterion[]; at: string; by: string } | null;
  rectification: Rectification | null;
  rectificationReports: { at: string; by: string; summary: string; attachments: AttachmentRef[] }[];
  returns: { at: string; by: string; reason: string; previousDeadline: string; deadline: string }[];
  acceptedAt: string | null;
  acceptedBy: string | null;
  writtenOffAt: string | null;
  /** The rectification deadline passed before it was reported done (cleared by a return's new deadline). */
  overdue: boolean;
  /** Where it escalated when overdue (once per deadline), and when. */
  escalations: { to: string; at: string; deadline: string }[];
  /** 挂牌督办 by the city, with its own deadline. */
  listedSupervision: { by: string; jurisdiction: string; at: string; deadline: string; note: string; overdueAt: string | null } | null;
  /** Inspection findings that opened or updated it. */
  findings: { inspectionId: string; note: string; at: string; attachments: AttachmentRef[] }[];
  /** 罚款 imposed on the unit (yuan), from which a tip-off's reward follows. */
  fine: { amount: number; at: string } | null;
  reward: { amount: number; rule: string; source: string; tipOffId: string; decidedAt: string; paidAt: string | null; paidAmount: number | null; reference: string | null } | null;
  incidents: string[];
  updatedAt: string | null;
};

interface Cmd<T extends string> {
  type: T;
  meta: CommandMeta;
}

type ReportHazard = Cmd<'ReportHazard'> & {
  hazardId: string;
  jurisdiction: string;
  upperJurisdiction: string | null;
  location: HazardLocation;
  title: string;
  description: string;
  source: HazardSource;
  inspectionId?: string;
  tipOffId?: string;
  attachments?: AttachmentRef[];
};
type VerifyHazard = Cmd<'VerifyHazard'> & { note?: string };
type DismissHazard = Cmd<'DismissHazard'> & { reason: string };
type GradeHazard = Cmd<'GradeHazard'> & { criteria: HazardCriterion[] };
type AssignRectification = Cmd<'AssignRectification'> & {
  responsibleUnit: string;
  measures: string;
  deadline: string;
  plan?: RectificationPlan;
  interimControls?: string[];
};
type ReportRectification = Cmd<'ReportRectification'> & { summary: string; attachments?: AttachmentRef[] };
type AcceptRectification = Cmd<'AcceptRectification'> & { note?: string };
type ReturnRectification = Cmd<'ReturnRectification'> & { reason: string; deadline: string };
type WriteOffHazard = Cmd<'WriteOffHazard'> & { note?: string };
type ListForSupervision = Cmd<'ListForSupervision'> & { deadline: string; note: string };
type RecordInspectionFinding = Cmd<'RecordInspectionFinding'> & { inspectionId: string; note: string; attachments?: AttachmentRef[] };
type RecordFine = Cmd<'RecordFine'> & { amount: number };
type RecordRewardPayment = Cmd<'RecordRewardPayment'> & { amount: number; reference: string };
type LinkHazardToIncident = Cmd<'LinkHazardToIncident'> & { incidentId: string };
/** Sent by the timers when the rectification's or the listed supervision's deadline falls due. */
type DeadlinePassed = Cmd<'DeadlinePassed'> & { key: string; dueAt: string };

export type HazardCommand =
  | ReportHazard
  | VerifyHazard
  | DismissHazard
  | GradeHazard
  | AssignRectification
  | ReportRectification
  | AcceptRectification
  | ReturnRectification
  | WriteOffHazard
  | ListForSupervision
  | RecordInspectionFinding
  | RecordFine
  | RecordRewardPayment
  | LinkHazardToIncident
  | DeadlinePassed;
export type HazardCommandType = HazardCommand['type'];

export const HAZARD_STATES = ['none', 'reported', 'verified', 'graded', 'rectifying', 'rectificationReported', 'accepted', 'writtenOff', 'dismissed'] as const;
export type HazardState = (typeof HAZARD_STATES)[number];

export const HAZARD_EVENT_FOR = {
  ReportHazard: 'HazardReported',
  VerifyHazard: 'HazardVerified',
  DismissHazard: 'HazardDismissed',
  GradeHazard: 'HazardGraded',
  AssignRectification: 'RectificationAssigned',
  ReportRectification: 'RectificationReported',
  AcceptRectification: 'RectificationAccepted',
  ReturnRectification: 'RectificationReturned',
  WriteOffHazard: 'HazardWrittenOff',
  ListForSupervision: 'HazardListedForSupervision',
  RecordInspectionFinding: 'HazardFindingRecorded',
  RecordFine: 'HazardFineRecorded',
  RecordRewardPayment: 'TipOffRewardPaid',
  LinkHazardToIncident: 'HazardLinkedToIncident',
  DeadlinePassed: 'HazardDeadlinePassed',
} as const satisfies Record<HazardCommandType, string>;

/** Deadline keys: the rectification's and the listed supervision's. */
export const HAZARD_RECTIFICATION_KEY = 'rectification';
export const HAZARD_SUPERVISION_KEY = 'listed-supervision';

/** Hazard X is the stream `hazard:X`. */
export function hazardStreamId(hazardId: string): string {
  return `hazard:${hazardId}`;
}
