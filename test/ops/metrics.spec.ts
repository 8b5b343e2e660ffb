/**
 * Metrics and health of every service run as its own process (issue 19, point 4): the api, the
 * relay, the gateway and the timers on one real PostgreSQL database and a private nats-server. After
 * real work each one's /metrics shows it; the relay's and the timers' /health/ready say 503 and why
 * when their database is gone.
 */
import { request as httpRequest } from 'node:http';
import { subscribe, type LiveFeed } from '@muster/client';
import type { EventEnvelope } from '@muster/contracts';
import type { Actor } from '@muster/domain';
import { issueToken } from '@muster/identity';
import { createTestDatabase, freePort, natsTestNames, startPrivateNatsServer, type PrivateNatsServer, type TestDatabase } from '@muster/testkit';
import { integrationTest } from '@muster/testkit/fixtures';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { sampleOf, scrape } from '../support/metrics-text';
import { SERVICE_CLI, startProcess, waitFor, type RunningProcess } from '../support/processes';

const SECRET = 'muster-ops-metrics-secret-0123456789abcdef';
const ROOM = '441203';
const DUTY: Actor = { userId: 'do-ops', roles: ['duty_officer'], jurisdiction: ROOM };

let t: TestDatabase;
let nats: PrivateNatsServer;
let token = '';
const names = natsTestNames('ops_metrics');
const running: RunningProcess[] = [];
const ports = { api: 0, gateway: 0, relay: 0, timers: 0 };
const url = (port: number, path: string) => `http://127.0.0.1:${port}${path}`;

function service(name: 'api' | 'relay' | 'gateway' | 'timers', databaseUrl: string, env: Record<string, string>): RunningProcess {
  const child = startProcess(process.execPath, [SERVICE_CLI, name], {
    DATABASE_URL: databaseUrl,
    NATS_URL: nats.url,
    NATS_STREAM: names.stream,
    NATS_SUBJECT_PREFIX: names.subjectPrefix,
    MUSTER_JWT_SECRET: SECRET,
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    ...env,
  });
  running.push(child);
  return child;
}

async function healthy(what: string, child: RunningProcess, healthUrl: string): Promise<void> {
  await waitFor(`${what} at ${healthUrl}`, async () => {
    if (child.child.exitCode !== null) throw new Error(`${what} exited:\n${child.output()}`);
    return (await fetch(healthUrl)).ok ? true : undefined;
  }, 90_000);
}

integrationTest.beforeAll(async ({ database }) => {
  t = database;
  nats = await startPrivateNatsServer();
  token = await issueToken(DUTY, { secret: new TextEncoder().encode(SECRET), ttlSeconds: 3600 });
  [ports.api, ports.gateway, ports.relay, ports.timers] = [await freePort(), await freePort(), await freePort(), await freePort()];
  // The api migrates; the others start once it is up.
  const api = service('api', t.url, { PORT: String(ports.api) });
  await healthy('api', api, url(ports.api, '/health/ready'));
  const relay = service('relay', t.url, { METRICS_PORT: String(ports.relay) });
  const gateway = service('gateway', t.url, { PORT: String(ports.gateway) });
  const timers = service('timers', t.url, { METRICS_PORT: String(ports.timers), TIMERS_POLL_MS: '100' });
  await Promise.all([
    healthy('relay', relay, url(ports.relay, '/health/ready')),
    healthy('gateway', gateway, url(ports.gateway, '/health/ready')),
    healthy('timers', timers, url(ports.timers, '/health/ready')),
  ]);
}, 180_000);

afterAll(async () => {
  for (const child of running) await child.stop('SIGKILL');
  await nats?.dispose();
});

