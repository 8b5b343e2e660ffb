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

/**
 * Whether committed events wait behind the horizon now, and the horizon (the oldest open transaction
 * id on the server), in one query: what a gateway checks to tell its consoles that the feed is held.
 * The events at or past the horizon are a range of the (tx_id, seq) index, read only to its first row.
 */
export async function logHorizon(db: Kysely<Database>): Promise<{ held: boolean; horizon: string }> {
  const { rows } = await sql<{ held: boolean; horizon: string }>`
    select exists (select 1 from event where tx_id >= pg_snapshot_xmin(pg_current_snapshot())) as held,
           pg_snapshot_xmin(pg_current_snapshot())::text as horizon`.execute(db);
  return { held: rows[0]?.held === true, horizon: rows[0]?.horizon ?? '' };
}

/**
 * One transaction's hold on the log, from successive reads of (held, horizon). Concurrent writers
 * hold each other's events for milliseconds all the time, each behind another transaction: under
 * steady load from several processes some event is held at almost every read while the horizon moves
 * on. A hold is events held while the horizon stays at one transaction; it ends when nothing is held
 * or the horizon moves (events still held then are a younger transaction's: a hold of its own).
 */
export class TransactionHold {
  private current: { since: number; horizon: string } | null = null;

  /** Notes one read at `now` (ms, any monotonic clock); returns how long the hold that ended lasted, or null. */
  note(held: boolean, horizon: string, now: number): number | null {
    let ended: number | null = null;
    if (this.current && (!held || horizon !== this.current.horizon)) {
      ended = now - this.current.since;
      this.current = null;
    }
    if (held) this.current ??= { since: now, horizon };
    return ended;
  }

  /** How long the hold under way has lasted at `now` (0 when none). */
  heldFor(now: number): number {
    return this.current ? now - this.current.since : 0;
  }

  /** Whether a hold is under way and has lasted at least `ms` at `now`. */
  lasted(ms: number, now: number): boolean {
    return this.current !== null && now - this.current.since >= ms;
  }

  reset(): void {
    this.current = null;
  }
}
