import type { ColumnType, Selectable } from 'kysely';

/** One shift of the duty roster (值班表): who holds which post in a jurisdiction's duty room, and when. */
export interface DutyShiftTable {
  shift_id: string;
  jurisdiction: string;
  post: 'leader' | 'duty_officer';
  officer_id: string;
  officer_name: string;
  officer_phone: string | null;
  starts_at: ColumnType<Date, string, string>;
  ends_at: ColumnType<Date, string, string>;
  created_by: string;
}
export type DutyShiftRow = Selectable<DutyShiftTable>;
