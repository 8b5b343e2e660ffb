import type { TimelineEntry } from '@muster/client';
import { fill, missingFieldLabels, rechargeNotice, reportTitle, type ReportKind } from './reports';
import { formatTime } from './time';
import { warningWord, warningWordOf } from './warning-text';

/**
 * How a timeline entry reads to a duty officer: the event by its name in the plan's words, who acted
 * by room and role, and what it said in labelled fields — never an event type, a user or stream id,
 * or a raw payload.
 */

export const EVENT_LABELS_ZH = {
  'event.IncidentReported': '接报',
  'event.VerificationStarted': '开始核实',
  'event.IncidentConfirmed': '确认事件',
  'event.IncidentDismissed': '排除',
  'event.InitialHandlingStarted': '先期处置',
  'event.ResponseActivated': '启动响应',
  'event.ResponseLevelChanged': '调整响应级别',
  'event.IncidentClassified': '定级',
  'event.IncidentDetailsUpdated': '更新事件信息',
  'event.IncidentControlled': '得到控制',
  'event.ResponseLifted': '终止响应',
  'event.RecoveryStarted': '恢复重建',
  'event.ReviewStarted': '开始复盘',
  'event.IncidentClosed': '结案',
  'event.RoomLinked': '联动',
  'event.RoomUnlinked': '解除联动',
  'event.LeadRaised': '提级由上级牵头',
  'event.LeadHandedBack': '交回下级牵头',
  'event.LeadPrompted': '提请接管指挥',
  'event.LeadDeclined': '不接管指挥',
  'event.SeveritySuggested': '建议调整事件级别',
  'event.SuggestedSeverityConfirmed': '确认调整事件级别',
  'event.SuggestedSeverityDismissed': '驳回级别调整建议',
  'event.SupportingJurisdictionAdded': '增加支援单位',
  'event.SupportingJurisdictionRemoved': '撤出支援单位',
  'event.ProvisionalCommandAssumed': '临时接管指挥',
  'event.CommanderAppointed': '任命现场指挥官',
  'event.DeputyAppointed': '任命副指挥官',
  'event.DeputyRemoved': '免去副指挥官',
  'event.TransferOffered': '提出指挥权移交',
  'event.TransferBriefingRecorded': '记录移交简报',
  'event.TransferAccepted': '接受指挥权移交',
  'event.TransferDeclined': '拒绝指挥权移交',
  'event.TransferWithdrawn': '撤回指挥权移交',
  'event.TransferExpired': '指挥权移交过期',
  'event.TransferEffective': '指挥权移交生效',
  'event.AgencyJoinedUnifiedCommand': '加入联合指挥',
  'event.AgencyLeftUnifiedCommand': '退出联合指挥',
  'event.CommandPostEstablished': '设立指挥部',
  'event.SceneReportPosted': '现场报告',
  'event.CommandDeactivated': '撤销现场指挥',
  'event.ResourceRequestSubmitted': '提交资源请求',
  'event.ResourceRequestApproved': '批准资源请求',
  'event.ResourceRequestRejected': '驳回资源请求',
  'event.ResourcesDispatched': '调派资源',
  'event.ResourcesEnRoute': '资源在途',
  'event.ResourcesArrived': '资源到达',
  'event.ResourcesReleased': '资源撤回',
  'event.ResourceRequestCancelled': '取消资源请求',
  // Registries (issue 23): an expert's consultation and advice, a shelter's occupancy join the incident timeline.
  'event.ExpertAttached': '专家参与处置会商',
  'event.ExpertAdviceRecorded': '专家意见',
  'event.ShelterOccupancyReported': '避难场所安置人数',
  'event.ReportObligationOpened': '产生报送义务',
  'event.ReportObligationAdjusted': '调整报送时限',
  'event.ReportObligationRecharged': '报送责任随主办单位调整',
  'event.FinalReportRequired': '需报终报',
  'event.PhoneReportRecorded': '电话报告',
  'event.InitialReportSubmitted': '报送初报',
  'event.FollowUpReportSubmitted': '报送续报',
  'event.FinalReportSubmitted': '报送终报',
  'event.SupplementaryReportSubmitted': '报送补报',
  'event.ReportAcknowledged': '签收报告',
  'event.ReportReturned': '退回报告',
  'event.ReportOverdue': '报告逾期',
  'event.EntryCorrected': '更正记录',
  'event.SupervisionOpened': '开启督办',
  'event.SupervisionProgressReported': '报告督办进展',
  'event.SupervisionDoneReported': '提交办结报告',
  'event.SupervisionClosed': '督办办结',
  'event.SupervisionReturned': '督办退回',
  'event.SupervisionExtended': '督办延期',
  'event.SupervisionOverdue': '督办逾期',
  'event.SupervisionEscalated': '督办升级',
  // 预警 (issue 21): a linked warning's releases and its acknowledgement summary show in the incident's timeline.
  'event.WarningDrafted': '拟制预警',
  'event.WarningDraftRevised': '修改预警草稿',
  'event.WarningApproved': '审批预警',
  'event.WarningIssued': '发布预警',
  'event.WarningUpdated': '调整预警',
  'event.WarningLifted': '解除预警',
  'event.WarningExpired': '预警到期',
  'event.WarningLinkedToIncident': '预警关联事件',
  'event.WarningSent': '预警已发送',
  'event.WarningDelivered': '预警已送达',
  'event.WarningAcknowledged': '预警已签收',
  'event.WarningAckDeadlinePassed': '预警签收时限已到',
  'event.WarningManualOutcomeRecorded': '记录人工通知结果',
} as const;

