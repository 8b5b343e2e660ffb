import type { Kysely } from 'kysely';
import type { Database } from '../database';
import { backfillHashChains } from '../hash-chain';

/** Tamper evidence (issue 7): a hash chain per stream; the stream row keeps its last hash. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('event').addColumn('prev_hash', 'text').addColumn('hash', 'text').execute();
  await db.schema.alterTable('stream').addColumn('last_hash', 'text').execute();
  // Events written before this migration get their chain now, so `muster verify` covers them too.
  // withTables gives the untyped migration handle the tables' types; it changes nothing at run time.
  await backfillHashChains(db.withTables<Pick<Database, keyof Database>>());
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('stream').dropColumn('last_hash').execute();
  await db.schema.alterTable('event').dropColumn('prev_hash').dropColumn('hash').execute();
}
