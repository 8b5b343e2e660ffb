import { sql, type Kysely } from 'kysely';
import type { Database } from './database';
import { InvalidCursor } from './incident-queries';

/** The event type a correction records (see the correction stream): it strikes or amends an earlier entry. */
export const ENTRY_CORRECTED = 'EntryCorrected';

export interface TimelineFilter {
  /** The incident, or several (a drill's own stream and its incidents: one merged timeline). */
  incidentId: string | readonly string[];
  /** Event types (`IncidentConfirmed`) or stream types (`command`, `resourceRequest`, `report`, `correction`). */
  kinds?: readonly string[] | undefined;
  /** User ids of the actors. */
  actors?: readonly string[] | undefined;
  /** Entries by an actor holding at least one of these roles. */
  roles?: readonly string[] | undefined;
  /** Entries by an actor of one of these jurisdictions (the room that acted, not the lead it was filed under). */
  jurisdictions?: readonly string[] | undefined;
  /** Which time `from`/`to` bound: when it happened as reported, or when the server recorded it. */
  basis?: 'occurred' | 'recorded' | undefined;
  /** Inclusive lower bound (ISO 8601). */
  from?: string | undefined;
  /** Exclusive upper bound (ISO 8601). */
  to?: string | undefined;
  limit?: number | undefined;
  /** Opaque cursor from the previous page. */
  after?: string | undefined;
}

interface TimelineCorrection {
  eventId: string;
  kind: 'strike' | 'amend';
  reason: string;
  amendedData: Record<string, unknown> | null;
  by: string;
  recordedAt: string;
}

export interface TimelineEntry {
  eventId: string;
  /** Global log position `"<txid>.<seq>"`: the order entries were committed in. */
  position: string;
  streamId: string;
  streamType: string;
  version: number;
  type: string;
  /** When it happened, as reported by whoever sent the command. */
  occurredAt: string;
  /** When the server recorded it. */
  recordedAt: string;
  actor: string;
  roles: string[];
  /** The jurisdiction of the actor (the room that acted). */
  actorJurisdiction: string;
  /** The lead jurisdiction the event was filed under when it was recorded. */
  jurisdiction: string;
  exercise: boolean;
  data: Record<string, unknown>;
  /** Later corrections of this entry, oldest first; the entry itself is never changed. */
  correctedBy: TimelineCorrection[];
}

interface Meta {
  actor?: { userId?: string; roles?: string[]; jurisdiction?: string };
  occurredAt?: string;
  recordedAt?: string;
}

function incidentIdsOf(incidentId: string | readonly string[]): string[] {
  return typeof incidentId === 'string' ? [incidentId] : [...incidentId];
}

function encodeCursor(tx: string, seq: string): string {
  return Buffer.from(`${tx}.${seq}`).toString('base64url');
}

const MAX_XID8 = 2n ** 64n - 1n;
const MAX_BIGINT = 2n ** 63n - 1n;

function decodeCursor(cursor: string): { tx: string; seq: string } {
  const match = /^(\d{1,20})\.(\d{1,20})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match?.[1] || !match[2]) throw new InvalidCursor();
  // Twenty digits can exceed xid8 and bigint: out of range, PostgreSQL failed the query (a 500).
  if (BigInt(match[1]) > MAX_XID8 || BigInt(match[2]) > MAX_BIGINT) throw new InvalidCursor();
  return { tx: match[1], seq: match[2] };
}

const nonEmpty = (list: readonly string[]) => (list.length ? [...list] : ['']);

/**
 * What a linked warning puts in an incident's timeline (issue 21): its issue, updates, lift or
 * expiry, and the acknowledgement summary at its deadline (acknowledged/total, who was overdue).
 */
const WARNING_TIMELINE_TYPES = ['WarningIssued', 'WarningUpdated', 'WarningLifted', 'WarningExpired', 'WarningAckDeadlinePassed'] as const;

/** The streams of the warnings linked to an incident (CAP `incidents`, LinkWarningToIncident). */
function linkedWarnings(db: Kysely<Database>, incidentIds: readonly string[]) {
  return db
    .selectFrom('stream')
    .select('stream_id')
    .where('stream_type', '=', 'warning')
    .where(sql<boolean>`snapshot->'context'->'incidents' ?| ${[...incidentIds]}::text[]`);
}