type EventKey = keyof typeof EVENT_LABELS_ZH;

/** English: the event's name in words (IncidentReported → "Incident reported"). */
export const EVENT_LABELS_EN = Object.fromEntries(
  Object.keys(EVENT_LABELS_ZH).map((key) => {
    const words = key.slice('event.'.length).replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
    return [key, words.charAt(0).toUpperCase() + words.slice(1)];
  }),
) as Record<EventKey, string>;

/** The fields a summary shows, with their labels; every other field (ids, codes, nested data) stays out. */
export const FIELD_LABELS_ZH = {
  'field.title': '标题',
  'field.description': '情况',
  'field.severity': '级别',
  'field.previousSeverity': '原级别',
  'field.level': '响应级别',
  'field.reason': '理由',
  'field.summary': '内容',
  'field.recipient': '报告对象',
  'field.orderNumber': '调令号',
  'field.dead': '死亡',
  'field.injured': '受伤',
  'field.missing': '失踪',
  'field.trapped': '被困',
  'field.evacuated': '疏散',
  'field.sheltered': '安置',
  'field.needs': '需求',
  'field.objectives': '目标',
  'field.justification': '理由',
  'field.note': '备注',
  'field.task': '督办事项',
  'field.deadline': '办理时限',
  'field.dueAt': '时限',
  'field.escalationLevel': '升级次数',
  'field.signedBy': '签发人',
  'field.progress': '处置进展',
  'field.lead': '主办单位',
  'field.report': '报告',
  'field.reportDueAt': '应报时间',
  'field.missingFields': '缺项',
  'field.resubmitted': '退回后重报',
  'field.economicLoss': '直接经济损失（元）',
  'field.jurisdiction': '单位',
  'field.consultation': '会商',
  'field.advice': '专家意见',
  'field.occupancy': '在避人数',
  'reasonCode.severity': '按事件级别',
} as const;

type FieldKey = keyof typeof FIELD_LABELS_ZH;

export const FIELD_LABELS_EN: Record<FieldKey, string> = {
  'field.title': 'title',
  'field.description': 'situation',
  'field.severity': 'severity',
  'field.previousSeverity': 'previous severity',
  'field.level': 'response level',
  'field.reason': 'reason',
  'field.summary': 'content',
  'field.recipient': 'reported to',
  'field.orderNumber': 'order no.',
  'field.dead': 'dead',
  'field.injured': 'injured',
  'field.missing': 'missing',
  'field.trapped': 'trapped',
  'field.evacuated': 'evacuated',
  'field.sheltered': 'sheltered',
  'field.needs': 'needs',
  'field.objectives': 'objectives',
  'field.justification': 'justification',
  'field.note': 'note',
  'field.task': 'task',
  'field.deadline': 'deadline',
  'field.dueAt': 'due',
  'field.escalationLevel': 'escalations',
  'field.signedBy': 'signed by',
  'field.progress': 'progress',
  'field.lead': 'lead',
  'field.report': 'report',
  'field.reportDueAt': 'due',
  'field.missingFields': 'missing',
  'field.resubmitted': 'filed again after a return',
  'field.economicLoss': 'direct economic loss (yuan)',
  'field.jurisdiction': 'room',
  'field.consultation': 'consultation',
  'field.advice': 'advice',
  'field.occupancy': 'occupancy',
  'reasonCode.severity': 'by severity',
};

