/**
 * The gateway as its own process (src/main.ts) on JetStream: a private nats-server, a real
 * PostgreSQL, the test acting as the relay (publishing committed events in log order), and the
 * client resuming across a kill -9 and a SIGTERM of the gateway process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectEventBus, type NatsEventBus } from '@muster/bus-nats';
import { subscribe, type LiveFeed, type StateChange } from '@muster/client';
import { START_POSITION, type EventEnvelope } from '@muster/contracts';
import type { Engine } from '@muster/engine';
import { readGlobalLog } from '@muster/store-postgres';
import { freePort, natsTestNames, startPrivateNatsServer, TEST_JWT_SECRET_TEXT, testToken, type PrivateNatsServer, type TestDatabase } from '@muster/testkit';
import { integrationTest } from '@muster/testkit/fixtures';
import { afterAll, describe, expect, it } from 'vitest';
import { TestConsole, tryUpgrade, until, withToken } from './test-harness';

const serviceDir = fileURLToPath(new URL('..', import.meta.url));
const actor = { userId: 'duty-1', roles: ['duty_officer' as const], jurisdiction: '441200' };
const ROOM = '441203';

let t: TestDatabase;
let nats: PrivateNatsServer;
let bus: NatsEventBus;
let engine: Engine;
let port: number;
const names = natsTestNames('gateway_main');
let published = START_POSITION;
const children = new Set<ChildProcess>();
let feed: LiveFeed | undefined;

function env(overrides: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    DATABASE_URL: t.url,
    NATS_URL: nats.url,
    NATS_STREAM: names.stream,
    NATS_SUBJECT_PREFIX: names.subjectPrefix,
    HOST: '127.0.0.1',
    PORT: String(port),
    LOG_LEVEL: 'warn',
    MUSTER_JWT_SECRET: TEST_JWT_SECRET_TEXT,
    ...overrides,
  };
}

function spawnGateway(overrides: Record<string, string> = {}): { child: ChildProcess; stderr: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: serviceDir, env: env(overrides), stdio: ['ignore', 'ignore', 'pipe'] });
  children.add(child);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      children.delete(child);
      resolve(code);
    }),
  );
  return { child, stderr: () => stderr, exited };
}

async function healthy(at = port): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const response = await fetch(`http://127.0.0.1:${at}/health`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error('gateway process did not become healthy');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * What the relay does: publish every committed event after the last one published, in log order,
 * until `eventId` (the last write) is out. It may take a few reads: a transaction open anywhere on the
 * server holds the commit-safe horizon behind the newest commit for a moment.
 */
