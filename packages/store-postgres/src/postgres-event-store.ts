import type { CommandResult, EventEnvelope } from '@muster/contracts';
import { isStreamOf, type ContextOf, type PersistedState, type StreamType } from '@muster/domain';
import { answerFor, keyOf, openingOf, StreamVersionConflict, type AppendOutcome, type EventStore, type Peeked, type StoredCommand, type StreamRecord, type StreamWrite } from '@muster/engine';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from './database';
import { EVENT_COLUMNS, toEnvelope } from './event-mapping';
import { projectIncident } from './incident-projection';
import { projectReport } from './report-items';
import { applyEffects, projectResourceRequest } from './resources';
import { eventHash } from './hash-chain';
import { canWriteInOneStatement, StreamHeads, writeInOneStatement, type HeadedWrite } from './one-statement-write';

type InlineProjection = (trx: Transaction<Database>, write: StreamWrite) => Promise<void>;

/** A projection of the writes of stream type K, which it is given with K's state. */
function projectionOf<K extends StreamType>(
  streamType: K,
  project: (trx: Transaction<Database>, write: StreamWrite & { state: PersistedState<ContextOf<K>> }) => Promise<void>,
): InlineProjection {
  return async (trx, write) => {
    if (isStreamOf(write, streamType)) await project(trx, write);
  };
}

/** Read models written in the same transaction as the events they reflect (DESIGN §2). */
export const INLINE_PROJECTIONS: Readonly<Record<string, InlineProjection>> = {
  incident: projectionOf('incident', (trx, write) => projectIncident(trx, write.streamId, write.expectedVersion + write.events.length, write.state)),
  resourceRequest: projectionOf('resourceRequest', (trx, write) =>
    projectResourceRequest(trx, write.streamId, write.expectedVersion + write.events.length, write.state),
  ),
  report: projectionOf('report', (trx, write) => projectReport(trx, write.state.context)),
};

/** Raised inside the transaction to roll it back when the command key was already handled. */
export class DuplicateCommand extends Error {
  constructor(readonly commandKey: string) {
    super(`command ${commandKey} was already handled`);
    this.name = 'DuplicateCommand';
  }
}

/** How appends were written, for tests and benchmarks. */
export interface PostgresStoreStats {
  /** Appends written in one statement (see writeInOneStatement). */
  oneStatement: number;
  /** Appends written in a transaction of their own statements. */
  transaction: number;
}

export class PostgresEventStore implements EventStore {
  /** The hash each stream ends with as this store last saw it: the next write to it can then go in one statement. */
  private readonly heads = new StreamHeads();
  private readonly counters: PostgresStoreStats = { oneStatement: 0, transaction: 0 };

  constructor(private readonly db: Kysely<Database>) {}

  stats(): Readonly<PostgresStoreStats> {
    return { ...this.counters };
  }

  async loadStream(streamId: string): Promise<StreamRecord | null> {
    const row = await this.db.selectFrom('stream').select(['stream_id', 'stream_type', 'version', 'snapshot', 'last_hash']).where('stream_id', '=', streamId).executeTakeFirst();
    if (!row) return null;
    this.heads.set(row.stream_id, row.version, row.last_hash);
    return { streamId: row.stream_id, streamType: row.stream_type, version: row.version, state: row.snapshot };
  }

  async drillOfIncident(incidentId: string): Promise<string | null> {
    // A drill lists its incidents in its snapshot (LinkDrillIncident); a handful of drill streams at most.
    const row = await this.db
      .selectFrom('stream')
      .select(sql<string>`snapshot->'context'->>'drillId'`.as('drill_id'))
      .where('stream_type', '=', 'drill')
      .where(sql<boolean>`snapshot->'context'->'incidents' ? ${incidentId}`)
      .orderBy('created_at')
      .executeTakeFirst();
    if (row) return row.drill_id;
    // An inject into a drill without incidents opens one, `dri-<deadline id>` (services/timers),
    // before the drill records the delivery that lists it: its deadline row names the drill.
    const deadlineId = /^dri-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i.exec(incidentId)?.[1];
    if (deadlineId === undefined) return null;
    const opened = await this.db.selectFrom('deadline').select('drill_id').where('deadline_id', '=', deadlineId).where('stream_type', '=', 'drill').executeTakeFirst();
    return opened?.drill_id ?? null;
  }

