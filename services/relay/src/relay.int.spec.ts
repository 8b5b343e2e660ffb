import { connectEventBus, ensureEventStream, type NatsEventBus } from '@muster/bus-nats';
import type { EventEnvelope } from '@muster/contracts';
import type { Engine, EventBus, LiveSubscription } from '@muster/engine';
import { loadCheckpoint } from '@muster/store-postgres';
import { TEST_NATS_URL, natsTestNames, type TestDatabase } from '@muster/testkit';
import { isolatedTest } from '@muster/testkit/fixtures';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { sql } from 'kysely';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect } from 'vitest';
import { startRelay, type Relay, type RelayOptions } from './relay';
import { eventually, logEvents, storedEvents as storedEventsOf, writeIncidents } from './test-fixtures';

const logger = pino({ level: process.env['RELAY_TEST_LOG'] ?? 'silent' });

let admin: NatsConnection;
let jsm: JetStreamManager;
beforeAll(async () => {
  admin = await connect({ servers: TEST_NATS_URL });
  jsm = await jetstreamManager(admin);
});
afterAll(async () => admin?.close());

// Every test gets a database and a JetStream stream of its own: a relay of a fresh name re-reads the
// whole log, and counting "exactly once" needs a stream holding only this test's events.
let t: TestDatabase;
let engine: Engine;
let names: { stream: string; subjectPrefix: string };
const relays: Relay[] = [];
const buses: EventBus[] = [];
const subscriptions: LiveSubscription[] = [];

isolatedTest.beforeEach(async ({ database, engine: testEngine }) => {
  [t, engine] = [database, testEngine];
  names = natsTestNames('relay');
  await ensureEventStream(jsm, { name: names.stream, subjectPrefix: names.subjectPrefix });
});
afterEach(async () => {
  await Promise.all(subscriptions.splice(0).map((s) => s.unsubscribe()));
  await Promise.all(relays.splice(0).map((r) => r.stop()));
  await Promise.all(buses.splice(0).map((b) => b.close()));
  await jsm.streams.delete(names.stream).catch(() => false);
});

const storedEvents = () => storedEventsOf(jsm, names.stream);

async function natsBus(): Promise<NatsEventBus> {
  const bus = await connectEventBus({ servers: TEST_NATS_URL, ...names, publishTimeoutMs: 2_000 });
  buses.push(bus);
  return bus;
}

function relay(options: Omit<RelayOptions, 'db'> & Partial<Pick<RelayOptions, 'db'>>): Relay {
  const r = startRelay({ db: t.db, logger, idlePollMs: 10, lockRetryMs: 50, retryBackoff: { initialMs: 20, maxMs: 200 }, ...options });
  relays.push(r);
  return r;
}

async function storedCount(): Promise<number> {
  return (await jsm.streams.info(names.stream)).state.messages;
}

/** How a stream's event ids differ from the log's: empty lists and no mismatch when they are equal. */
function compareToLog(stored: readonly string[], log: readonly string[]) {
  const counts = new Map<string, number>();
  for (const id of stored) counts.set(id, (counts.get(id) ?? 0) + 1);
  const inLog = new Set(log);
  const firstMismatch = log.findIndex((id, i) => stored[i] !== id);
  return {
    stored: stored.length,
    log: log.length,
    duplicates: [...counts].filter(([, n]) => n > 1).map(([id]) => id),
    missing: log.filter((id) => !counts.has(id)),
    extra: stored.filter((id) => !inLog.has(id)),
    firstMismatch: firstMismatch === -1 && stored.length > log.length ? log.length : firstMismatch,
  };
}

/** Asserts: the stream holds each committed event exactly once, in global log order. */
async function expectStreamEqualsLog(): Promise<void> {
  const log = await logEvents(t.db);
  const stored = await storedEvents();
  expect(compareToLog(stored.map((e) => e.eventId), log.map((e) => e.eventId))).toEqual({
    stored: log.length,
    log: log.length,
    duplicates: [],
    missing: [],
    extra: [],
    firstMismatch: -1,
  });
  expect(stored.map((e) => e.position)).toEqual(log.map((e) => e.position));
}

function expectPerStreamOrder(events: readonly EventEnvelope[]): void {
  const last = new Map<string, number>();
  for (const e of events) {
    expect(e.version, `${e.streamId} version after ${last.get(e.streamId) ?? 0}`).toBe((last.get(e.streamId) ?? 0) + 1);
    last.set(e.streamId, e.version);
  }
}

