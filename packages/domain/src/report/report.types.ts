import type { CommandMeta, IncidentCategory, Severity } from '../shared';

/**
 * How soon each report of an incident is due, in minutes (信息报送 时限). `null` means the rule asks
 * for no such report on a deadline: it may still be filed, it is just not scored as due.
 */
export interface ReportTerms {
  /** Phone report (电话报告) after the incident is confirmed. */
  phoneMinutes: number | null;
  /** Initial written report (初报, 书面) after the incident is confirmed. */
  writtenMinutes: number | null;
  /** Follow-up reports (续报): each one this long after the previous written report. */
  followUpEveryMinutes: number | null;
  /** Final report (终报) after the response is lifted. */
  finalWithinMinutes: number | null;
  /** Id of the rule that gave these terms, for the record. */
  rule: string;
}

const REPORT_KINDS = ['phone', 'initial', 'followUp', 'final'] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];

/** One report the lead room owes (or filed): the unit of timeliness scoring (考核通报). */
export interface ReportItem {
  /** `phone`, `initial`, `followUp-<n>` or `final`; also the key of its deadline. */
  key: string;
  kind: ReportKind;
  /** 续报 number (续报一 = 1); null for the other kinds. */
  number: number | null;
  /** When it is due; null when no rule makes it due (filed ad hoc). */
  dueAt: string | null;
  submittedAt: string | null;
  submittedBy: string | null;
  reportId: string | null;
  /** When the engine recorded that the deadline passed without the report. */
  overdueAt: string | null;
  /** When the upper room acknowledged receipt (签收). */
  receivedAt: string | null;
  receivedBy: string | null;
}

/** A type, not an interface: a machine's context is also a plain record (PersistedState), which only type literals are assignable to. */
export type ReportContext = {
  incidentId: string;
  severity: Severity | null;
  category: IncidentCategory | null;
  /** The room that owes the reports (the incident's lead) and the room above it that receives them. */
  jurisdiction: string;
  upperJurisdiction: string | null;
  exercise: boolean;
  confirmedAt: string | null;
  liftedAt: string | null;
  terms: ReportTerms | null;
  items: ReportItem[];
  followUps: number;
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

/** The fields of a 初报 (Zhaoqing/Hechi notices, reference §1.3). */
export interface InitialReportContent {
  /** 接报时间: when the room received the first report. */
  receivedAt: string;
  /** 信息来源 */
  source: string;
  /** 事发时间 */
  occurredAt: string;
  /** 事发地点 */
  place: string;
  /** 事件性质 */
  nature: string;
  /** 影响范围 */
  scope: string;
  /** 初步损失 (伤亡/财产) */
  losses: ReportedLosses;
  /** 发展趋势 */
  trend: string;
  /** 领导到位情况 */
  leadersOnSite: string;
  /** 已采取措施 */
  measures: string;
  /** 建议/请求 */
  requests?: string;
}

/** Sent by the engine when the incident is confirmed; never by a person. */
type OpenReportObligation = Cmd<'OpenReportObligation'> & {
  incidentId: string;
  severity: Severity;
  category: IncidentCategory | null;
  confirmedAt: string;
  jurisdiction: string;
  upperJurisdiction: string | null;
  exercise: boolean;
  terms: ReportTerms;
};
/** Sent by the engine when the incident's severity or category changes. */
type AdjustReportObligation = Cmd<'AdjustReportObligation'> & { severity: Severity; category: IncidentCategory | null; terms: ReportTerms };
/** Sent by the engine when the response is lifted: the 终报 becomes due. */
type RequireFinalReport = Cmd<'RequireFinalReport'> & { liftedAt: string };
type RecordPhoneReport = Cmd<'RecordPhoneReport'> & { reportId?: string; recipient: string; summary: string };
type SubmitInitialReport = Cmd<'SubmitInitialReport'> & { reportId?: string; content: InitialReportContent; signedBy: string };
type SubmitFollowUpReport = Cmd<'SubmitFollowUpReport'> & { reportId?: string; progress: string; losses?: ReportedLosses; signedBy: string };
type SubmitFinalReport = Cmd<'SubmitFinalReport'> & { reportId?: string; summary: string; losses?: ReportedLosses; signedBy: string };
/** The upper room acknowledges receipt of a filed report. */
type AcknowledgeReport = Cmd<'AcknowledgeReport'> & { key: string; note?: string };
/** Sent by the timers service when a report's deadline row falls due. */
type DeadlinePassed = Cmd<'DeadlinePassed'> & { key: string; dueAt: string };

export type ReportCommand =
  | OpenReportObligation
  | AdjustReportObligation
  | RequireFinalReport
  | RecordPhoneReport
  | SubmitInitialReport
  | SubmitFollowUpReport
  | SubmitFinalReport
  | AcknowledgeReport
  | DeadlinePassed;
export type ReportCommandType = ReportCommand['type'];

export const REPORT_STATES = ['none', 'initialDue', 'continuing', 'finalDue', 'finalSubmitted'] as const;

export const REPORT_EVENT_FOR = {
  OpenReportObligation: 'ReportObligationOpened',
  AdjustReportObligation: 'ReportObligationAdjusted',
  RequireFinalReport: 'FinalReportRequired',
  RecordPhoneReport: 'PhoneReportRecorded',
  SubmitInitialReport: 'InitialReportSubmitted',
  SubmitFollowUpReport: 'FollowUpReportSubmitted',
  SubmitFinalReport: 'FinalReportSubmitted',
  AcknowledgeReport: 'ReportAcknowledged',
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
