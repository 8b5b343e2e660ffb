import { createHash } from 'node:crypto';
import { canonicalJson } from '@muster/contracts';
import { sql, type Kysely } from 'kysely';
import type { Database } from './database';

/**
 * Tamper evidence (issue 7): every event row carries `hash` = SHA-256 over a canonical serialization
 * of its stored content and the hash of the event before it in the same stream (`prev_hash`, null for
 * version 1). The stream row keeps the last hash, so appending needs no read of the event table.
 * Changing a stored row in place (data, meta, type, time, rooms…) changes what its hash should be;
 * deleting or reordering rows breaks the links. A chain can be rewritten wholesale by someone who
 * also recomputes every later hash; anchoring the heads outside the database (`muster verify` prints
 * a digest of them) is what catches that.
 */

/** The content of a stored event that the hash covers: every column but the log position. */
export interface HashedEventContent {
  streamId: string;
  streamType: string;
  version: number;
  eventId: string;
  type: string;
  data: unknown;
  meta: unknown;
  jurisdiction: string;
  incidentId: string | null;
  rooms: readonly string[];
  exercise: boolean;
  /** ISO 8601 in UTC with milliseconds, as `Date#toISOString` gives it back from `timestamptz`. */
  recordedAt: string;
}

/** The hash of one event given the hash of the event before it in its stream (null for the first). */
export function eventHash(content: HashedEventContent, prevHash: string | null): string {
  const canonical = canonicalJson([
    'muster.event.v1',
    content.streamId,
    content.streamType,
    content.version,
    // uuid columns come back in lower case whatever case they were written in.
    content.eventId.toLowerCase(),
    content.type,
    content.data,
    content.meta,
    content.jurisdiction,
    content.incidentId,
    [...content.rooms],
    content.exercise,
    new Date(content.recordedAt).toISOString(),
    prevHash,
  ]);
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}

/** Why an event fails verification. */
export type ChainBreak =
  /** The row's content no longer hashes to its stored hash: the row was changed in place. */
  | 'content'
  /** The row's prev_hash is not the hash of the event before it: a row before it was replaced or removed. */
  | 'link'
  /** The stream's versions are not 1, 2, 3…: an event is missing. */
  | 'gap'
  /** The stream row's last hash or version does not match its last event: events were removed or added at the end. */
  | 'head';

interface BrokenChain {
  streamId: string;
  /** The first version that fails (for `head`, the version the stream row claims). */
  version: number;
  eventId: string | null;
  reason: ChainBreak;
}

export interface VerifyReport {
  ok: boolean;
  streams: number;
  events: number;
  /** The first failing event of each broken stream, in stream id order. */
  broken: BrokenChain[];
  /** SHA-256 over every stream's (id, version, last hash): keep it outside the database to anchor the chains. */
  headsDigest: string;
}

/** An event row as the chain covers it, with its stored links. */
export interface ChainRow {
  stream_id: string;
  stream_type: string;
  version: number;
  event_id: string;
  type: string;
  data: unknown;
  meta: unknown;
  jurisdiction: string;
  incident_id: string | null;
  rooms: string[];
  exercise: boolean;
  recorded_at: Date;
  prev_hash: string | null;
  hash: string | null;
}

export function contentOf(row: Omit<ChainRow, 'prev_hash' | 'hash'>): HashedEventContent {
  return {
    streamId: row.stream_id,
    streamType: row.stream_type,
    version: row.version,
    eventId: row.event_id,
    type: row.type,
    data: row.data,
    meta: row.meta,
    jurisdiction: row.jurisdiction,
    incidentId: row.incident_id,
    rooms: row.rooms,
    exercise: row.exercise,
    recordedAt: row.recorded_at.toISOString(),
  };
}

/**
 * Why `row` fails as the event at `expectedVersion` of its stream, after an event whose stored hash is
 * `prev` (null for the first), or null when it holds. The one check of a chain link, shared by
 * verifyHashChains and the migrations that rewrite chains (which verify before they rewrite).
 */
export function chainBreakOf(row: ChainRow, expectedVersion: number, prev: string | null): Exclude<ChainBreak, 'head'> | null {
  if (row.version !== expectedVersion) return 'gap';
  if (row.prev_hash !== prev) return 'link';
  return row.hash !== eventHash(contentOf(row), prev) ? 'content' : null;
}