/** An issue's recipient list stays out of the incident's record: its size is told, not names and phones. */
function timelineData(type: string, data: Record<string, unknown>): Record<string, unknown> {
  if (type !== 'WarningIssued' || !Array.isArray(data['recipients'])) return data;
  const { recipients, ...rest } = data;
  return { ...rest, recipientCount: recipients.length };
}

/**
 * An incident's timeline: its own events and those of every stream under it (command, resource
 * requests, report obligation, corrections), by the `incident_id` column, and the releases of the
 * warnings linked to it, in commit order (tx_id, seq). Keyset paging on the (incident_id, tx_id, seq) index keeps a page as cheap on the 100,000th
 * event as on the first.
 *
 * Unlike the global log this read does not stop at the snapshot horizon: the horizon is cluster-wide,
 * so any long transaction elsewhere would hide what was just recorded from a reviewer. The price: a
 * cursor taken while the incident is still being written can pass over an entry whose transaction
 * commits late with a lower position; live consoles use the global log, which has no such gap.
 */
export async function readTimeline(db: Kysely<Database>, filter: TimelineFilter): Promise<{ items: TimelineEntry[]; next: string | null }> {
  const limit = filter.limit ?? 100;
  let query = db
    .selectFrom('event')
    .select(['event_id', 'stream_id', 'stream_type', 'version', 'type', 'data', 'meta', 'jurisdiction', 'exercise', 'recorded_at', 'tx_id', 'seq'])
    .where((eb) =>
      eb.or([
        eb('incident_id', 'in', incidentIdsOf(filter.incidentId)),
        // Warnings linked to the incident (issue 21): their releases and acknowledgement summary.
        eb.and([eb('stream_id', 'in', linkedWarnings(db, incidentIdsOf(filter.incidentId))), eb('type', 'in', [...WARNING_TIMELINE_TYPES])]),
      ]),
    );
  const { kinds, actors, roles, jurisdictions } = filter;
  if (kinds) query = query.where((eb) => eb.or([eb('type', 'in', nonEmpty(kinds)), eb('stream_type', 'in', nonEmpty(kinds))]));
  if (actors) query = query.where(sql<boolean>`meta->'actor'->>'userId' = any(${[...actors]}::text[])`);
  if (roles) query = query.where(sql<boolean>`meta->'actor'->'roles' ?| ${[...roles]}::text[]`);
  if (jurisdictions) query = query.where(sql<boolean>`meta->'actor'->>'jurisdiction' = any(${[...jurisdictions]}::text[])`);
  const time = filter.basis === 'occurred' ? sql`(meta->>'occurredAt')::timestamptz` : sql`recorded_at`;
  if (filter.from) query = query.where(sql<boolean>`${time} >= ${filter.from}::timestamptz`);
  if (filter.to) query = query.where(sql<boolean>`${time} < ${filter.to}::timestamptz`);
  if (filter.after) {
    const { tx, seq } = decodeCursor(filter.after);
    query = query.where(sql<boolean>`(tx_id, seq) > (${tx}::xid8, ${seq}::bigint)`);
  }
  const rows = await query.orderBy('tx_id').orderBy('seq').limit(limit + 1).execute();
  const page = rows.slice(0, limit);
  const corrections = await correctionsOf(db, filter.incidentId, page.map((r) => r.event_id));
  const items = page.map((row): TimelineEntry => {
    const meta = row.meta as Meta;
    return {
      eventId: row.event_id,
      position: `${row.tx_id}.${row.seq}`,
      streamId: row.stream_id,
      streamType: row.stream_type,
      version: row.version,
      type: row.type,
      occurredAt: meta.occurredAt ?? row.recorded_at.toISOString(),
      recordedAt: row.recorded_at.toISOString(),
      actor: meta.actor?.userId ?? '',
      roles: meta.actor?.roles ?? [],
      actorJurisdiction: meta.actor?.jurisdiction ?? '',
      jurisdiction: row.jurisdiction,
      exercise: row.exercise,
      data: timelineData(row.type, row.data),
      correctedBy: corrections.get(row.event_id) ?? [],
    };
  });
  const last = page[page.length - 1];
  return { items, next: rows.length > limit && last ? encodeCursor(last.tx_id, last.seq) : null };
}

