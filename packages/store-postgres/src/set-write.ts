import { ConflictError, type CommandResult } from '@muster/contracts';
import { isStreamOf } from '@muster/domain';
import { answerFor, keyOf, StreamVersionConflict, type StreamWrite } from '@muster/engine';
import { sql, type Transaction } from 'kysely';
import type { Database } from './database';
import { projectIncidents } from './incident-projection';
import { chainRows, commandRow, INLINE_PROJECTIONS, lastHash } from './postgres-event-store';

/** What became of one write of a set written together. */
export type SetWriteResult =
  /** `lastHash`: the hash the stream's chain ends with after the write. */
  | { kind: 'appended'; lastHash: string | null }
  | { kind: 'duplicate'; result: CommandResult }
  /** Lost its stream (StreamVersionConflict), or its key was used for another command (ConflictError). */
  | { kind: 'conflict'; error: StreamVersionConflict | ConflictError }
  /** Its command id was held by a write of this set that then lost its stream: decide it on its own. */
  | { kind: 'undecided' };

/** Event rows per INSERT: 14 parameters each, far below PostgreSQL's 65,535 per statement. */
const EVENT_ROWS_PER_INSERT = 1_000;

/**
 * Whether a write can go into a set written with one statement per table: it touches only its own
 * stream (no store effects, no reactions) and its read model, if any, has a set-wise form.
 */
export function canWriteInSet(write: StreamWrite): boolean {
  if (write.effects.length > 0 || (write.reactions?.length ?? 0) > 0) return false;
  return write.streamType === 'incident' || !(write.streamType in INLINE_PROJECTIONS);
}

/**
 * Writes several commands in the caller's transaction with a fixed number of statements, whatever
 * their number: what PostgresEventStore.write does for one, set-wise (group commit, issue 9).
 *
 * The writes must be to distinct streams with distinct command keys, each passing canWriteInSet. Each
 * one gets the answer a solo append would: claimed command keys first (a concurrent holder makes the
 * claim wait, as alone), version-checked stream rows, the hash chain continued from each stream's
 * last hash. A write that loses its stream gets its claim removed again and a typed conflict; the
 * others go on. Any statement failing throws: the caller rolls the whole set back (a savepoint) and
 * writes its members one by one.
 */
