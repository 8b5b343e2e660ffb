import type { ColumnType, JSONColumnType } from 'kysely';
import type { RegistryEntry } from '@muster/domain';

/** A registry entry as the fold of its stream's events (issue 23); `version` is its stream's. */
export interface RegistryEntryTable {
  registry: RegistryEntry['registry'];
  entry_id: string;
  jurisdiction: string;
  version: number;
  view: JSONColumnType<RegistryEntry, string, string>;
  updated_at: ColumnType<Date, string, string>;
}
