import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { connectEventBus, decodeEvent, ensureEventStream } from '@muster/bus-nats';
import type { EventEnvelope } from '@muster/contracts';
import { createEngine, type Engine, type LiveSubscription } from '@muster/engine';
import { loadCheckpoint, PostgresEventStore } from '@muster/store-postgres';
import { TEST_NATS_URL, createTestDatabase, natsTestNames, startPrivateNatsServer, type PrivateNatsServer, type TestDatabase } from '@muster/testkit';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { sql } from 'kysely';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startRelay, type Relay } from './relay';

const actor = { userId: 'duty-1', roles: ['duty_officer' as const], jurisdiction: '441203' };
const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const relayMain = fileURLToPath(new URL('./main.ts', import.meta.url));

let t: TestDatabase;
let engine: Engine;
let names: { stream: string; subjectPrefix: string };
const cleanups: (() => Promise<unknown>)[] = [];

beforeEach(async () => {
  t = await createTestDatabase('relay_faults');
  engine = createEngine({ store: new PostgresEventStore(t.db) });
  names = natsTestNames('relay_faults');
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  await t?.drop();
});

async function writeIncidents(tag: string, incidents: number, updates: number): Promise<void> {
  await Promise.all(
    Array.from({ length: incidents }, async (_, i) => {
      const streamId = `${tag}-${i}`;
      await engine.handle({ streamType: 'incident', streamId, type: 'ReportIncident', data: { title: `${tag} ${i}`, leadJurisdiction: '441203' }, actor });
      for (let u = 0; u < updates; u++) {
        await engine.handle({ streamType: 'incident', streamId, type: 'UpdateIncidentDetails', data: { description: `update ${u}` }, actor });
      }
    }),
  );
}

async function logEvents(): Promise<{ eventId: string; position: string }[]> {
  const { rows } = await sql<{ event_id: string; tx_id: string; seq: string }>`
    select event_id, tx_id::text, seq::text from event order by tx_id, seq`.execute(t.db);
  return rows.map((r) => ({ eventId: r.event_id, position: `${r.tx_id}.${r.seq}` }));
}

async function eventually(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  // A check that throws (NATS still reconnecting) counts as "not yet".
  while (!(await Promise.resolve().then(check).catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Everything a JetStream stream holds now, read message by message by sequence (no consumer involved). */
async function storedEvents(jsm: JetStreamManager, stream: string): Promise<EventEnvelope[]> {
  const info = await jsm.streams.info(stream);
  const out: EventEnvelope[] = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
    const m = await jsm.streams.getMessage(stream, { seq });
    if (!m) throw new Error(`stream has no message at ${seq}`);
    const decoded = decodeEvent(m.data);
    if (!decoded.ok) throw new Error(`stream holds a non-event at ${seq}: ${decoded.reason}`);
    out.push(decoded.event);
  }
  return out;
}

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
  it('kill -9 of the leading relay: the standby takes over and every event reaches the bus once, in log order', async () => {
    const { jsm } = await natsAdmin(TEST_NATS_URL);
    cleanups.push(() => jsm.streams.delete(names.stream));
    const first = spawnRelay(TEST_NATS_URL);
    await eventually(() => said(first, 'relay leads; publishing from its checkpoint'), 30_000, 'the first relay to lead');
    const standby = spawnRelay(TEST_NATS_URL);
    await eventually(() => said(standby, 'relay started'), 30_000, 'the standby relay to start');
    expect(said(standby, 'relay leads; publishing from its checkpoint')).toBe(false);

    const writing = writeIncidents('proc', 30, 5);
    await eventually(async () => (await jsm.streams.info(names.stream)).state.messages >= 30, 20_000, 'the first 30 events');
    first.child.kill('SIGKILL');
    await first.exited;
    await writing;
    await eventually(() => said(standby, 'relay leads; publishing from its checkpoint'), 20_000, 'the standby to take over');
    await eventually(async () => (await jsm.streams.info(names.stream)).state.messages === 180, 20_000, 'all 180 events');

    const log = await logEvents();
    const stored = await storedEvents(jsm, names.stream);
    expect(stored.map((e) => e.eventId)).toEqual(log.map((e) => e.eventId));

    // SIGTERM: the relay saves its checkpoint, releases the lock and exits cleanly.
    standby.child.kill('SIGTERM');
    expect(await standby.exited).toBe(0);
    expect(await loadCheckpoint(t.db, 'main')).toBe(log.at(-1)?.position);
  }, 90_000);

  it('refuses to start with an invalid environment and names the variable', async () => {
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

  it('never advances the checkpoint past an unpublished event, and everything arrives once, in order, after NATS is back', async () => {
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

    await writeIncidents('before', 10, 1);
    await eventually(async () => (await jsm.streams.info(names.stream)).state.messages === 20, 10_000, 'the first 20 events');
    await eventually(async () => (await loadCheckpoint(t.db, 'main')) === (await logEvents()).at(-1)?.position, 5_000, 'the checkpoint to catch up');
    const beforeOutage = await loadCheckpoint(t.db, 'main');

    await server.stop();
    // Commands do not depend on NATS: they commit while it is down.
    await writeIncidents('during', 10, 3);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await loadCheckpoint(t.db, 'main')).toBe(beforeOutage);
    expect(relay.status()).toEqual({ leader: true, checkpoint: beforeOutage });

    await server.start();
    await eventually(async () => (await jsm.streams.info(names.stream)).state.messages >= 60, 30_000, 'all 60 events after NATS is back');
    const log = await logEvents();
    expect(log).toHaveLength(60);
    const stored = await storedEvents(jsm, names.stream);
    expect(stored.map((e) => e.eventId)).toEqual(log.map((e) => e.eventId));
    await eventually(() => live.length >= 60, 20_000, 'the live subscriber to converge');
    await new Promise((r) => setTimeout(r, 200));
    expect(live.map((e) => e.eventId)).toEqual(log.map((e) => e.eventId));
    await eventually(async () => (await loadCheckpoint(t.db, 'main')) === log.at(-1)?.position, 5_000, 'the final checkpoint');
  }, 90_000);
});
