import { parsePosition, type EventEnvelope } from '@muster/contracts';
import { sql, type Kysely } from 'kysely';
import type { Database } from './database';
import { EVENT_COLUMNS, toEnvelope } from './event-mapping';

export interface LogFilter {
  /** Only events whose lead jurisdiction is one of these. */
  jurisdictions?: readonly string[];
  streamIds?: readonly string[];
}

/**
 * Reads committed events after `after` in commit-safe order (DESIGN §3 guarantee 3).
 *
 * Sequence numbers are taken at insert, but a transaction that took a lower number may commit after
 * one that took a higher number. Reading only rows whose writing transaction is below the horizon
 * of the reader's snapshot (`pg_snapshot_xmin`) guarantees that no transaction that could still add
 * a row before the returned ones is in flight; ordering by (tx_id, seq) then gives a total order
 * that never changes behind the reader.
 */
export async function readGlobalLog(db: Kysely<Database>, after: string, limit: number, filter: LogFilter = {}): Promise<EventEnvelope[]> {
  const { tx, seq } = parsePosition(after);
  let query = db
    .selectFrom('event')
    .select([...EVENT_COLUMNS])
    .where(sql<boolean>`tx_id < pg_snapshot_xmin(pg_current_snapshot())`)
    .where(sql<boolean>`(tx_id, seq) > (${tx.toString()}::xid8, ${seq.toString()}::bigint)`);
  if (filter.jurisdictions) query = query.where('jurisdiction', 'in', filter.jurisdictions.length ? [...filter.jurisdictions] : ['']);
  if (filter.streamIds) query = query.where('stream_id', 'in', filter.streamIds.length ? [...filter.streamIds] : ['']);
  const rows = await query.orderBy('tx_id').orderBy('seq').limit(limit).execute();
  return rows.map(toEnvelope);
}