  async openingOf(streamId: string): Promise<string | undefined> {
    // The first event (unique index on stream and version) says when the stream's record opens.
    const row = await this.db
      .selectFrom('stream as s')
      .leftJoin('event as e', (join) => join.onRef('e.stream_id', '=', 's.stream_id').on('e.version', '=', 1))
      .select(['s.created_at', sql<string | null>`e.meta->>'occurredAt'`.as('first_occurred_at')])
      .where('s.stream_id', '=', streamId)
      .executeTakeFirst();
    return row ? openingOf({ occurredAt: row.first_occurred_at ?? '', recordedAt: row.created_at.toISOString() }) : undefined;
  }

  async findCommand(commandKey: string): Promise<StoredCommand | null> {
    return storedCommand(this.db, commandKey);
  }

  async peek(commandKey: string | undefined, streamId: string): Promise<Peeked> {
    const [seen] = await this.peekAll([{ commandKey, streamId }]);
    if (!seen) throw new Error(`no answer to the peek of ${streamId}`);
    return seen;
  }

  /**
   * Several peeks in one round trip, answered in the order asked: what the group-commit store sends
   * for the commands that arrive while a peek is in flight (issue 18).
   */
  async peekAll(asked: readonly { commandKey: string | undefined; streamId: string }[]): Promise<Peeked[]> {
    // One row per peek: the stream's version and hash (null without a stream) and the command, if one is stored.
    const { rows } = await sql<{ version: number | null; last_hash: string | null; result: CommandResult | null; fingerprint: string | null }>`
      select s.version, s.last_hash, c.result, c.fingerprint
      from unnest(${asked.map((a) => a.streamId)}::text[], ${asked.map((a) => a.commandKey ?? null)}::text[]) with ordinality as p (stream_id, command_key, n)
        left join stream s on s.stream_id = p.stream_id
        left join command c on c.command_key = p.command_key
      order by p.n
    `.execute(this.db);
    return asked.map(({ streamId }, i) => {
      const row = rows[i];
      if (row?.version != null) this.heads.set(streamId, row.version, row.last_hash);
      return { command: row?.result ? { result: row.result, fingerprint: row.fingerprint } : null, version: row?.version ?? null };
    });
  }

  async append(write: StreamWrite): Promise<AppendOutcome> {
    const together = await this.writeTogether([write]);
    if (together.kind === 'failed' && together.keyTaken) return this.duplicateOf(write);
    if (together.kind === 'tried') {
      const [result] = together.results;
      if (result === 'written') return { kind: 'appended' };
      if (result === 'moved') throw new StreamVersionConflict(write.streamId, write.expectedVersion);
    }
    // Not tried, not written for a reason the statement cannot tell (a stale hash), or a deadlock: the transaction tells.
    try {
      const heads = await this.db.transaction().execute((trx) => this.write(trx, write));
      this.counters.transaction += 1;
      for (const head of heads) this.heads.set(head.streamId, head.version, head.lastHash);
      return { kind: 'appended' };
    } catch (error) {
      if (!(error instanceof DuplicateCommand)) throw error;
      return this.duplicateOf(write);
    }
  }

