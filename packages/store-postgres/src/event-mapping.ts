import type { EventEnvelope } from '@muster/contracts';
import { sql } from 'kysely';
import type { EventRow } from './tables/event.table';

export function toEnvelope(row: Pick<EventRow, 'event_id' | 'stream_id' | 'stream_type' | 'version' | 'type' | 'data' | 'meta' | 'tx_id' | 'seq'>): EventEnvelope {
  return {
    eventId: row.event_id,
    streamId: row.stream_id,
    streamType: row.stream_type,
    version: row.version,
    position: `${row.tx_id}.${row.seq}`,
    type: row.type,
    data: row.data,
    meta: row.meta as EventEnvelope['meta'],
  };
}

export const EVENT_COLUMNS = ['event_id', 'stream_id', 'stream_type', 'version', 'type', 'data', 'meta', 'tx_id', 'seq'] as const;

/**
 * The global log's selection: the position comes formatted from PostgreSQL (`"<txid>.<seq>"`, the
 * same text `toEnvelope` builds), so a replay neither runs the driver's int8 parser on `seq` nor
 * concatenates two strings per row in Node — the reader of 100,000 events is bound by Node's CPU,
 * not by the query (issue 9, test/bench).
 */
export const LOG_SELECTION = ['event_id', 'stream_id', 'stream_type', 'version', sql<string>`tx_id::text || '.' || seq::text`.as('position'), 'type', 'data', 'meta'] as const;

export type LogRow = Pick<EventRow, 'event_id' | 'stream_id' | 'stream_type' | 'version' | 'type' | 'data' | 'meta'> & { position: string };

/** `toEnvelope` for rows of `LOG_SELECTION`: the same envelope, keys in the same order. */
export function logRowToEnvelope(row: LogRow): EventEnvelope {
  return {
    eventId: row.event_id,
    streamId: row.stream_id,
    streamType: row.stream_type,
    version: row.version,
    position: row.position,
    type: row.type,
    data: row.data,
    meta: row.meta as EventEnvelope['meta'],
  };
}
