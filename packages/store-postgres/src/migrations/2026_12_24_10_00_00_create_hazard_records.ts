import type { Kysely } from 'kysely';

/**
 * Hazards (issue 24): the tip-off reporter's identity, kept apart from every stream and event (read
 * only through the api's identity rule), and inspection records (明查暗访), whose findings open or
 * update hazard streams.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('tip_off_reporter')
    .addColumn('tip_off_id', 'text', (c) => c.primaryKey())
    .addColumn('hazard_id', 'text', (c) => c.notNull().unique())
    .addColumn('jurisdiction', 'text', (c) => c.notNull())
    .addColumn('received_at', 'timestamptz', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('phone', 'text', (c) => c.notNull())
    .addColumn('id_number', 'text')
    .addColumn('address', 'text')
    .execute();
  await db.schema
    .createTable('inspection')
    .addColumn('inspection_id', 'text', (c) => c.primaryKey())
    .addColumn('jurisdiction', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('inspected_at', 'timestamptz', (c) => c.notNull())
    .addColumn('inspectors', 'jsonb', (c) => c.notNull())
    .addColumn('attachments', 'jsonb', (c) => c.notNull())
    .addColumn('hazards', 'jsonb', (c) => c.notNull())
    .addColumn('recorded_by', 'text', (c) => c.notNull())
    .addColumn('recorded_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('inspection_jurisdiction_idx').on('inspection').columns(['jurisdiction', 'inspected_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('inspection').execute();
  await db.schema.dropTable('tip_off_reporter').execute();
}
