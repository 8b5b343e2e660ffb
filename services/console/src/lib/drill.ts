import { z } from 'zod';
import { useI18n, type Lang } from './i18n';

/** The words of the drill screens (演练, issue 22), in both console languages. */
const zh = {
  drills: '演练',
  drillBanner: '演练 — 此处内容为演练，不是真实突发事件',
  drillBannerShort: '演练',
  noDrills: '暂无演练',
  planDrill: '策划演练',
  title: '演练名称',
  kind: '演练类型',
  'kind.tabletop': '桌面推演',
  'kind.functional': '功能演练',
  'kind.fullScale': '实战演练',
  doubleBlind: '“双盲”演练（不通知时间和场景）',
  doubleBlindShort: '双盲',
  participants: '参演单位',
  objectives: '演练目标（每行一项）',
  objectivesShort: '演练目标',
  scenario: '演练场景',
  scheduledStart: '计划开始时间',
  msel: '情景事件清单（MSEL）',
  addRow: '增加一条',
  removeRow: '删除',
  injectKind: '类型',
  'inject.watchLogCall': '来电报告',
  'inject.sceneReport': '现场报告',
  'inject.sensorAlarm': '监测报警',
  'inject.casualtyFigure': '伤亡数字',
  dueAt: '注入时间',
  dueInMinutes: '几分钟后注入',
  content: '注入内容',
  expectedAction: '预期处置（不向参演单位显示）',
  'status.scheduled': '待注入',
  'status.delivered': '已注入',
  'status.skipped': '已跳过',
  'state.planned': '已策划',
  'state.running': '进行中',
  'state.hotWash': '现场讲评',
  'state.aarDrafted': '评估报告已起草',
  'state.closed': '已结束',
  'state.cancelled': '已取消',
  state: '状态',
  controller: '导调单位',
  role: '本单位角色',
  'role.controller': '导调',
  'role.participant': '参演',
  start: '开始演练',
  openIncidentIn: '开始时在参演单位建立演练事件（可不填，由首条注入建立）',
  openIncidentTitle: '演练事件名称',
  pause: '暂停注入',
  resume: '恢复注入',
  paused: '注入已暂停',
  skip: '跳过',
  addInject: '临时增加注入',
  end: '结束演练',
  cancel: '取消演练',
  cancelReason: '取消理由',
  close: '关闭演练',
  feed: '导调实况（注入与参演单位处置）',
  noFeed: '暂无动态',
  'feed.inject': '注入',
  'feed.delivery': '送达',
  'feed.response': '处置',
  'feed.control': '导调',
  observations: '评估记录',
  recordObservation: '记录评估',
  objective: '对应目标',
  note: '内容',
  hotWash: '现场讲评',
  recordHotWash: '记录讲评',
  aar: '评估报告与改进计划（AAR/IP）',
  draftAar: '起草评估报告',
  capabilities: '能力评估（每行：能力 评级P/S/M/U 优点；优点 | 不足；不足）',
  capabilitiesShort: '能力评估',
  'rating.P': 'P 顺利完成',
  'rating.S': 'S 完成但有一些问题',
  'rating.M': 'M 完成但问题较大',
  'rating.U': 'U 未能完成',
  strengths: '优点',
  improvements: '不足',
  correctiveActions: '改进措施',
  correctiveActionsInput: '改进措施（每行：措施｜责任单位｜完成期限 YYYY-MM-DD）',
  owner: '责任单位',
  deadline: '完成期限',
  closeAction: '办结',
  closure: '办结情况',
  'action.open': '办理中',
  'action.overdue': '已逾期，已报导调单位',
  'action.closed': '已办结',
  incidents: '演练事件',
  openIncident: '进入事件',
  hiddenUntilEnd: '双盲演练：场景与时间在演练结束后显示',
  sent: '已提交',
  backToDrills: '返回演练列表',
  drillOf: '所属演练',
  plan: '演练所依预案（可不选）',
  planShort: '所依预案',
  planRevision: '预案修订建议（填写后，所依预案将标为修订到期）',
  planRevisionShort: '预案修订建议',
  // 演练复盘: the incident review tools over the drill's merged record.
  review: '演练复盘',
  reviewHint: '演练全过程（导调与各演练事件）的时间线、某时刻的状态、指标与导出',
  reviewDrillAt: '演练',
  reviewIncidentAt: '演练事件',
  reviewDelivered: '已注入',
  reviewInjects: '注入情况',
  reviewPlanned: '计划',
  reviewSkipped: '跳过',
  reviewScheduled: '待注入',
  reviewResponses: '各注入的首次处置',
  reviewNoResponse: '未见处置',
  reviewMinutesAfter: '分钟后处置',
  reviewRunning: '演练时长（分钟）',
  reviewObservations: '评估记录条数',
  reviewNothingYet: '该时刻尚无演练事件',
} as const;