describe('relay', () => {
  isolatedTest('publishes every committed event once, in log order, then keeps up with new commits', async () => {
    await writeIncidents(engine, 'early', 20, 3);
    const live: EventEnvelope[] = [];
    subscriptions.push(await (await natsBus()).subscribe((e) => live.push(e)));
    const r = relay({ bus: await natsBus(), batchSize: 17 });

    await eventually(async () => (await storedCount()) === 80, 15_000, '80 events on the bus');
    await writeIncidents(engine, 'late', 10, 2);
    await eventually(async () => (await storedCount()) === 110, 15_000, '110 events on the bus');
    await expectStreamEqualsLog();
    await new Promise((res) => setTimeout(res, 100));
    expect(live.map((e) => e.eventId)).toEqual((await logEvents(t.db)).map((e) => e.eventId));
    expectPerStreamOrder(live);

    const last = (await logEvents(t.db)).at(-1)?.position;
    await eventually(async () => (await loadCheckpoint(t.db, 'main')) === last, 5_000, 'the checkpoint at the last event');
    expect(r.status()).toEqual({ leader: true, checkpoint: last });
  });

  isolatedTest('saves its checkpoint at most every checkpointEveryMs while events flow, not per batch, and at once on stop', async () => {
    await writeIncidents(engine, 'first', 5, 1);
    const r = relay({ bus: await natsBus(), batchSize: 2, checkpointEveryMs: 60_000 });
    await eventually(async () => (await storedCount()) === 10, 15_000, '10 events on the bus');
    // Five batches went out and the relay fell idle: none of that was a save (the minute is not up).
    expect(await loadCheckpoint(t.db, 'main')).toBeNull();
    await writeIncidents(engine, 'second', 3, 1);
    await eventually(async () => (await storedCount()) === 16, 15_000, '16 events on the bus');
    expect(await loadCheckpoint(t.db, 'main')).toBeNull();
    expect(r.status()).toEqual({ leader: true, checkpoint: '0.0' });
    // What it has published is known to its process (its lag metric counts from there).
    expect(r.published()).toBe((await logEvents(t.db)).at(-1)?.position);
    // Stopping saves where the bus stands, so a restart re-publishes nothing.
    relays.splice(relays.indexOf(r), 1);
    await r.stop();
    expect(await loadCheckpoint(t.db, 'main')).toBe((await logEvents(t.db)).at(-1)?.position);
  });

  isolatedTest('with a short checkpointEveryMs the checkpoint follows the published events without a stop', async () => {
    await writeIncidents(engine, 'steady', 4, 2);
    relay({ bus: await natsBus(), batchSize: 3, checkpointEveryMs: 50 });
    const last = (await logEvents(t.db)).at(-1)?.position;
    await eventually(async () => (await loadCheckpoint(t.db, 'main')) === last, 5_000, 'the checkpoint at the last event');
  });

  isolatedTest('with two relays running, exactly one leads and each event reaches the bus once, per-stream in order', async () => {
    const a = relay({ bus: await natsBus(), batchSize: 8 });
    const b = relay({ bus: await natsBus(), batchSize: 8 });
    const writing = writeIncidents(engine, 'pair', 25, 5);
    // Sample leadership while events flow: never two leaders at once.
    let sawLeader = false;
    while (!(await Promise.race([writing.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 5))]))) {
      const leaders = [a, b].filter((r) => r.status().leader).length;
      expect(leaders).toBeLessThanOrEqual(1);
      sawLeader ||= leaders === 1;
    }
    expect(sawLeader).toBe(true);
    await eventually(async () => (await storedCount()) === 150, 20_000, '150 events on the bus');
    await expectStreamEqualsLog();
    expectPerStreamOrder(await storedEvents());
  });

  isolatedTest('a second relay takes over when the leader stops mid-way, resuming from the checkpoint with nothing lost', async () => {
    await writeIncidents(engine, 'handover', 30, 4);
    const published: string[] = [];
    const counting = async (label: string): Promise<EventBus> => {
      const inner = await natsBus();
      return {
        publish: async (e) => {
          await inner.publish(e);
          published.push(`${label}:${e.eventId}`);
        },
        subscribe: (h) => inner.subscribe(h),
        close: () => inner.close(),
      };
    };
    const first = relay({ bus: await counting('first'), batchSize: 10 });
    await eventually(async () => published.length >= 40, 15_000, 'the first relay to publish 40 events');
    await first.stop();
    const checkpoint = await loadCheckpoint(t.db, 'main');
    const log = await logEvents(t.db);
    const resumeAt = log.findIndex((e) => e.position === checkpoint) + 1;
    expect(resumeAt).toBeGreaterThanOrEqual(40);
    // Stopping saved exactly what the bus acknowledged: nothing past it was published.
    expect(published.filter((p) => p.startsWith('first:'))).toHaveLength(resumeAt);

    await writeIncidents(engine, 'after-handover', 5, 1);
    relay({ bus: await counting('second'), batchSize: 10 });
    await eventually(async () => (await storedCount()) === 160, 15_000, 'all 160 events on the bus');
    // The second relay began at the checkpoint: it published only what came after it.
    expect(published.filter((p) => p.startsWith('second:'))).toHaveLength(160 - resumeAt);
    await expectStreamEqualsLog();
  });

  isolatedTest('with PubAcks in flight together, an event lost on its way is never overtaken by the events behind it', async () => {
    await writeIncidents(engine, 'lossy', 10, 2);
    const inner = await natsBus();
    let published = 0;
    let lost: EventEnvelope | undefined;
    const lossy: EventBus = {
      publish: async (e, options) => {
        // The fifth publish (the fourth in flight behind the batch's first) never reaches NATS, as in a
        // connection cut mid-batch; those behind it are already on their way.
        if (!lost && ++published === 5) {
          lost = e;
          throw new Error('lost on the way (test)');
        }
        await inner.publish(e, options);
      },
      subscribe: (h) => inner.subscribe(h),
      close: () => inner.close(),
    };
    relay({ bus: lossy, batchSize: 50 });
    await eventually(async () => (await storedCount()) === 30, 15_000, 'all 30 events on the bus');
    expect(lost, 'an event was lost once').toBeDefined();
    // Stored once each and in log order: JetStream refused every event sent behind the lost one until it was re-sent.
    await expectStreamEqualsLog();
  });

  isolatedTest("takes over when the leader's database session is killed, and the old leader stands down", async () => {
    const a = relay({ bus: await natsBus(), batchSize: 5 });
    const b = relay({ bus: await natsBus(), batchSize: 5 });
    await writeIncidents(engine, 'killed', 10, 2);
    await eventually(async () => (await storedCount()) === 30, 15_000, 'the first 30 events');
    const before = [a, b].find((r) => r.status().leader);
    expect(before).toBeDefined();

    // The session holding the relay lock (classid "MRLY") in this test's database.
    const { rows } = await sql<{ pid: number }>`
      select pid from pg_locks
      where locktype = 'advisory' and classid = ${0x4d_52_4c_59} and granted
        and database = (select oid from pg_database where datname = current_database())`.execute(t.db);
    expect(rows).toHaveLength(1);
    await sql`select pg_terminate_backend(${rows[0]?.pid ?? 0})`.execute(t.db);

    await writeIncidents(engine, 'after-kill', 10, 2);
    await eventually(async () => (await storedCount()) === 60, 15_000, 'all 60 events after the takeover');
    await expectStreamEqualsLog();
    await eventually(async () => [a, b].filter((r) => r.status().leader).length === 1, 5_000, 'one leader again');
  });

  isolatedTest('while the bus fails, the checkpoint never passes an unpublished event; all arrive after recovery', async () => {
    const inner = await natsBus();
    let mode: 'up' | 'failing' | 'hanging' = 'up';
    const acknowledged: EventEnvelope[] = [];
    let failures = 0;
    const flaky: EventBus = {
      async publish(e) {
        switch (mode) {
          case 'up':
            await inner.publish(e);
            acknowledged.push(e);
            return;
          case 'failing':
            failures++;
            throw new Error('bus down (test)');
          case 'hanging':
            failures++;
            // Never answers, like a connection that swallows requests; the relay's timeout must fire.
            return new Promise<void>(() => undefined);
          default: {
            const unexpected: never = mode;
            throw new Error(`unknown mode ${String(unexpected)}`);
          }
        }
      },
      subscribe: (h) => inner.subscribe(h),
      close: () => inner.close(),
    };
    relay({ bus: flaky, batchSize: 10, publishTimeoutMs: 200 });
    await writeIncidents(engine, 'before-outage', 10, 1);
    await eventually(async () => acknowledged.length === 20, 10_000, 'the first 20 events');

    for (const outage of ['failing', 'hanging'] as const) {
      mode = outage;
      failures = 0;
      await writeIncidents(engine, `during-${outage}`, 10, 2);
      await eventually(async () => failures >= 3, 10_000, 'the relay to retry');
      const lastAcked = acknowledged.at(-1)?.position;
      // The checkpoint is exactly the last acknowledged event, never one the bus did not take.
      expect(await loadCheckpoint(t.db, 'main')).toBe(lastAcked);
      await new Promise((r) => setTimeout(r, 300));
      expect(await loadCheckpoint(t.db, 'main')).toBe(lastAcked);
      mode = 'up';
      const expected = (await logEvents(t.db)).length;
      await eventually(async () => acknowledged.length >= expected, 10_000, `recovery after ${outage}`);
    }

    await eventually(async () => (await storedCount()) === 80, 10_000, 'all 80 events on the bus');
    await expectStreamEqualsLog();
    const log = await logEvents(t.db);
    await eventually(async () => (await loadCheckpoint(t.db, 'main')) === log.at(-1)?.position, 5_000, 'the final checkpoint');
  });
});
