/**
 * Scale-out for real (issue 19 point 6): the cluster of infra/ started as real processes — three
 * nats-server nodes from infra/nats/cluster.conf (stream replicas 3), two api, two gateway, two relay
 * and two timers processes, and HAProxy from infra/haproxy/muster.cfg in front of the api and gateway
 * pools, on one address. 20 clients send commands through the proxy while one api, one gateway and
 * the NATS node leading the event stream are killed with `kill -9`, in turn. Each client retries a
 * command that failed or got no answer with the same commandId until it is acknowledged.
 *
 * Then: every acknowledged command is stored exactly once; consoles connected through the proxy (a
 * dropped one reconnects to whichever gateway HAProxy picks and resumes from its position) converge
 * to the room's whole log with no gap and no duplicate; `/metrics` of every live process shows the traffic.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHttpClient, MusterApiError, subscribe, type LiveFeed, type MusterHttpClient } from '@muster/client';
import type { CommandResult, EventEnvelope } from '@muster/contracts';
import type { Actor } from '@muster/domain';
import { issueToken } from '@muster/identity';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { relayLag } from '@muster/store-postgres';
import { freePort, type TestDatabase } from '@muster/testkit';
import { integrationTest } from '@muster/testkit/fixtures';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { sampleOf, scrape } from '../support/metrics-text';
import { REPO_ROOT, SERVICE_CLI, startProcess, waitFor, type RunningProcess } from '../support/processes';

const NATS_SERVER = process.env['NATS_SERVER_BIN'] ?? '/usr/sbin/nats-server';
const HAPROXY = process.env['HAPROXY_BIN'] ?? '/usr/sbin/haproxy';
const SECRET = 'muster-scale-out-secret-0123456789abcdef';
const STREAM = 'MUSTER_SCALE_OUT';
const ROOM = '441203';
const room: Actor = { userId: 'do-scale', roles: ['duty_officer'], jurisdiction: ROOM };
const CLIENTS = 20;
const CONSOLES = 6;
/** Acknowledged commands between two kills: each kill happens while every client is sending. */
const ACKS_PER_PHASE = 120;

interface Node {
  name: string;
  process: RunningProcess;
  /** HTTP port: the service's own (api, gateway) or METRICS_PORT (relay, timers); the client port for NATS. */
  port: number;
}

let t: TestDatabase;
const started: Node[] = [];
const storeDirs: string[] = [];
let admin: NatsConnection | undefined;
let proxy: RunningProcess | undefined;
let proxyPort = 0;
let token = '';

function alive(node: Node): boolean {
  return node.process.child.exitCode === null && node.process.child.signalCode === null;
}

function byName(name: string): Node {
  const node = started.find((n) => n.name === name);
  if (!node) throw new Error(`no process ${name}`);
  return node;
}

/** kill -9 of one process (its whole group: nothing of it survives). */
async function killHard(name: string): Promise<void> {
  await byName(name).process.stop('SIGKILL');
}

/** Three nats-server processes from infra/nats/cluster.conf, each with its ports and store dir. */
async function startNatsCluster(): Promise<string[]> {
  const names = ['a', 'b', 'c'] as const;
  const ports = await Promise.all(names.map(async () => ({ client: await freePort(), cluster: await freePort() })));
  const routes = Object.fromEntries(names.map((n, i) => [`NATS_ROUTE_${n.toUpperCase()}`, `nats-route://127.0.0.1:${ports[i]?.cluster}`]));
  await Promise.all(
    names.map(async (n, i) => {
      const dir = await mkdtemp(join(tmpdir(), `muster-nats-${n}-`));
      storeDirs.push(dir);
      const port = ports[i]?.client ?? 0;
      const proc = startProcess(NATS_SERVER, ['-c', join(REPO_ROOT, 'infra/nats/cluster.conf')], {
        NATS_SERVER_NAME: `nats-${n}`,
        NATS_HOST: '127.0.0.1',
        NATS_PORT: String(port),
        NATS_CLUSTER_PORT: String(ports[i]?.cluster),
        NATS_STORE_DIR: dir,
        ...routes,
      });
      started.push({ name: `nats-${n}`, process: proc, port });
      await waitFor(`nats-${n} ready`, async () => {
        if (proc.child.exitCode !== null) throw new Error(`nats-${n} exited:\n${proc.output()}`);
        return proc.output().includes('Server is ready') ? true : undefined;
      });
    }),
  );
  return ports.map((p) => `nats://127.0.0.1:${p.client}`);
}

