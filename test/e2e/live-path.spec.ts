/**
 * The live path across real processes (issue 3): the api, the relay and the gateway each run as
 * their own child process on a real PostgreSQL and a private nats-server; consoles use the client.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createHttpClient, subscribe, type LiveFeed, type MusterHttpClient } from '@muster/client';
import type { EventEnvelope } from '@muster/contracts';
import type { Actor } from '@muster/domain';
import { issueToken } from '@muster/identity';
import { freePort, natsTestNames, startPrivateNatsServer, type PrivateNatsServer, type TestDatabase } from '@muster/testkit';
import { integrationTest } from '@muster/testkit/fixtures';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { SlowConsole } from '../support/slow-console';
import { REPO_ROOT, SERVICE_CLI, waitFor } from '../support/processes';

const SECRET = 'muster-e2e-live-path-secret-0123456789';
const ROOM = '441203';
const room: Actor = { userId: 'do-dinghu', roles: ['duty_officer'], jurisdiction: ROOM };

interface Service {
  name: string;
  child: ChildProcess;
  output(): string;
  exited: Promise<number | string>;
}

let t: TestDatabase;
let nats: PrivateNatsServer;
const names = natsTestNames('live_path');
let apiPort = 0;
let gatewayPort = 0;
let token = '';
let http: MusterHttpClient;
const services = new Map<string, Service>();

function spawnService(name: 'api' | 'relay' | 'gateway', env: Record<string, string>): Service {
  const child = spawn(process.execPath, [SERVICE_CLI, name], {
    cwd: REPO_ROOT,
    env: { ...process.env, DATABASE_URL: t.url, NATS_URL: nats.url, NATS_STREAM: names.stream, NATS_SUBJECT_PREFIX: names.subjectPrefix, MUSTER_JWT_SECRET: SECRET, LOG_LEVEL: 'warn', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-50_000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const service = { name, child, output: () => output, exited: new Promise<number | string>((r) => child.once('exit', (code, signal) => r(code ?? signal ?? -1))) };
  services.set(name, service);
  return service;
}

async function healthy(url: string, service: Service): Promise<void> {
  await waitFor(`${service.name} at ${url}\n${service.output()}`, async () => ((await fetch(url)).ok ? true : undefined), 60_000);
}

async function startGatewayProcess(extra: Record<string, string> = {}): Promise<Service> {
  const gateway = spawnService('gateway', { PORT: String(gatewayPort), ...extra });
  await healthy(`http://127.0.0.1:${gatewayPort}/health`, gateway);
  return gateway;
}

async function stopService(name: string, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  const service = services.get(name);
  if (!service || service.child.exitCode !== null || service.child.signalCode !== null) return;
  service.child.kill(signal);
  await service.exited;
}

/** Every event of one test's incidents the room's consoles should get, from the store itself: the ground truth. */
async function roomEvents(prefix: string): Promise<{ eventId: string; streamId: string; version: number }[]> {
  const rows = await t.db
    .selectFrom('event')
    .select(['event_id', 'stream_id', 'version'])
    .where(sql<boolean>`${ROOM} = any(rooms)`)
    .where('stream_id', 'like', `${prefix}-%`)
    .orderBy('tx_id')
    .orderBy('seq')
    .execute();
  return rows.map((r) => ({ eventId: r.event_id, streamId: r.stream_id, version: r.version }));
}

/** A console on the room that records what it gets, and how many times its socket was opened. */
function console(after?: string) {
  const received: EventEnvelope[] = [];
  let opened = 0;
  const feed: LiveFeed = subscribe({
    url: `ws://127.0.0.1:${gatewayPort}/ws`,
    rooms: [ROOM],
    ...(after ? { after } : {}),
    token: () => token,
    backoff: { initialMs: 50, maxMs: 500 },
    onEvent: (event) => received.push(event),
    onStateChange: (change) => {
      if (change.state === 'catching_up') opened++;
    },
    onError: () => undefined,
  });
  return { feed, received, opened: () => opened };
}

/** Exactly the store's events, each once, and per incident in version order with no gap. */
async function expectExactly(prefix: string, all: EventEnvelope[]): Promise<void> {
  const expected = await roomEvents(prefix);
  const received = all.filter((e) => e.streamId.startsWith(`${prefix}-`));
  const ids = received.map((e) => e.eventId);
  expect(new Set(ids).size, 'no event twice').toBe(ids.length);
  expect(new Set(ids)).toEqual(new Set(expected.map((e) => e.eventId)));
  const byStream = new Map<string, number[]>();
  for (const e of received) byStream.set(e.streamId, [...(byStream.get(e.streamId) ?? []), e.version]);
  for (const [stream, versions] of byStream) {
    expect(versions, `versions of ${stream}`).toEqual(Array.from({ length: versions.length }, (_, i) => (versions[0] ?? 1) + i));
  }
}

