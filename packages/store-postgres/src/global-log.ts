import { START_POSITION, parsePosition, type EventEnvelope } from '@muster/contracts';
import { sql, type Kysely } from 'kysely';
import { runPrepared } from './connect';
import type { Database } from './database';
import { LOG_SELECTION, logRowToEnvelope, type LogRow } from './event-mapping';

export interface LogFilter {
  /** Only events whose lead jurisdiction is one of these. */
  jurisdictions?: readonly string[];
  streamIds?: readonly string[];
  /** Only events carried by one of these rooms' feeds (the `rooms` column: lead, linked, supporting). */
  rooms?: readonly string[];
  /** Only events of one of these incidents, its own stream and the command and request streams under it. */
  incidentIds?: readonly string[];
  /**
   * How the lists combine: `all` (the default) keeps events that pass every given list; `any`
   * keeps events that pass at least one, as a console subscribed to rooms and to incidents needs.
   * An empty list matches nothing.
   */
  match?: 'all' | 'any';
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
    .select([...LOG_SELECTION])
    .where(sql<boolean>`tx_id < pg_snapshot_xmin(pg_current_snapshot())`)
    .where(sql<boolean>`(tx_id, seq) > (${tx.toString()}::xid8, ${seq.toString()}::bigint)`);
  // `in ('')` says "nothing" without an invalid empty `in ()`; `rooms && '{}'` is simply false.
  const nonEmpty = (list: readonly string[]) => (list.length ? [...list] : ['']);
  const { jurisdictions, streamIds, rooms, incidentIds } = filter;
  query = query.where((eb) => {
    const conditions = [
      ...(jurisdictions ? [eb('jurisdiction', 'in', nonEmpty(jurisdictions))] : []),
      ...(streamIds ? [eb('stream_id', 'in', nonEmpty(streamIds))] : []),
      ...(rooms ? [sql<boolean>`rooms && ${[...rooms]}::text[]`] : []),
      ...(incidentIds ? [eb('incident_id', 'in', nonEmpty(incidentIds))] : []),
    ];
    if (conditions.length === 0) return sql<boolean>`true`;
    return filter.match === 'any' ? eb.or(conditions) : eb.and(conditions);
  });
  const rows = await query.orderBy('tx_id').orderBy('seq').limit(limit).execute();
  return rows.map(logRowToEnvelope);
}

/**
 * The position of the last event a reader of the global log can see now: everything committed later
 * lands after it (its transaction id is at or above the horizon), so "from the head" means "live from
 * now" with nothing skipped. `"0.0"` when the log is empty.
 */
export async function readHeadPosition(db: Kysely<Database>): Promise<string> {
  const row = await db
    .selectFrom('event')
    .select(['tx_id', 'seq'])
    .where(sql<boolean>`tx_id < pg_snapshot_xmin(pg_current_snapshot())`)
    .orderBy('tx_id', 'desc')
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? `${row.tx_id}.${row.seq}` : START_POSITION;
}

/**
 * The relay's read (issue 18): what readGlobalLog returns, and in the same round trip whether
 * committed events after `after` are held behind the horizon (an older transaction is still in
 * flight), whose notification is already spent. The relay then knows, after a batch that was not
 * full, whether to look again soon or to wait for the next commit: before, it read once more (empty)
 * and then asked whether anything was held, three round trips per wake-up where one does.
 *
 * `horizon` is the snapshot's xmin, the id of the oldest transaction still open on the server: while
 * events are held and it stays the same, one transaction holds them (not a stream of short ones).
 */
export async function readGlobalLogAhead(db: Kysely<Database>, after: string, limit: number): Promise<{ events: EventEnvelope[]; heldBack: boolean; horizon: string }> {
  const { tx, seq } = parsePosition(after);
  const from = sql`(${tx.toString()}::xid8, ${seq.toString()}::bigint)`;
  // Both in the index's order with a limit, so each is a range scan of (tx_id, seq) from `after`.
  // Prepared (on a connection of the pool): the relay reads once per wake-up, and parsing and
  // planning the text cost more than running it.
  const rows = await runPrepared(db, 'muster_read_global_log_ahead', sql<{ held: boolean; horizon: string } & Partial<LogRow>>`
    select h.held, h.horizon, b.*
    from (select (select true from event where tx_id >= pg_snapshot_xmin(pg_current_snapshot()) and (tx_id, seq) > ${from}
                  order by tx_id, seq limit 1) is not null as held,
                 pg_snapshot_xmin(pg_current_snapshot())::text as horizon) h
      left join lateral (
        select event_id, stream_id, stream_type, version, tx_id::text || '.' || seq::text as position, type, data, meta
        from event
        where tx_id < pg_snapshot_xmin(pg_current_snapshot()) and (tx_id, seq) > ${from}
        order by tx_id, seq
        limit ${limit}) b on true`);
  const events: EventEnvelope[] = [];
  for (const row of rows) if (row.event_id !== undefined && row.event_id !== null) events.push(logRowToEnvelope(row as LogRow));
  return { events, heldBack: rows[0]?.held === true, horizon: rows[0]?.horizon ?? '' };
}