type DrillKey = keyof typeof zh;

const en: Record<DrillKey, string> = {
  drills: 'Drills',
  drillBanner: 'EXERCISE — what is shown here is a drill, not a real emergency',
  drillBannerShort: 'Exercise',
  noDrills: 'No drills',
  planDrill: 'Plan a drill',
  title: 'Title',
  kind: 'Kind',
  'kind.tabletop': 'Tabletop',
  'kind.functional': 'Functional',
  'kind.fullScale': 'Full-scale',
  doubleBlind: 'Double-blind (no notice of time or scenario)',
  doubleBlindShort: 'double-blind',
  participants: 'Participating rooms',
  objectives: 'Objectives (one per line)',
  objectivesShort: 'Objectives',
  scenario: 'Scenario',
  scheduledStart: 'Scheduled start',
  msel: 'Master scenario events list (MSEL)',
  addRow: 'Add a row',
  removeRow: 'Remove',
  injectKind: 'Kind',
  'inject.watchLogCall': 'Call',
  'inject.sceneReport': 'Scene report',
  'inject.sensorAlarm': 'Sensor alarm',
  'inject.casualtyFigure': 'Casualty figure',
  dueAt: 'Due',
  dueInMinutes: 'Due in (minutes)',
  content: 'Content',
  expectedAction: 'Expected action (hidden from players)',
  'status.scheduled': 'scheduled',
  'status.delivered': 'delivered',
  'status.skipped': 'skipped',
  'state.planned': 'planned',
  'state.running': 'running',
  'state.hotWash': 'hot wash',
  'state.aarDrafted': 'AAR drafted',
  'state.closed': 'closed',
  'state.cancelled': 'cancelled',
  state: 'State',
  controller: 'Controller',
  role: 'Our role',
  'role.controller': 'controller',
  'role.participant': 'participant',
  start: 'Start the drill',
  openIncidentIn: 'Open a drill incident in a participating room at the start (optional: the first inject opens one)',
  openIncidentTitle: 'Drill incident title',
  pause: 'Pause injects',
  resume: 'Resume injects',
  paused: 'Injects paused',
  skip: 'Skip',
  addInject: 'Add an inject now',
  end: 'End the drill',
  cancel: 'Cancel the drill',
  cancelReason: 'Why',
  close: 'Close the drill',
  feed: 'Controller feed (injects and players’ actions)',
  noFeed: 'Nothing yet',
  'feed.inject': 'Inject',
  'feed.delivery': 'Delivered',
  'feed.response': 'Response',
  'feed.control': 'Control',
  observations: 'Observations',
  recordObservation: 'Record an observation',
  objective: 'Objective',
  note: 'Note',
  hotWash: 'Hot wash',
  recordHotWash: 'Record a hot-wash note',
  aar: 'After-action report and improvement plan (AAR/IP)',
  draftAar: 'Draft the AAR/IP',
  capabilities: 'Capabilities (one per line: capability rating P/S/M/U strengths; … | improvements; …)',
  capabilitiesShort: 'Capabilities',
  'rating.P': 'P performed without challenges',
  'rating.S': 'S performed with some challenges',
  'rating.M': 'M performed with major challenges',
  'rating.U': 'U unable to be performed',
  strengths: 'Strengths',
  improvements: 'Areas for improvement',
  correctiveActions: 'Corrective actions',
  correctiveActionsInput: 'Corrective actions (one per line: action | owner room | deadline YYYY-MM-DD)',
  owner: 'Owner',
  deadline: 'Deadline',
  closeAction: 'Close',
  closure: 'How it was done',
  'action.open': 'open',
  'action.overdue': 'overdue, reported to the controller',
  'action.closed': 'closed',
  incidents: 'Drill incidents',
  openIncident: 'Open',
  hiddenUntilEnd: 'Double-blind: the scenario and times show once the drill has ended',
  sent: 'Sent',
  backToDrills: 'Back to the drills',
  drillOf: 'Drill',
  plan: 'Plan exercised (optional)',
  planShort: 'Plan exercised',
  planRevision: 'Plan revision needed (marks the plan due for revision)',
  planRevisionShort: 'Plan revision needed',
  review: 'Drill review',
  reviewHint: 'The whole drill (controller and every drill incident): timeline, state at a moment, metrics and exports',
  reviewDrillAt: 'Drill',
  reviewIncidentAt: 'Drill incident',
  reviewDelivered: 'delivered',
  reviewInjects: 'Injects',
  reviewPlanned: 'planned',
  reviewSkipped: 'skipped',
  reviewScheduled: 'to come',
  reviewResponses: 'First action on each inject',
  reviewNoResponse: 'no action seen',
  reviewMinutesAfter: 'minutes later',
  reviewRunning: 'Drill length (minutes)',
  reviewObservations: 'Observations recorded',
  reviewNothingYet: 'No drill incident at that moment yet',
};

