import { sql, type Kysely } from 'kysely';

/**
 * Registries (issue 23): one row per registered team, expert, shelter and depot, the fold of its
 * stream's events (a read model, rebuilt from the log). Stock lines get their unit and expiry;
 * teams may rest.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('registry_entry')
    .addColumn('registry', 'text', (c) => c.notNull().check(sql`registry in ('team', 'expert', 'shelter', 'depot')`))
    .addColumn('entry_id', 'text', (c) => c.notNull())
    .addColumn('jurisdiction', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('view', 'jsonb', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('registry_entry_pkey', ['registry', 'entry_id'])
    .execute();
  await db.schema.createIndex('registry_entry_jurisdiction_idx').on('registry_entry').columns(['registry', 'jurisdiction', 'entry_id']).execute();
  await db.schema.alterTable('depot_stock').addColumn('unit', 'text', (c) => c.notNull().defaultTo('件')).execute();
  await db.schema.alterTable('depot_stock').addColumn('expires_on', 'date').execute();
  await sql`alter table rescue_team drop constraint if exists rescue_team_status_check`.execute(db);
  await sql`alter table rescue_team add constraint rescue_team_status_check check (status in ('available', 'assigned', 'resting', 'out_of_service'))`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`update rescue_team set status = 'out_of_service' where status = 'resting'`.execute(db);
  await sql`alter table rescue_team drop constraint if exists rescue_team_status_check`.execute(db);
  await sql`alter table rescue_team add constraint rescue_team_status_check check (status in ('available', 'assigned', 'out_of_service'))`.execute(db);
  await db.schema.alterTable('depot_stock').dropColumn('expires_on').execute();
  await db.schema.alterTable('depot_stock').dropColumn('unit').execute();
  await db.schema.dropTable('registry_entry').execute();
}
