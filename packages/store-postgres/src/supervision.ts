import { isStreamOf, type SupervisionContext } from '@muster/domain';
import type { Kysely } from 'kysely';
import type { Database } from './database';

interface SupervisionHistoryEntry {
  type: string;
  version: number;
  recordedAt: string;
  occurredAt: string;
  actor: string;
  roles: string[];
  actorJurisdiction: string;
  data: Record<string, unknown>;
}

export type SupervisionItemView = Omit<SupervisionContext, 'updatedAt' | 'openedBy' | 'closedBy'> & {
  state: string;
  version: number;
  /** The deadline in force passed unmet (已逾期). */
  overdue: boolean;
  history: SupervisionHistoryEntry[];
};

interface Meta {
  actor?: { userId?: string; roles?: string[]; jurisdiction?: string };
  occurredAt?: string;
}

/**
 * The supervision items (督办) of an incident, oldest first, each with its state and its history
 * (every event of its stream, escalations included). Found through the events filed under the
 * incident, so that nothing but the event store is needed.
 */
export async function listSupervisionItems(db: Kysely<Database>, incidentId: string): Promise<SupervisionItemView[]> {
  const events = await db
    .selectFrom('event')
    .select(['stream_id', 'version', 'type', 'data', 'meta', 'recorded_at'])
    .where('incident_id', '=', incidentId)
    .where('stream_type', '=', 'supervision')
    .orderBy('stream_id')
    .orderBy('version')
    .execute();
  const ids = [...new Set(events.map((e) => e.stream_id))];
  if (ids.length === 0) return [];
  const streams = await db
    .selectFrom('stream')
    .select(['stream_id', 'stream_type', 'version', 'snapshot', 'created_at'])
    .where('stream_id', 'in', ids)
    .orderBy('created_at')
    .orderBy('stream_id')
    .execute();
  const items: SupervisionItemView[] = [];
  for (const row of streams) {
    const stream = { streamType: row.stream_type, state: row.snapshot };
    if (!isStreamOf(stream, 'supervision')) continue;
    const { updatedAt: _updatedAt, openedBy: _openedBy, closedBy: _closedBy, ...item } = stream.state.context;
    const history = events
      .filter((e) => e.stream_id === row.stream_id)
      .map((e): SupervisionHistoryEntry => {
        const meta = e.meta as Meta;
        const recordedAt = e.recorded_at.toISOString();
        return {
          type: e.type,
          version: e.version,
          recordedAt,
          occurredAt: meta.occurredAt ?? recordedAt,
          actor: meta.actor?.userId ?? '',
          roles: meta.actor?.roles ?? [],
          actorJurisdiction: meta.actor?.jurisdiction ?? '',
          data: e.data,
        };
      });
    items.push({ ...item, state: stream.state.value, version: row.version, overdue: item.overdueAt !== null, history });
  }
  return items;
}
