import { isStreamOf } from '@muster/domain';
import { keyOf, type StreamWrite } from '@muster/engine';
import { sql, type Kysely } from 'kysely';
import { runPrepared } from './connect';
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

/** A write for the one statement, with the hash its stream ends with now (null: a new stream, or none yet). */
export interface HeadedWrite {
  write: StreamWrite;
  prevHash: string | null;
}

/**
 * What the one statement did: the writes whose stream was where they expected (`written`, with the
 * hash each stream now ends with; the others wrote nothing), or nothing at all (`failed`: a command
 * key committed meanwhile by another transaction, or a deadlock).
 */
export type OneStatementOutcome = { kind: 'written'; results: WriteResult[] } | { kind: 'failed'; keyTaken: boolean };

/**
 * What became of one write of the statement: written (`lastHash`: where its chain ends now); `moved`:
 * its stream was at another version before the statement and its command key was not stored (a lost
 * race); `unknown`: not written for another reason (a stale hash, a race within the statement, a key
 * already stored, whose answer the transaction path gives).
 */
type WriteResult = { kind: 'written'; lastHash: string | null } | { kind: 'moved' } | { kind: 'unknown' };

/** Whether a write can go in one statement: what a set write takes (its own stream, its read model set-wise). */
export function canWriteInOneStatement(write: StreamWrite): boolean {
  return canWriteInSet(write);
}

