/**
 * `pnpm bench` (issue 9): raw baselines and Muster figures in one run on the same PostgreSQL and
 * NATS, written to test/bench/results.json and test/bench/REPORT.md. Not part of `pnpm test`.
 *
 * Sizes (environment): BENCH_SECONDS (per throughput phase, default 5), BENCH_CONSOLES (default
 * 200; the issue asks for 1,000), BENCH_BIG_EVENTS (default 100000), BENCH_CONSOLE_RATE (commands/s
 * for the console latency phase, default 100; the issue asks for 1,000).
 */
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cpus, loadavg } from 'node:os';
import { subscribe, type LiveFeed } from '@muster/client';
import { START_POSITION, comparePositions, type CommandResult, type EventEnvelope } from '@muster/contracts';
import type { Actor } from '@muster/domain';
import { issueToken } from '@muster/identity';
import { PostgresEventStore, readGlobalLog } from '@muster/store-postgres';
import { createTestDatabase, freePort, natsTestNames, TEST_NATS_URL, type TestDatabase } from '@muster/testkit';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect as natsConnect } from '@nats-io/transport-node';
import { sql } from 'kysely';
import { WebSocket, WebSocketServer } from 'ws';
import { REPO_ROOT, startProcess, waitFor, type RunningProcess } from '../support/processes';

const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const SECONDS = num('BENCH_SECONDS', 5);
const CONSOLES = num('BENCH_CONSOLES', 200);
const BIG_EVENTS = num('BENCH_BIG_EVENTS', 100_000);
const CONSOLE_RATE = num('BENCH_CONSOLE_RATE', 100);
const INCIDENTS = 1000;
const SECRET = 'muster-bench-secret-0123456789abcdefgh';
const ROOM = '441203';
const room: Actor = { userId: 'do-bench', roles: ['duty_officer'], jurisdiction: ROOM };

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const pct = (values: number[], p: number) => {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
};
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
const log = (line: string) => process.stdout.write(`${line}\n`);

