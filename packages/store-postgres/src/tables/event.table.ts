import type { ColumnType, Generated, JSONColumnType, Selectable } from 'kysely';

export interface EventTable {
  /** Sequence number assigned at insert; with tx_id it orders the global log. */
  seq: Generated<string>;
  /** Id of the writing transaction (xid8), so readers can stop below the snapshot horizon. */
  tx_id: Generated<string>;
  event_id: string;
  stream_id: string;
  stream_type: string;
  version: number;
  type: string;
  data: JSONColumnType<Record<string, unknown>, string, string>;
  meta: JSONColumnType<Record<string, unknown>, string, string>;
  jurisdiction: string;
  /** The incident the event belongs to (the stream itself for incident streams). */
  incident_id: string | null;
  /** Rooms whose feeds carry the event: the incident's lead, linked and supporting jurisdictions. */
  rooms: ColumnType<string[], string[], never>;
  exercise: boolean;
  recorded_at: ColumnType<Date, string, never>;
  /** Hash of the previous event of the stream (null for version 1): the link of the chain (issue 7). */
  prev_hash: string | null;
  /** SHA-256 over this row's content and prev_hash (see hash-chain.ts); null only before backfill. */
  hash: string | null;
}
export type EventRow = Selectable<EventTable>;
