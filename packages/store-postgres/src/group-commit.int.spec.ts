import { ConflictError, type CommandResult } from '@muster/contracts';
import type { Actor } from '@muster/domain';
import { createEngine, StreamVersionConflict, type AppendOutcome, type Engine, type StoreEffect, type StreamWrite } from '@muster/engine';
import { type TestDatabase } from '@muster/testkit';
import { integrationTest } from '@muster/testkit/fixtures';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { connect } from './connect';
import { GroupCommitEventStore } from './group-commit-event-store';
import { verifyHashChains } from './hash-chain';
import { PostgresEventStore } from './postgres-event-store';
import { createDepot, getDepot, setStock } from './resources';

const LEAD = '441224';
const room: Actor = { userId: 'do-huaiji', roles: ['duty_officer'], jurisdiction: LEAD };
const cityRoom: Actor = { userId: 'do-city', roles: ['duty_officer'], jurisdiction: '441200' };
const chief: Actor = { userId: 'u-chief', roles: ['responder'], jurisdiction: LEAD };

let t: TestDatabase;
/** Connections outside the store's pool: what another reader of the database sees. */
let observer: pg.Pool;
let solo: PostgresEventStore;

integrationTest.beforeAll(async ({ database }) => {
  t = database;
  observer = new pg.Pool({ connectionString: t.url, max: 2 });
  solo = new PostgresEventStore(t.db);
  // Test-only poison: a row whose data says so fails at insert, or only at COMMIT (deferred).
  await sql`create function poison_now() returns trigger language plpgsql as $$
    begin if new.data->>'poison' = 'now' then raise exception 'poisoned at insert'; end if; return null; end $$`.execute(t.db);
  await sql`create function poison_at_commit() returns trigger language plpgsql as $$
    begin if new.data->>'poison' = 'commit' then raise exception 'poisoned at commit'; end if; return null; end $$`.execute(t.db);
  await sql`create trigger poison_now after insert on event for each row execute function poison_now()`.execute(t.db);
  await sql`create constraint trigger poison_at_commit after insert on event deferrable initially deferred
    for each row execute function poison_at_commit()`.execute(t.db);
});
afterAll(async () => {
  await observer?.end();
});

/** A write to a stream of a type without inline projections: only the store's own rules apply. */
function probe(
  streamId: string,
  options: { expectedVersion?: number; commandId?: string; fingerprint?: string; events?: number; data?: Record<string, unknown>; effects?: StoreEffect[]; note?: string } = {},
): StreamWrite {
  const expectedVersion = options.expectedVersion ?? 0;
  const commandId = options.commandId ?? `cmd-${crypto.randomUUID()}`;
  const now = new Date().toISOString();
  const events = Array.from({ length: options.events ?? 1 }, (_, i) => ({
    eventId: crypto.randomUUID(),
    streamId,
    streamType: 'probe',
    version: expectedVersion + i + 1,
    type: 'Probed',
    data: { n: i, ...options.data },
    meta: { commandId, actor: room, occurredAt: now, recordedAt: now, jurisdiction: LEAD, rooms: [LEAD], exercise: false, incidentId: streamId },
  }));
  const version = expectedVersion + events.length;
  const result: CommandResult = { streamId, streamType: 'probe', version, state: 'open', events: events.map((e) => ({ eventId: e.eventId, type: e.type, version: e.version })) };
  return {
    streamId,
    streamType: 'probe',
    expectedVersion,
    state: { value: 'open', context: { version, note: options.note ?? null } },
    events,
    commandId,
    ...(options.fingerprint === undefined ? {} : { fingerprint: options.fingerprint }),
    result,
    effects: options.effects ?? [],
  };
}

/** What another connection sees of a stream right now. */
async function visibleEvents(streamId: string): Promise<number> {
  const { rows } = await observer.query<{ n: string }>('select count(*) as n from event where stream_id = $1', [streamId]);
  return Number(rows[0]?.n ?? 0);
}

