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
        key: i.key,
        kind: i.kind,
        number: i.number,
        jurisdiction: context.jurisdiction,
        upper_jurisdiction: context.upperJurisdiction,
        exercise: context.exercise,
        due_at: i.dueAt,
        submitted_at: i.submittedAt,
        overdue_at: i.overdueAt,
        received_at: i.receivedAt,
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
 * Timeliness scores (考核通报) per unit: of the reports due in the period whose deadline has passed
 * (or that were filed), how many were on time, late (with mean and worst lateness in minutes) and
 * missing. Reports without a deadline are not scored; exercise incidents never count (guarantee 9).
 */
export async function reportScores(db: Kysely<Database>, query: ScoreQuery): Promise<ReportScore[]> {
  const units = query.jurisdictions;
  if (units !== undefined && units.length === 0) return [];
  const { rows } = await sql<{
    jurisdiction: string;
    assessed: number;
    on_time: number;
    late: number;
    missing: number;
    mean_late: string | null;
    worst_late: string | null;
  }>`
    select jurisdiction,
      count(*)::int as assessed,
      (count(*) filter (where submitted_at <= due_at))::int as on_time,
      (count(*) filter (where submitted_at > due_at))::int as late,
      (count(*) filter (where submitted_at is null))::int as missing,
      (avg(extract(epoch from submitted_at - due_at) / 60) filter (where submitted_at > due_at))::text as mean_late,
      (max(extract(epoch from submitted_at - due_at) / 60) filter (where submitted_at > due_at))::text as worst_late
    from report_item
    where due_at >= ${query.from}::timestamptz and due_at < ${query.to}::timestamptz
      and not exercise
      and (submitted_at is not null or due_at <= ${query.asOf}::timestamptz)
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
  }));
}