/** Runs `workers` loops of `work` for `seconds`; returns completed operations and their latencies. */
async function closedLoop(workers: number, seconds: number, work: (worker: number) => Promise<void>): Promise<{ ops: number; perSecond: number; latencies: number[] }> {
  const latencies: number[] = [];
  const end = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      while (performance.now() < end) {
        const t0 = performance.now();
        await work(w);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  return { ops: latencies.length, perSecond: latencies.length / elapsed, latencies };
}

function spawnService(name: string, env: Record<string, string>): RunningProcess {
  return startProcess(process.execPath, ['--import', 'tsx', join(REPO_ROOT, `services/${name}/src/main.ts`)], { LOG_LEVEL: 'warn', HOST: '127.0.0.1', MUSTER_JWT_SECRET: SECRET, ...env });
}

interface Figure {
  name: string;
  value: number;
  unit: string;
  baseline?: { name: string; value: number; unit: string };
  target?: string;
  /** value / baseline, or target / value for "at most" targets; ≥ 1 means met. */
  ratio?: number;
  met?: boolean;
  note?: string;
}

async function main(): Promise<void> {
  const figures: Figure[] = [];
  const chart: { concurrency: number; perSecond: number; p50: number; p99: number }[] = [];
  const t: TestDatabase = await createTestDatabase('bench');
  const names = natsTestNames('bench');
  const services: RunningProcess[] = [];
  const feeds: LiveFeed[] = [];
  const machine = { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', loadAtStart: loadavg().map((l) => round(l, 2)) };
  log(`bench: ${machine.cpus} cpus, load ${machine.loadAtStart.join(' ')}; ${SECONDS}s phases, ${CONSOLES} consoles`);
  try {
    // ---- raw baselines -------------------------------------------------------------------------
    await sql`create table bench_raw (id bigserial primary key, payload jsonb not null)`.execute(t.db);
    const payload = JSON.stringify({ description: 'x'.repeat(200) });
    const rawPg = await closedLoop(8, SECONDS, async () => {
      await t.db.transaction().execute(async (trx) => {
        await sql`insert into bench_raw (payload) values (${payload}::jsonb)`.execute(trx);
      });
    });
    log(`raw pg: ${round(rawPg.perSecond)} tx/s`);

    const nc = await natsConnect({ servers: TEST_NATS_URL });
    const jsm = await jetstreamManager(nc);
    const rawStream = `${names.stream}_RAW`;
    await jsm.streams.add({ name: rawStream, subjects: [`${names.subjectPrefix}.raw.>`] });
    const js = jetstream(nc);
    const body = new TextEncoder().encode('x'.repeat(500));
    let published = 0;
    const jsRun = await closedLoop(64, SECONDS, async (w) => {
      await js.publish(`${names.subjectPrefix}.raw.${w}`, body, { msgID: `${w}-${published++}` });
    });
    await jsm.streams.delete(rawStream);
    log(`raw jetstream: ${round(jsRun.perSecond)} publishes/s (64 in flight)`);

    const wsPort = await freePort();
    const wss = new WebSocketServer({ host: '127.0.0.1', port: wsPort });
    const wsClients = await Promise.all(
      Array.from({ length: CONSOLES }, () => new Promise<{ socket: WebSocket; got: () => number }>((resolve, reject) => {
        const socket = new WebSocket(`ws://127.0.0.1:${wsPort}`);
        let got = 0;
        socket.on('message', () => got++);
        socket.once('open', () => resolve({ socket, got: () => got }));
        socket.once('error', reject);
      })),
    );
    const wsMessages = 2000;
    const frame = JSON.stringify({ type: 'event', position: '1.1', event: { data: 'x'.repeat(400) } });
    const wsStart = performance.now();
    for (let i = 0; i < wsMessages; i++) {
      for (const client of wss.clients) client.send(frame);
      if (i % 50 === 0) await new Promise((r) => setImmediate(r));
    }
    await waitFor('bare broadcast delivered', async () => (wsClients.every((c) => c.got() >= wsMessages) ? true : undefined), 300_000);
    const wsPerSecond = (wsMessages * CONSOLES) / ((performance.now() - wsStart) / 1000);
    for (const c of wsClients) c.socket.close();
    await new Promise<void>((r) => wss.close(() => r()));
    log(`raw ws broadcast: ${round(wsPerSecond)} deliveries/s to ${CONSOLES} clients`);

    // ---- Muster: api, relay, gateway as processes ----------------------------------------------
    const apiPort = await freePort();
    const gatewayPort = await freePort();
    const common = { DATABASE_URL: t.url, NATS_URL: TEST_NATS_URL, NATS_STREAM: names.stream, NATS_SUBJECT_PREFIX: names.subjectPrefix };
    services.push(spawnService('api', { ...common, PORT: String(apiPort), DB_POOL_SIZE: '20' }));
    services.push(spawnService('relay', common));
    services.push(spawnService('gateway', { ...common, PORT: String(gatewayPort), GATEWAY_MAX_CONNECTIONS: String(CONSOLES * 4) }));
    await waitFor('api', async () => ((await fetch(`http://127.0.0.1:${apiPort}/health`)).ok ? true : undefined), 120_000);
    await waitFor('gateway', async () => ((await fetch(`http://127.0.0.1:${gatewayPort}/health`)).ok ? true : undefined), 120_000);
    const token = await issueToken(room, { secret: new TextEncoder().encode(SECRET), ttlSeconds: 24 * 3600 });
    const base = `http://127.0.0.1:${apiPort}`;
    const post = async (path: string, value: Record<string, unknown>): Promise<CommandResult> => {
      const response = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(value) });
      const text = await response.text();
      if (!response.ok) throw new Error(`${path}: ${response.status} ${text}`);
      return JSON.parse(text) as CommandResult;
    };
    const incidents = Array.from({ length: INCIDENTS }, (_, i) => `b-${i}`);
    let nextIncident = 0;
    await Promise.all(Array.from({ length: 16 }, async () => {
      for (let i = nextIncident++; i < INCIDENTS; i = nextIncident++) await post('/incidents', { incidentId: incidents[i], data: { title: `bench ${i}`, leadJurisdiction: ROOM } });
    }));
    let n = 0;
    const command = async () => {
      const i = n++;
      await post(`/incidents/${incidents[i % INCIDENTS] ?? ''}/commands`, { type: 'UpdateIncidentDetails', commandId: `bench-${i}`, data: { description: `update ${i}` } });
    };
    // Latency against load: 1, 4, 16 and 64 concurrent clients.
    for (const concurrency of [1, 4, 16, 64]) {
      const run = await closedLoop(concurrency, concurrency === 64 ? SECONDS : Math.max(2, SECONDS / 2), command);
      chart.push({ concurrency, perSecond: round(run.perSecond), p50: round(pct(run.latencies, 50)), p99: round(pct(run.latencies, 99)) });
      log(`commands, ${concurrency} clients: ${round(run.perSecond)}/s p50 ${round(pct(run.latencies, 50))} ms p99 ${round(pct(run.latencies, 99))} ms`);
    }
    const at64 = chart[chart.length - 1] ?? { perSecond: 0, p50: 0, p99: 0 };
    figures.push({ name: 'acknowledged commands/s (64 clients, 1,000 incidents)', value: at64.perSecond, unit: '/s', baseline: { name: 'raw BEGIN; INSERT; COMMIT, 8 clients', value: round(rawPg.perSecond), unit: 'tx/s' }, target: '≥ 1.0 × raw', ratio: at64.perSecond / rawPg.perSecond, met: at64.perSecond >= rawPg.perSecond });
    figures.push({ name: 'ack latency p50 (64 clients)', value: at64.p50, unit: 'ms' });
    figures.push({ name: 'ack latency p99 (64 clients)', value: at64.p99, unit: 'ms' });

    const store = new PostgresEventStore(t.db);
    // ---- consoles: command → console latency, gateway deliveries/s ------------------------------
    const sentAt = new Map<string, number>();
    const consoleLatencies: number[] = [];
    const consoles = Array.from({ length: CONSOLES }, () => {
      const seen: EventEnvelope[] = [];
      const feed = subscribe({
        url: `ws://127.0.0.1:${gatewayPort}/ws`,
        rooms: [ROOM],
        token: () => token,
        backoff: { initialMs: 100, maxMs: 1000 },
        onEvent: (event) => {
          seen.push(event);
          const sent = sentAt.get(String(event.meta.commandId));
          if (sent !== undefined) consoleLatencies.push(performance.now() - sent);
        },
        onError: () => undefined,
      });
      feeds.push(feed);
      return { feed, seen };
    });
    await waitFor('consoles live', async () => (consoles.every((c) => c.feed.state() === 'live') ? true : undefined), 300_000);
    // Open loop at CONSOLE_RATE commands/s for SECONDS.
    const paced: Promise<void>[] = [];
    const paceStart = performance.now();
    for (let i = 0; i < CONSOLE_RATE * SECONDS; i++) {
      const due = paceStart + (i * 1000) / CONSOLE_RATE;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
      const id = `pace-${i}`;
      sentAt.set(id, performance.now());
      paced.push(post(`/incidents/${incidents[i % INCIDENTS] ?? ''}/commands`, { type: 'UpdateIncidentDetails', commandId: id, data: { description: `paced ${i}` } }).then(() => undefined));
    }
    await Promise.all(paced);
    const pacedCount = CONSOLE_RATE * SECONDS;
    const achievedRate = pacedCount / ((performance.now() - paceStart) / 1000);
    await waitFor('paced events on every console', async () => (consoleLatencies.length >= pacedCount * CONSOLES ? true : undefined), 300_000).catch(() => undefined);
    figures.push({ name: `command → console p50 (${CONSOLES} consoles, ${round(achievedRate)} commands/s offered ${CONSOLE_RATE}/s)`, value: round(pct(consoleLatencies, 50)), unit: 'ms' });
    const p99Console = round(pct(consoleLatencies, 99));
    figures.push({ name: `command → console p99 (${CONSOLES} consoles, ${round(achievedRate)} commands/s)`, value: p99Console, unit: 'ms', target: '≤ 50 ms at 1,000 commands/s with 1,000 consoles', ratio: 50 / p99Console, met: p99Console <= 50 && CONSOLES >= 1000 && achievedRate >= 1000, note: CONSOLES < 1000 || achievedRate < 1000 ? 'scaled down: not the target load' : '' });
    log(`console latency p50 ${round(pct(consoleLatencies, 50))} p99 ${p99Console} ms (${consoleLatencies.length} deliveries)`);

    // Gateway deliveries/s: a burst of events committed straight to the store (batches of 100, so
    // the api is not the bottleneck), relayed to NATS and fanned out, until every console has it.
    const before = consoles.map((c) => c.seen.length);
    const burst = 1000;
    await post('/incidents', { incidentId: 'burst-incident', data: { title: 'burst', leadJurisdiction: ROOM } });
    await post('/incidents/burst-incident/commands', { type: 'UpdateIncidentDetails', data: { description: 'template' } });
    const burstStart = performance.now();
    await appendCopies(store, 'burst-incident', burst, 100);
    await waitFor('burst on every console', async () => (consoles.every((c, i) => c.seen.length - (before[i] ?? 0) >= burst) ? true : undefined), 600_000);
    const gatewayPerSecond = (burst * CONSOLES) / ((performance.now() - burstStart) / 1000);
    figures.push({ name: `gateway deliveries/s (${CONSOLES} consoles, burst of ${burst} events)`, value: round(gatewayPerSecond), unit: '/s', baseline: { name: `bare ws broadcast to ${CONSOLES} clients`, value: round(wsPerSecond), unit: '/s' }, target: '≥ 0.8 × bare broadcast', ratio: gatewayPerSecond / wsPerSecond / 0.8, met: gatewayPerSecond >= 0.8 * wsPerSecond, note: 'from commit to the last console: includes the relay (PostgreSQL → JetStream) and the gateway' });
    log(`gateway: ${round(gatewayPerSecond)} deliveries/s`);

    // ---- reconnect storm ---------------------------------------------------------------------------
    const lastPositions = consoles.map((c) => c.seen.reduce((p, e) => (comparePositions(e.position, p) > 0 ? e.position : p), START_POSITION));
    await Promise.all(feeds.splice(0).map((f) => f.close()));
    let s = 0;
    await Promise.all(Array.from({ length: 16 }, async () => {
      for (let i = s++; i < 500; i = s++) await post(`/incidents/${incidents[i % INCIDENTS] ?? ''}/commands`, { type: 'UpdateIncidentDetails', commandId: `storm-${i}`, data: { description: `while away ${i}` } });
    }));
    const head = await t.db.selectFrom('event').select(sql<string>`count(*)`.as('n')).where(sql<boolean>`${ROOM} = any(rooms)`).executeTakeFirstOrThrow();
    // What each console should get, read before the storm (one read per distinct position).
    const countAfter = new Map<string, number>();
    for (const p of lastPositions) if (!countAfter.has(p)) countAfter.set(p, (await readAllAfter(t, p)).length);
    const expectedAfter = lastPositions.map((p) => countAfter.get(p) ?? 0);
    const stormStart = performance.now();
    const storm = consoles.map((_, i) => {
      const seen: EventEnvelope[] = [];
      const feed = subscribe({ url: `ws://127.0.0.1:${gatewayPort}/ws`, rooms: [ROOM], after: lastPositions[i] ?? START_POSITION, token: () => token, backoff: { initialMs: 100, maxMs: 2000 }, onEvent: (e) => seen.push(e), onError: () => undefined });
      feeds.push(feed);
      return seen;
    });
    await waitFor('storm caught up', async () => (storm.every((seen, i) => seen.length >= (expectedAfter[i] ?? 0)) ? true : undefined), 300_000).catch(() => undefined);
    const stormSeconds = (performance.now() - stormStart) / 1000;
    let duplicates = 0;
    let gaps = 0;
    for (const [i, seen] of storm.entries()) {
      const ids = seen.map((e) => e.eventId);
      duplicates += ids.length - new Set(ids).size;
      gaps += Math.max(0, (expectedAfter[i] ?? 0) - new Set(ids).size);
    }
    figures.push({ name: `reconnect storm: ${CONSOLES} consoles all caught up (${head.n} room events, 500 missed each)`, value: round(stormSeconds * 1000), unit: 'ms', note: `gaps ${gaps}, duplicates ${duplicates}` });
    log(`reconnect storm: ${round(stormSeconds, 2)} s, gaps ${gaps}, duplicates ${duplicates}`);
    await Promise.all(feeds.splice(0).map((f) => f.close()));

    // ---- a 100,000-event incident: load, and full replay ------------------------------------------
    const big = 'big-incident';
    await post('/incidents', { incidentId: big, data: { title: 'a long incident', leadJurisdiction: ROOM } });
    await post(`/incidents/${big}/commands`, { type: 'UpdateIncidentDetails', data: { description: 'template' } });
    const fillStart = performance.now();
    await appendCopies(store, big, BIG_EVENTS, 2000);
    log(`filled ${BIG_EVENTS} events in ${round((performance.now() - fillStart) / 1000, 1)} s`);
    const loads: number[] = [];
    for (let i = 0; i < 200; i++) {
      const t0 = performance.now();
      if (!(await store.loadStream(big))) throw new Error('big incident not found');
      loads.push(performance.now() - t0);
    }
    const loadP99 = round(pct(loads, 99), 2);
    figures.push({ name: `load of a ${BIG_EVENTS}-event incident p99 (PostgresEventStore.loadStream, what engine.load runs: the snapshot row)`, value: loadP99, unit: 'ms', target: '≤ 20 ms', ratio: 20 / loadP99, met: loadP99 <= 20 });
    const replayStart = performance.now();
    let replayed = 0;
    for (let after: string = START_POSITION; ; ) {
      const page = await readGlobalLog(t.db, after, 5000);
      if (page.length === 0) break;
      replayed += page.length;
      after = page[page.length - 1]?.position ?? after;
    }
    const replayPerSecond = replayed / ((performance.now() - replayStart) / 1000);
    figures.push({ name: `full replay of the global log (${replayed} events)`, value: round(replayPerSecond), unit: 'events/s', target: '≥ 100,000 events/s', ratio: replayPerSecond / 100_000, met: replayPerSecond >= 100_000 });
    log(`load p99 ${loadP99} ms; replay ${round(replayPerSecond)} events/s`);
    await nc.close();
  } finally {
    await Promise.all(feeds.map((f) => f.close()));
    for (const service of services) await service.stop('SIGKILL');
    await t.drop();
  }
  machine.loadAtStart.push(...loadavg().map((l) => round(l, 2)));
  await writeResults(figures, chart, machine);
}

