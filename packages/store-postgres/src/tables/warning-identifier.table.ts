/** A GB/T 35965.1 identifier slot handed out: unique per sender code, second and sequence (issue 21). */
export interface WarningIdentifierTable {
  sender_code: string;
  /** `YYYYMMDDhhmmss`, Beijing time. */
  stamp: string;
  sequence: number;
  /** Who asked for it (the command's key): a retried command gets the same slot. */
  reservation_key: string;
}