  /**
   * Writes in one statement those of `writes` (distinct streams and command keys) that can go so and
   * whose stream's hash this store knows at their expected version (see writeInOneStatement). Per
   * write, whether it is written; the others are the caller's to write otherwise. `failed`: the
   * statement failed as a whole and wrote nothing (`keyTaken`: a command key was taken meanwhile).
   */
  async writeTogether(writes: readonly StreamWrite[]): Promise<{ kind: 'tried'; results: TogetherResult[] } | { kind: 'failed'; keyTaken: boolean }> {
    const chosen: number[] = [];
    const headed: HeadedWrite[] = [];
    for (const [i, write] of writes.entries()) {
      const prevHash = this.prevHashOf(write);
      if (prevHash === undefined || !canWriteInOneStatement(write)) continue;
      chosen.push(i);
      headed.push({ write, prevHash });
    }
    const results: TogetherResult[] = writes.map(() => 'notTried');
    if (headed.length === 0) return { kind: 'tried', results };
    const outcome = await writeInOneStatement(this.db, headed);
    if (outcome.kind === 'failed') return outcome;
    for (const [k, { write }] of headed.entries()) {
      const result = outcome.results[k];
      const i = chosen[k];
      if (result === undefined || i === undefined) continue;
      if (result.kind !== 'written') {
        // Not where this store thought: the next look at it reads the head afresh.
        this.heads.forget(write.streamId);
        results[i] = result.kind;
        continue;
      }
      results[i] = 'written';
      this.counters.oneStatement += 1;
      this.heads.set(write.streamId, write.expectedVersion + write.events.length, result.lastHash);
    }
    return { kind: 'tried', results };
  }

  /** Where a committed write (of group commit's transaction path) left a stream: the next write to it may go in one statement. */
  noteHead(head: StreamHead): void {
    this.heads.set(head.streamId, head.version, head.lastHash);
  }

  /** Whether writeTogether would try `write` now. */
  canWriteTogether(write: StreamWrite): boolean {
    return canWriteInOneStatement(write) && this.prevHashOf(write) !== undefined;
  }

  /** The hash `write` continues its stream's chain from, when known (null: a new stream). */
  private prevHashOf(write: StreamWrite): string | null | undefined {
    return write.expectedVersion === 0 ? null : this.heads.hashAt(write.streamId, write.expectedVersion);
  }

  /** The stored answer for a write whose command key another transaction committed first. */
  private async duplicateOf(write: StreamWrite): Promise<AppendOutcome> {
    const key = keyOf(write);
    const stored = await this.findCommand(key);
    if (!stored) throw new Error(`command ${key} conflicted but has no stored result`);
    // The same key for another command is a conflict, never the first command's answer.
    return { kind: 'duplicate', result: answerFor(stored, key, write.fingerprint) };
  }

  /**
   * Writes one command's effects in the caller's transaction: used alone and by group commit. Returns
   * where it left each stream it wrote (the command's and its reactions'), valid once the transaction commits.
   */
  async write(trx: Transaction<Database>, write: StreamWrite): Promise<StreamHead[]> {
    // Claiming the command key first makes a concurrent retry wait for this transaction, then see it.
    const claimed = await trx
      .insertInto('command')
      .values(commandRow(write))
      .onConflict((oc) => oc.column('command_key').doNothing())
      .returning('command_key')
      .executeTakeFirst();
    if (!claimed) throw new DuplicateCommand(keyOf(write));

    const version = write.expectedVersion + write.events.length;
    const snapshot = JSON.stringify(write.state);
    const now = write.events[0]?.meta.recordedAt ?? new Date().toISOString();
    // The hash chain (issue 7) continues from the hash the stream row keeps: none for a new stream.
    let rows: EventRowOfWrite[] = [];
    let prevHash: string | null = null;
    if (write.expectedVersion === 0) {
      rows = chainRows(write, null);
      const inserted = await trx
        .insertInto('stream')
        .values({ stream_id: write.streamId, stream_type: write.streamType, version, snapshot, created_at: now, updated_at: now, last_hash: lastHash(rows, null) })
        .onConflict((oc) => oc.column('stream_id').doNothing())
        .returning('stream_id')
        .executeTakeFirst();
      if (!inserted) throw new StreamVersionConflict(write.streamId, write.expectedVersion);
    } else {
      // `before` reads the stream row as the statement found it, so the update hands back the hash it
      // replaces without a separate read; the version check makes it the hash of event expectedVersion.
      const updated = await trx
        .updateTable('stream')
        .from((eb) => eb.selectFrom('stream as b').select('b.last_hash as prev_hash').where('b.stream_id', '=', write.streamId).as('before'))
        .set({ version, snapshot, updated_at: now })
        .where('stream.stream_id', '=', write.streamId)
        .where('stream.version', '=', write.expectedVersion)
        .returning('before.prev_hash')
        .executeTakeFirst();
      if (!updated) throw new StreamVersionConflict(write.streamId, write.expectedVersion);
      prevHash = updated.prev_hash;
      if (write.events.length > 0) {
        rows = chainRows(write, updated.prev_hash);
        await trx.updateTable('stream').set({ last_hash: lastHash(rows, updated.prev_hash) }).where('stream_id', '=', write.streamId).execute();
      }
    }

    if (write.events.length > 0) {
      await trx.insertInto('event').values(rows).execute();
    }
    await applyEffects(trx, write.effects);
    await INLINE_PROJECTIONS[write.streamType]?.(trx, write);
    const heads: StreamHead[] = [{ streamId: write.streamId, version, lastHash: lastHash(rows, prevHash) }];
    // What the command caused on other streams commits with it (e.g. the report obligation opened
    // by confirming the incident).
    for (const reaction of write.reactions ?? []) heads.push(...(await this.write(trx, reaction)));
    return heads;
  }

