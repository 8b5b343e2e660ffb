import { sql, type Kysely } from 'kysely';

/**
 * The timeline marks each entry with its corrections (issue 7): looking them up by corrected event id
 * must not scan every event of a 100,000-event incident, so corrections get a small index of their own.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create index event_correction_target_idx on event ((data->>'eventId')) where type = 'EntryCorrected'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index event_correction_target_idx`.execute(db);
}
