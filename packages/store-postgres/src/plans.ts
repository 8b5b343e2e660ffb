import { ConflictError, type PlanSummary, type PlanView } from '@muster/contracts';
import { planInForce, revisionReasons, type RevisionRequest } from '@muster/domain';
import type { Kysely, Selectable } from 'kysely';
import type { Database } from './database';
import type { PlanMarkTable, PlanMeasures, PlanTable, PlanVersionTable } from './tables/plan.table';

// ---- Plans (预案, issue 22): versions kept, revision due computed from the marks at read time -----

export interface PlanContentInput {
  owner: { unit: string; person: string };
  summary: string;
  measures: PlanMeasures;
  reviewBy: string | null;
  note: string;
}

export interface PlanInput {
  planId: string;
  jurisdiction: string;
  category: PlanTable['category'];
  kind: PlanTable['kind'];
  title: string;
  lastDrilledAt: string | null;
  version: PlanContentInput;
}

/** Who did something to a plan and when (from the server). */
interface Act {
  by: string;
  at: string;
}

type PlanRow = Selectable<PlanTable>;
type VersionRow = Selectable<PlanVersionTable>;
type MarkRow = Selectable<PlanMarkTable>;

const iso = (d: Date | null): string | null => (d === null ? null : d.toISOString());

function versionView(r: VersionRow): PlanView['current'] {
  return {
    version: r.version,
    issuedAt: r.issued_at.toISOString(),
    issuedBy: r.issued_by,
    owner: { unit: r.owner_unit, person: r.owner_person },
    summary: r.summary,
    measures: r.measures,
    reviewBy: iso(r.review_by),
    note: r.note,
  };
}

/** The last drill of a plan: the latest drill mark, else what was known when it was entered. */
function lastDrilled(plan: PlanRow, marks: readonly MarkRow[]): string | null {
  let last = plan.drilled_before?.getTime() ?? null;
  for (const m of marks) if (m.kind === 'drilled' && (last === null || m.at.getTime() > last)) last = m.at.getTime();
  return last === null ? null : new Date(last).toISOString();
}

function requestsOf(marks: readonly MarkRow[]): RevisionRequest[] {
  return marks.flatMap((m) => (m.kind === 'revision_requested' && m.source !== null ? [{ source: m.source, ref: m.ref, at: m.at.toISOString(), reason: m.reason ?? '' }] : []));
}

function summaryOf(plan: PlanRow, current: VersionRow, marks: readonly MarkRow[], now: string): PlanSummary {
  const lastDrilledAt = lastDrilled(plan, marks);
  const dueReasons = revisionReasons(
    {
      planId: plan.plan_id,
      jurisdiction: plan.jurisdiction,
      category: plan.category,
      kind: plan.kind,
      version: current.version,
      issuedAt: current.issued_at.toISOString(),
      reviewBy: iso(current.review_by),
      lastDrilledAt,
    },
    requestsOf(marks),
    now,
  );
  return {
    planId: plan.plan_id,
    jurisdiction: plan.jurisdiction,
    category: plan.category,
    kind: plan.kind,
    title: plan.title,
    current: versionView(current),
    lastDrilledAt,
    due: dueReasons.length > 0,
    dueReasons,
  };
}

/** Plans with their current versions and marks, as summaries at `now`. */
async function summaries(db: Kysely<Database>, plans: readonly PlanRow[], now: string): Promise<PlanSummary[]> {
  if (plans.length === 0) return [];
  const ids = plans.map((p) => p.plan_id);
  const [versions, marks] = await Promise.all([
    db
      .selectFrom('plan_version')
      .innerJoin('plan', (j) => j.onRef('plan.plan_id', '=', 'plan_version.plan_id').onRef('plan.current_version', '=', 'plan_version.version'))
      .selectAll('plan_version')
      .where('plan_version.plan_id', 'in', ids)
      .execute(),
    db.selectFrom('plan_mark').selectAll().where('plan_id', 'in', ids).execute(),
  ]);
  const currentOf = new Map(versions.map((v) => [v.plan_id, v]));
  return plans.flatMap((p) => {
    const current = currentOf.get(p.plan_id);
    // A plan is written with its first version in one transaction: it always has a current one.
    return current ? [summaryOf(p, current, marks.filter((m) => m.plan_id === p.plan_id), now)] : [];
  });
}

/** One plan with its history, its drills and revision requests, and whether it is due at `now`; undefined when there is none. */
export async function findPlan(db: Kysely<Database>, planId: string, now: string): Promise<PlanView | undefined> {
  const plan = await db.selectFrom('plan').selectAll().where('plan_id', '=', planId).executeTakeFirst();
  if (!plan) return undefined;
  const [versions, marks] = await Promise.all([
    db.selectFrom('plan_version').selectAll().where('plan_id', '=', planId).orderBy('version', 'desc').execute(),
    db.selectFrom('plan_mark').selectAll().where('plan_id', '=', planId).orderBy('at').orderBy('mark_id').execute(),
  ]);
  const current = versions.find((v) => v.version === plan.current_version);
  if (!current) return undefined;
  return {
    ...summaryOf(plan, current, marks, now),
    createdAt: plan.created_at.toISOString(),
    createdBy: plan.created_by,
    versions: versions.map(versionView),
    drills: marks.filter((m) => m.kind === 'drilled').map((m) => ({ ref: m.ref, at: m.at.toISOString(), recordedBy: m.recorded_by })),
    revisionRequests: marks.flatMap((m) =>
      m.kind === 'revision_requested' && m.source !== null ? [{ source: m.source, ref: m.ref, reason: m.reason ?? '', at: m.at.toISOString(), recordedBy: m.recorded_by }] : [],
    ),
  };
}

