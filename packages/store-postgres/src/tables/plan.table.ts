import type { ColumnType, JSONColumnType } from 'kysely';

/** A plan (预案) of a room for an incident category (issue 22); its text lives in its versions. */
export interface PlanTable {
  plan_id: string;
  jurisdiction: string;
  category: 'natural_disaster' | 'accident' | 'public_health' | 'social_security';
  kind: 'overall' | 'special' | 'departmental' | 'grassroots';
  title: string;
  /** The version in force: the highest published. */
  current_version: number;
  /** When it was last drilled before it was entered here (later drills are plan_mark rows). */
  drilled_before: ColumnType<Date | null, string | null, string | null>;
  created_by: string;
  created_at: ColumnType<Date, string, string>;
}

export interface PlanMeasures {
  I: string;
  II: string;
  III: string;
  IV: string;
}

/** One published version of a plan; versions are never changed, a revision is a new row. */
export interface PlanVersionTable {
  plan_id: string;
  version: number;
  owner_unit: string;
  owner_person: string;
  summary: string;
  measures: JSONColumnType<PlanMeasures, string, string>;
  review_by: ColumnType<Date | null, string | null, string | null>;
  note: string;
  issued_by: string;
  issued_at: ColumnType<Date, string, string>;
}

/** Something that happened to a plan and counts for its revision: a drill of it, or a request to revise it. */
export interface PlanMarkTable {
  mark_id: ColumnType<number, never, never>;
  plan_id: string;
  kind: 'drilled' | 'revision_requested';
  /** For a revision request: drill, incident or change. */
  source: 'drill' | 'incident' | 'change' | null;
  ref: string;
  reason: string | null;
  at: ColumnType<Date, string, string>;
  recorded_by: string;
}
