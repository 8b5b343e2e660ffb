import type { ColumnType, JSONColumnType } from 'kysely';

/** Inline read model of resource requests, written in the command's transaction. */
export interface ResourceRequestTable {
  request_id: string;
  incident_id: string;
  state: string;
  version: number;
  updated_at: ColumnType<Date, string, string>;
  view: JSONColumnType<Record<string, unknown>, string, string>;
}
