import { sql, type Kysely } from 'kysely';

/** 约谈 records (issue 16): reference data of the rooms above, about the rooms below them. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('interview')
    .addColumn('interview_id', 'text', (c) => c.primaryKey())
    .addColumn('jurisdiction', 'text', (c) => c.notNull())
    .addColumn('interviewer_jurisdiction', 'text', (c) => c.notNull())
    .addColumn('held_on', 'date', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('late_reports', 'jsonb', (c) => c.notNull())
    .addColumn('attendees', 'jsonb', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('follow_up', 'text')
    .addColumn('recorded_by', 'text', (c) => c.notNull())
    .addColumn('recorded_at', 'timestamptz', (c) => c.notNull())
    .addCheckConstraint('interview_of_another_room', sql`interviewer_jurisdiction <> jurisdiction`)
    .execute();
  await db.schema.createIndex('interview_jurisdiction_idx').on('interview').columns(['jurisdiction', 'held_on']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('interview').execute();
}
