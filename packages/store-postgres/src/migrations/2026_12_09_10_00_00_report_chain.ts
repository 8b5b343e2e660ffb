import { sql, type Kysely } from 'kysely';

/**
 * The reporting chain (issue 16): an incident's reports are owed by several rooms (the lead, and for
 * III+ the rooms above it passing them on), so a report is known by `<owing room>/<key>` (`item_id`).
 * Scores count timeliness against the first deadline and the first filing (a report sent back and
 * filed again does not become on time), the reports sent back (退回), 越级 filings and completeness.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('report_item')
    .addColumn('item_id', 'text')
    .addColumn('first_due_at', 'timestamptz')
    .addColumn('first_submitted_at', 'timestamptz')
    .addColumn('direct_to', 'text')
    .addColumn('returned_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('missing_fields', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'::text[]`))
    .execute();
  await sql`update report_item set item_id = jurisdiction || '/' || key, first_due_at = due_at, first_submitted_at = submitted_at`.execute(db);
  await sql`alter table report_item alter column item_id set not null`.execute(db);
  await sql`alter table report_item drop constraint report_item_pkey, add constraint report_item_pkey primary key (incident_id, item_id)`.execute(db);
  await sql`alter table report_item drop constraint if exists report_item_kind_check`.execute(db);
  await sql`alter table report_item add constraint report_item_kind_check check (kind in ('phone', 'initial', 'followUp', 'final', 'supplementary'))`.execute(db);
  await db.schema.createIndex('report_item_first_due_idx').on('report_item').columns(['jurisdiction', 'first_due_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('report_item_first_due_idx').execute();
  await sql`delete from report_item where kind = 'supplementary'`.execute(db);
  await sql`alter table report_item drop constraint report_item_kind_check`.execute(db);
  await sql`alter table report_item add constraint report_item_kind_check check (kind in ('phone', 'initial', 'followUp', 'final'))`.execute(db);
  await sql`alter table report_item drop constraint report_item_pkey`.execute(db);
  // Rows of rooms other than the lead share keys with the lead's: only the lead's fit the old key.
  await sql`delete from report_item r using report_item o where r.incident_id = o.incident_id and r.key = o.key and r.item_id > o.item_id`.execute(db);
  await sql`alter table report_item add constraint report_item_pkey primary key (incident_id, key)`.execute(db);
  await db.schema
    .alterTable('report_item')
    .dropColumn('item_id')
    .dropColumn('first_due_at')
    .dropColumn('first_submitted_at')
    .dropColumn('direct_to')
    .dropColumn('returned_count')
    .dropColumn('missing_fields')
    .execute();
}
