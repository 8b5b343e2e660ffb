import type { Kysely } from 'kysely';

/**
 * A drill's deadlines (演练, issue 22) carry the drill's id, like its events: the injects and the
 * overdue corrective actions on its own stream, the reporting deadlines of its incidents. Every
 * deadline before this was either a real one or left unmarked.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('deadline').addColumn('drill_id', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('deadline').dropColumn('drill_id').execute();
}
