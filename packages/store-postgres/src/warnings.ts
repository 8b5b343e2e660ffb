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

/**
 * The warnings in force whose last mile still has recipients to send to (the delivery worker's
 * outbox), oldest first. A lifted or expired warning is sent to nobody more.
 */
export async function warningsWithQueuedDeliveries(db: Kysely<Database>, limit: number): Promise<StoredWarning[]> {
  const rows = await db
    .selectFrom('stream')
    .select(['stream_id', 'stream_type', 'version', 'snapshot'])
    .where('stream_type', '=', 'warning')
    .where(sql<boolean>`snapshot->>'value' in ('issued', 'updated')`)
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

/**
 * A free GB/T 35965.1 identifier slot of `senderCode` at `stamp` (Beijing-time second), or the slot
 * already handed to `key` (a retried command). The lowest free sequence 0–9 of that second; when all
 * ten are taken, of the next second (`nextStamp`). Concurrent callers race on the primary key, and the
 * loser tries the next sequence: no two get one slot.
 */
export async function reserveWarningIdentifier(
  db: Kysely<Database>,
  request: { senderCode: string; stamp: string; key: string; nextStamp: (stamp: string) => string },
): Promise<{ stamp: string; sequence: number }> {
  let stamp = request.stamp;
  for (let attempt = 0; attempt < 200; attempt++) {
    const held = await db.selectFrom('warning_identifier').select(['stamp', 'sequence']).where('reservation_key', '=', request.key).executeTakeFirst();
    if (held) return held;
    const taken = await db.selectFrom('warning_identifier').select('sequence').where('sender_code', '=', request.senderCode).where('stamp', '=', stamp).execute();
    const free = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].find((n) => !taken.some((t) => t.sequence === n));
    if (free === undefined) {
      stamp = request.nextStamp(stamp);
      continue;
    }
    const inserted = await db
      .insertInto('warning_identifier')
      .values({ sender_code: request.senderCode, stamp, sequence: free, reservation_key: request.key })
      .onConflict((oc) => oc.doNothing())
      .returning(['stamp', 'sequence'])
      .executeTakeFirst();
    if (inserted) return inserted;
  }
  throw new Error(`no free GB/T 35965.1 identifier for ${request.senderCode} from ${request.stamp}`);
}

/** The warnings linked to an incident (LinkWarningToIncident, or linked at draft), oldest first. */
export async function linkedWarningStreams(db: Kysely<Database>, incidentId: string): Promise<StoredWarning[]> {
  const rows = await db
    .selectFrom('stream')
    .select(['stream_id', 'stream_type', 'version', 'snapshot'])
    .where('stream_type', '=', 'warning')
    .where(sql<boolean>`snapshot->'context'->'incidents' ? ${incidentId}`)
    .orderBy('created_at')
    .orderBy('stream_id')
    .execute();
  return toStoredWarnings(rows);
}
