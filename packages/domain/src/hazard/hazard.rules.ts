import type { JurisdictionLevel } from '../jurisdiction/jurisdiction-tree';
import type { Role } from '../shared';
import type { HazardCriterion, HazardGrade } from './hazard.types';

/**
 * The rules of hazards as data, each with its source (ref §1.7). They are read by the machine (grading,
 * reward), the engine (who lists for supervision) and the api (who reads a reporter's identity).
 */

const ORDER_16 = '安全生产事故隐患排查治理暂行规定(安监总局令第16号, 2007) §3';

export interface HazardGradingRule {
  id: string;
  /** The fact that makes this grade. */
  criterion: HazardCriterion;
  grade: HazardGrade;
  source: string;
}

/**
 * Order 16 §3: 一般事故隐患 — 危害和整改难度较小,发现后能够立即整改排除; 重大事故隐患 — 应当全部或者局部停产停业,
 * 并经过一定时间整改治理方能排除,或者因外部因素影响致使生产经营单位自身难以排除. Any 重大 criterion makes the
 * hazard 重大; otherwise it is 一般.
 */
export const HAZARD_GRADING_RULES: readonly HazardGradingRule[] = [
  { id: 'order16-3-stoppage', criterion: 'requires_stoppage', grade: 'major', source: `${ORDER_16}: 应当全部或者局部停产停业,并经过一定时间整改治理方能排除` },
  { id: 'order16-3-external', criterion: 'external_factors', grade: 'major', source: `${ORDER_16}: 因外部因素影响致使生产经营单位自身难以排除` },
  { id: 'order16-3-general', criterion: 'fixable_at_once', grade: 'general', source: `${ORDER_16}: 危害和整改难度较小,发现后能够立即整改排除` },
];

/** The grade the criteria give, by the first rule that applies (重大 rules first); null when none is named. */
export function gradeHazard(criteria: readonly HazardCriterion[]): HazardGradingRule | null {
  return HAZARD_GRADING_RULES.find((rule) => criteria.includes(rule.criterion)) ?? null;
}

/**
 * The reward of a tip-off that revealed a 重大 hazard or illegal operation (安全生产领域举报奖励办法,
 * 安监总财〔2018〕19号): 15 % of the fine, at least ¥3,000 and at most ¥300,000, to the first valid
 * reporter only.
 */
export const TIP_OFF_REWARD_RULE = {
  id: 'reward-2018-19',
  share: 0.15,
  minimum: 3_000,
  maximum: 300_000,
  source: '安全生产领域举报奖励办法(安监总财〔2018〕19号): 罚款金额的15%, 最低3000元, 最高30万元; 仅奖励最先举报人',
} as const;

/** The reward, in whole yuan, for a fine of `fine` yuan. */
export function tipOffReward(fine: number): number {
  const { share, minimum, maximum } = TIP_OFF_REWARD_RULE;
  return Math.min(maximum, Math.max(minimum, Math.round(fine * share)));
}

/**
 * 挂牌督办: the government lists 重大 hazards for supervision (安全生产法 2021 §41 治理督办; Hubei rule,
 * ref §1.7). In this city, the city room lists them.
 */
export const HAZARD_LISTING_RULE: { level: JurisdictionLevel; roles: readonly Role[]; source: string } = {
  level: 'city',
  roles: ['duty_officer', 'leader'],
  source: '安全生产法(2021) §41 治理督办; 地方规定: 重大事故隐患由政府挂牌督办 (ref §1.7)',
};

/**
 * Who may read a tip-off reporter's identity: the leader of the room that owns the hazard (for the
 * reward and for asking back), nobody else (安全生产法 §73 举报受理 and 举报奖励办法: 为举报人保密).
 */
export const TIP_OFF_IDENTITY_RULE: { roles: readonly Role[]; room: 'owning'; source: string } = {
  roles: ['leader'],
  room: 'owning',
  source: '安全生产法(2021) §73; 安全生产领域举报奖励办法(2018) 为举报人保密: 仅隐患所属应急指挥室负责人可查阅',
};
