import type { ColumnType, JSONColumnType } from 'kysely';

export interface LateReportRef {
  incidentId: string;
  reportKey: string;
}

export interface Attendee {
  name: string;
  unit?: string | undefined;
  post?: string | undefined;
}

/** One 约谈 (accountability interview) a room held with a room below it, about repeated lateness. */
export interface InterviewTable {
  interview_id: string;
  /** The room interviewed. */
  jurisdiction: string;
  /** The room above it that held the interview and keeps the record. */
  interviewer_jurisdiction: string;
  /** A calendar day; read as text (`YYYY-MM-DD`), never as a Date, so no time zone shifts it. */
  held_on: ColumnType<string, string, string>;
  reason: string;
  late_reports: JSONColumnType<LateReportRef[], string, string>;
  attendees: JSONColumnType<Attendee[], string, string>;
  outcome: string;
  follow_up: string | null;
  recorded_by: string;
  recorded_at: ColumnType<Date, string, string>;
}