/** Fields a summary shows as they are (text and numbers). */
const SHOWN = new Set([
  'title',
  'description',
  'previousSeverity',
  'severity',
  'level',
  'reason',
  'summary',
  'recipient',
  'orderNumber',
  'dead',
  'injured',
  'missing',
  'trapped',
  'evacuated',
  'sheltered',
  'needs',
  'objectives',
  'justification',
  'note',
  'signedBy',
  'progress',
  'task',
  'deadline',
  'dueAt',
  'escalationLevel',
  // An expert's consultation and advice, a shelter's occupancy (issue 23).
  'consultation',
  'advice',
  'occupancy',
]);
const LOSSES = ['dead', 'injured', 'missing', 'economicLoss'] as const;
const REPORT_KINDS: readonly string[] = ['phone', 'initial', 'followUp', 'final', 'supplementary'];

/** What a summary needs besides the entry: messages, the language, room names by code. */
export interface SummaryWords {
  tr(prefix: string, value: string): string;
  lang: string;
  room(code: string): string;
  /** Writes an instant; default: Beijing time without the zone. */
  time?: (iso: string) => string;
}

/** Fields that hold an instant: shown as the room reads time (Beijing time), never as sent. */
const TIMES = new Set(['deadline', 'dueAt']);

/** The entry as a summary reads it: its data, and for the timeline its type and stream (a 督办 history entry has its data only). */
type Summarised = Pick<TimelineEntry, 'data'> & { type?: string; streamType?: string };

const text = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);
const timeOf = (words: SummaryWords) => words.time ?? ((iso: string) => formatTime(iso, words.lang, { zone: false }));

/**
 * What a report event says in the plan's words: which report, from which room to which, 越级 and
 * copies, missing fields, lateness, losses; for a lead change, what became of each report.
 */
function reportParts(entry: Summarised, words: SummaryWords): string[] {
  const { tr, room } = words;
  const data = entry.data;
  if (entry.type === 'ReportObligationRecharged') return [rechargeNotice(data, { ...words, time: timeOf(words) })];
  const parts: string[] = [];
  const kind = text(data['kind']);
  if (kind !== null && REPORT_KINDS.includes(kind)) {
    const number = typeof data['number'] === 'number' ? data['number'] : null;
    parts.push(`${tr('field', 'report')}：${reportTitle({ kind: kind as ReportKind, number }, tr, words.lang)}`);
  }
  // A filing or receipt names the rooms `from` → `to`; an overdue report the room that owed it and the room above.
  const from = text(data['from']) ?? (entry.type === 'ReportOverdue' ? text(data['jurisdiction']) : null);
  const to = text(data['to']) ?? (entry.type === 'ReportOverdue' ? text(data['upperJurisdiction']) : null);
  if (from !== null && to !== null) parts.push(`${room(from)} → ${room(to)}`);
  const lead = text(data['lead']);
  if (lead !== null) parts.push(`${tr('field', 'lead')}：${room(lead)}`);
  const directTo = text(data['directTo']);
  if (directTo !== null) {
    const copied = Array.isArray(data['copiedTo']) ? data['copiedTo'].filter((c): c is string => typeof c === 'string') : [];
    parts.push(fill(tr('direct', 'to'), { room: room(directTo) }) + (copied.length ? fill(tr('direct', 'copied'), { rooms: copied.map(room).join('、') }) : ''));
  }
  if (entry.type === 'ReportOverdue' && text(data['dueAt']) !== null) parts.push(`${tr('field', 'reportDueAt')}：${timeOf(words)(String(data['dueAt']))}`);
  if (typeof data['minutesLate'] === 'number' && data['minutesLate'] > 0) parts.push(fill(tr('late', 'filed'), { n: String(data['minutesLate']) }));
  if (data['resubmitted'] === true) parts.push(tr('field', 'resubmitted'));
  const missing = Array.isArray(data['missingFields']) ? data['missingFields'].filter((f): f is string => typeof f === 'string') : [];
  if (missing.length) parts.push(`${tr('field', 'missingFields')}：${missingFieldLabels(missing, tr).join('、')}`);
  const losses = data['losses'];
  if (losses !== null && typeof losses === 'object') {
    for (const key of LOSSES) {
      const value = (losses as Record<string, unknown>)[key];
      if (typeof value === 'number') parts.push(`${tr('field', key)}：${value}`);
    }
  }
  return parts;
}