  async readStream(streamId: string, afterVersion = 0): Promise<EventEnvelope[]> {
    const rows = await this.db
      .selectFrom('event')
      .select([...EVENT_COLUMNS])
      .where('stream_id', '=', streamId)
      .where('version', '>', afterVersion)
      .orderBy('version')
      .execute();
    return rows.map(toEnvelope);
  }
}

type EventRowOfWrite = ReturnType<typeof chainRows>[number];

/** What writeTogether did with one write: see WriteResult; `notTried`: it could not go in the statement. */
type TogetherResult = 'written' | 'moved' | 'unknown' | 'notTried';

/** Where a write left a stream: its version and the hash its chain ends with. */
export interface StreamHead {
  streamId: string;
  version: number;
  lastHash: string | null;
}

/** The command row a write claims. */
export function commandRow(write: StreamWrite) {
  return {
    command_key: keyOf(write),
    command_id: write.commandId,
    stream_id: write.streamId,
    result: JSON.stringify(write.result),
    fingerprint: write.fingerprint ?? null,
  };
}

/** The command handled under a key, read through `db` (a pool or a transaction). */
export async function storedCommand(db: Kysely<Database>, commandKey: string): Promise<StoredCommand | null> {
  const row = await db.selectFrom('command').select(['result', 'fingerprint']).where('command_key', '=', commandKey).executeTakeFirst();
  return row ? { result: row.result, fingerprint: row.fingerprint } : null;
}

/** The event rows of a write, each hashed over its content and the hash of the one before it. */
export function chainRows(write: StreamWrite, prevHash: string | null) {
  let prev = prevHash;
  return write.events.map((e) => {
    const row = {
      event_id: e.eventId,
      stream_id: e.streamId,
      stream_type: e.streamType,
      version: e.version,
      type: e.type,
      data: JSON.stringify(e.data),
      meta: JSON.stringify(e.meta),
      jurisdiction: e.meta.jurisdiction,
      incident_id: e.meta.incidentId ?? e.streamId,
      rooms: e.meta.rooms ?? [e.meta.jurisdiction],
      exercise: e.meta.exercise,
      recorded_at: e.meta.recordedAt,
    };
    // Hashed as it will read back from jsonb: parsed JSON, not the in-memory value (Dates, undefined).
    const hash = eventHash(
      {
        streamId: row.stream_id,
        streamType: row.stream_type,
        version: row.version,
        eventId: row.event_id,
        type: row.type,
        data: JSON.parse(row.data),
        meta: JSON.parse(row.meta),
        jurisdiction: row.jurisdiction,
        incidentId: row.incident_id,
        rooms: row.rooms,
        exercise: row.exercise,
        recordedAt: row.recorded_at,
      },
      prev,
    );
    const chained = { ...row, prev_hash: prev, hash };
    prev = hash;
    return chained;
  });
}

export function lastHash(rows: readonly { hash: string }[], prevHash: string | null): string | null {
  return rows[rows.length - 1]?.hash ?? prevHash;
}
