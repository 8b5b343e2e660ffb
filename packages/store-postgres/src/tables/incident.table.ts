import type { ColumnType, JSONColumnType } from 'kysely';
import type { IncidentView } from '@muster/contracts';

/** Inline read model of incidents for boards and lists, written in the command's transaction. */
export interface IncidentTable {
  incident_id: string;
  state: string;
  severity: string | null;
  category: string | null;
  lead_jurisdiction: string;
  supporting_jurisdictions: ColumnType<string[], string[], string[]>;
  /** Lead, linked and supporting jurisdictions: the rooms whose boards show the incident. */
  rooms: ColumnType<string[], string[], string[]>;
  exercise: boolean;
  version: number;
  reported_at: ColumnType<Date, string, string>;
  updated_at: ColumnType<Date, string, string>;
  view: JSONColumnType<IncidentView, string, string>;
}
