import { sql, type Kysely } from 'kysely';

/** Rooms that follow an incident (lead, linked, supporting): what room feeds and boards filter on. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('event').addColumn('rooms', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`)).execute();
  await sql`update event set rooms = array[jurisdiction]`.execute(db);
  await sql`create index event_rooms_idx on event using gin (rooms)`.execute(db);
  await db.schema.alterTable('incident').addColumn('rooms', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`)).execute();
  await sql`update incident set rooms = array[lead_jurisdiction] || supporting_jurisdictions`.execute(db);
  await sql`create index incident_rooms_idx on incident using gin (rooms)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('incident').dropColumn('rooms').execute();
  await db.schema.alterTable('event').dropColumn('rooms').execute();
}