/** Reads every event in (stream, version) order, a page at a time, so memory stays flat on large logs. */
async function* eventsInChainOrder(db: Kysely<Database>, pageSize: number): AsyncGenerator<ChainRow> {
  let after: { streamId: string; version: number } | null = null;
  for (;;) {
    let query = db
      .selectFrom('event')
      .select(['stream_id', 'stream_type', 'version', 'event_id', 'type', 'data', 'meta', 'jurisdiction', 'incident_id', 'rooms', 'exercise', 'recorded_at', 'prev_hash', 'hash']);
    const from = after;
    if (from) query = query.where(sql<boolean>`(stream_id, version) > (${from.streamId}, ${from.version})`);
    const rows: ChainRow[] = await query.orderBy('stream_id').orderBy('version').limit(pageSize).execute();
    for (const row of rows) yield row;
    const last = rows[rows.length - 1];
    if (!last || rows.length < pageSize) return;
    after = { streamId: last.stream_id, version: last.version };
  }
}

/**
 * Checks every stream's chain from its first event and names, per broken stream, the first event whose
 * stored row no longer matches. Reads with the database's own snapshot per page: run it on a quiet
 * log or expect streams written meanwhile to be checked up to where the reader saw them.
 */
export async function verifyHashChains(db: Kysely<Database>, options: { pageSize?: number } = {}): Promise<VerifyReport> {
  const broken = new Map<string, BrokenChain>();
  let events = 0;
  let streams = 0;
  let current: string | null = null;
  let expectedVersion = 1;
  let prev: string | null = null;
  for await (const row of eventsInChainOrder(db, options.pageSize ?? 2_000)) {
    events++;
    if (row.stream_id !== current) {
      current = row.stream_id;
      streams++;
      expectedVersion = 1;
      prev = null;
    }
    if (!broken.has(row.stream_id)) {
      const reason = chainBreakOf(row, expectedVersion, prev);
      if (reason) broken.set(row.stream_id, { streamId: row.stream_id, version: reason === 'gap' ? expectedVersion : row.version, eventId: reason === 'gap' ? null : row.event_id, reason });
    }
    // The chain continues from what is stored: a changed row is reported once, not every row after it.
    expectedVersion = row.version + 1;
    prev = row.hash;
  }
  // The stream row must point at its last event: this catches events cut off the end of a stream.
  const heads = await sql<{ stream_id: string; version: number; last_hash: string | null; hash: string | null; event_id: string | null }>`
    select s.stream_id, s.version, s.last_hash, e.hash, e.event_id
    from stream s left join event e on e.stream_id = s.stream_id and e.version = s.version
    where s.version > 0
      and (e.event_id is null or s.last_hash is distinct from e.hash
           or exists (select 1 from event later where later.stream_id = s.stream_id and later.version > s.version))
    order by s.stream_id`.execute(db);
  for (const head of heads.rows) {
    if (!broken.has(head.stream_id)) broken.set(head.stream_id, { streamId: head.stream_id, version: head.version, eventId: head.event_id, reason: 'head' });
  }
  const digest = createHash('sha256');
  const all = await db.selectFrom('stream').select(['stream_id', 'version', 'last_hash']).orderBy('stream_id').execute();
  for (const s of all) digest.update(`${s.stream_id}\u0000${s.version}\u0000${s.last_hash ?? ''}\n`);
  const list = [...broken.values()].sort((a, b) => (a.streamId < b.streamId ? -1 : a.streamId > b.streamId ? 1 : 0));
  return { ok: list.length === 0, streams, events, broken: list, headsDigest: digest.digest('hex') };
}

/** Fills in the chain for events written before the hash columns existed (the migration calls it). */
export async function backfillHashChains(db: Kysely<Database>): Promise<void> {
  let current: string | null = null;
  let prev: string | null = null;
  for await (const row of eventsInChainOrder(db, 2_000)) {
    if (row.stream_id !== current) {
      if (current !== null) await db.updateTable('stream').set({ last_hash: prev }).where('stream_id', '=', current).execute();
      current = row.stream_id;
      prev = null;
    }
    const hash = eventHash(contentOf(row), prev);
    await db.updateTable('event').set({ prev_hash: prev, hash }).where('event_id', '=', row.event_id).execute();
    prev = hash;
  }
  if (current !== null) await db.updateTable('stream').set({ last_hash: prev }).where('stream_id', '=', current).execute();
}
