import type { ColumnType } from 'kysely';

/**
 * 举报人: who reported a tip-off, apart from the hazard's stream and events (which carry only the
 * tip-off's id). Read only by the role TIP_OFF_IDENTITY_RULE names.
 */
export interface TipOffReporterTable {
  tip_off_id: string;
  hazard_id: string;
  /** The county the tip-off was reported into (the hazard's room). */
  jurisdiction: string;
  received_at: ColumnType<Date, string, string>;
  name: string;
  phone: string;
  id_number: string | null;
  address: string | null;
}
