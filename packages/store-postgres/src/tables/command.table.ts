import type { ColumnType, JSONColumnType, Selectable } from 'kysely';
import type { CommandResult } from '@muster/contracts';

/** One row per handled command id: the idempotency record and the answer a retry gets again. */
export interface CommandTable {
  command_id: string;
  stream_id: string;
  result: JSONColumnType<CommandResult, string, never>;
  handled_at: ColumnType<Date, string | undefined, never>;
}
export type CommandRow = Selectable<CommandTable>;
