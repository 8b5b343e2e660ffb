import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('stream')
    .addColumn('stream_id', 'text', (c) => c.primaryKey())
    .addColumn('stream_type', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().check(sql`version >= 0`))
    .addColumn('snapshot', 'jsonb', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('event')
    .addColumn('seq', 'bigserial', (c) => c.primaryKey())
    .addColumn('tx_id', sql`xid8`, (c) => c.notNull().defaultTo(sql`pg_current_xact_id()`))
    .addColumn('event_id', 'uuid', (c) => c.notNull().unique())
    .addColumn('stream_id', 'text', (c) => c.notNull())
    .addColumn('stream_type', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().check(sql`version >= 1`))
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('data', 'jsonb', (c) => c.notNull())
    .addColumn('meta', 'jsonb', (c) => c.notNull())
    .addColumn('jurisdiction', 'text', (c) => c.notNull())
    .addColumn('exercise', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('recorded_at', 'timestamptz', (c) => c.notNull())
    .addUniqueConstraint('event_stream_version_key', ['stream_id', 'version'])
    .execute();
  // The global log is read in (tx_id, seq) order; this index serves every reader and resume.
  await db.schema.createIndex('event_tx_seq_idx').on('event').columns(['tx_id', 'seq']).execute();
  await db.schema.createIndex('event_jurisdiction_tx_seq_idx').on('event').columns(['jurisdiction', 'tx_id', 'seq']).execute();

  await db.schema
    .createTable('command')
    .addColumn('command_id', 'text', (c) => c.primaryKey())
    .addColumn('stream_id', 'text', (c) => c.notNull())
    // json, not jsonb: a retried command gets back the first answer byte for byte, key order included.
    .addColumn('result', 'json', (c) => c.notNull())
    .addColumn('handled_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('incident')
    .addColumn('incident_id', 'text', (c) => c.primaryKey())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('severity', 'text')
    .addColumn('category', 'text')
    .addColumn('lead_jurisdiction', 'text', (c) => c.notNull())
    .addColumn('supporting_jurisdictions', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('exercise', 'boolean', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('reported_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addColumn('view', 'jsonb', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('incident_lead_idx').on('incident').columns(['lead_jurisdiction', 'state']).execute();
  await db.schema.createIndex('incident_reported_idx').on('incident').columns(['reported_at', 'incident_id']).execute();
  await sql`create index incident_supporting_idx on incident using gin (supporting_jurisdictions)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['incident', 'command', 'event', 'stream']) await db.schema.dropTable(table).execute();
}
