import type { ColumnType } from 'kysely';

/** One row per relay name: the global log position up to which every event is on the bus. */
export interface RelayCheckpointTable {
  name: string;
  /** `"<txid>.<seq>"`, the position of the last event the bus acknowledged. */
  position: string;
  updated_at: ColumnType<Date, string | undefined, string | undefined>;
}
