import { sql, type Kysely } from 'kysely';

/** Inline read model of report obligations: one row per report owed or filed, what scores are computed from. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('report_item')
    .addColumn('incident_id', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('phone', 'initial', 'followUp', 'final')`))
    .addColumn('number', 'integer')
    .addColumn('jurisdiction', 'text', (c) => c.notNull())
    .addColumn('upper_jurisdiction', 'text')
    .addColumn('exercise', 'boolean', (c) => c.notNull())
    .addColumn('due_at', 'timestamptz')
    .addColumn('submitted_at', 'timestamptz')
    .addColumn('overdue_at', 'timestamptz')
    .addColumn('received_at', 'timestamptz')
    .addPrimaryKeyConstraint('report_item_pkey', ['incident_id', 'key'])
    .execute();
  await db.schema.createIndex('report_item_jurisdiction_due_idx').on('report_item').columns(['jurisdiction', 'due_at']).execute();
  await db.schema.createIndex('report_item_due_idx').on('report_item').columns(['due_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('report_item').execute();
}
