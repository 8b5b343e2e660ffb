import type { ReportContext } from '@muster/domain';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from './database';

/** Rewrites the report rows of an incident from its obligation's state, in the command's transaction. */
export async function projectReport(trx: Transaction<Database>, context: ReportContext): Promise<void> {
  await trx.deleteFrom('report_item').where('incident_id', '=', context.incidentId).execute();
  if (context.items.length === 0) return;
  await trx
    .insertInto('report_item')
    .values(
      context.items.map((i) => ({
        incident_id: context.incidentId,
        item_id: i.id,
        key: i.key,
        kind: i.kind,
        number: i.number,
        jurisdiction: i.from,
        upper_jurisdiction: i.to,
        direct_to: i.directTo,
        exercise: context.exercise,
        due_at: i.dueAt,
        first_due_at: i.firstDueAt,
        submitted_at: i.submittedAt,
        first_submitted_at: i.firstSubmittedAt,
        overdue_at: i.overdueAt,
        received_at: i.receivedAt,
        returned_count: i.returns.length,
        missing_fields: i.missingFields,
      })),
    )
    .execute();
}

export interface ReportScore {
  jurisdiction: string;
  assessed: number;
  onTime: number;
  late: number;
  missing: number;
  onTimeRate: number | null;
  meanLatenessMinutes: number | null;
  worstLatenessMinutes: number | null;
  /** Reports filed in the period (count, 数量), with or without a deadline. */
  filed: number;
  /** Of those, how many held every required field (completeness, 内容完整), and the rate. */
  complete: number;
  completenessRate: number | null;
  /** Times reports of the period were sent back for correction (退回, quality). */
  returned: number;
}

export interface ScoreQuery {
  /** Reports due in [from, to) are scored. */
  from: string;
  to: string;
  /** Reports due after this are not yet scored unless filed (the deadline has not come). */
  asOf: string;
  /** Only these units; all when undefined. */
  jurisdictions?: readonly string[] | undefined;
}

const round = (value: number, places: number) => Math.round(value * 10 ** places) / 10 ** places;

/**
 * Scores (考核通报) per unit, charged to the room that owed each report when it fell due:
 * - timeliness: of the reports whose first deadline lies in the period and has passed (or that were
 *   filed), how many were on time, late (mean and worst lateness in minutes) and missing, counted
 *   against the first deadline and the first filing (a report sent back and filed again stays late);
 * - count and completeness: reports filed in the period, and how many held every required field;
 * - quality: how often reports of the period were sent back (退回).
 * Exercise incidents never count (guarantee 9).
 */
export async function reportScores(db: Kysely<Database>, query: ScoreQuery): Promise<ReportScore[]> {
  const units = query.jurisdictions;
  if (units !== undefined && units.length === 0) return [];
  const dueIn = sql`first_due_at >= ${query.from}::timestamptz and first_due_at < ${query.to}::timestamptz
      and (first_submitted_at is not null or first_due_at <= ${query.asOf}::timestamptz)`;
  const filedIn = sql`first_submitted_at >= ${query.from}::timestamptz and first_submitted_at < ${query.to}::timestamptz`;
  const { rows } = await sql<{
    jurisdiction: string;
    assessed: number;
    on_time: number;
    late: number;
    missing: number;
    mean_late: string | null;
    worst_late: string | null;
    filed: number;
    complete: number;
    returned: number;
  }>`
    select jurisdiction,
      (count(*) filter (where ${dueIn}))::int as assessed,
      (count(*) filter (where ${dueIn} and first_submitted_at <= first_due_at))::int as on_time,
      (count(*) filter (where ${dueIn} and first_submitted_at > first_due_at))::int as late,
      (count(*) filter (where ${dueIn} and first_submitted_at is null))::int as missing,
      (avg(extract(epoch from first_submitted_at - first_due_at) / 60) filter (where ${dueIn} and first_submitted_at > first_due_at))::text as mean_late,
      (max(extract(epoch from first_submitted_at - first_due_at) / 60) filter (where ${dueIn} and first_submitted_at > first_due_at))::text as worst_late,
      (count(*) filter (where ${filedIn}))::int as filed,
      (count(*) filter (where ${filedIn} and cardinality(missing_fields) = 0))::int as complete,
      (coalesce(sum(returned_count) filter (where ${dueIn} or ${filedIn}), 0))::int as returned
    from report_item
    where not exercise
      and ((${dueIn}) or (${filedIn}))
      ${units === undefined ? sql`` : sql`and jurisdiction in (${sql.join([...units])})`}
    group by jurisdiction
    order by jurisdiction`.execute(db);
  return rows.map((r) => ({
    jurisdiction: r.jurisdiction,
    assessed: r.assessed,
    onTime: r.on_time,
    late: r.late,
    missing: r.missing,
    onTimeRate: r.assessed === 0 ? null : round(r.on_time / r.assessed, 4),
    meanLatenessMinutes: r.mean_late === null ? null : round(Number(r.mean_late), 2),
    worstLatenessMinutes: r.worst_late === null ? null : round(Number(r.worst_late), 2),
    filed: r.filed,
    complete: r.complete,
    completenessRate: r.filed === 0 ? null : round(r.complete / r.filed, 4),
    returned: r.returned,
  }));
}
