import type { DeadlineSpec } from '@muster/engine';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from './database';

/** Inserts a deadline in the command's transaction; the same (stream, key, due time) twice is one deadline. */
export async function scheduleDeadline(trx: Transaction<Database>, d: DeadlineSpec): Promise<void> {
  await trx
    .insertInto('deadline')
    .values({
      stream_type: d.streamType,
      stream_id: d.streamId,
      incident_id: d.incidentId,
      jurisdiction: d.jurisdiction,
      key: d.key,
      command_type: d.command.type,
      command_data: JSON.stringify(d.command.data),
      due_at: d.dueAt,
      // Only a drill's rows name it: a real row is written as before, also on a schema older than the column.
      ...(d.drillId ? { drill_id: d.drillId } : {}),
    })
    .onConflict((oc) => oc.columns(['stream_id', 'key', 'due_at']).where('cancelled_at', 'is', null).doNothing())
    .execute();
}

/**
 * Cancels the pending deadlines of an incident (or of one stream of it), except those to keep.
 * SKIP LOCKED: a row a timers process holds is being fired right now; waiting for it could deadlock
 * (the timer's command may wait for this very transaction's stream row), and the machine that
 * receives that command refuses it when the obligation is met or the incident is over.
 */
export async function cancelDeadlines(
  trx: Transaction<Database>,
  scope: { incidentId: string; streamId?: string | undefined; keep?: readonly { key: string; dueAt: string }[] | undefined },
): Promise<number> {
  const keep = scope.keep ?? [];
  const { rows } = await sql<{ deadline_id: string }>`
    update deadline set cancelled_at = now(), outcome = 'cancelled'
    where deadline_id in (
      select deadline_id from deadline
      where incident_id = ${scope.incidentId}
        and fired_at is null and cancelled_at is null
        ${scope.streamId === undefined ? sql`` : sql`and stream_id = ${scope.streamId}`}
        ${keep.length === 0 ? sql`` : sql`and (key, due_at) not in (${sql.join(keep.map((k) => sql`(${k.key}, ${k.dueAt}::timestamptz)`))})`}
      for update skip locked)
    returning deadline_id`.execute(trx);
  return rows.length;
}

export interface DueDeadline {
  deadlineId: string;
  streamType: string;
  streamId: string;
  incidentId: string;
  jurisdiction: string;
  key: string;
  commandType: string;
  commandData: Record<string, unknown>;
  dueAt: string;
  attempts: number;
}

/** What became of one firing: accepted, refused for good (met, moved, incident over), or to try again later. */
export type FiringOutcome = { kind: 'fired' } | { kind: 'obsolete'; reason: string } | { kind: 'retry'; error: string };

export interface FiringBatch {
  claimed: number;
  fired: number;
  obsolete: number;
  retried: number;
}

/**
 * Claims up to `limit` deadlines due at `now` that no other timers process holds (FOR UPDATE SKIP
 * LOCKED), settles each with what `fire` answers, and commits. The claim lasts the transaction: a
 * process that dies mid-batch loses its connection, PostgreSQL rolls back and unlocks, and another
 * process claims the rows again. A row whose command was already accepted is then fired again, which
 * command idempotency absorbs (the caller derives the command id from the deadline id).
 */
export async function fireDueDeadlines(
  db: Kysely<Database>,
  now: Date,
  limit: number,
  fire: (deadline: DueDeadline) => Promise<FiringOutcome>,
): Promise<FiringBatch> {
  return db.transaction().execute(async (trx) => {
    const rows = await trx
      .selectFrom('deadline')
      .select(['deadline_id', 'stream_type', 'stream_id', 'incident_id', 'jurisdiction', 'key', 'command_type', 'command_data', 'due_at', 'attempts'])
      .where('due_at', '<=', now)
      .where('fired_at', 'is', null)
      .where('cancelled_at', 'is', null)
      .orderBy('due_at')
      .orderBy('deadline_id')
      .limit(limit)
      .forUpdate()
      .skipLocked()
      .execute();
    const batch: FiringBatch = { claimed: rows.length, fired: 0, obsolete: 0, retried: 0 };
    const at = now.toISOString();
    for (const row of rows) {
      let outcome: FiringOutcome;
      try {
        outcome = await fire({
          deadlineId: row.deadline_id,
          streamType: row.stream_type,
          streamId: row.stream_id,
          incidentId: row.incident_id,
          jurisdiction: row.jurisdiction,
          key: row.key,
          commandType: row.command_type,
          commandData: row.command_data,
          dueAt: row.due_at.toISOString(),
          attempts: row.attempts,
        });
      } catch (error) {
        outcome = { kind: 'retry', error: error instanceof Error ? error.message : String(error) };
      }
      const update = trx.updateTable('deadline').where('deadline_id', '=', row.deadline_id);
      switch (outcome.kind) {
        case 'fired':
          await update.set({ fired_at: at, outcome: 'fired', attempts: row.attempts + 1, last_error: null }).execute();
          batch.fired += 1;
          break;
        case 'obsolete':
          await update.set({ cancelled_at: at, outcome: 'obsolete', attempts: row.attempts + 1, last_error: outcome.reason }).execute();
          batch.obsolete += 1;
          break;
        case 'retry':
          await update.set({ attempts: row.attempts + 1, last_error: outcome.error }).execute();
          batch.retried += 1;
          break;
        default: {
          const unknown: never = outcome;
          throw new Error(`unknown firing outcome ${JSON.stringify(unknown)}`);
        }
      }
    }
    return batch;
  });
}

/** Deadlines due at `now` and neither fired nor cancelled (metrics: muster_deadlines_due). */
export async function countDueDeadlines(db: Kysely<Database>, now: Date): Promise<number> {
  const row = await db
    .selectFrom('deadline')
    .select((eb) => eb.fn.countAll<string>().as('due'))
    .where('due_at', '<=', now)
    .where('fired_at', 'is', null)
    .where('cancelled_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.due);
}

export interface DeadlineView {
  deadlineId: string;
  streamId: string;
  incidentId: string;
  key: string;
  dueAt: string;
  firedAt: string | null;
  cancelledAt: string | null;
  outcome: string | null;
  attempts: number;
}

/** Deadlines of an incident (or all), earliest first: for the API and for tests. */
export async function listDeadlines(db: Kysely<Database>, filter: { incidentId?: string } = {}): Promise<DeadlineView[]> {
  let query = db.selectFrom('deadline').selectAll().orderBy('due_at').orderBy('key');
  if (filter.incidentId !== undefined) query = query.where('incident_id', '=', filter.incidentId);
  const rows = await query.execute();
  return rows.map((r) => ({
    deadlineId: r.deadline_id,
    streamId: r.stream_id,
    incidentId: r.incident_id,
    key: r.key,
    dueAt: r.due_at.toISOString(),
    firedAt: r.fired_at?.toISOString() ?? null,
    cancelledAt: r.cancelled_at?.toISOString() ?? null,
    outcome: r.outcome,
    attempts: r.attempts,
  }));
}