async function post(path: string, body: Record<string, unknown>): Promise<{ status: number; text: string }> {
  const response = await fetch(url(ports.api, path), { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
  return { status: response.status, text: await response.text() };
}

describe('every service serves /metrics showing its own work', () => {
  it('api: commands by type and outcome, their latency, group-commit batches, its pool', async () => {
    const opened = await post('/incidents', { incidentId: 'ops-1', commandId: 'ops-open-1', data: { title: 'Dike seepage at Shakeng', leadJurisdiction: ROOM } });
    expect(opened.status, opened.text).toBe(201);
    const refused = await post('/incidents/ops-1/commands', { type: 'CloseIncident', data: { summary: 'not yet' } });
    expect(refused.status, refused.text).toBe(409);

    const text = await scrape(url(ports.api, '/metrics'));
    expect(sampleOf(text, 'muster_commands_total', { type: 'ReportIncident', outcome: 'accepted' })).toBe(1);
    expect(sampleOf(text, 'muster_commands_total', { type: 'CloseIncident', outcome: 'rejected' })).toBe(1);
    expect(sampleOf(text, 'muster_command_duration_seconds_count', { type: 'ReportIncident' })).toBe(1);
    expect(sampleOf(text, 'muster_group_commit_batch_size_count')).toBeGreaterThanOrEqual(1);
    expect(text).toMatch(/^muster_db_pool_in_use\{pool="api"\} \d+$/m);
    expect(text).toMatch(/^muster_db_pool_waiting\{pool="api"\} \d+$/m);
    expect(text).toContain('nodejs_eventloop_lag_seconds');
  });

  it('relay: every committed event counted as published once the bus acknowledged it; no lag left, no publish error', async () => {
    for (let i = 2; i <= 4; i++) {
      const opened = await post('/incidents', { incidentId: `ops-${i}`, data: { title: `Waterlogging ${i}`, leadJurisdiction: ROOM } });
      expect(opened.status, opened.text).toBe(201);
    }
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from event`.execute(t.db);
    const events = rows[0]?.n ?? 0;
    expect(events).toBeGreaterThanOrEqual(4);
    const text = await waitFor('the relay to publish every event', async () => {
      const scraped = await scrape(url(ports.relay, '/metrics'));
      return sampleOf(scraped, 'muster_relay_published_total') >= events ? scraped : undefined;
    });
    expect(sampleOf(text, 'muster_relay_published_total')).toBe(events);
    expect(sampleOf(text, 'muster_jetstream_publish_errors_total')).toBe(0);
    expect(text).toMatch(/^muster_relay_lag_positions 0$/m);
    expect(text).toMatch(/^muster_relay_lag_seconds 0$/m);
    expect(text).toMatch(/^muster_relay_held_back_seconds 0$/m);
    expect(text).toMatch(/^muster_db_pool_in_use\{pool="relay"\} \d+$/m);
    expect(text).toContain('nodejs_eventloop_lag_seconds');
  });

  it('gateway: a console’s socket and the frames sent to it; the socket gone once it leaves', async () => {
    const received: EventEnvelope[] = [];
    let caughtUp = false;
    const feed: LiveFeed = subscribe({
      url: `ws://127.0.0.1:${ports.gateway}/ws`,
      rooms: [ROOM],
      token: () => token,
      onEvent: (event) => received.push(event),
      onStateChange: (change) => {
        if (change.state === 'live') caughtUp = true;
      },
      onError: () => undefined,
    });
    try {
      await waitFor('the console to catch up', async () => (caughtUp ? true : undefined));
      const opened = await post('/incidents', { incidentId: 'ops-live', data: { title: 'Live one', leadJurisdiction: ROOM } });
      expect(opened.status, opened.text).toBe(201);
      await waitFor('the live event', async () => (received.some((e) => e.streamId === 'ops-live') ? true : undefined));
      const text = await scrape(url(ports.gateway, '/metrics'));
      expect(sampleOf(text, 'muster_gateway_sockets')).toBe(1);
      // Every event frame and the caught_up frame at least.
      expect(sampleOf(text, 'muster_gateway_frames_sent_total')).toBeGreaterThanOrEqual(received.length + 1);
      expect(sampleOf(text, 'muster_gateway_slow_consumers_closed_total')).toBe(0);
      expect(text).toMatch(/^muster_db_pool_in_use\{pool="gateway"\} \d+$/m);
    } finally {
      feed.close();
    }
    await waitFor('the socket to be counted gone', async () => (sampleOf(await scrape(url(ports.gateway, '/metrics')), 'muster_gateway_sockets') === 0 ? true : undefined));
  });

  it('timers: a deadline long due fires, counted as fired and late; none due is left', async () => {
    // 接报 31 minutes ago, confirmed at level III: its phone reports (30 minutes) fell due a minute ago.
    const now = Date.now();
    const ago = (minutes: number) => new Date(now - minutes * 60_000).toISOString();
    const opened = await post('/incidents', { incidentId: 'ops-due', occurredAt: ago(32), data: { title: 'Chemical spill', leadJurisdiction: ROOM, receivedAt: ago(31) } });
    expect(opened.status, opened.text).toBe(201);
    expect((await post('/incidents/ops-due/commands', { type: 'BeginVerification', data: {} })).status).toBe(200);
    const confirmed = await post('/incidents/ops-due/commands', { type: 'ConfirmIncident', occurredAt: ago(31), data: { severity: 'III' } });
    expect(confirmed.status, confirmed.text).toBe(200);
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from deadline where due_at <= now()`.execute(t.db);
    const due = rows[0]?.n ?? 0;
    expect(due).toBeGreaterThanOrEqual(1);

    const text = await waitFor('the timers to fire what is due', async () => {
      const scraped = await scrape(url(ports.timers, '/metrics'));
      return sampleOf(scraped, 'muster_deadlines_fired_total') >= due ? scraped : undefined;
    });
    expect(sampleOf(text, 'muster_deadlines_fired_total')).toBe(due);
    expect(sampleOf(text, 'muster_deadlines_late_total')).toBe(due);
    // The timers' commands go through their engine: counted there as DeadlinePassed-style system commands.
    expect(sampleOf(text, 'muster_commands_total', { outcome: 'accepted' })).toBe(due);
    await waitFor('nothing due left', async () => (sampleOf(await scrape(url(ports.timers, '/metrics')), 'muster_deadlines_due') === 0 ? true : undefined));
  });
});

/** One HTTP request on a connection of its own (no keep-alive): the cluster's primary hands each new connection to the next worker. */
function onNewConnection(target: string, init: { method: string; headers?: Record<string, string>; body?: string }): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(target, { method: init.method, headers: init.headers ?? {}, agent: false }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

describe('an api of several workers (MUSTER_API_WORKERS)', () => {
  it('whichever worker takes the scrape answers for all of them: the commands of every worker, summed', async () => {
    const port = await freePort();
    const api = service('api', t.url, { PORT: String(port), MUSTER_API_WORKERS: '2', LOG_LEVEL: 'info', LOG_FORMAT: 'json' });
    // Both workers listening (the primary says so), not just the first to answer a health check.
    await waitFor('both api workers to listen', async () => {
      if (api.child.exitCode !== null) throw new Error(`api exited:\n${api.output()}`);
      return api.output().includes('"msg":"api workers listening"') ? true : undefined;
    }, 90_000);
    // Each on a new connection: the primary deals connections to the workers in turn, so both take some.
    for (let i = 0; i < 6; i++) {
      const sent = await onNewConnection(url(port, '/incidents'), {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ incidentId: `ops-workers-${i}`, data: { title: `Worker test ${i}`, leadJurisdiction: ROOM } }),
      });
      expect(sent.status, sent.body).toBe(201);
    }
    for (let i = 0; i < 4; i++) {
      const scraped = await onNewConnection(url(port, '/metrics'), { method: 'GET' });
      expect(scraped.status, scraped.body).toBe(200);
      expect(sampleOf(scraped.body, 'muster_commands_total', { type: 'ReportIncident', outcome: 'accepted' })).toBe(6);
      expect(sampleOf(scraped.body, 'muster_command_duration_seconds_count', { type: 'ReportIncident' })).toBe(6);
      expect(scraped.body).toMatch(/^muster_db_pool_in_use\{pool="api"\} \d+$/m);
    }
  });
});

describe('readiness of the relay and the timers', () => {
  it('answers 503 naming the database once their database is gone, 200 before', async () => {
    const own = await createTestDatabase('ops_ready');
    const [relayPort, timersPort] = [await freePort(), await freePort()];
    const relay = service('relay', own.url, { METRICS_PORT: String(relayPort), RELAY_NAME: 'ready-check' });
    const timers = service('timers', own.url, { METRICS_PORT: String(timersPort) });
    await healthy('relay', relay, url(relayPort, '/health/ready'));
    await healthy('timers', timers, url(timersPort, '/health/ready'));
    expect((await fetch(url(relayPort, '/health/live'))).status).toBe(200);

    await own.drop();
    for (const [name, child, port] of [['relay', relay, relayPort], ['timers', timers, timersPort]] as const) {
      // A process that exits instead of answering fails here with its own output, not a bare "fetch failed".
      const ask = async (path: string) => {
        if (child.child.exitCode !== null) throw new Error(`${name} exited with ${child.child.exitCode} once its database was gone:\n${child.output()}`);
        return fetch(url(port, path));
      };
      const answer = await waitFor(`503 from the ${name}`, async () => {
        const response = await ask('/health/ready');
        return response.status === 503 ? ((await response.json()) as { status: string; reasons: string[] }) : undefined;
      });
      expect(answer.status).toBe('unavailable');
      expect(answer.reasons.some((r) => r.startsWith('database: '))).toBe(true);
      // Alive all the same: a supervisor restarts what is dead, not what waits for its database.
      expect((await ask('/health/live')).status).toBe(200);
    }
  });
});
