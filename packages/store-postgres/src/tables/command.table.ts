import type { ColumnType, JSONColumnType } from 'kysely';
import type { CommandResult } from '@muster/contracts';

/** One row per handled command: the idempotency record and the answer a retry gets again. */
export interface CommandTable {
  /** The idempotency key: the command id scoped to its sender and stream (commandKey in @muster/engine). */
  command_key: string;
  /** The command id as the command carried it (its events' meta.commandId); unique only within a key. */
  command_id: string;
  stream_id: string;
  result: JSONColumnType<CommandResult, string, never>;
  /** What the command asked for (fingerprintOf); null for commands recorded before it was kept. */
  fingerprint: string | null;
  handled_at: ColumnType<Date, string | undefined, never>;
}
