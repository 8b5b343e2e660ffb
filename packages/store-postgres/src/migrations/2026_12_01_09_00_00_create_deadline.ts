import { sql, type Kysely } from 'kysely';

/**
 * Deadlines as rows (DESIGN §3 guarantee 6), written in the transaction of the command that makes
 * them due and fired by services/timers through the engine. A row ends fired or cancelled, never both.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('deadline')
    .addColumn('deadline_id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('stream_type', 'text', (c) => c.notNull())
    .addColumn('stream_id', 'text', (c) => c.notNull())
    .addColumn('incident_id', 'text', (c) => c.notNull())
    .addColumn('jurisdiction', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('command_type', 'text', (c) => c.notNull())
    .addColumn('command_data', 'jsonb', (c) => c.notNull())
    .addColumn('due_at', 'timestamptz', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('fired_at', 'timestamptz')
    .addColumn('cancelled_at', 'timestamptz')
    // fired: its command was accepted; obsolete: the machine or the incident refused it (met, moved,
    // closed); cancelled: withdrawn before it fell due.
    .addColumn('outcome', 'text', (c) => c.check(sql`outcome in ('fired', 'obsolete', 'cancelled')`))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .addCheckConstraint('deadline_fired_or_cancelled', sql`fired_at is null or cancelled_at is null`)
    .execute();
  // What the timers scan: pending rows by due time. Partial, so fired and cancelled rows cost nothing.
  await sql`create index deadline_due_idx on deadline (due_at) where fired_at is null and cancelled_at is null`.execute(db);
  await sql`create index deadline_incident_idx on deadline (incident_id) where fired_at is null and cancelled_at is null`.execute(db);
  // One live deadline per (stream, key, due time): scheduling it again is a no-op, and a fired one is never re-created.
  await sql`create unique index deadline_once_idx on deadline (stream_id, key, due_at) where cancelled_at is null`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('deadline').execute();
}