/** `{"key":<raw JSON text>,...rest}`: values already serialised are spliced in, not stringified twice. */
function jsonWithRaw(raw: Record<string, string>, rest: Record<string, unknown>): string {
  const spliced = Object.entries(raw).map(([key, text]) => `"${key}":${text}`);
  const others = JSON.stringify(rest);
  return `{${spliced.join(',')}${others === '{}' ? '' : `,${others.slice(1, -1)}`}}`;
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
 * Writes commands that touch only their own streams (see canWriteInOneStatement; distinct streams
 * and command keys) in one statement, in PostgreSQL's implicit transaction of that statement: the
 * stream rows (version-checked, and checked against the hash each chain is continued from), the
 * command keys, the events and the incidents' board rows. One round trip instead of BEGIN, five
 * statements and COMMIT (a client alone), or of the nine of a group's transaction (issue 18).
 *
 * Every other part of the WITH joins the streams written, so a write whose stream is not where it
 * expects writes nothing and is reported so: the caller runs it in the ordinary transaction, which
 * tells a lost race from a stale hash. A command key committed meanwhile by another transaction fails
 * the statement as a whole (`failed`, nothing of it stays), and so does a deadlock.
 *
 * The stream rows are locked before the command keys are claimed (the transaction path claims
 * first). The same key is only ever written to the same stream, and one process takes one stream's
 * commands in turn, so the two orders meet only for one command sent twice at once to two processes;
 * PostgreSQL's deadlock detection then refuses one statement, which the caller runs again as a transaction.
 */
export async function writeInOneStatement(db: Kysely<Database>, writes: readonly HeadedWrite[]): Promise<OneStatementOutcome> {
  const streams: string[] = [];
  const commands: string[] = [];
  const events: string[] = [];
  const boards: ReturnType<typeof incidentRow>[] = [];
  const lastHashes: (string | null)[] = [];
  for (const { write, prevHash } of writes) {
    const rows = chainRows(write, prevHash);
    const head = lastHash(rows, prevHash);
    lastHashes.push(head);
    const version = write.expectedVersion + write.events.length;
    streams.push(
      jsonWithRaw(
        { snapshot: JSON.stringify(write.state) },
        {
          stream_id: write.streamId,
          stream_type: write.streamType,
          expected_version: write.expectedVersion,
          version,
          updated_at: write.events[0]?.meta.recordedAt ?? new Date().toISOString(),
          prev_hash: prevHash,
          last_hash: head,
          command_key: keyOf(write),
        },
      ),
    );
    // The result column is json, kept as the text it was written as: sent as a string, not as jsonb.
    commands.push(JSON.stringify(commandRow(write)));
    for (const { data, meta, ...rest } of rows) events.push(jsonWithRaw({ data, meta }, rest));
    if (isStreamOf(write, 'incident')) boards.push(incidentRow(write.streamId, version, write.state));
  }
  try {
    const won = await runPrepared(db, 'muster_write_in_one_statement', sql<{ stream_id: string; written: boolean; found_version: number | null; key_found: boolean }>`
      with input as (
        select * from jsonb_to_recordset(${`[${streams.join(',')}]`}::jsonb) as v(
          stream_id text, stream_type text, expected_version integer, version integer, snapshot jsonb, updated_at timestamptz, prev_hash text, last_hash text,
          command_key text)
      ),
      created as (
        insert into stream (stream_id, stream_type, version, snapshot, created_at, updated_at, last_hash)
        select stream_id, stream_type, version, snapshot, updated_at, updated_at, last_hash from input where expected_version = 0
        on conflict (stream_id) do nothing
        returning stream_id
      ),
      updated as (
        update stream set version = v.version, snapshot = v.snapshot, updated_at = v.updated_at, last_hash = v.last_hash
        from input v
        -- The ids again as an array: the planner then finds the rows by the primary key. By the join
        -- alone it guessed 100 input rows (jsonb_to_recordset's default) and scanned the whole table.
        where stream.stream_id = any(array(select stream_id from input where expected_version > 0))
          and v.expected_version > 0 and stream.stream_id = v.stream_id and stream.version = v.expected_version
          and stream.last_hash is not distinct from v.prev_hash
        returning stream.stream_id
      ),
      won as (select stream_id from created union all select stream_id from updated),
      claimed as (
        insert into command (command_key, command_id, stream_id, result, fingerprint)
        select c.command_key, c.command_id, c.stream_id, c.result::json, c.fingerprint
        from jsonb_to_recordset(${`[${commands.join(',')}]`}::jsonb) as c(command_key text, command_id text, stream_id text, result text, fingerprint text)
        join won on won.stream_id = c.stream_id
      ),
      appended as (
        insert into event (event_id, stream_id, stream_type, version, type, data, meta, jurisdiction, incident_id, rooms, exercise, recorded_at, prev_hash, hash)
        select e.event_id, e.stream_id, e.stream_type, e.version, e.type, e.data, e.meta, e.jurisdiction, e.incident_id, e.rooms, e.exercise, e.recorded_at, e.prev_hash, e.hash
        from rows from (jsonb_to_recordset(${`[${events.join(',')}]`}::jsonb) as (
          event_id uuid, stream_id text, stream_type text, version integer, type text, data jsonb, meta jsonb, jurisdiction text,
          incident_id text, rooms text[], exercise boolean, recorded_at timestamptz, prev_hash text, hash text
        )) with ordinality as e
        join won on won.stream_id = e.stream_id
        order by e.ordinality
      ),
      projected as (
        insert into incident (incident_id, state, severity, category, lead_jurisdiction, supporting_jurisdictions, rooms, exercise, version, reported_at, updated_at, view)
        select b.incident_id, b.state, b.severity, b.category, b.lead_jurisdiction, b.supporting_jurisdictions, b.rooms, b.exercise, b.version, b.reported_at, b.updated_at, b.view
        from jsonb_to_recordset(${JSON.stringify(boards)}::jsonb) as b(
          incident_id text, state text, severity text, category text, lead_jurisdiction text, supporting_jurisdictions text[], rooms text[],
          exercise boolean, version integer, reported_at timestamptz, updated_at timestamptz, view jsonb
        )
        join won on won.stream_id = b.incident_id
        on conflict (incident_id) do update set
          state = excluded.state, severity = excluded.severity, category = excluded.category, lead_jurisdiction = excluded.lead_jurisdiction,
          supporting_jurisdictions = excluded.supporting_jurisdictions, rooms = excluded.rooms, exercise = excluded.exercise,
          version = excluded.version, updated_at = excluded.updated_at, view = excluded.view
      )
      -- The stream rows as the statement found them (its snapshot: not its own changes). Subqueries,
      -- not joins: one index probe per write whatever the planner guesses of the input's size.
      select v.stream_id,
        exists (select 1 from won w where w.stream_id = v.stream_id) as written,
        (select s.version from stream s where s.stream_id = v.stream_id) as found_version,
        (select true from command k where k.command_key = v.command_key) is not null as key_found
      from input v`);
    const found = new Map(won.map((r) => [r.stream_id, r]));
    const results = writes.map(({ write }, i): WriteResult => {
      const row = found.get(write.streamId);
      if (row?.written) return { kind: 'written', lastHash: lastHashes[i] ?? null };
      // Versions only grow, and the write's expected version was read from a commit: another one means
      // it moved on. Unless its command key is stored: then the earlier answer wins, which the transaction gives.
      const foundVersion = row?.found_version ?? null;
      const moved = foundVersion !== null ? foundVersion !== write.expectedVersion : write.expectedVersion > 0;
      return moved && row?.key_found === false ? { kind: 'moved' } : { kind: 'unknown' };
    });
    return { kind: 'written', results };
  } catch (error) {
    const { code, constraint } = pgErrorOf(error);
    if (code === KEY_TAKEN && constraint === 'command_pkey') return { kind: 'failed', keyTaken: true };
    if (code === DEADLOCK) return { kind: 'failed', keyTaken: false };
    throw error;
  }
}
