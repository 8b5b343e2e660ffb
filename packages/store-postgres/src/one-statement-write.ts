import { isStreamOf } from '@muster/domain';
import type { StreamWrite } from '@muster/engine';
import { sql, type Kysely } from 'kysely';
import type { Database } from './database';
import { incidentRow } from './incident-projection';
import { chainRows, commandRow, lastHash } from './postgres-event-store';
import { canWriteInSet } from './set-write';

/**
 * The hash each stream ended with at the version this store last read or wrote it (issue 18): what
 * lets the next write to the stream compute its hash chain before it reaches PostgreSQL, and so go
 * in one statement. Only a hint: the statement checks version and hash again, and a stale entry
 * only sends the write down the ordinary transaction. Least recently used entries go first.
 */
export class StreamHeads {
  private readonly heads = new Map<string, { version: number; lastHash: string | null }>();

  constructor(private readonly capacity = 10_000) {}

  /** The hash a stream ends with at `version`, if known; undefined when not. */
  hashAt(streamId: string, version: number): string | null | undefined {
    const head = this.heads.get(streamId);
    return head?.version === version ? head.lastHash : undefined;
  }

  set(streamId: string, version: number, lastHash: string | null): void {
    this.heads.delete(streamId);
    this.heads.set(streamId, { version, lastHash });
    if (this.heads.size > this.capacity) {
      const oldest = this.heads.keys().next();
      if (!oldest.done) this.heads.delete(oldest.value);
    }
  }

  forget(streamId: string): void {
    this.heads.delete(streamId);
  }
}

/** What the one statement did: `written`, or nothing at all (the stream was not where expected, or the command key was taken). */
export type OneStatementOutcome = { kind: 'written'; lastHash: string | null } | { kind: 'notWritten' } | { kind: 'keyTaken' };

/** Whether a write can go in one statement: what a set write takes (its own stream, its read model set-wise). */
export function canWriteInOneStatement(write: StreamWrite): boolean {
  return canWriteInSet(write);
}