function versionValues(planId: string, version: number, content: PlanContentInput, act: Act) {
  return {
    plan_id: planId,
    version,
    owner_unit: content.owner.unit,
    owner_person: content.owner.person,
    summary: content.summary,
    measures: JSON.stringify(content.measures),
    review_by: content.reviewBy,
    note: content.note,
    issued_by: act.by,
    issued_at: act.at,
  };
}

/** Creates a plan with its first version; an id in use, or a second plan of the room for the category, is a conflict (nothing stored). */
export async function createPlan(db: Kysely<Database>, input: PlanInput, act: Act): Promise<PlanView> {
  await db.transaction().execute(async (trx) => {
    const inserted = await trx
      .insertInto('plan')
      .values({
        plan_id: input.planId,
        jurisdiction: input.jurisdiction,
        category: input.category,
        kind: input.kind,
        title: input.title,
        current_version: 1,
        drilled_before: input.lastDrilledAt,
        created_by: act.by,
        created_at: act.at,
      })
      .onConflict((oc) => oc.doNothing())
      .returning('plan_id')
      .executeTakeFirst();
    if (!inserted) {
      const same = await trx.selectFrom('plan').select('plan_id').where('plan_id', '=', input.planId).executeTakeFirst();
      if (same) throw new ConflictError(`plan ${input.planId} already exists`, { planId: input.planId });
      const other = await trx.selectFrom('plan').select('plan_id').where('jurisdiction', '=', input.jurisdiction).where('category', '=', input.category).executeTakeFirst();
      throw new ConflictError(`${input.jurisdiction} already has a ${input.category} plan: publish a new version of it`, { planId: other?.plan_id ?? null });
    }
    await trx.insertInto('plan_version').values(versionValues(input.planId, 1, input.version, act)).execute();
  });
  return (await findPlan(db, input.planId, act.at)) as PlanView;
}

/**
 * Publishes a new version (the old ones stay as history). `basedOn` is the version the editor
 * started from: when another was published meanwhile the publication is refused (409), nothing stored.
 */
export async function publishPlanVersion(
  db: Kysely<Database>,
  planId: string,
  change: { basedOn: number; title?: string | undefined; version: PlanContentInput },
  act: Act,
): Promise<PlanView> {
  await db.transaction().execute(async (trx) => {
    const plan = await trx.selectFrom('plan').select(['current_version']).where('plan_id', '=', planId).forUpdate().executeTakeFirstOrThrow();
    if (plan.current_version !== change.basedOn) {
      throw new ConflictError(`plan ${planId} is at version ${plan.current_version}, not ${change.basedOn}: reload it and edit the current version`, { currentVersion: plan.current_version });
    }
    const next = plan.current_version + 1;
    await trx.insertInto('plan_version').values(versionValues(planId, next, change.version, act)).execute();
    await trx
      .updateTable('plan')
      .set({ current_version: next, ...(change.title === undefined ? {} : { title: change.title }) })
      .where('plan_id', '=', planId)
      .execute();
  });
  return (await findPlan(db, planId, act.at)) as PlanView;
}

/**
 * Records a drill of a plan, or a request to revise it (from a drill's or an incident's AAR/IP, or a
 * change). Called by the plan routes, and by the drill routes when a drill that names its plan ends
 * or its AAR/IP asks for revision. The same mark twice (plan, kind, ref, time) is stored once, so a
 * retried command marks nothing more.
 */
export async function markPlan(
  db: Kysely<Database>,
  planId: string,
  mark: { kind: 'drilled'; ref: string; at: string } | { kind: 'revision_requested'; source: RevisionRequest['source']; ref: string; reason: string; at: string },
  recordedBy: string,
): Promise<void> {
  await db
    .insertInto('plan_mark')
    .values({
      plan_id: planId,
      kind: mark.kind,
      source: mark.kind === 'revision_requested' ? mark.source : null,
      ref: mark.ref,
      reason: mark.kind === 'revision_requested' ? mark.reason : null,
      at: mark.at,
      recorded_by: recordedBy,
    })
    .onConflict((oc) => oc.columns(['plan_id', 'kind', 'ref', 'at']).doNothing())
    .execute();
}

/** The plans of the rooms listed (and of one category, if named), each due or not at `now`: by room, then category. */
export async function listPlans(db: Kysely<Database>, filter: { jurisdictions: readonly string[]; category?: PlanTable['category'] | undefined }, now: string): Promise<PlanSummary[]> {
  if (filter.jurisdictions.length === 0) return [];
  let query = db.selectFrom('plan').selectAll().where('jurisdiction', 'in', [...filter.jurisdictions]);
  if (filter.category !== undefined) query = query.where('category', '=', filter.category);
  const plans = await query.orderBy('jurisdiction').orderBy('category').limit(1000).execute();
  return summaries(db, plans, now);
}

/** The plan in force for an incident of `category` led by the first room of `chain` (the room and the rooms above it, nearest first). */
export async function planInForceFor(db: Kysely<Database>, chain: readonly string[], category: PlanTable['category'], now: string): Promise<PlanSummary | null> {
  const plans = await listPlans(db, { jurisdictions: chain, category }, now);
  return planInForce(chain, new Map(plans.map((p) => [p.jurisdiction, p])));
}