/** One service process (`node scripts/service.mjs <kind>`), as the systemd units run it. */
function startService(name: string, kind: 'api' | 'gateway' | 'relay' | 'timers', port: number, env: Record<string, string>): Node {
  const portEnv = kind === 'api' || kind === 'gateway' ? { PORT: String(port), HOST: '127.0.0.1' } : { METRICS_PORT: String(port) };
  const proc = startProcess(process.execPath, [SERVICE_CLI, kind], {
    DATABASE_URL: t.url,
    MUSTER_JWT_SECRET: SECRET,
    LOG_LEVEL: 'warn',
    ...portEnv,
    ...env,
  });
  const node = { name, process: proc, port };
  started.push(node);
  return node;
}

async function healthy(node: Node, path: string): Promise<void> {
  await waitFor(
    `${node.name} at ${path}`,
    async () => {
      if (!alive(node)) throw new Error(`${node.name} exited:\n${node.process.output()}`);
      return (await fetch(`http://127.0.0.1:${node.port}${path}`)).ok ? true : undefined;
    },
    90_000,
  );
}

/** HAProxy from infra/haproxy/muster.cfg, in the foreground, its addresses from the environment. */
async function startProxy(apis: Node[], gateways: Node[]): Promise<void> {
  proxyPort = await freePort();
  proxy = startProcess(HAPROXY, ['-db', '-f', join(REPO_ROOT, 'infra/haproxy/muster.cfg')], {
    MUSTER_LISTEN: `127.0.0.1:${proxyPort}`,
    MUSTER_API_1: `127.0.0.1:${apis[0]?.port}`,
    MUSTER_API_2: `127.0.0.1:${apis[1]?.port}`,
    MUSTER_GATEWAY_1: `127.0.0.1:${gateways[0]?.port}`,
    MUSTER_GATEWAY_2: `127.0.0.1:${gateways[1]?.port}`,
    MUSTER_CHECK_INTERVAL: '500ms',
  });
  await waitFor('HAProxy to answer for the api', async () => {
    if (proxy?.child.exitCode !== null) throw new Error(`haproxy exited:\n${proxy?.output()}`);
    return (await fetch(`http://127.0.0.1:${proxyPort}/health/ready`)).ok ? true : undefined;
  });
}

function metricsOf(node: Node): Promise<string> {
  return scrape(`http://127.0.0.1:${node.port}/metrics`);
}

