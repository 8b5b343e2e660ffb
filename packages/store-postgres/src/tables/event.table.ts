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
}
export type EventRow = Selectable<EventTable>;
