import { sql, type Kysely } from 'kysely';

/**
 * GB/T 35965.1 identifiers handed out (issue 21): sender code, Beijing-time second and sequence 0–9
 * are unique together, so two warnings of one room released in the same second never share one.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('warning_identifier')
    .addColumn('sender_code', 'text', (c) => c.notNull())
    .addColumn('stamp', 'text', (c) => c.notNull())
    .addColumn('sequence', 'integer', (c) => c.notNull())
    .addColumn('reservation_key', 'text', (c) => c.notNull().unique())
    .addPrimaryKeyConstraint('warning_identifier_pk', ['sender_code', 'stamp', 'sequence'])
    .addCheckConstraint('warning_identifier_sequence', sql`sequence between 0 and 9`)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('warning_identifier').execute();
}
