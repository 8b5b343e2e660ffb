import { sql, type Kysely } from 'kysely';

/** Duty roster (值班表) and watch log (值班记录) of each jurisdiction's duty room. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('duty_shift')
    .addColumn('shift_id', 'text', (c) => c.primaryKey())
    .addColumn('jurisdiction', 'text', (c) => c.notNull())
    .addColumn('post', 'text', (c) => c.notNull().check(sql`post in ('leader', 'duty_officer')`))
    .addColumn('officer_id', 'text', (c) => c.notNull())
    .addColumn('officer_name', 'text', (c) => c.notNull())
    .addColumn('officer_phone', 'text')
    .addColumn('starts_at', 'timestamptz', (c) => c.notNull())
    .addColumn('ends_at', 'timestamptz', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addCheckConstraint('duty_shift_ends_after_start', sql`ends_at > starts_at`)
    .execute();
  await db.schema.createIndex('duty_shift_jurisdiction_idx').on('duty_shift').columns(['jurisdiction', 'starts_at']).execute();

  await db.schema
    .createTable('watch_entry')
    .addColumn('entry_id', 'text', (c) => c.primaryKey())
    .addColumn('jurisdiction', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull().check(sql`channel in ('phone', 'informant', 'new_media', 'public', 'unit', 'sensor')`))
    .addColumn('received_at', 'timestamptz', (c) => c.notNull())
    .addColumn('occurred_at', 'timestamptz')
    .addColumn('place', 'text', (c) => c.notNull())
    .addColumn('cause', 'text')
    .addColumn('course', 'text', (c) => c.notNull())
    .addColumn('measures', 'text')
    .addColumn('result', 'text')
    .addColumn('impact', 'text')
    .addColumn('trend', 'text')
    .addColumn('informed', 'jsonb', (c) => c.notNull())
    .addColumn('caller', 'jsonb', (c) => c.notNull())
    .addColumn('recorded_by', 'text', (c) => c.notNull())
    .addColumn('recorder_name', 'text', (c) => c.notNull())
    .addColumn('recorded_at', 'timestamptz', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('open').check(sql`status in ('open', 'incident_created', 'attached', 'dismissed')`))
    .addColumn('incident_id', 'text')
    .addColumn('triaged_by', 'text')
    .addColumn('triaged_at', 'timestamptz')
    .addColumn('dismiss_reason', 'text')
    .execute();
  await db.schema.createIndex('watch_entry_jurisdiction_idx').on('watch_entry').columns(['jurisdiction', 'received_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('watch_entry').execute();
  await db.schema.dropTable('duty_shift').execute();
}