async function converge(prefix: string, received: EventEnvelope[]): Promise<void> {
  await waitFor(`console to converge on the store (${prefix})`, async () => {
    const expected = await roomEvents(prefix);
    return received.filter((e) => e.streamId.startsWith(`${prefix}-`)).length >= expected.length ? true : undefined;
  }, 90_000);
  await expectExactly(prefix, received);
}

/** Sends `count` commands spread over `incidents`, `parallel` at a time; every one must succeed. */
async function commands(incidents: string[], count: number, parallel = 16, onProgress?: (done: number) => Promise<void> | void): Promise<void> {
  let next = 0;
  let done = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= count) return;
      const incidentId = incidents[i % incidents.length] ?? '';
      await http.sendCommand(incidentId, { type: 'UpdateIncidentDetails', data: { description: `update ${i}` } });
      done++;
      await onProgress?.(done);
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
}

async function createIncidents(prefix: string, n: number): Promise<string[]> {
  const ids = Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
  for (const id of ids) await http.createIncident({ incidentId: id, data: { title: `incident ${id}`, leadJurisdiction: ROOM } });
  return ids;
}

integrationTest.beforeAll(async ({ database }) => {
  t = database;
  nats = await startPrivateNatsServer();
  apiPort = await freePort();
  gatewayPort = await freePort();
  token = await issueToken(room, { secret: new TextEncoder().encode(SECRET), ttlSeconds: 3600 });
  const api = spawnService('api', { PORT: String(apiPort), DB_POOL_SIZE: '20' });
  spawnService('relay', {});
  await healthy(`http://127.0.0.1:${apiPort}/health`, api);
  await startGatewayProcess();
  http = createHttpClient({ baseUrl: `http://127.0.0.1:${apiPort}`, token });
}, 120_000);

afterAll(async () => {
  for (const name of services.keys()) await stopService(name, 'SIGKILL');
  await nats?.dispose();
});

