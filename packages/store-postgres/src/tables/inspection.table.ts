import type { ColumnType, JSONColumnType } from 'kysely';

/** A photo or file attached by reference. */
interface AttachmentRef {
  name: string;
  ref: string;
}

/** One inspection (明查 planned, 暗访 unannounced) of a room, with the hazards its findings opened or updated. */
export interface InspectionTable {
  inspection_id: string;
  jurisdiction: string;
  kind: 'planned' | 'unannounced';
  subject: string;
  inspected_at: ColumnType<Date, string, string>;
  inspectors: JSONColumnType<string[], string, string>;
  attachments: JSONColumnType<AttachmentRef[], string, string>;
  /** Ids of the hazards its findings opened or updated, in the order of the findings. */
  hazards: JSONColumnType<string[], string, string>;
  recorded_by: string;
  recorded_at: ColumnType<Date, string, string>;
}
