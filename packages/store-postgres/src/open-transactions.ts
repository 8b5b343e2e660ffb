import { sql, type Kysely } from 'kysely';
import type { Database } from './database';

/** A session whose open transaction holds the log's horizon: what an operator needs to find it. */
export interface OpenTransaction {
  pid: number;
  /** Any database on the server: the horizon is the server's, not the database's. */
  database: string | null;
  user: string | null;
  application: string | null;
  /** `active`, `idle in transaction` … */
  state: string | null;
  transactionStartedAt: string | null;
}

/**
 * The session with the oldest transaction id on the whole PostgreSQL server: the one that holds
 * `pg_snapshot_xmin`, and with it every event committed after it began (readGlobalLog), whatever
 * database it is in. Null when no session this role may see has one: a prepared transaction, or a
 * session of another role without `pg_read_all_stats` (PostgreSQL hides its transaction id).
 */
export async function oldestOpenTransaction(db: Kysely<Database>): Promise<OpenTransaction | null> {
  const { rows } = await sql<{ pid: number; datname: string | null; usename: string | null; application_name: string | null; state: string | null; xact_start: Date | null }>`
    select pid, datname, usename, application_name, state, xact_start
      from pg_stat_activity
     where backend_xid is not null and pid <> pg_backend_pid()
     order by age(backend_xid) desc
     limit 1`.execute(db);
  const row = rows[0];
  if (!row) return null;
  return {
    pid: row.pid,
    database: row.datname,
    user: row.usename,
    application: row.application_name,
    state: row.state,
    transactionStartedAt: row.xact_start?.toISOString() ?? null,
  };
}
