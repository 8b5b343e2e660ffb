import type { FollowUpSchedule } from '../rules/plan-rules';
import type { CommandMeta, IncidentCategory, Severity } from '../shared';

/**
 * The reporting terms of an incident (信息报送 时限), from the rule that applies to its severity and
 * category (rules/plan-rules.ts), as the obligation records them. `null` means the rule asks for no
 * such report on a deadline: it may still be filed, it is just not scored as due.
 */
export interface ReportTerms {
  /** Id of the reporting rule, for the record. */
  rule: string;
  /** Phone report (电话报告) and initial written report (初报) of the lead room, minutes from the line's clock (接报). */
  phoneMinutes: number | null;
  writtenMinutes: number | null;
  /** The same for a room above the lead passing the reports on (city → province). */
  relayPhoneMinutes: number | null;
  relayWrittenMinutes: number | null;
  /** 续报 while the response lasts: an interval after the last written report, or fixed times of day (UTC+8). */
  followUp: FollowUpSchedule | null;
  /** 终报 after the response is lifted. */
  finalWithinMinutes: number | null;
  /** A report sent back (退回) is due again this long after it was returned. */
  correctionWithinMinutes: number | null;
  /** 补报 of casualty changes are taken this many days after the incident happened; null: no window applies. */
  supplementaryWindowDays: number | null;
  /** The 补报 rule's id, for the record. */
  supplementaryRule: string | null;
}

const REPORT_KINDS = ['phone', 'initial', 'followUp', 'final', 'supplementary'] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];

/** A room that owes reports to the room above it (a line of the reporting chain). */
export interface ReportLine {
  /** The room that owes (reports from) and the room that receives. */
  from: string;
  to: string;
  /** `lead`: the incident's lead room; `relay`: a room above it passing the reports on (III+: the city to the province). */
  role: 'lead' | 'relay';
  /** When the line's deadlines start counting: 接报 for the lines the obligation opened with; inherited by the line that takes over on a lead change. */
  clockFrom: string;
  /** When the room began to owe on this line: a report that fell due before is not its to owe. */
  since: string;
  /** 续报 filed on this line. */
  followUps: number;
  /** 补报 filed on this line. */
  supplements: number;
}

/** A time a filed report was sent back (退回) by the room that received it. */
interface ReportReturn {
  at: string;
  by: string;
  reason: string;
  /** The filing that was sent back. */
  submittedAt: string | null;
}

/** One report a room owes (or filed): the unit of scoring (考核通报). */
export interface ReportItem {
  /** `<from>/<key>`: the room that owes it and its key; also the key of its deadline row. */
  id: string;
  /** `phone`, `initial`, `followUp-<n>`, `final` or `supplementary-<n>`. */
  key: string;
  kind: ReportKind;
  /** 续报 or 补报 number (续报一 = 1); null for the other kinds. */
  number: number | null;
  /** Who owes it and who receives it. Fixed once it falls due: lateness stays with whoever owed it then. */
  from: string;
  to: string;
  /** When it is due; null when no rule makes it due (filed ad hoc). After a 退回 this is the new deadline. */
  dueAt: string | null;
  /** The deadline it first had, for timeliness scoring. */
  firstDueAt: string | null;
  submittedAt: string | null;
  submittedBy: string | null;
  /** The first filing, for timeliness scoring (a corrected filing after 退回 does not make it on time). */
  firstSubmittedAt: string | null;
  reportId: string | null;
  /** When the engine recorded that the deadline passed without the report. */
  overdueAt: string | null;
  /** When the receiving room acknowledged receipt (签收). */
  receivedAt: string | null;
  receivedBy: string | null;
  /** 越级上报: the room it was sent to past `to`, and the rooms skipped, which get a copy. */
  directTo: string | null;
  copiedTo: string[];
  /** Required fields the filing left out (completeness, 考核通报). */
  missingFields: string[];
  returns: ReportReturn[];
}

/** A type, not an interface: a machine's context is also a plain record (PersistedState), which only type literals are assignable to. */
export type ReportContext = {
  incidentId: string;
  severity: Severity | null;
  category: IncidentCategory | null;
  subtype: string | null;
  /** The incident's lead room: it owes the reports of the lead line. */
  lead: string;
  exercise: boolean;
  /** 接报: when the first room learned of the incident. The deadlines of the 初报 run from here. */
  receivedAt: string | null;
  /** When the incident happened: the 补报 window runs from here. */
  occurredAt: string | null;
  confirmedAt: string | null;
  liftedAt: string | null;
  terms: ReportTerms | null;
  /** The chain in force: the lead's line and, for III+, the lines of the rooms above it up to the province. */
  lines: ReportLine[];
  items: ReportItem[];
  updatedAt: string | null;
};

interface Cmd<T extends string> {
  type: T;
  meta: CommandMeta;
}

/** Casualty figures as a report states them; each report gives what it knows. */
interface ReportedLosses {
  dead?: number;
  injured?: number;
  missing?: number;
  /** Direct economic loss in yuan, as estimated. */
  economicLoss?: number;
}

/**
 * The fields of a 初报 (Zhaoqing/Hechi notices, reference §1.3). A first report goes out with what is
 * known: only when, where and what are required to file it; the rest count towards completeness.
 */
export interface InitialReportContent {
  /** 接报时间: when the room received the first report. */
  receivedAt?: string;
  /** 信息来源 */
  source?: string;
  /** 事发时间 */
  occurredAt: string;
  /** 事发地点 */
  place: string;
  /** 事件性质 */
  nature: string;
  /** 影响范围 */
  scope?: string;
  /** 初步损失 (伤亡/财产) */
  losses?: ReportedLosses;
  /** 发展趋势 */
  trend?: string;
  /** 领导到位情况 */
  leadersOnSite?: string;
  /** 已采取措施 */
  measures?: string;
  /** 建议/请求 */
  requests?: string;
}

