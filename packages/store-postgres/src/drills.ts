import { isStreamOf, type DrillContext, type PersistedState } from '@muster/domain';
import { sql, type Kysely } from 'kysely';
import type { Database } from './database';

/** A drill stream as stored: its state and version. */
export interface StoredDrill {
  streamId: string;
  version: number;
  state: PersistedState<DrillContext>;
}

/** The drills a room controls or plays in, newest first. */
export async function listDrillStreams(db: Kysely<Database>, room: string): Promise<StoredDrill[]> {
  const rows = await db
    .selectFrom('stream')
    .select(['stream_id', 'stream_type', 'version', 'snapshot'])
    .where('stream_type', '=', 'drill')
    .where((eb) =>
      eb.or([eb(eb.ref('snapshot', '->>').key('context').key('controller'), '=', room), sql<boolean>`snapshot->'context'->'participants' ? ${room}`]),
    )
    .orderBy('created_at', 'desc')
    .orderBy('stream_id')
    .execute();
  return rows.flatMap((row) => {
    const stream = { streamType: row.stream_type, state: row.snapshot };
    return isStreamOf(stream, 'drill') ? [{ streamId: row.stream_id, version: row.version, state: stream.state }] : [];
  });
}

/** One event of a drill's feed, as its controller reads it. */
export interface DrillFeedEvent {
  /** Global log position `"<txid>.<seq>"`: the order the events were committed in. */
  position: string;
  streamId: string;
  streamType: string;
  incidentId: string | null;
  type: string;
  recordedAt: string;
  occurredAt: string;
  actor: string;
  actorJurisdiction: string;
  data: Record<string, unknown>;
}

interface Meta {
  actor?: { userId?: string; jurisdiction?: string };
  occurredAt?: string;
}

/**
 * The events of a drill and of every stream under its incidents (the incident, its scene, its
 * reports…), by the `incident_id` column, in commit order; only those after `after` (a position).
 */
export async function readDrillFeed(db: Kysely<Database>, filter: { keys: readonly string[]; after?: string | undefined; limit: number }): Promise<{ items: DrillFeedEvent[]; next: string | null }> {
  let query = db
    .selectFrom('event')
    .select(['stream_id', 'stream_type', 'incident_id', 'type', 'data', 'meta', 'recorded_at', 'tx_id', 'seq'])
    .where('incident_id', 'in', [...filter.keys]);
  if (filter.after !== undefined) {
    const [tx, seq] = filter.after.split('.');
    query = query.where(sql<boolean>`(tx_id, seq) > (${tx}::xid8, ${seq}::bigint)`);
  }
  const rows = await query.orderBy('tx_id').orderBy('seq').limit(filter.limit + 1).execute();
  const page = rows.slice(0, filter.limit);
  const items = page.map((row): DrillFeedEvent => {
    const meta = row.meta as Meta;
    return {
      position: `${row.tx_id}.${row.seq}`,
      streamId: row.stream_id,
      streamType: row.stream_type,
      incidentId: row.incident_id,
      type: row.type,
      recordedAt: row.recorded_at.toISOString(),
      occurredAt: meta.occurredAt ?? row.recorded_at.toISOString(),
      actor: meta.actor?.userId ?? '',
      actorJurisdiction: meta.actor?.jurisdiction ?? '',
      data: row.data,
    };
  });
  const last = page.at(-1);
  return { items, next: rows.length > filter.limit && last ? `${last.tx_id}.${last.seq}` : null };
}
