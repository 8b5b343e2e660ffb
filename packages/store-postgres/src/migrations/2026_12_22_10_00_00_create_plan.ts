import { sql, type Kysely } from 'kysely';

/** Plans (预案, issue 22): a plan per room and category, its versions, its drills and revision requests. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('plan')
    .addColumn('plan_id', 'text', (c) => c.primaryKey())
    .addColumn('jurisdiction', 'text', (c) => c.notNull())
    .addColumn('category', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('current_version', 'integer', (c) => c.notNull())
    .addColumn('drilled_before', 'timestamptz')
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    // One plan per room and category: the one an incident of that category works to.
    .addUniqueConstraint('plan_room_category', ['jurisdiction', 'category'])
    .execute();
  await db.schema
    .createTable('plan_version')
    .addColumn('plan_id', 'text', (c) => c.notNull().references('plan.plan_id'))
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('owner_unit', 'text', (c) => c.notNull())
    .addColumn('owner_person', 'text', (c) => c.notNull())
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('measures', 'jsonb', (c) => c.notNull())
    .addColumn('review_by', 'timestamptz')
    .addColumn('note', 'text', (c) => c.notNull())
    .addColumn('issued_by', 'text', (c) => c.notNull())
    .addColumn('issued_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('plan_version_pk', ['plan_id', 'version'])
    .execute();
  await db.schema
    .createTable('plan_mark')
    .addColumn('mark_id', 'bigserial', (c) => c.primaryKey())
    .addColumn('plan_id', 'text', (c) => c.notNull().references('plan.plan_id'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('source', 'text')
    .addColumn('ref', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('at', 'timestamptz', (c) => c.notNull())
    .addColumn('recorded_by', 'text', (c) => c.notNull())
    .addCheckConstraint('plan_mark_request_has_source', sql`kind <> 'revision_requested' or (source is not null and reason is not null)`)
    .execute();
  await db.schema.createIndex('plan_mark_plan_idx').on('plan_mark').columns(['plan_id', 'at']).execute();
  // A drill's end or its AAR/IP marks its plan once, however often the command is retried.
  await db.schema.createIndex('plan_mark_once').on('plan_mark').columns(['plan_id', 'kind', 'ref', 'at']).unique().execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('plan_mark').execute();
  await db.schema.dropTable('plan_version').execute();
  await db.schema.dropTable('plan').execute();
}
