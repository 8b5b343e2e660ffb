import type { ColumnType, JSONColumnType, Selectable } from 'kysely';

export interface InformedParty {
  whom: string;
  at?: string | undefined;
}
export interface Caller {
  unit?: string | undefined;
  name?: string | undefined;
  post?: string | undefined;
  phone?: string | undefined;
}

/** One record of the watch log (值班电话记录簿), reference §1.4, and how it was triaged. */
export interface WatchEntryTable {
  entry_id: string;
  jurisdiction: string;
  channel: string;
  received_at: ColumnType<Date, string, string>;
  occurred_at: ColumnType<Date | null, string | null, string | null>;
  place: string;
  cause: string | null;
  course: string;
  measures: string | null;
  result: string | null;
  impact: string | null;
  trend: string | null;
  informed: JSONColumnType<InformedParty[], string, string>;
  caller: JSONColumnType<Caller, string, string>;
  recorded_by: string;
  recorder_name: string;
  recorded_at: ColumnType<Date, string, string>;
  status: 'open' | 'incident_created' | 'attached' | 'dismissed';
  incident_id: string | null;
  triaged_by: string | null;
  triaged_at: ColumnType<Date | null, string | null | undefined, string | null>;
  dismiss_reason: string | null;
  /** A call a drill's inject put into the log (issue 22): left out of the real log unless asked for. */
  exercise: ColumnType<boolean, boolean | undefined, boolean>;
}
export type WatchEntryRow = Selectable<WatchEntryTable>;
