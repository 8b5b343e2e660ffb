import type { ColumnType, Generated, JSONColumnType } from 'kysely';

/** A deadline row: the command to send to a stream when `due_at` comes (services/timers). */
export interface DeadlineTable {
  deadline_id: Generated<string>;
  stream_type: string;
  stream_id: string;
  incident_id: string;
  jurisdiction: string;
  key: string;
  command_type: string;
  command_data: JSONColumnType<Record<string, unknown>, string, string>;
  due_at: ColumnType<Date, string, string>;
  created_at: ColumnType<Date, string | undefined, never>;
  fired_at: ColumnType<Date | null, string | null | undefined, string | null>;
  cancelled_at: ColumnType<Date | null, string | null | undefined, string | null>;
  outcome: 'fired' | 'obsolete' | 'cancelled' | null;
  attempts: ColumnType<number, number | undefined, number>;
  last_error: string | null;
  /** The drill (演练, issue 22) whose deadline it is; null for every real one. */
  drill_id: ColumnType<string | null, string | null | undefined, never>;
}
