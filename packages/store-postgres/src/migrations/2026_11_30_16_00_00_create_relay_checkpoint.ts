import { sql, type Kysely } from 'kysely';

/** Where each relay (by name) has published up to in the global log; see services/relay. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('relay_checkpoint')
    .addColumn('name', 'text', (c) => c.primaryKey())
    // A log position "<txid>.<seq>" (contracts/position.ts); the check keeps garbage out of resume.
    .addColumn('position', 'text', (c) => c.notNull().check(sql`position ~ '^[0-9]+\\.[0-9]+$'`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('relay_checkpoint').execute();
}