/**
 * Appends `count` copies of the stream's last event (an UpdateIncidentDetails event, made first
 * through the api) straight through the store, `batch` events per transaction: a fast way to a
 * long stream or a burst, with the store's own write path (snapshot, hash chain, projection).
 */
async function appendCopies(store: PostgresEventStore, streamId: string, count: number, batch: number): Promise<void> {
  const template = (await store.readStream(streamId)).at(-1);
  if (!template) throw new Error(`no event in ${streamId}`);
  const { position: _position, ...shape } = template;
  const target = template.version + count;
  for (let version = template.version; version < target; ) {
    const stream = await store.loadStream(streamId);
    if (!stream) throw new Error(`${streamId} vanished`);
    const n = Math.min(batch, target - version);
    const commandId = `fill-${streamId}-${version}`;
    const events = Array.from({ length: n }, (_, k) => ({ ...shape, eventId: randomUUID(), version: version + k + 1, meta: { ...shape.meta, commandId } }));
    await store.append({ streamId, streamType: stream.streamType, expectedVersion: version, state: stream.state, events, commandId, result: { streamId, streamType: stream.streamType, version: version + n, state: 'fill', events: [] }, effects: [] });
    version += n;
  }
}

async function readAllAfter(t: TestDatabase, after: string): Promise<EventEnvelope[]> {
  const all: EventEnvelope[] = [];
  for (let p = after; ; ) {
    const page = await readGlobalLog(t.db, p, 5000, { rooms: [ROOM] });
    if (page.length === 0) return all;
    all.push(...page);
    p = page[page.length - 1]?.position ?? p;
  }
}