/** A line of what an entry said: its labelled simple fields, shortened; never an id, a code or a raw payload. */
export function summary(entry: Summarised, words: SummaryWords): string {
  const { tr } = words;
  if (entry.streamType === 'warning') return warningParts(entry, words).join('　');
  const report = entry.streamType === 'report';
  const parts: string[] = report ? reportParts(entry, words) : [];
  // The room an incident event names (linked, unlinked, supporting), by name.
  const room = text(entry.data['jurisdiction']);
  if (!report && room !== null) parts.push(`${tr('field', 'jurisdiction')}：${words.room(room)}`);
  for (const [key, value] of Object.entries(entry.data)) {
    // In a report event `title` is the report's kind and `dueAt` its deadline, said above when it matters.
    if (!SHOWN.has(key) || (report && (key === 'title' || key === 'dueAt')) || value === null || value === undefined || typeof value === 'object') continue;
    // A response level reads 一级响应 …, a severity I 级 特别重大 …: the two are not the same scale. A
    // reason the engine gives as a code (a link by severity) reads as words; a person's reason as typed.
    const shown =
      key === 'level'
        ? tr('resp', String(value))
        : key === 'severity' || key === 'previousSeverity'
          ? tr('sev', String(value))
          : key === 'reason'
            ? tr('reasonCode', String(value))
            : TIMES.has(key)
              ? timeOf(words)(String(value))
              : String(value);
    parts.push(`${tr('field', key)}：${shown}`);
    if (parts.length >= 8) break;
  }
  const line = parts.join('　');
  return line.length > 240 ? `${line.slice(0, 237)}…` : line;
}

/**
 * A warning's entry: its headline and level in words (黄色预警（三级）, never a response level), the
 * reason of an update or lift, how many it went to, and at the deadline how many acknowledged.
 */
function warningParts(entry: Summarised, words: SummaryWords): string[] {
  const { data } = entry;
  const lang = words.lang === 'en' ? 'en' : 'zh-CN';
  const message = typeof data['message'] === 'object' && data['message'] !== null ? (data['message'] as { level?: unknown; content?: { zh?: { headline?: unknown } } }) : null;
  const parts: string[] = [];
  const headline = text(message?.content?.zh?.headline);
  if (headline !== null) parts.push(`${warningWord(lang, 'headline')}：${headline}`);
  const level = text(data['level']) ?? text(message?.level);
  if (level !== null) parts.push(`${warningWord(lang, 'level')}：${warningWordOf(lang, 'level', level)}`);
  const reason = text(data['reason']);
  if (reason !== null) parts.push(`${words.tr('field', 'reason')}：${reason}`);
  if (typeof data['recipientCount'] === 'number') parts.push(warningWord(lang, 'recipientCount', { n: data['recipientCount'] }));
  if (typeof data['acknowledged'] === 'number' && typeof data['total'] === 'number') parts.push(warningWord(lang, 'ackCount', { x: data['acknowledged'], y: data['total'] }));
  return parts;
}

/**
 * The user id the timers service records when a deadline passes (TIMERS_USER_ID of @muster/engine,
 * which the console may not import): no person of the room acted.
 */
const TIMERS_USER = 'muster-timers';

/** Who acted: the room and the role, e.g. 鼎湖区 值班员; the user id never shows; a passed deadline is the system's. */
export function actorLabel(
  entry: Pick<TimelineEntry, 'actor' | 'actorJurisdiction'> & { roles?: unknown },
  roomName: (code: string) => string,
  tr: (prefix: string, value: string) => string,
): string {
  if (entry.actor === TIMERS_USER) return tr('actor', 'system');
  const roles = Array.isArray(entry['roles']) ? (entry['roles'] as unknown[]).filter((r): r is string => typeof r === 'string') : [];
  return [roomName(entry.actorJurisdiction), ...roles.map((r) => tr('role', r))].join(' ');
}