/** The corrections recorded against the given entries of an incident, by corrected event id. */
async function correctionsOf(db: Kysely<Database>, incidentId: string | readonly string[], eventIds: readonly string[]): Promise<Map<string, TimelineCorrection[]>> {
  const found = new Map<string, TimelineCorrection[]>();
  if (eventIds.length === 0) return found;
  const rows = await db
    .selectFrom('event')
    .select(['data', 'meta', 'recorded_at'])
    .where('type', '=', ENTRY_CORRECTED)
    .where(sql<boolean>`data->>'eventId' = any(${[...eventIds]}::text[])`)
    .where('incident_id', 'in', incidentIdsOf(incidentId))
    .orderBy('tx_id')
    .orderBy('seq')
    .execute();
  for (const row of rows) {
    const data = row.data as { eventId: string; kind: 'strike' | 'amend'; reason: string; amendedData?: Record<string, unknown> };
    const list = found.get(data.eventId) ?? [];
    list.push({
      eventId: data.eventId,
      kind: data.kind,
      reason: data.reason,
      amendedData: data.amendedData ?? null,
      by: (row.meta as Meta).actor?.userId ?? '',
      recordedAt: row.recorded_at.toISOString(),
    });
    found.set(data.eventId, list);
  }
  return found;
}

/** Every event of an incident and the streams under it, in commit order: the input of replay to a moment. */
export async function readIncidentEvents(db: Kysely<Database>, incidentId: string) {
  return db
    .selectFrom('event')
    .select(['event_id', 'stream_id', 'stream_type', 'version', 'type', 'data', 'meta', 'recorded_at'])
    .where('incident_id', '=', incidentId)
    .orderBy('stream_id')
    .orderBy('version')
    .execute();
}

/** A stream's stored row and every event of it, as `muster replay` compares them. */
export interface StreamWithEvents {
  streamId: string;
  streamType: string;
  version: number;
  snapshot: { value: unknown; context: Record<string, unknown> };
  events: { version: number; type: string; data: Record<string, unknown>; meta: Record<string, unknown>; recordedAt: Date }[];
}

/**
 * Streams in id order after `after` (at most `limit`), each with its events in version order; with
 * `incidentId`, only the streams holding an event of that incident. Read in batches so a replay of
 * the whole log never holds more than a batch of streams in memory.
 */
export async function readStreamsWithEvents(db: Kysely<Database>, options: { after: string | null; limit: number; incidentId?: string | undefined }): Promise<StreamWithEvents[]> {
  let query = db.selectFrom('stream').select(['stream_id', 'stream_type', 'version', 'snapshot']).orderBy('stream_id').limit(options.limit);
  if (options.after !== null) query = query.where('stream_id', '>', options.after);
  const incidentId = options.incidentId;
  if (incidentId !== undefined) query = query.where('stream_id', 'in', (eb) => eb.selectFrom('event').select('stream_id').where('incident_id', '=', incidentId));
  const streams = await query.execute();
  if (streams.length === 0) return [];
  const events = await db
    .selectFrom('event')
    .select(['stream_id', 'version', 'type', 'data', 'meta', 'recorded_at'])
    .where(
      'stream_id',
      'in',
      streams.map((s) => s.stream_id),
    )
    .orderBy('stream_id')
    .orderBy('version')
    .execute();
  const byStream = new Map<string, StreamWithEvents['events']>();
  for (const e of events) {
    const list = byStream.get(e.stream_id) ?? [];
    list.push({ version: e.version, type: e.type, data: e.data, meta: e.meta as Record<string, unknown>, recordedAt: e.recorded_at });
    byStream.set(e.stream_id, list);
  }
  return streams.map((s) => ({ streamId: s.stream_id, streamType: s.stream_type, version: s.version, snapshot: s.snapshot, events: byStream.get(s.stream_id) ?? [] }));
}