/** A console of the room through the proxy, recording what it gets and how often its socket opened. */
function openConsole() {
  const received: EventEnvelope[] = [];
  let opened = 0;
  const feed: LiveFeed = subscribe({
    url: `ws://127.0.0.1:${proxyPort}/ws`,
    rooms: [ROOM],
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

/** Every event of the room, from the store: what each console must end up with. */
async function roomLog(): Promise<{ eventId: string; streamId: string; version: number }[]> {
  const rows = await t.db
    .selectFrom('event')
    .select(['event_id', 'stream_id', 'version'])
    .where(sql<boolean>`${ROOM} = any(rooms)`)
    .orderBy('tx_id')
    .orderBy('seq')
    .execute();
  return rows.map((r) => ({ eventId: r.event_id, streamId: r.stream_id, version: r.version }));
}

/** An HTTP client through the proxy that gives up on an answer after 10 s (the client then retries). */
function proxyClient(): MusterHttpClient {
  return createHttpClient({
    baseUrl: `http://127.0.0.1:${proxyPort}`,
    token,
    fetch: (input, init) => fetch(input, { ...init, signal: AbortSignal.timeout(10_000) }),
  });
}

let failedAttempts = 0;

/** Sends until acknowledged, with the same commandId each time; failures a kill may cause are retried. */
async function untilAcknowledged(
  send: () => Promise<CommandResult>,
  unexpected: string[],
  label: string,
): Promise<{ result: CommandResult; attempts: number }> {
  for (let attempts = 1; ; attempts++) {
    try {
      return { result: await send(), attempts };
    } catch (error) {
      // status 0: no answer (reset, timeout); 502-504: the proxy found no server or lost it mid-request.
      const retryable = error instanceof MusterApiError ? error.status === 0 || error.status >= 502 : error instanceof Error && error.name === 'TimeoutError';
      failedAttempts++;
      if (!retryable) unexpected.push(`${label}: ${error instanceof Error ? error.message : String(error)}`);
      if (!retryable && unexpected.length > 20) throw error;
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 100));
    }
  }
}

integrationTest.beforeAll(async ({ database }) => {
  t = database;
  token = await issueToken(room, { secret: new TextEncoder().encode(SECRET), ttlSeconds: 3600 });
  const natsUrls = await startNatsCluster();
  admin = await connect({ servers: natsUrls, maxReconnectAttempts: -1, reconnectTimeWait: 250 });
  const bus = { NATS_URL: natsUrls.join(','), NATS_STREAM: STREAM, NATS_SUBJECT_PREFIX: 'muster_scale', NATS_STREAM_REPLICAS: '3' };
  const [api1, api2, gw1, gw2, relay1, relay2, timers1, timers2] = await Promise.all(Array.from({ length: 8 }, () => freePort()));
  const apis = [
    startService('api-1', 'api', api1 ?? 0, { MUSTER_API_WORKERS: '1', DB_POOL_SIZE: '10' }),
    startService('api-2', 'api', api2 ?? 0, { MUSTER_API_WORKERS: '1', DB_POOL_SIZE: '10' }),
  ];
  const relays = [startService('relay-1', 'relay', relay1 ?? 0, bus), startService('relay-2', 'relay', relay2 ?? 0, bus)];
  const gateways = [startService('gateway-1', 'gateway', gw1 ?? 0, bus), startService('gateway-2', 'gateway', gw2 ?? 0, bus)];
  const timers = [
    startService('timers-1', 'timers', timers1 ?? 0, { TIMERS_POLL_MS: '200' }),
    startService('timers-2', 'timers', timers2 ?? 0, { TIMERS_POLL_MS: '200' }),
  ];
  // Ready: the api and the gateways on their own port, the relays and the timers on METRICS_PORT.
  await Promise.all([...apis, ...gateways, ...relays, ...timers].map((n) => healthy(n, '/health/ready')));
  await startProxy(apis, gateways);
}, 180_000);

afterAll(async () => {
  await proxy?.stop('SIGKILL');
  for (const node of started) await node.process.stop('SIGKILL');
  await admin?.close().catch(() => undefined);
  for (const dir of storeDirs) await rm(dir, { recursive: true, force: true });
});

describe('scale-out behind one address (infra/haproxy, infra/nats/cluster.conf)', () => {
  it('kill -9 of an api, a gateway and the stream-leading NATS node under 20 clients: every ack stored once, consoles converge, metrics show the traffic', async () => {
    // The stream lives on all three nodes.
    const jsm = await jetstreamManager(admin as NatsConnection);
    const info = await jsm.streams.info(STREAM);
    expect(info.config.num_replicas).toBe(3);

    const consoles = Array.from({ length: CONSOLES }, () => openConsole());
    await waitFor('consoles live through the proxy', async () => (consoles.every((c) => c.feed.state() === 'live') ? true : undefined), 60_000);

    const http = proxyClient();
    const unexpected: string[] = [];
    // One incident per client: commands of different clients never race for a stream, so every failure comes from a kill.
    const incidents = Array.from({ length: CLIENTS }, (_, i) => `scale-${i}`);
    await Promise.all(
      incidents.map((incidentId) =>
        untilAcknowledged(() => http.createIncident({ incidentId, commandId: `create-${incidentId}`, data: { title: `incident ${incidentId}`, leadJurisdiction: ROOM } }), unexpected, incidentId),
      ),
    );
    // A level III incident received half an hour ago: its phone reports are overdue at once, so the timers fire them.
    const now = Date.now();
    const late = 'scale-late';
    await untilAcknowledged(
      () => http.createIncident({ incidentId: late, commandId: 'late-1', occurredAt: new Date(now - 31 * 60_000).toISOString(), data: { title: 'late report', leadJurisdiction: ROOM, receivedAt: new Date(now - 30 * 60_000).toISOString() } }),
      unexpected,
      late,
    );
    await untilAcknowledged(() => http.sendCommand(late, { type: 'BeginVerification', commandId: 'late-2' }), unexpected, late);
    await untilAcknowledged(() => http.sendCommand(late, { type: 'ConfirmIncident', commandId: 'late-3', data: { severity: 'III' } }), unexpected, late);

    const acknowledged: { commandId: string; incidentId: string; attempts: number; result: CommandResult }[] = [];
    let stopping = false;
    const sendingFrom = performance.now();
    const client = async (c: number) => {
      const incidentId = incidents[c] ?? '';
      for (let n = 0; !stopping; n++) {
        const commandId = `s${c}-${n}`;
        const sent = await untilAcknowledged(() => http.sendCommand(incidentId, { type: 'UpdateIncidentDetails', commandId, data: { description: `client ${c} update ${n}` } }), unexpected, commandId);
        acknowledged.push({ commandId, incidentId, ...sent });
      }
    };
    const afterMoreAcks = async (what: string) => {
      const target = acknowledged.length + ACKS_PER_PHASE;
      await waitFor(`${ACKS_PER_PHASE} more acknowledged commands ${what}`, async () => (acknowledged.length >= target ? true : undefined), 60_000);
    };
    let natsKilled = '';
    const killer = async () => {
      try {
        await afterMoreAcks('before the first kill');
        await killHard('api-1');
        await afterMoreAcks('after the api was killed');
        await killHard('gateway-1');
        await afterMoreAcks('after the gateway was killed');
        // The node leading the stream: its replicas elect another leader, the relays and gateways reconnect.
        const leader = (await jsm.streams.info(STREAM)).cluster?.leader ?? 'nats-a';
        natsKilled = leader;
        await killHard(leader);
        await afterMoreAcks('after the NATS node was killed');
      } finally {
        stopping = true;
      }
    };
    await Promise.all([killer(), ...Array.from({ length: CLIENTS }, (_, c) => client(c))]);

    expect(unexpected, 'only failures a killed process causes (no answer, 502-504)').toEqual([]);
    expect(natsKilled).toMatch(/^nats-[abc]$/);
    expect(['api-1', 'gateway-1', natsKilled].map((name) => alive(byName(name)))).toEqual([false, false, false]);
    // The kills hit requests in flight: some commands needed another attempt.
    expect(acknowledged.some((s) => s.attempts > 1), 'a kill interrupted some command').toBe(true);

    // Exactly once: one command row per acknowledged command, and exactly the events its answer named.
    const ids = acknowledged.map((s) => s.commandId);
    const commandRows = await t.db.selectFrom('command').select('command_id').where('command_id', 'like', 's%-%').execute();
    expect(commandRows.map((r) => r.command_id).sort()).toEqual([...ids].sort());
    const eventRows = await t.db
      .selectFrom('event')
      .select(['event_id', 'stream_id', 'version', sql<string>`meta->>'commandId'`.as('command_id')])
      .where('stream_id', 'like', 'scale-%')
      .execute();
    const eventsByCommand = new Map<string, string[]>();
    for (const row of eventRows) eventsByCommand.set(row.command_id, [...(eventsByCommand.get(row.command_id) ?? []), row.event_id]);
    for (const sent of acknowledged) {
      expect(eventsByCommand.get(sent.commandId)?.sort(), `events of ${sent.commandId}`).toEqual(sent.result.events.map((e) => e.eventId).sort());
    }
    expect([...eventsByCommand.keys()].filter((id) => /^s\d+-\d+$/.test(id)).sort()).toEqual([...ids].sort());
    // The overdue phone reports fired once each (two of them: the county's to the city, the city's to the province).
    await waitFor('the overdue phone reports to fire', async () => {
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from event where type = 'ReportOverdue' and stream_id = ${`report:${late}`}`.execute(t.db);
      return (rows[0]?.n ?? 0) >= 2 ? true : undefined;
    });

    // Every console converges to the room's whole log: each event once, each stream in version order.
    const expected = await roomLog();
    await waitFor(
      'every console to converge on the store',
      // A gateway whose consumer died with the NATS node notices within two check periods (10 s each).
      async () => (consoles.every((c) => c.received.length >= expected.length) ? true : undefined),
      90_000,
    ).catch(async (error: unknown) => {
      // Where the feed stopped: the relay (checkpoint behind the log) or the gateways (stream ahead of the consoles).
      const lag = await relayLag(t.db, 'main');
      const stream = await jsm.streams.info(STREAM).then((i) => JSON.stringify({ state: i.state, cluster: i.cluster }), (e: unknown) => String(e));
      const tails = ['relay-1', 'relay-2', 'gateway-2'].map((name) => `--- ${name}\n${byName(name).process.output().slice(-4_000)}`).join('\n');
      throw new Error(
        `${error instanceof Error ? error.message : String(error)}; consoles have ${consoles.map((c) => c.received.length).join(', ')} of ${expected.length}; ` +
          `relay lag ${JSON.stringify(lag)}; stream ${stream}\n${tails}`,
      );
    });
    const perStream = (events: { eventId: string; streamId: string }[]) => {
      const streams = new Map<string, string[]>();
      for (const e of events) streams.set(e.streamId, [...(streams.get(e.streamId) ?? []), e.eventId]);
      return streams;
    };
    for (const [i, c] of consoles.entries()) {
      const received = c.received.map((e) => e.eventId);
      expect(received.length - new Set(received).size, `console ${i}: duplicates`).toBe(0);
      expect(new Set(received), `console ${i}: the room's log`).toEqual(new Set(expected.map((e) => e.eventId)));
      // No gap and no reordering within a stream: each stream's events in the store's order.
      expect(perStream(c.received), `console ${i}: each stream in order`).toEqual(perStream(expected));
    }
    // The gateway kill dropped some consoles; they came back through the proxy on the other gateway.
    expect(consoles.some((c) => c.opened() > 1), 'some console reconnected').toBe(true);
    expect(consoles.every((c) => c.feed.state() === 'live')).toBe(true);

    // Metrics of every live process show the traffic.
    const api = await metricsOf(byName('api-2'));
    expect(sampleOf(api, 'muster_commands_total')).toBeGreaterThan(0);
    const gateway = await metricsOf(byName('gateway-2'));
    expect(sampleOf(gateway, 'muster_gateway_frames_sent_total')).toBeGreaterThan(0);
    expect(sampleOf(gateway, 'muster_gateway_sockets')).toBe(CONSOLES);
    const published = await Promise.all(['relay-1', 'relay-2'].map(async (name) => sampleOf(await metricsOf(byName(name)), 'muster_relay_published_total')));
    expect(Math.max(...published), 'the leading relay published').toBeGreaterThan(0);
    const fired = await Promise.all(['timers-1', 'timers-2'].map(async (name) => sampleOf(await metricsOf(byName(name)), 'muster_deadlines_fired_total')));
    expect(fired.reduce((a, b) => a + b, 0), 'the timers fired the overdue reports').toBeGreaterThanOrEqual(2);

    // The figures of the run, for the README and the report.
    process.stdout.write(
      `scale-out: ${acknowledged.length} commands acknowledged in ${Math.round(performance.now() - sendingFrom)} ms, ` +
        `${failedAttempts} failed attempts, ${acknowledged.filter((s) => s.attempts > 1).length} commands retried; ` +
        `NATS node killed: ${natsKilled}; console sockets opened: ${consoles.map((c) => c.opened()).join(', ')}; ${expected.length} events in the room's log\n`,
    );
    await Promise.all(consoles.map((c) => c.feed.close()));
  }, 240_000);
});
