import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // The incident an event belongs to: command and resource request streams are filed under it.
  await db.schema.alterTable('event').addColumn('incident_id', 'text').execute();
  await sql`update event set incident_id = coalesce(meta->>'incidentId', stream_id)`.execute(db);
  await db.schema.createIndex('event_incident_tx_seq_idx').on('event').columns(['incident_id', 'tx_id', 'seq']).execute();

  await db.schema
    .createTable('depot')
    .addColumn('depot_id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('jurisdiction', 'text', (c) => c.notNull())
    .addColumn('location', 'text')
    .execute();
  await db.schema
    .createTable('depot_stock')
    .addColumn('depot_id', 'text', (c) => c.notNull().references('depot.depot_id'))
    .addColumn('kind', 'text', (c) => c.notNull())
    // The check is the last line against oversell: no transaction can commit a negative stock.
    .addColumn('quantity', 'integer', (c) => c.notNull().check(sql`quantity >= 0`))
    .addColumn('returnable', 'boolean', (c) => c.notNull().defaultTo(false))
    .addPrimaryKeyConstraint('depot_stock_pkey', ['depot_id', 'kind'])
    .execute();
  await db.schema
    .createTable('rescue_team')
    .addColumn('team_id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('jurisdiction', 'text', (c) => c.notNull())
    .addColumn('specialty', 'text')
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('available').check(sql`status in ('available', 'assigned', 'out_of_service')`))
    .addColumn('incident_id', 'text')
    .execute();

  await db.schema
    .createTable('resource_request')
    .addColumn('request_id', 'text', (c) => c.primaryKey())
    .addColumn('incident_id', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addColumn('view', 'jsonb', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('resource_request_incident_idx').on('resource_request').columns(['incident_id', 'request_id']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['resource_request', 'rescue_team', 'depot_stock', 'depot']) await db.schema.dropTable(table).execute();
  await db.schema.alterTable('event').dropColumn('incident_id').execute();
}
