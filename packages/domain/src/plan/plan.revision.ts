/**
 * When a plan (预案) is due for revision (issue 22; ref §1.8, 突发事件应急预案管理办法). Pure: the plan
 * library (store-postgres plans.ts) asks it with the current version, what asked for revision since, and now.
 */

/**
 * Kinds of plan as the rules treat them: 专项 and 部门 plans are drilled at least every three years;
 * Guangdong's townships, streets and villages (基层) at least once a year (ref §1.6, §1.8); the overall
 * plan (总体) has no drill interval of its own here.
 */
export const PLAN_KINDS = ['overall', 'special', 'departmental', 'grassroots'] as const;
type PlanKind = (typeof PLAN_KINDS)[number];

/** What can ask for a revision: an AAR/IP of a drill or a real incident, or a change (law, parent plan, command body, risks, resources). */
export const REVISION_SOURCES = ['drill', 'incident', 'change'] as const;

const DRILL_INTERVAL_YEARS: Readonly<Record<PlanKind, number | null>> = {
  overall: null,
  special: 3,
  departmental: 3,
  grassroots: 1,
};

/** The version of a plan in force: who it is for, when it was issued, when it is to be reviewed, when it was last drilled. */
export interface PlanVersion {
  planId: string;
  jurisdiction: string;
  category: string;
  kind: PlanKind;
  version: number;
  issuedAt: string;
  /** The review date the plan sets itself; null when it sets none. */
  reviewBy: string | null;
  /** The end of the last drill of this plan (any version); null when it was never drilled. */
  lastDrilledAt: string | null;
}

/**
 * Something that asks for a revision (ref §1.8's triggers): an AAR/IP of a drill or a real incident
 * that found the plan wanting, or a change of law, parent plan, command body, risk or key resources.
 */
export interface RevisionRequest {
  source: (typeof REVISION_SOURCES)[number];
  /** The drill, incident or change record that asks. */
  ref: string;
  at: string;
  reason: string;
}

export type RevisionReason =
  | { trigger: 'reviewDate'; since: string }
  | { trigger: 'drillOverdue'; since: string; intervalYears: number }
  | { trigger: 'revisionAsked'; source: RevisionRequest['source']; ref: string; since: string; reason: string };

/** `iso` plus `years` calendar years (UTC). */
function addYears(iso: string, years: number): string {
  const d = new Date(iso);
  d.setUTCFullYear(d.getUTCFullYear() + years);
  return d.toISOString();
}

/**
 * Why the plan is due for revision at `now` (empty: it is not): its review date passed; it went
 * undrilled longer than its kind allows (counted from its last drill, else from its issue); or an
 * AAR/IP or a change asked for revision after the version in force was issued.
 */
export function revisionReasons(plan: PlanVersion, requests: readonly RevisionRequest[], now: string): RevisionReason[] {
  const at = Date.parse(now);
  const reasons: RevisionReason[] = [];
  if (plan.reviewBy !== null && Date.parse(plan.reviewBy) <= at) reasons.push({ trigger: 'reviewDate', since: new Date(plan.reviewBy).toISOString() });
  const interval = DRILL_INTERVAL_YEARS[plan.kind];
  if (interval !== null) {
    const drillDue = addYears(plan.lastDrilledAt ?? plan.issuedAt, interval);
    if (Date.parse(drillDue) <= at) reasons.push({ trigger: 'drillOverdue', since: drillDue, intervalYears: interval });
  }
  for (const request of requests) {
    const asked = Date.parse(request.at);
    if (asked > Date.parse(plan.issuedAt) && asked <= at) {
      reasons.push({ trigger: 'revisionAsked', source: request.source, ref: request.ref, since: new Date(asked).toISOString(), reason: request.reason });
    }
  }
  return reasons;
}

/**
 * The plan in force for an incident of `jurisdiction`: the room's own plan of the category, else the
 * nearest room above it that has one (a county without its own special plan works to the city's).
 * `chain` is the jurisdiction and its ancestors, nearest first; `plansByJurisdiction` the plans of the category.
 */
export function planInForce<P>(chain: readonly string[], plansByJurisdiction: ReadonlyMap<string, P>): P | null {
  for (const code of chain) {
    const plan = plansByJurisdiction.get(code);
    if (plan !== undefined) return plan;
  }
  return null;
}