/** Fields a complete report of each kind holds (completeness, 考核通报); 建议/请求 is asked only when there are any. */
export const REQUIRED_REPORT_FIELDS = {
  phone: [],
  initial: ['receivedAt', 'source', 'occurredAt', 'place', 'nature', 'scope', 'losses', 'trend', 'leadersOnSite', 'measures'],
  followUp: ['progress', 'losses'],
  final: ['summary', 'losses'],
  supplementary: ['losses', 'note'],
} as const satisfies Record<ReportKind, readonly string[]>;

/** A line of the chain as the engine computes it from the tree and the rules. */
export interface ChainLink {
  from: string;
  to: string;
  role: 'lead' | 'relay';
}

/** Sent by the engine when the incident is confirmed; never by a person. */
type OpenReportObligation = Cmd<'OpenReportObligation'> & {
  incidentId: string;
  severity: Severity;
  category: IncidentCategory | null;
  subtype: string | null;
  receivedAt: string;
  occurredAt: string | null;
  confirmedAt: string;
  lead: string;
  chain: ChainLink[];
  exercise: boolean;
  terms: ReportTerms;
};
/** Sent by the engine when the incident's severity or category changes: new terms, and the chain they ask for. */
type AdjustReportObligation = Cmd<'AdjustReportObligation'> & {
  severity: Severity;
  category: IncidentCategory | null;
  subtype: string | null;
  terms: ReportTerms;
  chain: ChainLink[];
};
/** Sent by the engine when the lead is raised or handed back: who owes and who receives change. */
type RechargeReportObligation = Cmd<'RechargeReportObligation'> & { lead: string; chain: ChainLink[]; reason: string };
/** Sent by the engine when the response is lifted: the 终报 becomes due. */
type RequireFinalReport = Cmd<'RequireFinalReport'> & { liftedAt: string };
/** What every filing may say besides its content: its own id, and 越级上报 to a room past the next one. */
interface Filing {
  reportId?: string;
  /** 越级上报 (突发事件应对法 §17): the room above the receiving room that gets the report directly; the rooms between get a copy. */
  directTo?: string;
}
type RecordPhoneReport = Cmd<'RecordPhoneReport'> & Filing & { recipient: string; summary: string };
type SubmitInitialReport = Cmd<'SubmitInitialReport'> & Filing & { content: InitialReportContent; signedBy: string };
type SubmitFollowUpReport = Cmd<'SubmitFollowUpReport'> & Filing & { progress: string; losses?: ReportedLosses; signedBy: string };
type SubmitFinalReport = Cmd<'SubmitFinalReport'> & Filing & { summary: string; losses?: ReportedLosses; signedBy: string };
/** 补报: a change in casualties, within the window the rules give (493号令 §13). */
type SubmitSupplementaryReport = Cmd<'SubmitSupplementaryReport'> & Filing & { losses: ReportedLosses; note: string; signedBy: string };
/** The receiving room acknowledges receipt of a filed report (`from` defaults to the lead). */
type AcknowledgeReport = Cmd<'AcknowledgeReport'> & { key: string; from?: string; note?: string };
/** The receiving room sends a filed report back for correction (退回); it is due again on its own deadline. */
type ReturnReport = Cmd<'ReturnReport'> & { key: string; from?: string; reason: string };
/** Sent by the timers service when a report's deadline row falls due; `key` is the item id. */
type DeadlinePassed = Cmd<'DeadlinePassed'> & { key: string; dueAt: string };

export type ReportCommand =
  | OpenReportObligation
  | AdjustReportObligation
  | RechargeReportObligation
  | RequireFinalReport
  | RecordPhoneReport
  | SubmitInitialReport
  | SubmitFollowUpReport
  | SubmitFinalReport
  | SubmitSupplementaryReport
  | AcknowledgeReport
  | ReturnReport
  | DeadlinePassed;
export type ReportCommandType = ReportCommand['type'];

export const REPORT_STATES = ['none', 'initialDue', 'continuing', 'finalDue', 'finalSubmitted'] as const;

export const REPORT_EVENT_FOR = {
  OpenReportObligation: 'ReportObligationOpened',
  AdjustReportObligation: 'ReportObligationAdjusted',
  RechargeReportObligation: 'ReportObligationRecharged',
  RequireFinalReport: 'FinalReportRequired',
  RecordPhoneReport: 'PhoneReportRecorded',
  SubmitInitialReport: 'InitialReportSubmitted',
  SubmitFollowUpReport: 'FollowUpReportSubmitted',
  SubmitFinalReport: 'FinalReportSubmitted',
  SubmitSupplementaryReport: 'SupplementaryReportSubmitted',
  AcknowledgeReport: 'ReportAcknowledged',
  ReturnReport: 'ReportReturned',
  DeadlinePassed: 'ReportOverdue',
} as const satisfies Record<ReportCommandType, string>;

/** The report obligation of incident X is the stream `report:X`. */
export function reportStreamId(incidentId: string): string {
  return `report:${incidentId}`;
}

/** Chinese ordinal of a follow-up, as the notices number them: 续报一, 续报二 … */
export function followUpTitle(n: number): string {
  const digits = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'];
  const below100 = (k: number): string => {
    if (k < 10) return digits[k] ?? String(k);
    const tens = Math.floor(k / 10);
    const ones = k % 10;
    return `${tens === 1 ? '' : (digits[tens] ?? '')}十${ones === 0 ? '' : (digits[ones] ?? '')}`;
  };
  return `续报${n > 0 && n < 100 ? below100(n) : String(n)}`;
}
