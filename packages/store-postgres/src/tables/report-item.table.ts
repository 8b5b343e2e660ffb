import type { ColumnType } from 'kysely';

type Time = ColumnType<Date | null, string | null, string | null>;

/** One report an incident's lead room owes or filed (初报/续报/终报), projected from the report stream. */
export interface ReportItemTable {
  incident_id: string;
  key: string;
  kind: 'phone' | 'initial' | 'followUp' | 'final';
  number: number | null;
  /** The unit scored: the lead jurisdiction that owes the report. */
  jurisdiction: string;
  upper_jurisdiction: string | null;
  exercise: boolean;
  due_at: Time;
  submitted_at: Time;
  overdue_at: Time;
  received_at: Time;
}
