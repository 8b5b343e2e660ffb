import type { PlanSummary } from '@muster/contracts';
import { useI18n, type Lang } from './i18n';
import { formatTime } from './time';

/** The words of the plan library (预案库) and the plan panels, in both console languages. */
const zh = {
  plans: '预案库',
  noPlans: '暂无预案',
  plan: '预案',
  planInForce: '适用预案',
  noPlanInForce: '本类事件暂无适用预案',
  planTitle: '预案名称',
  planKind: '预案类型',
  'kind.overall': '总体应急预案',
  'kind.special': '专项应急预案',
  'kind.departmental': '部门应急预案',
  'kind.grassroots': '基层应急预案',
  room: '单位',
  category: '事件类别',
  allCategories: '全部类别',
  version: '版本',
  versionN: '第 {n} 版',
  currentVersion: '现行版本',
  issuedAt: '发布时间',
  owner: '编制单位',
  ownerPerson: '责任人',
  summary: '概要',
  measuresFor: '{level}措施',
  measuresOfPlan: '预案规定的{level}措施',
  reviewBy: '评估修订日期',
  noReviewBy: '未规定',
  lastDrilledAt: '最近演练',
  neverDrilled: '未演练',
  status: '状态',
  due: '修订到期',
  inDate: '现行有效',
  'reason.reviewDate': '已到评估修订日期（{since}）',
  'reason.drillOverdue': '超过 {years} 年未演练（应于 {since} 前演练）',
  'reason.revisionAsked': '{source}要求修订（{ref}，{since}）：{reason}',
  'source.drill': '演练评估报告',
  'source.incident': '事件复盘评估',
  'source.change': '情况变化',
  history: '历史版本',
  viewVersion: '查看',
  note: '修订说明',
  createPlan: '新建预案',
  publishVersion: '发布新版本',
  publish: '发布',
  requestRevision: '提出修订要求',
  source: '提出依据',
  ref: '演练或事件名称',
  reason: '修订理由',
  revisionRequests: '修订要求',
  recordDrill: '登记演练',
  drillName: '演练名称',
  drillEndedAt: '演练结束时间',
  drills: '演练记录',
  lastDrilledBefore: '此前最近一次演练时间（未演练可不填）',
  sent: '已提交',
  keptByOwnRoom: '预案由本单位维护；上级单位可查阅、提出修订要求。',
  openPlan: '查看预案',
  backToPlans: '返回预案库',
} as const;

type PlanKey = keyof typeof zh;

const en: Record<PlanKey, string> = {
  plans: 'Plans',
  noPlans: 'No plans',
  plan: 'Plan',
  planInForce: 'Plan in force',
  noPlanInForce: 'No plan for this category of incident',
  planTitle: 'Title',
  planKind: 'Kind',
  'kind.overall': 'Overall plan',
  'kind.special': 'Special plan',
  'kind.departmental': 'Departmental plan',
  'kind.grassroots': 'Grassroots plan',
  room: 'Room',
  category: 'Category',
  allCategories: 'All categories',
  version: 'Version',
  versionN: 'version {n}',
  currentVersion: 'Current version',
  issuedAt: 'Issued',
  owner: 'Owner',
  ownerPerson: 'Person responsible',
  summary: 'Summary',
  measuresFor: '{level} measures',
  measuresOfPlan: 'The plan’s measures for {level}',
  reviewBy: 'Review by',
  noReviewBy: 'not set',
  lastDrilledAt: 'Last drilled',
  neverDrilled: 'never',
  status: 'Status',
  due: 'Due for revision',
  inDate: 'In force',
  'reason.reviewDate': 'its review date passed ({since})',
  'reason.drillOverdue': 'not drilled in {years} years (due by {since})',
  'reason.revisionAsked': '{source} asks for revision ({ref}, {since}): {reason}',
  'source.drill': 'A drill’s AAR/IP',
  'source.incident': 'An incident review',
  'source.change': 'A change',
  history: 'Versions',
  viewVersion: 'View',
  note: 'What changed',
  createPlan: 'New plan',
  publishVersion: 'Publish a new version',
  publish: 'Publish',
  requestRevision: 'Ask for revision',
  source: 'On the ground of',
  ref: 'Drill or incident',
  reason: 'Why',
  revisionRequests: 'Revision requests',
  recordDrill: 'Record a drill',
  drillName: 'Drill',
  drillEndedAt: 'Drill ended',
  drills: 'Drills',
  lastDrilledBefore: 'Last drilled before (leave empty if never)',
  sent: 'Sent',
  keptByOwnRoom: 'A plan is kept by its own room; the rooms above read it and may ask for revision.',
  openPlan: 'Open the plan',
  backToPlans: 'Back to the plans',
};

/** A message with its `{name}` slots filled. */
export function planWord(lang: Lang, key: PlanKey, slots: Record<string, string> = {}): string {
  const text: string = (lang === 'en' ? en : zh)[key];
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => slots[name] ?? whole);
}

export function usePlanWords(): (key: PlanKey, slots?: Record<string, string>) => string {
  const { lang } = useI18n();
  return (key, slots) => planWord(lang, key, slots);
}

type DueReason = PlanSummary['dueReasons'][number];

/** A calendar day in Beijing (`2026-09-01`): plans count in days. */
export const beijingDay = (iso: string | null, lang: Lang): string => (iso ? formatTime(iso, lang, { zone: false }).slice(0, 10) : '—');

/** Why a plan is due for revision, in words (days in Beijing time). */
export function dueReasonText(reason: DueReason, lang: Lang): string {
  const since = beijingDay(reason.since, lang);
  switch (reason.trigger) {
    case 'reviewDate':
      return planWord(lang, 'reason.reviewDate', { since });
    case 'drillOverdue':
      return planWord(lang, 'reason.drillOverdue', { years: String(reason.intervalYears), since });
    case 'revisionAsked':
      return planWord(lang, 'reason.revisionAsked', { source: planWord(lang, `source.${reason.source}`), ref: reason.ref, since, reason: reason.reason });
    default: {
      const unreachable: never = reason;
      return String(unreachable);
    }
  }
}

export const LEVELS = ['I', 'II', 'III', 'IV'] as const;
type Level = (typeof LEVELS)[number];

/** The plan's measures for a response level the user picked; null when none is picked (or the value is no level). */
export function measuresFor(plan: Pick<PlanSummary, 'current'> | null, level: string | undefined): string | null {
  if (!plan || !level) return null;
  return (LEVELS as readonly string[]).includes(level) ? plan.current.measures[level as Level] : null;
}
