import { sql, type Kysely } from 'kysely';

/**
 * A call a drill's inject puts into a room's watch log (演练, issue 22) is a drill's: flagged, so the
 * real watch log leaves it out unless drills are asked for. Every entry before this was real.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('watch_entry')
    .addColumn('exercise', 'boolean', (c) => c.notNull().defaultTo(sql`false`))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('watch_entry').dropColumn('exercise').execute();
}
