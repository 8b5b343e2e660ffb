import { foldRegistry, REGISTRIES } from '@muster/domain';
import { stateAt, type ReviewEvent } from '@muster/engine';
import { readIncidentEvents, readStreamsWithEvents, type StreamWithEvents } from '@muster/store-postgres';

/** The store's Kysely handle (this package does not depend on kysely itself). */
type Db = Parameters<typeof readIncidentEvents>[0];

/** After every event any stream can hold: replay to it applies the whole stream. */
const END_OF_TIME = '9999-12-31T23:59:59.999Z';
const BATCH = 200;

/** One stream whose stored state is not what its events imply. */
interface ReplayMismatch {
  streamId: string;
  streamType: string;
  version: number;
  reason: string;
}

export interface ReplayReport {
  streams: number;
  events: number;
  mismatches: ReplayMismatch[];
}

/**
 * JSON with object keys sorted, `undefined` dropped: the stored snapshot went through jsonb, which
 * reorders keys and drops nothing else, so equal states give equal strings.
 */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(v).sort()) sorted[key] = (v as Record<string, unknown>)[key];
    return sorted;
  });
}

function reviewEvents(stream: StreamWithEvents): ReviewEvent[] {
  return stream.events.map((e) => {
    const meta = e.meta as ReviewEvent['meta'];
    const recorded = e.recordedAt.toISOString();
    return { streamId: stream.streamId, streamType: stream.streamType, version: e.version, type: e.type, data: e.data, meta: { ...meta, recordedAt: meta.recordedAt ?? recorded, occurredAt: meta.occurredAt ?? recorded } };
  });
}

/** Replays one stream's events through its machine and says how the result differs from the stored row. */
function compare(stream: StreamWithEvents): ReplayMismatch | null {
  const base = { streamId: stream.streamId, streamType: stream.streamType, version: stream.version };
  const last = stream.events.at(-1)?.version ?? 0;
  if (last !== stream.version) return { ...base, reason: `stream row at version ${stream.version}, events end at ${last}` };
  if ((REGISTRIES as readonly string[]).includes(stream.streamType)) return compareRegistry(stream, base);
  let replayed;
  try {
    replayed = stateAt(reviewEvents(stream), END_OF_TIME, 'recorded')[0];
  } catch (error) {
    return { ...base, reason: `the machine refuses the log: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (!replayed) return { ...base, reason: `no machine for stream type ${stream.streamType}` };
  if (canonical(replayed.state.value) !== canonical(stream.snapshot.value)) {
    return { ...base, reason: `stored state ${canonical(stream.snapshot.value)}, replay gives ${canonical(replayed.state.value)}` };
  }
  if (canonical(replayed.state.context) !== canonical(stream.snapshot.context)) {
    const stored = stream.snapshot.context;
    const fromLog = replayed.state.context as Record<string, unknown>;
    const keys = [...new Set([...Object.keys(stored), ...Object.keys(fromLog)])].filter((k) => canonical(stored[k]) !== canonical(fromLog[k])).sort();
    return { ...base, reason: `stored context differs from replay in ${keys.join(', ')}` };
  }
  return null;
}

/** A registry entry (issue 23) is the fold of its events: its stored snapshot must be that fold. */
function compareRegistry(stream: StreamWithEvents, base: Omit<ReplayMismatch, 'reason'>): ReplayMismatch | null {
  let folded;
  try {
    folded = foldRegistry(reviewEvents(stream).map((e) => ({ type: e.type, data: e.data, meta: { occurredAt: e.meta.occurredAt, actor: e.meta.actor } })));
  } catch (error) {
    return { ...base, reason: `the registry refuses the log: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (canonical(folded) !== canonical(stream.snapshot.context)) return { ...base, reason: 'stored entry differs from the fold of its events' };
  return null;
}

/**
 * Rebuilds every stream (or an incident's) from its events and compares the result with the state
 * the engine stored and decides on: `muster replay`. The log is the record; a stored state that is not
 * what the log implies would make the engine decide on something that never happened.
 */
export async function replayStreams(db: Db, incidentId?: string): Promise<ReplayReport> {
  const report: ReplayReport = { streams: 0, events: 0, mismatches: [] };
  let after: string | null = null;
  for (;;) {
    const batch = await readStreamsWithEvents(db, { after, limit: BATCH, incidentId });
    if (batch.length === 0) return report;
    for (const stream of batch) {
      report.streams += 1;
      report.events += stream.events.length;
      const mismatch = compare(stream);
      if (mismatch) report.mismatches.push(mismatch);
    }
    after = batch[batch.length - 1]?.streamId ?? null;
  }
}

/**
 * Every event of an incident, one JSON object a line, stream by stream in version order: `muster
 * export`. Returns how many were written.
 */
export async function exportIncident(db: Db, incidentId: string, write: (line: string) => void): Promise<number> {
  const rows = await readIncidentEvents(db, incidentId);
  for (const row of rows) {
    write(`${JSON.stringify({ eventId: row.event_id, streamId: row.stream_id, streamType: row.stream_type, version: row.version, type: row.type, data: row.data, meta: row.meta, recordedAt: row.recorded_at.toISOString() })}\n`);
  }
  return rows.length;
}