/** JSON text of the event rows, their data and meta spliced in as the text that was hashed (no second stringify). */
function eventRowsJson(rows: ReturnType<typeof chainRows>): string {
  return `[${rows
    .map(({ data, meta, ...rest }) => `{"data":${data},"meta":${meta},${JSON.stringify(rest).slice(1)}`)
    .join(',')}]`;
}

/** PostgreSQL's error code and constraint of a failed statement, if it is one. */
function pgErrorOf(error: unknown): { code?: unknown; constraint?: unknown } {
  return typeof error === 'object' && error !== null ? (error as { code?: unknown; constraint?: unknown }) : {};
}

/** unique_violation on the command key: the key was committed meanwhile by another transaction. */
const KEY_TAKEN = '23505';
/** deadlock_detected: see writeInOneStatement on lock order. */
const DEADLOCK = '40P01';

/**
 * Writes a command that touches only its own stream (see canWriteInOneStatement) in one statement,
 * in PostgreSQL's implicit transaction of that statement: the stream row (version-checked, and for
 * an existing stream checked against the hash its chain is continued from), the command key, the
 * events and the incident's board row. One round trip instead of BEGIN, five statements and COMMIT:
 * for a client alone the round trips were most of the wait (issue 18).
 *
 * Every other statement of the WITH reads from the stream's CTE, so when the stream is not where
 * the write expects, nothing is written and `notWritten` says so; the caller then runs the ordinary
 * transaction, which tells a lost race from a stale hint. A command key committed meanwhile by
 * another transaction fails the statement as a whole (`keyTaken`): nothing of it stays.
 *
 * The stream row is locked before the command key is claimed (the transaction path claims first).
 * The same key is only ever written to the same stream, and one process takes one stream's commands
 * in turn, so the two orders meet only for one command sent twice at once to two processes; then
 * PostgreSQL's deadlock detection refuses one statement, which the caller runs again as a transaction.
 */
export async function writeInOneStatement(db: Kysely<Database>, write: StreamWrite, prevHash: string | null): Promise<OneStatementOutcome> {
  const rows = chainRows(write, prevHash);
  const head = lastHash(rows, prevHash);
  const version = write.expectedVersion + write.events.length;
  const now = write.events[0]?.meta.recordedAt ?? new Date().toISOString();
  const snapshot = JSON.stringify(write.state);
  const claim = commandRow(write);
  const stream =
    write.expectedVersion === 0
      ? sql`insert into stream (stream_id, stream_type, version, snapshot, created_at, updated_at, last_hash)
          values (${write.streamId}, ${write.streamType}, ${version}, ${snapshot}::jsonb, ${now}, ${now}, ${head})
          on conflict (stream_id) do nothing
          returning stream_id`
      : sql`update stream set version = ${version}, snapshot = ${snapshot}::jsonb, updated_at = ${now}, last_hash = ${head}
          where stream_id = ${write.streamId} and version = ${write.expectedVersion} and last_hash is not distinct from ${prevHash}
          returning stream_id`;
  const board = isStreamOf(write, 'incident') ? [incidentRow(write.streamId, version, write.state)] : [];
  try {
    const { rows: result } = await sql<{ written: number }>`
      with won as (${stream}),
      claimed as (
        insert into command (command_key, command_id, stream_id, result, fingerprint)
        select ${claim.command_key}, ${claim.command_id}, ${claim.stream_id}, ${claim.result}::json, ${claim.fingerprint} from won
      ),
      appended as (
        insert into event (event_id, stream_id, stream_type, version, type, data, meta, jurisdiction, incident_id, rooms, exercise, recorded_at, prev_hash, hash)
        select e.event_id, e.stream_id, e.stream_type, e.version, e.type, e.data, e.meta, e.jurisdiction, e.incident_id, e.rooms, e.exercise, e.recorded_at, e.prev_hash, e.hash
        from won, rows from (jsonb_to_recordset(${eventRowsJson(rows)}::jsonb) as (
          event_id uuid, stream_id text, stream_type text, version integer, type text, data jsonb, meta jsonb, jurisdiction text,
          incident_id text, rooms text[], exercise boolean, recorded_at timestamptz, prev_hash text, hash text
        )) with ordinality as e
        order by e.ordinality
      ),
      projected as (
        insert into incident (incident_id, state, severity, category, lead_jurisdiction, supporting_jurisdictions, rooms, exercise, version, reported_at, updated_at, view)
        select b.incident_id, b.state, b.severity, b.category, b.lead_jurisdiction, b.supporting_jurisdictions, b.rooms, b.exercise, b.version, b.reported_at, b.updated_at, b.view
        from won, jsonb_to_recordset(${JSON.stringify(board)}::jsonb) as b(
          incident_id text, state text, severity text, category text, lead_jurisdiction text, supporting_jurisdictions text[], rooms text[],
          exercise boolean, version integer, reported_at timestamptz, updated_at timestamptz, view jsonb
        )
        on conflict (incident_id) do update set
          state = excluded.state, severity = excluded.severity, category = excluded.category, lead_jurisdiction = excluded.lead_jurisdiction,
          supporting_jurisdictions = excluded.supporting_jurisdictions, rooms = excluded.rooms, exercise = excluded.exercise,
          version = excluded.version, updated_at = excluded.updated_at, view = excluded.view
      )
      select count(*)::int as written from won`.execute(db);
    return (result[0]?.written ?? 0) > 0 ? { kind: 'written', lastHash: head } : { kind: 'notWritten' };
  } catch (error) {
    const { code, constraint } = pgErrorOf(error);
    if (code === KEY_TAKEN && constraint === 'command_pkey') return { kind: 'keyTaken' };
    if (code === DEADLOCK) return { kind: 'notWritten' };
    throw error;
  }
}