export function drillWord(lang: Lang, key: DrillKey): string {
  return (lang === 'en' ? en : zh)[key];
}

export function useDrillWords(): (key: DrillKey) => string {
  const { lang } = useI18n();
  return (key) => drillWord(lang, key);
}

// ---- What the drill view holds beyond the catalog's loose schema ---------------------------------

const InjectDetails = z.object({
  injectId: z.string(),
  kind: z.enum(['watchLogCall', 'sceneReport', 'sensorAlarm', 'casualtyFigure']),
  dueAt: z.string(),
  incidentId: z.string().nullable().catch(null),
  content: z.string(),
  expectedAction: z.string().nullable().catch(null),
  status: z.enum(['scheduled', 'delivered', 'skipped']),
  deliveredAt: z.string().nullable().catch(null),
});

const DrillDetails = z.object({
  drillId: z.string(),
  state: z.enum(['none', 'planned', 'running', 'hotWash', 'aarDrafted', 'closed', 'cancelled']),
  version: z.number(),
  role: z.enum(['controller', 'participant']),
  title: z.string(),
  kind: z.enum(['tabletop', 'functional', 'fullScale']),
  doubleBlind: z.boolean(),
  controller: z.string(),
  participants: z.array(z.string()),
  incidents: z.array(z.string()),
  injectsPaused: z.boolean(),
  planId: z.string().nullable().catch(null),
  planRevision: z.string().nullable().catch(null),
  objectives: z.array(z.string()).catch([]),
  scenario: z.string().catch(''),
  scheduledStart: z.string().nullable().catch(null),
  injects: z.array(InjectDetails).catch([]),
  observations: z.array(z.object({ by: z.string(), at: z.string(), objective: z.string(), note: z.string() })).catch([]),
  hotWash: z.array(z.unknown()).catch([]),
  capabilities: z.array(z.object({ capability: z.string(), rating: z.enum(['P', 'S', 'M', 'U']), strengths: z.array(z.string()), improvements: z.array(z.string()) })).catch([]),
  correctiveActions: z
    .array(
      z.object({
        actionId: z.string(),
        action: z.string(),
        owner: z.string(),
        deadline: z.string(),
        closedAt: z.string().nullable(),
        closure: z.string().nullable().catch(null),
        overdueAt: z.string().nullable(),
      }),
    )
    .catch([]),
});

export type DrillDetails = z.infer<typeof DrillDetails>;

/** The drill as the screens show it, read from the api's answer (checked by the catalog's loose schema; a part it lacks reads empty). */
export function drillDetails(drill: unknown): DrillDetails {
  return DrillDetails.parse(drill);
}

/** A hot-wash note as text (a note is stored as text or as `{ note, by, at }`). */
export function hotWashText(entry: unknown): string {
  if (typeof entry === 'string') return entry;
  if (typeof entry === 'object' && entry !== null && 'note' in entry && typeof entry.note === 'string') return entry.note;
  return '';
}

/** A corrective action's state: closed, overdue (escalated to the controller), or open. */
export function actionState(action: Pick<DrillDetails['correctiveActions'][number], 'closedAt' | 'overdueAt'>): 'closed' | 'overdue' | 'open' {
  if (action.closedAt !== null) return 'closed';
  return action.overdueAt !== null ? 'overdue' : 'open';
}

/**
 * Capabilities typed one per line: `能力 评级 优点；优点 | 不足；不足` (the rating P, S, M or U). A
 * line without a rating is kept whole as the capability, so the schema names what is missing.
 */
export function parseCapabilities(text: string): { capability: string; rating: string; strengths: string[]; improvements: string[] }[] {
  const items = (s: string | undefined) => (s ?? '').split(/[;；]/).map((x) => x.trim()).filter((x) => x.length > 0);
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0)
    .map((line) => {
      const [head = '', improvements] = line.split(/[|｜]/);
      const match = /^(.+?)\s+([PSMU])(?:\s+(.*))?$/.exec(head.trim());
      if (!match) return { capability: head.trim(), rating: '', strengths: [], improvements: items(improvements) };
      return { capability: (match[1] ?? '').trim(), rating: match[2] ?? '', strengths: items(match[3]), improvements: items(improvements) };
    });
}

/** Corrective actions typed one per line: `措施 | 责任单位 | 期限`, the room by its name (or code), the deadline a Beijing day (end of day). */
export function parseCorrectiveActions(text: string, roomCode: (nameOrCode: string) => string, newId: () => string): { actionId: string; action: string; owner: string; deadline: string }[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0)
    .map((line) => {
      const [action = '', owner = '', deadline = ''] = line.split(/[|｜]/).map((p) => p.trim());
      const day = /^\d{4}-\d{2}-\d{2}$/.test(deadline) ? `${deadline}T23:59:59+08:00` : deadline;
      return { actionId: newId(), action, owner: roomCode(owner), deadline: day };
    });
}
