import type { ColumnType, JSONColumnType } from 'kysely';

export interface StreamTable {
  stream_id: string;
  stream_type: string;
  version: number;
  /** Persisted machine state ({ value, context }) as of `version`. */
  snapshot: JSONColumnType<{ value: string; context: Record<string, unknown> }, string, string>;
  created_at: ColumnType<Date, string, never>;
  updated_at: ColumnType<Date, string, string>;
  /** Hash of the stream's last event, so an append chains on without reading the event table. */
  last_hash: ColumnType<string | null, string | null | undefined, string | null>;
}
