import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { connectEventBus, ensureEventStream } from '@muster/bus-nats';
import type { EventEnvelope } from '@muster/contracts';
import type { Engine, LiveSubscription } from '@muster/engine';
import { loadCheckpoint } from '@muster/store-postgres';
import { TEST_NATS_URL, natsTestNames, startPrivateNatsServer, type PrivateNatsServer, type TestDatabase } from '@muster/testkit';
import { isolatedTest } from '@muster/testkit/fixtures';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect } from 'vitest';
import { startRelay, type Relay } from './relay';
import { eventually as eventuallyHolds, logEvents, storedEvents, writeIncidents } from './test-fixtures';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const relayMain = fileURLToPath(new URL('./main.ts', import.meta.url));

let t: TestDatabase;
let engine: Engine;
let names: { stream: string; subjectPrefix: string };
const cleanups: (() => Promise<unknown>)[] = [];

// Every test gets a database of its own (isolatedTest) and a stream name of its own.
isolatedTest.beforeEach(({ database, engine: testEngine }) => {
  [t, engine] = [database, testEngine];
  names = natsTestNames('relay_faults');
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

/** A check that throws (NATS still reconnecting) counts as "not yet". */
const eventually = (check: () => Promise<boolean> | boolean, timeoutMs: number, what: string) =>
  eventuallyHolds(() => Promise.resolve().then(check).catch(() => false), timeoutMs, what);

async function natsAdmin(servers: string): Promise<{ nc: NatsConnection; jsm: JetStreamManager }> {
  const nc = await connect({ servers, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
  cleanups.push(() => nc.close());
  return { nc, jsm: await jetstreamManager(nc) };
}

interface RelayProcess {
  child: ChildProcess;
  /** pino lines the process wrote, parsed. */
  logs: { msg?: string; level?: number }[];
  stderr(): string;
  exited: Promise<number | null>;
}

/** The relay as its own process (main.ts), as in production. */
function spawnRelay(natsUrl: string, extraEnv: Record<string, string> = {}): RelayProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', relayMain], {
    cwd: repoRoot,
    env: {
      ...process.env,
      DATABASE_URL: t.url,
      NATS_URL: natsUrl,
      NATS_STREAM: names.stream,
      NATS_SUBJECT_PREFIX: names.subjectPrefix,
      LOG_LEVEL: 'info',
      RELAY_POLL_MS: '10',
      RELAY_BATCH_SIZE: '10',
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: RelayProcess['logs'] = [];
  let buffered = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      try {
        logs.push(JSON.parse(line) as RelayProcess['logs'][number]);
      } catch {
        logs.push({ msg: line });
      }
    }
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });
  return { child, logs, stderr: () => stderr, exited };
}

const said = (p: RelayProcess, msg: string) => p.logs.some((l) => l.msg === msg);

describe('relay processes', () => {
  isolatedTest('kill -9 of the leading relay: the standby takes over and every event reaches the bus once, in log order', async () => {
    const { jsm } = await natsAdmin(TEST_NATS_URL);
    cleanups.push(() => jsm.streams.delete(names.stream));
    const first = spawnRelay(TEST_NATS_URL);
    await eventually(() => said(first, 'relay leads; publishing from its checkpoint'), 30_000, 'the first relay to lead');
    const standby = spawnRelay(TEST_NATS_URL);
    await eventually(() => said(standby, 'relay started'), 30_000, 'the standby relay to start');
    expect(said(standby, 'relay leads; publishing from its checkpoint')).toBe(false);

    const writing = writeIncidents(engine, 'proc', 30, 5);
    await eventually(async () => (await jsm.streams.info(names.stream)).state.messages >= 30, 20_000, 'the first 30 events');
    first.child.kill('SIGKILL');
    await first.exited;
    await writing;
    await eventually(() => said(standby, 'relay leads; publishing from its checkpoint'), 20_000, 'the standby to take over');
    await eventually(async () => (await jsm.streams.info(names.stream)).state.messages === 180, 20_000, 'all 180 events');

    const log = await logEvents(t.db);
    const stored = await storedEvents(jsm, names.stream);
    expect(stored.map((e) => e.eventId)).toEqual(log.map((e) => e.eventId));

    // SIGTERM: the relay saves its checkpoint, releases the lock and exits cleanly.
    standby.child.kill('SIGTERM');
    expect(await standby.exited).toBe(0);
    expect(await loadCheckpoint(t.db, 'main')).toBe(log.at(-1)?.position);
  }, 90_000);

  isolatedTest('refuses to start with an invalid environment and names the variable', async () => {
    const p = spawnRelay('http://not-nats:80');
    expect(await p.exited).toBe(2);
    expect(p.stderr()).toContain('env.NATS_URL');
  }, 30_000);
});

describe('relay across a NATS outage (private nats-server)', () => {
  let server: PrivateNatsServer;
  beforeEach(async () => {
    server = await startPrivateNatsServer();
    cleanups.push(() => server.dispose());
  });

  isolatedTest('never advances the checkpoint past an unpublished event, and everything arrives once, in order, after NATS is back', async () => {
    const { jsm } = await natsAdmin(server.url);
    await ensureEventStream(jsm, { name: names.stream, subjectPrefix: names.subjectPrefix });
    const relayBus = await connectEventBus({ servers: server.url, ...names, publishTimeoutMs: 500 });
    const consoleBus = await connectEventBus({ servers: server.url, ...names, pullExpiresMs: 2_000 });
    cleanups.push(() => relayBus.close(), () => consoleBus.close());
    const live: EventEnvelope[] = [];
    const subscription: LiveSubscription = await consoleBus.subscribe((e) => live.push(e));
    cleanups.push(() => subscription.unsubscribe());
    const relay: Relay = startRelay({
      db: t.db,
      bus: relayBus,
      logger: pino({ level: process.env['RELAY_TEST_LOG'] ?? 'silent' }),
      idlePollMs: 10,
      batchSize: 10,
      publishTimeoutMs: 1_000,
      retryBackoff: { initialMs: 50, maxMs: 300 },
    });
    cleanups.push(() => relay.stop());

    await writeIncidents(engine, 'before', 10, 1);
    await eventually(async () => (await jsm.streams.info(names.stream)).state.messages === 20, 10_000, 'the first 20 events');
    await eventually(async () => (await loadCheckpoint(t.db, 'main')) === (await logEvents(t.db)).at(-1)?.position, 5_000, 'the checkpoint to catch up');
    const beforeOutage = await loadCheckpoint(t.db, 'main');

    await server.stop();
    // Commands do not depend on NATS: they commit while it is down.
    await writeIncidents(engine, 'during', 10, 3);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await loadCheckpoint(t.db, 'main')).toBe(beforeOutage);
    expect(relay.status()).toEqual({ leader: true, checkpoint: beforeOutage });

    await server.start();
    await eventually(async () => (await jsm.streams.info(names.stream)).state.messages >= 60, 30_000, 'all 60 events after NATS is back');
    const log = await logEvents(t.db);
    expect(log).toHaveLength(60);
    const stored = await storedEvents(jsm, names.stream);
    expect(stored.map((e) => e.eventId)).toEqual(log.map((e) => e.eventId));
    await eventually(() => live.length >= 60, 20_000, 'the live subscriber to converge');
    await new Promise((r) => setTimeout(r, 200));
    expect(live.map((e) => e.eventId)).toEqual(log.map((e) => e.eventId));
    await eventually(async () => (await loadCheckpoint(t.db, 'main')) === log.at(-1)?.position, 5_000, 'the final checkpoint');
  }, 90_000);
});
