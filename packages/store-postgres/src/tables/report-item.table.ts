import type { ColumnType, Generated } from 'kysely';

type Time = ColumnType<Date | null, string | null, string | null>;

/** One report a room owes or filed (初报/续报/终报/补报), projected from the incident's report stream. */
export interface ReportItemTable {
  incident_id: string;
  /** `<owing room>/<key>`: the lead's and the rooms above it passing reports on share keys. */
  item_id: string;
  key: string;
  kind: 'phone' | 'initial' | 'followUp' | 'final' | 'supplementary';
  number: number | null;
  /** The unit scored: the room that owed the report when it fell due. */
  jurisdiction: string;
  /** The room that receives it. */
  upper_jurisdiction: string | null;
  /** 越级上报: the room it went to directly, past upper_jurisdiction. */
  direct_to: string | null;
  exercise: boolean;
  /** The current deadline (after a 退回, the correction deadline) and the first one, which timeliness counts. */
  due_at: Time;
  first_due_at: Time;
  submitted_at: Time;
  first_submitted_at: Time;
  overdue_at: Time;
  received_at: Time;
  /** Times it was sent back (退回). */
  returned_count: Generated<number>;
  /** Required fields the filing left out (completeness). */
  missing_fields: Generated<string[]>;
}
