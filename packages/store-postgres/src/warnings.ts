import { isStreamOf, type PersistedState, type WarningContext } from '@muster/domain';
import { sql, type Kysely } from 'kysely';
import type { Database } from './database';

/** A warning stream as stored: its state and version. */
export interface StoredWarning {
  streamId: string;
  version: number;
  state: PersistedState<WarningContext>;
}

/**
 * The warnings issued by the given rooms (none when the list is empty), newest first; `exercise`
 * true: drills only, false: real ones only, null: both.
 */
export async function listWarningStreams(db: Kysely<Database>, rooms: readonly string[], exercise: boolean | null = null): Promise<StoredWarning[]> {
  if (rooms.length === 0) return [];
  let query = db
    .selectFrom('stream')
    .select(['stream_id', 'stream_type', 'version', 'snapshot'])
    .where('stream_type', '=', 'warning')
    .where((eb) => eb(eb.ref('snapshot', '->>').key('context').key('jurisdiction'), 'in', [...rooms]));
  if (exercise !== null) query = query.where((eb) => eb(eb.ref('snapshot', '->>').key('context').key('status'), '=', exercise ? 'exercise' : 'actual'));
  const rows = await query.orderBy('created_at', 'desc').orderBy('stream_id').execute();
  return toStoredWarnings(rows);
}

/** The warnings whose last mile still has recipients to send to (the delivery worker's outbox), oldest first. */
export async function warningsWithQueuedDeliveries(db: Kysely<Database>, limit: number): Promise<StoredWarning[]> {
  const rows = await db
    .selectFrom('stream')
    .select(['stream_id', 'stream_type', 'version', 'snapshot'])
    .where('stream_type', '=', 'warning')
    .where(sql<boolean>`coalesce((snapshot->'context'->'lastMile'->>'queued')::int, 0) > 0`)
    .orderBy('created_at')
    .limit(limit)
    .execute();
  return toStoredWarnings(rows);
}

function toStoredWarnings(rows: { stream_id: string; stream_type: string; version: number; snapshot: { value: string; context: Record<string, unknown> } }[]): StoredWarning[] {
  return rows.flatMap((row) => {
    const stream = { streamType: row.stream_type, state: row.snapshot };
    return isStreamOf(stream, 'warning') ? [{ streamId: row.stream_id, version: row.version, state: stream.state }] : [];
  });
}

/**
 * The release events (issue, update, lift) of one warning, or of every warning when no stream is
 * named, oldest first within each: their data carries the released messages.
 */
export async function warningReleaseEvents(db: Kysely<Database>, streamId?: string): Promise<{ type: string; data: Record<string, unknown> }[]> {
  let query = db
    .selectFrom('event')
    .select(['type', 'data'])
    .where('stream_type', '=', 'warning')
    .where('type', 'in', ['WarningIssued', 'WarningUpdated', 'WarningLifted']);
  if (streamId !== undefined) query = query.where('stream_id', '=', streamId);
  const rows = await query.orderBy('stream_id').orderBy('version').execute();
  return rows.map((row) => ({ type: row.type, data: row.data }));
}
