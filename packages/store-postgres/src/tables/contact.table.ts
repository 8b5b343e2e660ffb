import type { ColumnType, JSONColumnType } from 'kysely';

/** One contact of a county's registry (通讯录, issue 21): someone a warning must reach. */
export interface ContactTable {
  contact_id: string;
  /** The county (GB/T 2260) whose registry holds the contact. */
  jurisdiction: string;
  /** The township (9 digits) or village (12 digits) they answer for. */
  area: string;
  area_name: string;
  name: string;
  role: string;
  phone: string;
  /** Channels in order of preference (sms, voice, app, loudspeaker). */
  channels: JSONColumnType<string[], string, string>;
  /** false: off the lists of future warnings, kept for the record of past ones. */
  active: boolean;
  updated_at: ColumnType<Date, string, string>;
}