describe('live path across processes', () => {
  it('1,000 commands over 50 incidents: the room console gets exactly the resulting events, per incident in order', async () => {
    const c = console();
    await waitFor('console live', async () => (c.feed.state() === 'live' ? true : undefined));
    const incidents = await createIncidents('steady', 50);
    await commands(incidents, 950);
    await converge('steady', c.received);
    expect(c.received.filter((e) => e.streamId.startsWith('steady-'))).toHaveLength(1000);
    expect(c.opened()).toBe(1);
    await c.feed.close();
  });

  it('kill -9 of the gateway mid-stream and a restart: the console resumes with no gap and no duplicate', async () => {
    const c = console();
    await waitFor('console live', async () => (c.feed.state() === 'live' ? true : undefined));
    const incidents = await createIncidents('crash', 20);
    let killed = false;
    await commands(incidents, 600, 8, async (done) => {
      if (done === 200 && !killed) {
        killed = true;
        await stopService('gateway', 'SIGKILL');
        await startGatewayProcess();
      }
    });
    expect(killed).toBe(true);
    await converge('crash', c.received);
    expect(c.opened()).toBeGreaterThan(1);
    await c.feed.close();
  });

  it('NATS stopped for a while during commands: no command fails, and every console converges', async () => {
    const a = console();
    const b = console();
    await waitFor('consoles live', async () => (a.feed.state() === 'live' && b.feed.state() === 'live' ? true : undefined));
    const incidents = await createIncidents('outage', 10);
    await commands(incidents, 100);
    await nats.stop();
    // Commands keep committing: NATS is downstream of the only durability point.
    await commands(incidents, 200);
    await nats.start();
    expect(nats.running()).toBe(true);
    await commands(incidents, 100);
    await converge('outage', a.received);
    await converge('outage', b.received);
    await a.feed.close();
    await b.feed.close();
  });

  it('a console subscribed to an incident sees the commander change live', async () => {
    await http.createIncident({ incidentId: 'cmd-live', data: { title: 'Gas explosion at a market', leadJurisdiction: ROOM } });
    const seen: EventEnvelope[] = [];
    const feed = subscribe({
      url: `ws://127.0.0.1:${gatewayPort}/ws`,
      incidents: ['cmd-live'],
      token: () => token,
      onEvent: (event) => seen.push(event),
      onError: () => undefined,
    });
    await waitFor('incident console live', async () => (feed.state() === 'live' ? true : undefined));
    const base = `http://127.0.0.1:${apiPort}/incidents/cmd-live/command`;
    const send = async (actor: Actor, body: Record<string, unknown>) => {
      const bearer = await issueToken(actor, { secret: new TextEncoder().encode(SECRET), ttlSeconds: 600 });
      const response = await fetch(base, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` }, body: JSON.stringify(body) });
      expect(response.status, await response.clone().text()).toBe(200);
    };
    const person = (userId: string) => ({ userId, name: userId });
    const chief: Actor = { userId: 'u-chief', roles: ['responder'], jurisdiction: ROOM };
    const next: Actor = { userId: 'u-next', roles: ['responder'], jurisdiction: ROOM };
    await send(room, { type: 'AppointCommander', data: { commander: person('u-chief') } });
    await waitFor('appointment seen live', async () => (seen.some((e) => e.type === 'CommanderAppointed') ? true : undefined));
    await send(chief, { type: 'OfferTransfer', data: { offerId: 'o1', to: person('u-next') } });
    await send(chief, {
      type: 'RecordTransferBriefing',
      data: { offerId: 'o1', briefing: { situation: 's', objectives: 'o', actions: 'a', organisation: 'org', resources: 'r', hazards: 'h' } },
    });
    await send(next, { type: 'AcceptTransfer', data: { offerId: 'o1' } });
    await waitFor('new commander seen live', async () => (seen.some((e) => e.type === 'TransferEffective') ? true : undefined));
    const effective = seen.find((e) => e.type === 'TransferEffective');
    expect(effective?.streamId).toBe('scene:cmd-live');
    expect(effective?.data).toMatchObject({ commander: { userId: 'u-next' } });
    // The subscription starts at the head of the published log: on a loaded machine the relay may
    // publish the incident's IncidentReported after the feed went live, so it may or may not be seen.
    // The on-scene events all came after, and arrive each once, in order.
    expect(seen.filter((e) => e.streamType === 'scene').map((e) => e.type)).toEqual(['CommanderAppointed', 'TransferOffered', 'TransferBriefingRecorded', 'TransferAccepted', 'TransferEffective']);
    expect(seen.every((e) => e.streamType === 'scene' || e.type === 'IncidentReported')).toBe(true);
    await feed.close();
  });

  it('a console reading one message a second while a thousand a second are pushed is closed with its resume position; memory stays bounded; others keep up', async () => {
    // A gateway with a small send bound, so the slow console is found out in seconds.
    await stopService('gateway');
    // A small send bound finds the slow console out in seconds; a long grace lets it read its backlog
    // and the closing frame afterwards.
    await startGatewayProcess({ GATEWAY_MAX_BUFFERED_BYTES: String(64 * 1024), GATEWAY_CLOSE_GRACE_MS: '60000' });
    const gatewayPid = services.get('gateway')?.child.pid ?? -1;
    const rss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${gatewayPid}/status`, 'utf8'))?.[1] ?? 0) * 1024;

    const fast = console();
    const slow = await SlowConsole.open(`ws://127.0.0.1:${gatewayPort}/ws?access_token=${token}`);
    slow.send(JSON.stringify({ type: 'subscribe', rooms: [ROOM] }));
    await waitFor('fast console live', async () => (fast.feed.state() === 'live' ? true : undefined));
    const before = rss();

    const incidents = await createIncidents('flood', 20);
    const bulky = 'x'.repeat(4000);
    let i = 0;
    await waitFor('slow console closed', async () => {
      // About a thousand commands a second, in bursts, until the gateway gives up on the slow one.
      await Promise.all(Array.from({ length: 100 }, () => http.sendCommand(incidents[i++ % incidents.length] ?? '', { type: 'UpdateIncidentDetails', data: { description: bulky } })));
      const health = (await (await fetch(`http://127.0.0.1:${gatewayPort}/health`, { headers: { authorization: `Bearer ${token}` } })).json()) as { stats: { slowConsumersClosed: number } };
      return health.stats.slowConsumersClosed >= 1 ? true : undefined;
    }, 150_000);
    // Now read everything it was sent: the closing frame comes last, with the resume position.
    const frames = await slow.drain();
    const closing = frames.find((f) => f.type === 'closing');
    expect(slow.closeCode).toBe(4408);
    expect(closing?.resumeFrom).toMatch(/^\d+\.\d+$/);
    const lastEvent = [...frames].reverse().find((f) => f.type === 'event');
    expect(closing?.resumeFrom).toBe(lastEvent?.position);

    // The fast console got everything, while the slow one sat on its unread frames.
    await converge('flood', fast.received);
    expect(rss() - before).toBeLessThan(150 * 1024 * 1024);
    await fast.feed.close();
  }, 240_000);
});