async function relayThrough(eventId: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const page = await readGlobalLog(t.db, published, 500);
    let out = false;
    for (const event of page) {
      await bus.publish(event);
      published = event.position;
      if (event.eventId === eventId) out = true;
    }
    if (out) return;
    if (page.length < 500) {
      if (Date.now() > deadline) throw new Error(`event ${eventId} never became readable`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

let n = 0;
async function report(): Promise<string> {
  const id = `main-${++n}`;
  const result = await engine.handle({ streamType: 'incident', streamId: id, type: 'ReportIncident', data: { title: id, leadJurisdiction: ROOM }, actor });
  return result.events[0]?.eventId ?? '';
}

integrationTest.beforeAll(async ({ database, engine: fileEngine }) => {
  [t, engine] = [database, fileEngine];
  nats = await startPrivateNatsServer();
  bus = await connectEventBus({ servers: nats.url, stream: names.stream, subjectPrefix: names.subjectPrefix, ensureStream: true });
  port = await freePort();
});

afterAll(async () => {
  await feed?.close();
  for (const child of children) child.kill('SIGKILL');
  await bus?.close();
  await nats?.stop({ hard: true });
});

describe('gateway process', () => {
  it('refuses an invalid environment with the failing variable and exit code 2', async () => {
    const bad = spawnGateway({ DATABASE_URL: 'mysql://nope', PORT: 'eighty' });
    expect(await bad.exited).toBe(2);
    expect(bad.stderr()).toContain('env.DATABASE_URL');
    expect(bad.stderr()).toContain('env.PORT');
  });

  it('refuses a bad MUSTER_JURISDICTIONS_FILE with exit code 2, naming the file, the entry and the field', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'muster-gateway-tree-')), 'tree.json');
    await writeFile(file, JSON.stringify([{ code: '440000', name: '广东省', parent: null, level: 'province' }, { code: '445302', name: '云城区', parent: '445300', level: 'county' }]));
    const bad = spawnGateway({ MUSTER_JURISDICTIONS_FILE: file });
    expect(await bad.exited).toBe(2);
    expect(bad.stderr()).toContain('gateway: invalid configuration');
    expect(bad.stderr()).toContain(`env.MUSTER_JURISDICTIONS_FILE(${file}) [1] "445302": parent: jurisdiction 445302 names an unknown parent 445300`);
    await rm(dirname(file), { recursive: true, force: true });
  });

  it('serves catch-up from PostgreSQL and live events from JetStream, and the client resumes across kill -9 and SIGTERM', async () => {
    await report();
    await relayThrough(await report());

    let gateway = spawnGateway();
    await healthy();
    const received: EventEnvelope[] = [];
    const changes: StateChange[] = [];
    feed = subscribe({
      url: `ws://127.0.0.1:${port}/ws`,
      // Asked again on every reconnect, as a console that logs in again would.
      token: () => testToken(actor),
      rooms: [ROOM],
      after: START_POSITION,
      onEvent: (e) => received.push(e),
      onStateChange: (s) => changes.push(s),
      backoff: { initialMs: 50, maxMs: 500 },
    });
    await until(() => feed?.state() === 'live' && received.length === 2, 'catch-up from PostgreSQL');

    const live = await report();
    await relayThrough(live);
    await until(() => received.some((e) => e.eventId === live), 'a live event over JetStream');

    gateway.child.kill('SIGKILL');
    await gateway.exited;
    await until(() => feed?.state() === 'disconnected', 'client noticed the kill');
    await relayThrough(await report());
    gateway = spawnGateway();
    await healthy();
    const afterKill = await report();
    await relayThrough(afterKill);
    await until(() => received.some((e) => e.eventId === afterKill), 'resumed after kill -9');

    gateway.child.kill('SIGTERM');
    expect(await gateway.exited).toBe(0);
    expect(changes.some((c) => c.state === 'disconnected' && c.code === 1001 && c.reason === 'going_away')).toBe(true);
    gateway = spawnGateway();
    await healthy();
    const afterTerm = await report();
    await relayThrough(afterTerm);
    await until(() => received.some((e) => e.eventId === afterTerm), 'resumed after SIGTERM');

    const expected = await readGlobalLog(t.db, START_POSITION, 1000, { jurisdictions: [ROOM] });
    expect(received.map((e) => e.eventId)).toEqual(expected.map((e) => e.eventId));
    expect(expected).toHaveLength(6);
  });

  // Issue 14: the process wires the served tree into its verifier and reads its socket cap from the environment.
  it('refuses a token for a jurisdiction outside the tree, hides its counters without a token, and caps sockets per user (GATEWAY_MAX_SOCKETS_PER_USER)', async () => {
    // Its own port: the gateway of the test above still serves its console on `port`.
    const own = await freePort();
    const gateway = spawnGateway({ PORT: String(own), GATEWAY_MAX_SOCKETS_PER_USER: '2' });
    await healthy(own);
    const url = `ws://127.0.0.1:${own}/ws`;
    const outsider = await tryUpgrade(withToken(url, await testToken({ userId: 'admin-x', roles: ['admin'], jurisdiction: '999999' })));
    expect(outsider).toMatchObject({ opened: false, status: 401 });
    expect(await (await fetch(`http://127.0.0.1:${own}/health`)).json()).toEqual({ status: 'ok' });

    const token = await testToken(actor);
    const open = [await TestConsole.open(url, { token }), await TestConsole.open(url, { token })];
    expect(await tryUpgrade(withToken(url, token))).toMatchObject({ opened: false, status: 429 });
    const health = await fetch(`http://127.0.0.1:${own}/health`, { headers: { authorization: `Bearer ${token}` } });
    expect(await health.json()).toMatchObject({ status: 'ok', connections: 2 });
    await Promise.all(open.map((c) => c.close()));
    gateway.child.kill('SIGTERM');
    expect(await gateway.exited).toBe(0);
  });
});