function asciiChart(chart: { concurrency: number; perSecond: number; p50: number; p99: number }[]): string {
  const max = Math.max(...chart.map((c) => c.p99), 1);
  const lines = chart.map((c) => {
    const bar50 = '█'.repeat(Math.max(1, Math.round((c.p50 / max) * 50)));
    const bar99 = '░'.repeat(Math.max(0, Math.round((c.p99 / max) * 50) - bar50.length));
    return `${String(c.concurrency).padStart(3)} clients ${String(c.perSecond).padStart(7)}/s | ${bar50}${bar99} p50 ${c.p50} ms, p99 ${c.p99} ms`;
  });
  return ['```', 'ack latency against load (█ p50, ░ up to p99)', ...lines, '```'].join('\n');
}

async function writeResults(figures: Figure[], chart: { concurrency: number; perSecond: number; p50: number; p99: number }[], machine: { cpus: number; model: string; loadAtStart: number[] }): Promise<void> {
  const dir = join(REPO_ROOT, 'test/bench');
  const at = new Date().toISOString();
  await writeFile(join(dir, 'results.json'), `${JSON.stringify({ at, machine, settings: { SECONDS, CONSOLES, BIG_EVENTS, CONSOLE_RATE, INCIDENTS }, figures, chart }, null, 2)}\n`);
  const rows = figures.map((f) => `| ${f.name} | ${f.value} ${f.unit} | ${f.baseline ? `${f.baseline.value} ${f.baseline.unit} (${f.baseline.name})` : ''} | ${f.target ?? ''} | ${f.ratio === undefined ? '' : round(f.ratio, 2)} | ${f.met === undefined ? '' : f.met ? 'met' : 'NOT met'} | ${f.note ?? ''} |`);
  const table = ['| figure | value | baseline | target | ratio to target (≥ 1 = met) | | note |', '| --- | --- | --- | --- | --- | --- | --- |', ...rows].join('\n');
  console.table(figures.map((f) => ({ figure: f.name, value: `${f.value} ${f.unit}`, baseline: f.baseline?.value ?? '', ratio: f.ratio === undefined ? '' : round(f.ratio, 2), met: f.met ?? '' })));
  const report = [
    '# Muster benchmark report',
    '',
    `Generated by \`pnpm bench\` (test/bench/run.ts) at ${at} on ${machine.cpus} × ${machine.model}; load average at start ${machine.loadAtStart.slice(0, 3).join(' ')}, at end ${machine.loadAtStart.slice(3).join(' ')}.`,
    `Settings: ${SECONDS} s phases, ${CONSOLES} consoles, ${CONSOLE_RATE} commands/s offered for console latency, ${BIG_EVENTS}-event incident, ${INCIDENTS} incidents.`,
    '',
    table,
    '',
    asciiChart(chart),
    '',
    '## How each figure is measured',
    '',
    '- raw PostgreSQL: 8 loops of `BEGIN; INSERT (one jsonb row); COMMIT` through the same Kysely/pg driver, for one phase.',
    '- raw JetStream: 64 publishes in flight (500-byte payload, each awaited for its PubAck) on a stream of its own on the shared server.',
    '- bare broadcast: a `ws` server sends 2,000 frames of ~450 bytes to every one of the same number of clients as consoles; until all got all.',
    '- commands: the api as its own process (`node --import tsx`, pool of 20), `UpdateIncidentDetails` with a command id over 1,000 incidents, closed loops of 1, 4, 16, 64 clients; ack latency is the HTTP round trip. Every command is its own transaction (no group commit).',
    '- command → console: consoles (the @muster/client feed) on the room over the gateway process, commands offered open-loop at a fixed rate; latency from sending the HTTP request to the event arriving at each console (includes the api, the relay poll and JetStream).',
    '- gateway deliveries/s: 1,000 events committed through the store in batches of 100, timed from the first commit until every console has all of them.',
    '- reconnect storm: every console closes, 500 commands are committed, all reconnect at once with their last position; time until each has every room event after its position (read from PostgreSQL), with gaps and duplicates counted.',
    '- 100,000-event incident: filled through the store (batches of 2,000, same write path as commands), then loaded 200 times; the store keeps the state as a snapshot on the stream row, so the load reads one row and no tail.',
    '- replay: the whole global log read with `readGlobalLog` in pages of 5,000 (the relay\'s and the gateway\'s catch-up read).',
    '',
  ].join('\n');
  await writeFile(join(dir, 'REPORT.md'), report);
  log(report);
}

await main();