async function transactionsOf(streamIds: readonly string[]): Promise<number> {
  const row = await t.db
    .selectFrom('event')
    .select(sql<string>`count(distinct tx_id)`.as('n'))
    .where('stream_id', 'in', [...streamIds])
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

async function commandRows(commandId: string): Promise<number> {
  const rows = await t.db.selectFrom('command').select('command_id').where('command_id', '=', commandId).execute();
  return rows.length;
}

/** The error a promise rejects with (fails the test when it resolves). */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('group commit: sharing transactions', () => {
  it('appends made together commit in one transaction, each resolving only once another connection sees its events', async () => {
    const store = new GroupCommitEventStore(t.db, { maxConcurrentBatches: 1 });
    // Text that JSON and SQL quoting must both survive, in the snapshot and in the events.
    const awkward = `quote " backslash \\ newline \n 防汛 ' $1 {"a":[1]}`;
    const writes = Array.from({ length: 20 }, (_, i) => probe(`share-${i}`, { events: 1 + (i % 3), note: awkward, data: { awkward } }));
    const seenAtResolve: number[] = [];
    const outcomes = await Promise.all(
      writes.map((w) =>
        store.append(w).then(async (outcome) => {
          seenAtResolve.push((await visibleEvents(w.streamId)) - w.events.length);
          return outcome;
        }),
      ),
    );
    expect(outcomes).toStrictEqual(writes.map(() => ({ kind: 'appended' })));
    // Zero missing for every append: none was acknowledged before the COMMIT made its events visible.
    expect(seenAtResolve).toStrictEqual(writes.map(() => 0));
    expect(await transactionsOf(writes.map((w) => w.streamId))).toBe(1);
    expect(store.stats()).toMatchObject({ batches: 1, batchedAppends: 20, writtenInSet: 20, retriedAlone: 0 });
    const stored = await solo.loadStream('share-7');
    expect(stored?.state).toStrictEqual(writes[7]?.state);
    expect((await solo.readStream('share-7')).map((e) => e.data)).toStrictEqual(writes[7]?.events.map((e) => e.data));
    expect((await verifyHashChains(t.db)).ok).toBe(true);
  });

  it('commands of many clients through the engine share transactions', async () => {
    const store = new GroupCommitEventStore(t.db);
    const engine = createEngine({ store });
    const ids = Array.from({ length: 60 }, (_, i) => `engine-share-${i}`);
    const results = await Promise.all(
      ids.map((id) => engine.handle({ streamType: 'incident', streamId: id, type: 'ReportIncident', actor: room, data: { title: `Flood ${id}`, leadJurisdiction: LEAD } })),
    );
    expect(results.map((r) => r.version)).toStrictEqual(ids.map(() => 1));
    const transactions = await transactionsOf(ids);
    expect(transactions).toBeLessThan(ids.length);
    expect(store.stats().batches).toBeGreaterThan(0);
    // The inline read model committed with each of them.
    const board = await t.db.selectFrom('incident').select('incident_id').where('incident_id', 'in', ids).execute();
    expect(board).toHaveLength(ids.length);
  });
});

describe('group commit: no fixed wait (issue 18)', () => {
  it('an append with nothing queued goes to PostgreSQL at once, alone; appends arriving while it is in flight share the next transaction', async () => {
    const store = new GroupCommitEventStore(t.db, { maxConcurrentBatches: 1 });
    expect(await solo.append(probe('gate'))).toStrictEqual({ kind: 'appended' });
    // Another session holds the gate stream's row: the next append to it starts and then waits on the lock.
    const holder = await observer.connect();
    try {
      await holder.query('begin');
      await holder.query("select 1 from stream where stream_id = 'gate' for update");
      const first = store.append(probe('gate', { expectedVersion: 1 }));
      // Nothing else is queued, and nothing is waited for before it is sent: its transaction is at the lock.
      await expect.poll(async () => {
        const { rows } = await observer.query<{ n: string }>("select count(*) as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'");
        return Number(rows[0]?.n ?? 0);
      }, { timeout: 10_000 }).toBe(1);
      const later = Array.from({ length: 3 }, (_, i) => probe(`while-in-flight-${i}`));
      const queued = later.map((w) => store.append(w));
      await holder.query('commit');
      expect(await first).toStrictEqual({ kind: 'appended' });
      expect(await Promise.all(queued)).toStrictEqual(later.map(() => ({ kind: 'appended' })));
    } finally {
      holder.release();
    }
    expect(await transactionsOf(['while-in-flight-0', 'while-in-flight-1', 'while-in-flight-2'])).toBe(1);
    expect(await transactionsOf(['gate', 'while-in-flight-0'])).toBe(3);
    expect(store.stats()).toMatchObject({ soloAppends: 1, batches: 1, batchedAppends: 3, retriedAlone: 0 });
  });
});

describe('group commit: one member failing', () => {
  it('version conflict, duplicate command and stock shortage are refused alone, as a solo append refuses them; the neighbours commit together', async () => {
    await solo.append(probe('moved', { events: 2 }));
    const original = probe('dup-stream', { commandId: 'dup-command' });
    await solo.append(original);
    await createDepot(t.db, { depotId: 'depot-short', name: 'Huaiji depot', jurisdiction: LEAD });
    await setStock(t.db, 'depot-short', [{ kind: 'pump', quantity: 1, returnable: true }]);

    const store = new GroupCommitEventStore(t.db, { maxConcurrentBatches: 1 });
    const stale = probe('moved', { expectedVersion: 1 });
    const retried = probe('dup-stream', { commandId: 'dup-command' });
    const short = probe('short-stream', { effects: [{ kind: 'takeStock', depotId: 'depot-short', items: [{ kind: 'pump', quantity: 3 }] }] });
    const goodA = probe('good-a');
    const goodB = probe('good-b', { events: 3 });
    const [a, conflict, duplicate, shortage, b] = [goodA, stale, retried, short, goodB].map((w) => store.append(w).then((o) => o, (e: unknown) => e));

    expect(await a).toStrictEqual({ kind: 'appended' });
    expect(await b).toStrictEqual({ kind: 'appended' });
    expect(await transactionsOf(['good-a', 'good-b'])).toBe(1);
    // The stock-taking write goes one by one under its savepoint; the other four set-wise.
    expect(store.stats()).toMatchObject({ batches: 1, batchedAppends: 5, writtenInSet: 4, retriedAlone: 0 });

    const conflictError = await conflict;
    expect(conflictError).toBeInstanceOf(StreamVersionConflict);
    const soloConflict = await rejection(solo.append(probe('moved', { expectedVersion: 1 })));
    expect(conflictError).toMatchObject({ name: 'StreamVersionConflict', streamId: 'moved', expectedVersion: 1, message: (soloConflict as Error).message });

    // The stored result of the first handling, as it was stored, and as a solo append returns it.
    expect(await duplicate).toStrictEqual({ kind: 'duplicate', result: original.result });
    expect(await solo.append(probe('dup-stream', { commandId: 'dup-command' }))).toStrictEqual(await duplicate);

    const shortageError = await shortage;
    expect(shortageError).toBeInstanceOf(ConflictError);
    expect(shortageError).toMatchObject({ details: { depotId: 'depot-short', kind: 'pump', requested: 3, available: 1 } });
    const soloShortage = await rejection(solo.append(probe('short-stream', { effects: [{ kind: 'takeStock', depotId: 'depot-short', items: [{ kind: 'pump', quantity: 3 }] }] })));
    expect((shortageError as ConflictError).toBody()).toStrictEqual((soloShortage as ConflictError).toBody());

    // Nothing of the refused members is stored.
    expect(await visibleEvents('moved')).toBe(2);
    expect(await visibleEvents('dup-stream')).toBe(1);
    expect(await visibleEvents('short-stream')).toBe(0);
    expect(await commandRows(stale.commandId)).toBe(0);
    expect(await commandRows(short.commandId)).toBe(0);
    expect((await getDepot(t.db, 'depot-short'))?.stock).toMatchObject([{ kind: 'pump', quantity: 1 }]);
  });

  it('the same command key with another fingerprint is a conflict for that member alone, set-wise and one by one', async () => {
    const original = probe('fp-stream', { commandId: 'fp-cmd', fingerprint: 'fp-A' });
    await solo.append(original);
    // Recorded before fingerprints were kept: it answers whatever the retry carries, as it always did.
    const legacy = probe('fp-legacy', { commandId: 'fp-legacy-cmd' });
    await solo.append(legacy);

    const store = new GroupCommitEventStore(t.db, { maxConcurrentBatches: 1 });
    const goodA = probe('fp-good-a');
    // Another command under the key: the first member with it is written set-wise…
    const otherInSet = probe('fp-other', { commandId: 'fp-cmd', fingerprint: 'fp-B' });
    // …the retry of the original goes one by one (a key once per set), and so does a write with effects.
    const retry = probe('fp-stream', { commandId: 'fp-cmd', fingerprint: 'fp-A' });
    const otherAlone = probe('fp-effects', { commandId: 'fp-cmd', fingerprint: 'fp-C', effects: [{ kind: 'cancelDeadlines', incidentId: 'fp-none' }] });
    const legacyRetry = probe('fp-legacy', { commandId: 'fp-legacy-cmd', fingerprint: 'fp-anything' });
    const goodB = probe('fp-good-b');
    const settled = [goodA, otherInSet, retry, otherAlone, legacyRetry, goodB].map((w) => store.append(w).then((o) => o, (e: unknown) => e));
    const [a, inSet, duplicate, alone, legacyAnswer, b] = await Promise.all(settled);

    expect(a).toStrictEqual({ kind: 'appended' });
    expect(b).toStrictEqual({ kind: 'appended' });
    expect(await transactionsOf(['fp-good-a', 'fp-good-b'])).toBe(1);
    // Four set-wise (the goods, the first member under fp-cmd, the legacy retry); the other two one by one.
    expect(store.stats()).toMatchObject({ batches: 1, batchedAppends: 6, writtenInSet: 4, retriedAlone: 0 });
    for (const refused of [inSet, alone]) {
      expect(refused).toBeInstanceOf(ConflictError);
      expect((refused as ConflictError).toBody()).toStrictEqual({
        error: { code: 'conflict', message: 'command id fp-cmd was already used for a different command; send a new command id', details: { commandId: 'fp-cmd' } },
      });
    }
    expect(duplicate).toStrictEqual({ kind: 'duplicate', result: original.result });
    expect(legacyAnswer).toStrictEqual({ kind: 'duplicate', result: legacy.result });
    // A solo append refuses the same way.
    expect(await rejection(solo.append(probe('fp-other', { commandId: 'fp-cmd', fingerprint: 'fp-B' })))).toBeInstanceOf(ConflictError);
    expect(await visibleEvents('fp-other')).toBe(0);
    expect(await visibleEvents('fp-effects')).toBe(0);
    expect(await visibleEvents('fp-stream')).toBe(1);
    expect(await commandRows('fp-cmd')).toBe(1);
  });

  it('an unexpected SQL error in one member is retried alone and fails alone with the solo error', async () => {
    const store = new GroupCommitEventStore(t.db, { maxConcurrentBatches: 1 });
    const writes = [probe('sql-a'), probe('sql-poisoned', { data: { poison: 'now' } }), probe('sql-b')];
    const [a, poisoned, b] = writes.map((w) => store.append(w).then((o) => o, (e: unknown) => e));
    expect(await a).toStrictEqual({ kind: 'appended' });
    expect(await b).toStrictEqual({ kind: 'appended' });
    expect(await poisoned).toMatchObject({ message: 'poisoned at insert' });
    expect(await transactionsOf(['sql-a', 'sql-b'])).toBe(1);
    // The set-wise write failed as a whole, so all three went one by one, and only the poisoned one failed there.
    expect(store.stats()).toMatchObject({ batches: 1, writtenInSet: 0, retriedAlone: 1 });
    expect(await visibleEvents('sql-poisoned')).toBe(0);
    expect(await commandRows(writes[1]?.commandId ?? '')).toBe(0);
  });
});

describe('group commit: the batch transaction failing as a whole', () => {
  it('a COMMIT refused because of one member fails only that member; the others commit on their own', async () => {
    const store = new GroupCommitEventStore(t.db, { maxConcurrentBatches: 1 });
    const writes = [probe('commit-a'), probe('commit-poisoned', { data: { poison: 'commit' } }), probe('commit-b', { events: 2 })];
    const [a, poisoned, b] = writes.map((w) => store.append(w).then((o) => o, (e: unknown) => e));
    expect(await a).toStrictEqual({ kind: 'appended' });
    expect(await b).toStrictEqual({ kind: 'appended' });
    expect(await poisoned).toMatchObject({ message: 'poisoned at commit' });
    expect(store.stats()).toMatchObject({ batches: 0, retriedAlone: 3 });
    expect(await visibleEvents('commit-a')).toBe(1);
    expect(await visibleEvents('commit-b')).toBe(2);
    expect(await visibleEvents('commit-poisoned')).toBe(0);
    expect(await commandRows(writes[1]?.commandId ?? '')).toBe(0);
    // Each of them in a transaction of its own.
    expect(await transactionsOf(['commit-a', 'commit-b'])).toBe(2);
  });

  it('a batch whose connection is terminated mid-flight loses nothing, fails nothing and stores nothing twice', async () => {
    await solo.append(probe('held'));
    // Another session holds the stream row, so the batch stops in its second member, after the first wrote.
    const locker = new pg.Client({ connectionString: t.url });
    await locker.connect();
    try {
      await locker.query('begin');
      await locker.query(`select 1 from stream where stream_id = 'held' for update`);
      const store = new GroupCommitEventStore(t.db, { maxConcurrentBatches: 1 });
      const writes = [probe('term-a', { events: 2 }), probe('held', { expectedVersion: 1 }), probe('term-b')];
      const settled = writes.map((w) => store.append(w).then((o) => o, (e: unknown) => e));
      const blocked = await waitForLockWaiter(locker);
      await observer.query('select pg_terminate_backend($1)', [blocked]);
      // The retry of the held member waits for the lock again; let it through.
      await waitForLockWaiter(locker);
      await locker.query('commit');
      expect(await Promise.all(settled)).toStrictEqual(writes.map(() => ({ kind: 'appended' })));
      expect(store.stats()).toMatchObject({ batches: 0, retriedAlone: 3 });
    } finally {
      await locker.end();
    }
    expect(await visibleEvents('term-a')).toBe(2);
    expect(await visibleEvents('term-b')).toBe(1);
    expect(await visibleEvents('held')).toBe(2);
    const versions = await t.db.selectFrom('event').select('version').where('stream_id', '=', 'held').orderBy('version').execute();
    expect(versions.map((v) => v.version)).toStrictEqual([1, 2]);
  });

  it('when the database cannot be reached every member fails with the error a solo append gives', async () => {
    const nowhere = connect({ connectionString: 'postgres://postgres@127.0.0.1:1/nowhere', connectionTimeoutMillis: 2_000 });
    try {
      const store = new GroupCommitEventStore(nowhere);
      const errors = await Promise.all([probe('x-1'), probe('x-2'), probe('x-3')].map((w) => rejection(store.append(w))));
      const soloError = await rejection(new PostgresEventStore(nowhere).append(probe('x-4')));
      expect((soloError as { code?: string }).code).toBe('ECONNREFUSED');
      for (const error of errors) expect(error).toMatchObject({ code: (soloError as { code?: string }).code, message: (soloError as Error).message });
    } finally {
      await nowhere.destroy();
    }
  });
});

/** The backend of this database waiting for a lock (other than the locker's), once there is one. */
async function waitForLockWaiter(locker: pg.Client): Promise<number> {
  const lockerPid = (await locker.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]?.pid;
  for (let i = 0; i < 200; i++) {
    const { rows } = await observer.query<{ pid: number }>(
      `select pid from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and pid <> $1`,
      [lockerPid],
    );
    const pid = rows[0]?.pid;
    if (pid !== undefined) return pid;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('no backend started waiting for the lock');
}

describe('group commit: guarantees under concurrency', () => {
  it('the same command id sent concurrently, in one batch and across stores, stores one set of events', async () => {
    const stores = [new GroupCommitEventStore(t.db), new GroupCommitEventStore(t.db), new GroupCommitEventStore(t.db)];
    // Every attempt decided afresh (new event ids), as a retried command is.
    const attempts = Array.from({ length: 24 }, (_, i) => ({ store: stores[i % 3], write: probe('once', { commandId: 'once-command', events: 2 }) }));
    const outcomes: AppendOutcome[] = await Promise.all(attempts.map((a) => (a.store ?? stores[0])?.append(a.write) as Promise<AppendOutcome>));
    const appended = outcomes.flatMap((o, i) => (o.kind === 'appended' ? [attempts[i]?.write] : []));
    expect(appended).toHaveLength(1);
    const winner = appended[0];
    for (const o of outcomes) if (o.kind === 'duplicate') expect(o.result).toStrictEqual(winner?.result);
    const stored = await t.db.selectFrom('event').select('event_id').where('stream_id', '=', 'once').execute();
    expect(stored.map((e) => e.event_id).sort()).toStrictEqual(winner?.events.map((e) => e.eventId).sort());
    expect(await commandRows('once-command')).toBe(1);
  });

  it('the hash chain verifies and versions stay gap-free after concurrent batched writes to the same and different streams', async () => {
    // Three api processes' worth of engines, each with its own group-committing store.
    const engines = [0, 1, 2].map(() => createEngine({ store: new GroupCommitEventStore(t.db) }));
    const ids = Array.from({ length: 12 }, (_, i) => `chain-${i}`);
    await Promise.all(
      ids.map((id, i) =>
        engines[i % 3]?.handle({ streamType: 'incident', streamId: id, type: 'ReportIncident', actor: room, data: { title: `Flood ${id}`, leadJurisdiction: LEAD } }),
      ),
    );
    // 90 updates: 30 on each of three hot streams (the engines race each other there), and the rest spread.
    await Promise.all(
      Array.from({ length: 90 }, (_, i) => {
        const id = i < 90 / 2 ? ids[i % 3] : ids[i % ids.length];
        return engines[i % 3]?.handle({ streamType: 'incident', streamId: id ?? '', type: 'UpdateIncidentDetails', actor: room, data: { description: `update ${i}` } });
      }),
    );
    const rows = await t.db.selectFrom('event').select(['stream_id', 'version']).where('stream_id', 'in', ids).orderBy('stream_id').orderBy('version').execute();
    expect(rows).toHaveLength(ids.length + 90);
    const byStream = new Map<string, number[]>();
    for (const r of rows) byStream.set(r.stream_id, [...(byStream.get(r.stream_id) ?? []), r.version]);
    for (const versions of byStream.values()) expect(versions).toStrictEqual(versions.map((_, i) => i + 1));
    expect(await transactionsOf(ids)).toBeLessThan(rows.length);
    const report = await verifyHashChains(t.db, { pageSize: 7 });
    expect(report.broken).toStrictEqual([]);
    expect(report.ok).toBe(true);
  });

  it('50 concurrent dispatches through the engine against a stock of 10: exactly 10 succeed, stock never below zero', async () => {
    const setup = createEngine({ store: solo });
    const incidentId = 'stock-incident';
    await setup.handle({ streamType: 'incident', streamId: incidentId, type: 'ReportIncident', actor: room, data: { title: 'Mudslide on the S263', leadJurisdiction: LEAD } });
    await setup.handle({
      streamType: 'scene',
      streamId: `scene:${incidentId}`,
      type: 'AppointCommander',
      actor: room,
      data: { commander: { userId: 'u-chief', name: 'Chief' }, deputies: [] },
    });
    await createDepot(t.db, { depotId: 'depot-ten', name: 'Huaiji depot', jurisdiction: LEAD });
    await setStock(t.db, 'depot-ten', [{ kind: 'pump', quantity: 10, returnable: true }]);
    const requests = Array.from({ length: 50 }, (_, i) => `rr-ten-${i}`);
    for (const requestId of requests) {
      await setup.handle({
        streamType: 'resourceRequest',
        streamId: requestId,
        type: 'SubmitResourceRequest',
        actor: chief,
        data: { incidentId, items: [{ kind: 'pump', quantity: 1, priority: 'urgent', deliverTo: 'Shakeng school yard' }] },
      });
      await setup.handle({ streamType: 'resourceRequest', streamId: requestId, type: 'ApproveResourceRequest', actor: cityRoom, data: {} });
    }

    const stores = [new GroupCommitEventStore(t.db), new GroupCommitEventStore(t.db)];
    const engines: Engine[] = stores.map((store) => createEngine({ store }));
    const outcomes = await Promise.allSettled(
      requests.map((requestId, i) =>
        engines[i % 2]?.handle({ streamType: 'resourceRequest', streamId: requestId, type: 'DispatchResources', actor: room, data: { depotId: 'depot-ten', orderNumber: `ORD-${i}` } }),
      ),
    );
    const refused = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as unknown] : []));
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(10);
    expect(refused).toHaveLength(40);
    for (const error of refused) {
      expect(error).toBeInstanceOf(ConflictError);
      expect(error).toMatchObject({ details: { depotId: 'depot-ten', kind: 'pump', requested: 1 } });
    }
    expect((await getDepot(t.db, 'depot-ten'))?.stock).toMatchObject([{ kind: 'pump', quantity: 0 }]);
    const dispatched = await t.db.selectFrom('resource_request').select('request_id').where('state', '=', 'dispatched').where('request_id', 'in', requests).execute();
    expect(dispatched).toHaveLength(10);
    expect(stores.reduce((n, s) => n + s.stats().batches, 0)).toBeGreaterThan(0);
  });
});
