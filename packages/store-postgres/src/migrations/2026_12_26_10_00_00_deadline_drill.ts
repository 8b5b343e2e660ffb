import { sql, type Kysely } from 'kysely';

/**
 * A drill's deadlines (演练, issue 22) carry the drill's id, like its events: the injects and the
 * overdue corrective actions on its own stream, the reporting deadlines of its incidents. Every
 * deadline before this was either a real one or left unmarked.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('deadline').addColumn('drill_id', 'text').execute();
  // Which drill lists an exercise incident (the engine asks on each of its commands): the drills'
  // incident lists, indexed for the `?` test, without touching the index of any other stream.
  await sql`create index stream_drill_incidents on stream using gin ((snapshot->'context'->'incidents')) where stream_type = 'drill'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index if exists stream_drill_incidents`.execute(db);
  await db.schema.alterTable('deadline').dropColumn('drill_id').execute();
}