export async function writeSet(trx: Transaction<Database>, writes: readonly StreamWrite[]): Promise<SetWriteResult[]> {
  const results: SetWriteResult[] = writes.map(() => ({ kind: 'undecided' }));
  if (writes.length === 0) return results;

  const claimedRows = await trx
    .insertInto('command')
    .values(writes.map(commandRow))
    .onConflict((oc) => oc.column('command_key').doNothing())
    .returning('command_key')
    .execute();
  const claimed = new Set(claimedRows.map((r) => r.command_key));
  const mine = writes.flatMap((write, i) => (claimed.has(keyOf(write)) ? [{ write, i }] : []));

  const rowsOf = new Map<number, ReturnType<typeof chainRows>>();
  const headOf = new Map<number, string | null>();
  const won = new Set<number>();
  const creating = mine.filter(({ write }) => write.expectedVersion === 0);
  if (creating.length > 0) {
    for (const { write, i } of creating) {
      rowsOf.set(i, chainRows(write, null));
      headOf.set(i, lastHash(rowsOf.get(i) ?? [], null));
    }
    const inserted = await trx
      .insertInto('stream')
      .values(
        creating.map(({ write, i }) => {
          const now = recordedAt(write);
          return {
            stream_id: write.streamId,
            stream_type: write.streamType,
            version: write.events.length,
            snapshot: JSON.stringify(write.state),
            created_at: now,
            updated_at: now,
            last_hash: lastHash(rowsOf.get(i) ?? [], null),
          };
        }),
      )
      .onConflict((oc) => oc.column('stream_id').doNothing())
      .returning('stream_id')
      .execute();
    const created = new Set(inserted.map((r) => r.stream_id));
    for (const { write, i } of creating) if (created.has(write.streamId)) won.add(i);
  }

  const updating = mine.filter(({ write }) => write.expectedVersion > 0);
  if (updating.length > 0) {
    const input = updating.map(({ write }) => ({
      stream_id: write.streamId,
      expected_version: write.expectedVersion,
      version: write.expectedVersion + write.events.length,
      snapshot: write.state,
      updated_at: recordedAt(write),
    }));
    // As in the solo write: `b` is the stream row as the statement found it, so each update hands
    // back the hash it replaces; the version check makes it the hash of event expected_version.
    const { rows } = await sql<{ stream_id: string; prev_hash: string | null }>`
      update stream set version = v.version, snapshot = v.snapshot, updated_at = v.updated_at
      from (
        select v.*, b.last_hash as prev_hash
        from jsonb_to_recordset(${JSON.stringify(input)}::jsonb)
          as v(stream_id text, expected_version integer, version integer, snapshot jsonb, updated_at timestamptz)
        join stream b on b.stream_id = v.stream_id
      ) as v
      where stream.stream_id = v.stream_id and stream.version = v.expected_version
      returning stream.stream_id, v.prev_hash`.execute(trx);
    const prevHash = new Map(rows.map((r) => [r.stream_id, r.prev_hash]));
    const heads: { stream_id: string; last_hash: string | null }[] = [];
    for (const { write, i } of updating) {
      if (!prevHash.has(write.streamId)) continue;
      won.add(i);
      const prev = prevHash.get(write.streamId) ?? null;
      const chained = chainRows(write, prev);
      rowsOf.set(i, chained);
      headOf.set(i, lastHash(chained, prev));
      if (chained.length > 0) heads.push({ stream_id: write.streamId, last_hash: lastHash(chained, prev) });
    }
    if (heads.length > 0) {
      await sql`
        update stream set last_hash = v.last_hash
        from jsonb_to_recordset(${JSON.stringify(heads)}::jsonb) as v(stream_id text, last_hash text)
        where stream.stream_id = v.stream_id`.execute(trx);
    }
  }

  const lost = mine.filter(({ i }) => !won.has(i));
  for (const { write, i } of lost) results[i] = { kind: 'conflict', error: new StreamVersionConflict(write.streamId, write.expectedVersion) };
  // A loser's claim goes again, as its rolled-back transaction would have taken it: nobody saw it.
  if (lost.length > 0) await trx.deleteFrom('command').where('command_key', 'in', lost.map(({ write }) => keyOf(write))).execute();

  const winners = mine.filter(({ i }) => won.has(i));
  const events = winners.flatMap(({ i }) => rowsOf.get(i) ?? []);
  for (let from = 0; from < events.length; from += EVENT_ROWS_PER_INSERT) {
    await trx.insertInto('event').values(events.slice(from, from + EVENT_ROWS_PER_INSERT)).execute();
  }
  await projectIncidents(
    trx,
    winners.flatMap(({ write }) =>
      isStreamOf(write, 'incident') ? [{ incidentId: write.streamId, version: write.expectedVersion + write.events.length, state: write.state }] : [],
    ),
  );
  for (const { i } of winners) results[i] = { kind: 'appended', lastHash: headOf.get(i) ?? null };

  const duplicates = writes.flatMap((write, i) => (claimed.has(keyOf(write)) ? [] : [{ write, i }]));
  if (duplicates.length > 0) {
    // The claims waited for whoever held these keys; those holders have committed, so this reads their results.
    const stored = await trx
      .selectFrom('command')
      .select(['command_key', 'result', 'fingerprint'])
      .where('command_key', 'in', duplicates.map(({ write }) => keyOf(write)))
      .execute();
    const storedOf = new Map(stored.map((r) => [r.command_key, { result: r.result, fingerprint: r.fingerprint }]));
    for (const { write, i } of duplicates) {
      const earlier = storedOf.get(keyOf(write));
      if (!earlier) continue;
      try {
        results[i] = { kind: 'duplicate', result: answerFor(earlier, keyOf(write), write.fingerprint) };
      } catch (error) {
        if (!(error instanceof ConflictError)) throw error;
        // The same key for another command: refused for this write alone.
        results[i] = { kind: 'conflict', error };
      }
    }
  }
  return results;
}

function recordedAt(write: StreamWrite): string {
  return write.events[0]?.meta.recordedAt ?? new Date().toISOString();
}
