/**
 * `pnpm bench` (issue 9): raw baselines and Muster figures in one run on the same PostgreSQL and
 * NATS, written to results.json and REPORT.md. Not part of `pnpm test`.
 *
 * Environment:
 * - BENCH_PHASES: comma-separated subset of raw, commands, latency, console, gateway, storm, load, replay, start
 *   (default: all, in that order). A subset writes its report to $TMPDIR/muster-bench unless
 *   BENCH_OUT says where, so measuring one thing never overwrites the committed full report.
 * - BENCH_SECONDS (per throughput phase, default 5), BENCH_CONSOLES (default 1000, the issue's size),
 *   BENCH_CONSOLE_RATE (commands/s offered open-loop in the console phase, default 1000, the issue's
 *   rate), BENCH_BIG_EVENTS (default 100000), BENCH_CONSOLE_PROCESSES (processes holding the
 *   consoles, default 2), BENCH_CONSOLE_CLIENT (`protocol`, the default, or `client` for the real
 *   @muster/client feed), BENCH_DRAIN_SECONDS (how long to wait for every console to get everything,
 *   default 180), BENCH_PROFILE_DIR (write a --cpu-prof of the api, gateway and relay there),
 *   BENCH_PROFILE_PASS=0 (skip the profile pass after the phases, which draws the api's flame graphs),
 *   BENCH_GATEWAY_ENTRY (another gateway main.ts, relative to the repository, for an A/B),
 *   BENCH_API_ENTRY (the same for the api, e.g. a worktree of main's services/api/src/main.ts; an
 *   entry ending in .mjs, such as an esbuild bundle, runs with Node alone, without tsx),
 *   BENCH_API_WORKERS (api processes for a second 64-client run, default one per core; 1 skips it),
 *   BENCH_RATE_ROUNDS (64-client loops of 1 api process, each after its own raw baseline loop; default 3).
 * - latency phase (phase-latency.ts): BENCH_LATENCY_CONSOLES (200), BENCH_LATENCY_RATE (200/s), BENCH_LATENCY_SECONDS (30).
 * - start phase (phase-start.ts): `pnpm start` on a new data directory, restarts, `pnpm muster token`.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join, resolve as resolvePath } from 'node:path';
import { cpus, loadavg, tmpdir } from 'node:os';
import { Pool } from 'undici';
import { START_POSITION, type CommandResult, type EventEnvelope } from '@muster/contracts';
import type { Actor } from '@muster/domain';
import { issueToken } from '@muster/identity';
import { PostgresEventStore, readGlobalLog } from '@muster/store-postgres';
import { createTestDatabase, freePort, natsTestNames, TEST_NATS_URL, type TestDatabase } from '@muster/testkit';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect as natsConnect } from '@nats-io/transport-node';
import { sql } from 'kysely';
import { WebSocketServer } from 'ws';
import { REPO_ROOT, startProcess, waitFor, type RunningProcess } from '../support/processes';
import { latencyChartSvg } from './chart';
import { flameGraphSvg, flameTree } from './flame-graph';
import { profilesIn, summarise, type ProfileWindow } from './profile-summary';
import { figuresTable, informational, judged, unmetSection, type Figure } from './figures';
import { histogramPct } from './histogram';
import { combinedCores, cpuByRole, describeCores, machineDuring, processCpu, stolenBetween, type MachineStretch } from './cpu-by-role';
import { latencyFigures } from './phase-latency';
import { startFigures } from './phase-start';
import { READY_ID, wallClock, type ConsoleKind, type ConsoleStats, type FleetReply, type FleetRequest, type LatencyHistogram } from './console-process';

const PHASES = ['raw', 'commands', 'latency', 'console', 'gateway', 'storm', 'load', 'replay', 'start'] as const;
type Phase = (typeof PHASES)[number];

const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const SECONDS = num('BENCH_SECONDS', 5);
const RATE_ROUNDS = Math.max(1, num('BENCH_RATE_ROUNDS', 3));
const CONSOLES = num('BENCH_CONSOLES', 1000);
const BIG_EVENTS = num('BENCH_BIG_EVENTS', 100_000);
const CONSOLE_RATE = num('BENCH_CONSOLE_RATE', 1000);
const CONSOLE_PROCESSES = Math.max(1, num('BENCH_CONSOLE_PROCESSES', 2));
const DRAIN_SECONDS = num('BENCH_DRAIN_SECONDS', 180);
const CONSOLE_CLIENT: ConsoleKind = process.env['BENCH_CONSOLE_CLIENT'] === 'client' ? 'client' : 'protocol';
const PROFILE_DIR = process.env['BENCH_PROFILE_DIR'];
/** The profile pass after the phases, for the report's flame graphs (BENCH_PROFILE_PASS=0 skips it). */
const PROFILE_PASS = process.env['BENCH_PROFILE_PASS'] !== '0';
/** api processes for the second 64-client run (default: one per core; 1 skips it). */
const API_WORKERS = Math.max(1, num('BENCH_API_WORKERS', cpus().length));
const SELECTED = selectedPhases(process.env['BENCH_PHASES']);
const FULL_RUN = SELECTED.length === PHASES.length;
const OUT_DIR = process.env['BENCH_OUT'] ?? (FULL_RUN ? join(REPO_ROOT, 'test/bench') : join(tmpdir(), 'muster-bench'));
const INCIDENTS = 1000;
const SECRET = 'muster-bench-secret-0123456789abcdefgh';
const ROOM = '441203';
const room: Actor = { userId: 'do-bench', roles: ['duty_officer'], jurisdiction: ROOM };

function selectedPhases(text: string | undefined): Phase[] {
  if (!text?.trim()) return [...PHASES];
  const asked = text.split(',').map((p) => p.trim()).filter(Boolean);
  const unknown = asked.filter((p) => !(PHASES as readonly string[]).includes(p));
  if (unknown.length) throw new Error(`BENCH_PHASES: unknown phase ${unknown.join(', ')}; known: ${PHASES.join(', ')}`);
  // Always in the canonical order: later phases reuse what earlier ones set up.
  return PHASES.filter((p) => asked.includes(p));
}

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

type ChartRow = { concurrency: number; perSecond: number; p50: number; p99: number };

/**
 * The benchmark's consoles, spread over `processes` child processes (console-process.ts) so that
 * the load generator is not one event loop; the machine still has only its cores for everything.
 */
class ConsoleFleet {
  private forked: ChildProcess[] | undefined;
  /** Each child's first message: it listens (READY_ID). */
  private readonly ready = new Map<ChildProcess, Promise<void>>();
  private readonly waiting = new Map<number, { resolve(reply: FleetReply): void; reject(error: Error): void }>();
  private nextId = 1;

  constructor(private readonly processes: number) {}

  /**
   * Forked on first use, not when the bench starts: two Node processes starting up (tsx compiling
   * the console client) took the cores from the raw baselines measured first, which then read low.
   */
  private get children(): ChildProcess[] {
    if (this.forked) return this.forked;
    const children: ChildProcess[] = [];
    for (let i = 0; i < this.processes; i++) {
      const child = fork(join(REPO_ROOT, 'test/bench/console-process.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      const ready = new Promise<void>((resolve, reject) => {
        child.once('message', () => resolve());
        child.once('exit', (code) => reject(new Error(`console process exited with ${String(code)} before it listened`)));
      });
      // Seen by the next ask; until then a child that died early must not end the bench unasked.
      ready.catch(() => undefined);
      this.ready.set(child, ready);
      child.on('message', (reply: FleetReply) => {
        if (reply.id === READY_ID) return;
        const waiter = this.waiting.get(reply.id);
        this.waiting.delete(reply.id);
        waiter?.resolve(reply);
      });
      child.on('exit', (code) => {
        for (const waiter of this.waiting.values()) waiter.reject(new Error(`console process exited with ${String(code)}`));
      });
      children.push(child);
    }
    this.forked = children;
    return children;
  }

  private async ask(child: ChildProcess, request: FleetRequest): Promise<Extract<FleetReply, { ok: true }>> {
    await this.ready.get(child);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, {
        resolve: (reply) => (reply.ok ? resolve(reply) : reject(new Error(reply.error))),
        reject,
      });
      child.send({ id, request });
    });
  }

  /** Opens `count` consoles spread evenly; `after[i]` is where console i resumes. */
  async open(kind: ConsoleKind, url: string, token: string, count: number, options: { after?: readonly string[]; trackIds?: boolean } = {}): Promise<void> {
    const share = Math.ceil(count / this.children.length);
    await Promise.all(
      this.children.map((child, i) => {
        const from = i * share;
        const n = Math.max(0, Math.min(share, count - from));
        return this.ask(child, { op: 'open', kind, url, token, room: ROOM, count: n, trackIds: options.trackIds ?? false, ...(options.after ? { after: options.after.slice(from, from + n) } : {}) });
      }),
    );
  }

  /** Per console, in the order they were opened. */
  async stats(): Promise<ConsoleStats[]> {
    const replies = await Promise.all(this.children.map((c) => this.ask(c, { op: 'stats' })));
    return replies.flatMap((r) => r.stats ?? []);
  }

  async latencies(): Promise<{ fromSend: Map<number, number>; fromRecorded: Map<number, number> }> {
    const replies = await Promise.all(this.children.map((c) => this.ask(c, { op: 'latencies' })));
    const merge = (pick: (l: LatencyHistogram) => [number, number][]) => {
      const out = new Map<number, number>();
      for (const reply of replies) for (const [k, v] of reply.latencies ? pick(reply.latencies) : []) out.set(k, (out.get(k) ?? 0) + v);
      return out;
    };
    return { fromSend: merge((l) => l.fromSend), fromRecorded: merge((l) => l.fromRecorded) };
  }

  async closeAll(): Promise<void> {
    await Promise.all((this.forked ?? []).map((c) => this.ask(c, { op: 'close' })));
  }

  stop(): void {
    for (const child of this.forked ?? []) child.kill('SIGKILL');
  }
}

/**
 * HTTP to the api over a bounded keep-alive pool: an open-loop burst queues here, not in 5,000
 * sockets. undici, not node:http: the load generator shares the machine's two cores with what it
 * measures, and node:http's client took 1.6 × undici's CPU per request (170 against 105 µs, 64 in
 * flight against a bare server on this machine), CPU the api and PostgreSQL then did not get.
 */
const pools = new Map<string, Pool>();
function poolFor(origin: string): Pool {
  let pool = pools.get(origin);
  if (!pool) {
    pool = new Pool(origin, { connections: 128 });
    pools.set(origin, pool);
  }
  return pool;
}
/** Best of three runs of the same pure CPU loop, ms. */
function fixedCpuWorkMs(): number {
  let best = Number.POSITIVE_INFINITY;
  for (let run = 0; run < 3; run++) {
    const start = performance.now();
    let sum = 0;
    for (let i = 0; i < 3e8; i++) sum += i % 7;
    // Using the sum keeps the loop from being optimised away.
    if (sum < 0) throw new Error('unreachable');
    best = Math.min(best, performance.now() - start);
  }
  return best;
}

/**
 * CPU (user + system, this process) per `select $1` round trip through the same driver, back to
 * back and 5 ms apart. On this VM a process that sleeps between requests pays several times the CPU
 * for each one (measured 60 µs back to back against 250 µs paced): the floor under every figure of a
 * paced load, where each command wakes the api, PostgreSQL, the relay and the gateway in turn.
 */
async function rawQueryCpu(db: TestDatabase['db']): Promise<{ backToBackUs: number; pacedUs: number }> {
  const query = (i: number) => sql`select ${i}::int as x`.execute(db);
  for (let i = 0; i < 2000; i++) await query(i);
  const measure = async (count: number, gapMs: number) => {
    const before = process.cpuUsage();
    for (let i = 0; i < count; i++) {
      await query(i);
      if (gapMs > 0) await new Promise((r) => setTimeout(r, gapMs));
    }
    const used = process.cpuUsage(before);
    return (used.user + used.system) / count;
  };
  return { backToBackUs: await measure(5000, 0), pacedUs: await measure(1000, 5) };
}

async function postJson(base: string, token: string, path: string, value: Record<string, unknown>): Promise<CommandResult> {
  const { statusCode, body } = await poolFor(base).request({ path, method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(value) });
  const text = await body.text();
  if (statusCode >= 300) throw new Error(`${path}: ${statusCode} ${text}`);
  return JSON.parse(text) as CommandResult;
}

/**
 * CPU time (user + system, ms) used so far by process `pid` and every process below it (the api's
 * cluster workers), read from /proc: the bench reads it, so the api needs no hook of its own.
 */
async function cpuMsOfTree(pid: number): Promise<number> {
  const stats = await processCpu();
  let ms = 0;
  let frontier = [pid];
  while (frontier.length) {
    const level = stats.filter((s) => frontier.includes(s.pid));
    ms += level.reduce((sum, s) => sum + s.ms, 0);
    frontier = stats.filter((s) => frontier.includes(s.ppid)).map((s) => s.pid);
  }
  return ms;
}

/**
 * The api's Prometheus metrics as name (with its labels, as exposed) → value: the bench's api sets no
 * MUSTER_METRICS_TOKEN, so /metrics is open. Histograms give `<name>_sum` and `<name>_count`.
 */
async function scrapeMetrics(base: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line === '') continue;
    const at = line.lastIndexOf(' ');
    const key = line.slice(0, at);
    // Summed over label sets: the bench sends one command type.
    const name = key.replace(/\{.*\}$/, '');
    values.set(name, (values.get(name) ?? 0) + Number(line.slice(at + 1)));
  }
  return values;
}

/** The gateway's counters; it gives them only for a valid token (issue 14). */
async function gatewayHealth(port: number, token: string): Promise<{ connections: number; stats: Record<string, number> }> {
  return (await (await fetch(`http://127.0.0.1:${port}/health`, { headers: { authorization: `Bearer ${token}` } })).json()) as { connections: number; stats: Record<string, number> };
}

async function main(): Promise<void> {
  const figures: Figure[] = [];
  const chart: ChartRow[] = [];
  const t: TestDatabase = await createTestDatabase('bench');
  // The raw baselines' table: BEGIN; INSERT (one jsonb row); COMMIT.
  await sql`create table bench_raw (id bigserial primary key, payload jsonb not null)`.execute(t.db);
  const names = natsTestNames('bench');
  const services = new Map<string, RunningProcess>();
  const fleet = new ConsoleFleet(CONSOLE_PROCESSES);
  const cpuAtStart = await cpuByRole();
  const runStart = performance.now();
  const machine = { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', loadAtStart: loadavg().map((l) => round(l, 2)), loadAtEnd: [] as number[], stealPercent: Number.NaN };
  log(`bench: phases ${SELECTED.join(',')}; ${machine.cpus} cpus, load ${machine.loadAtStart.join(' ')}; ${SECONDS}s phases, ${CONSOLES} consoles in ${CONSOLE_PROCESSES} processes (${CONSOLE_CLIENT}), ${CONSOLE_RATE} commands/s offered`);
  const store = new PostgresEventStore(t.db);
  const token = await issueToken(room, { secret: new TextEncoder().encode(SECRET), ttlSeconds: 24 * 3600 });
  const common = { DATABASE_URL: t.url, NATS_URL: TEST_NATS_URL, NATS_STREAM: names.stream, NATS_SUBJECT_PREFIX: names.subjectPrefix };
  const ports = { api: await freePort(), gateway: await freePort() };
  const base = `http://127.0.0.1:${ports.api}`;
  const gatewayUrl = `ws://127.0.0.1:${ports.gateway}/ws`;
  const post = (path: string, value: Record<string, unknown>) => postJson(base, token, path, value);
  const incidents = Array.from({ length: INCIDENTS }, (_, i) => `b-${i}`);

  const spawnService = (name: string, env: Record<string, string>, profileName = name, profileDir = PROFILE_DIR): RunningProcess => {
    // A cluster's workers inherit the flags and write a profile each into the same directory.
    const profile = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${join(profileDir, profileName)}`] : [];
    // BENCH_GATEWAY_ENTRY / BENCH_API_ENTRY run another build (e.g. a copy of the last commit's) for an A/B in the same conditions.
    const other = process.env[`BENCH_${name.toUpperCase()}_ENTRY`];
    const entry = (name === 'gateway' || name === 'api') && other ? resolvePath(REPO_ROOT, other) : join(REPO_ROOT, `services/${name}/src/main.ts`);
    // A bundle (.mjs) runs with Node alone, as `pnpm start` runs the server's.
    const loader = entry.endsWith('.mjs') ? [] : ['--import', 'tsx'];
    return startProcess(process.execPath, [...profile, ...loader, entry], { LOG_LEVEL: 'warn', HOST: '127.0.0.1', MUSTER_JWT_SECRET: SECRET, ...common, ...env });
  };
  /** Starts the api, relay and gateway once, when the first phase needs them. */
  let incidentsCreated = false;
  const ensureServices = async (): Promise<void> => {
    if (services.size) return;
    services.set('api', spawnService('api', { PORT: String(ports.api), DB_POOL_SIZE: '20' }));
    services.set('relay', spawnService('relay', {}));
    services.set('gateway', spawnService('gateway', { PORT: String(ports.gateway), GATEWAY_MAX_CONNECTIONS: String(CONSOLES * 4), GATEWAY_MAX_SOCKETS_PER_USER: String(CONSOLES * 4) }));
    await waitFor('api', async () => ((await fetch(`${base}/health`)).ok ? true : undefined), 120_000);
    await waitFor('gateway', async () => ((await fetch(`http://127.0.0.1:${ports.gateway}/health`)).ok ? true : undefined), 120_000);
    if (incidentsCreated) return;
    let nextIncident = 0;
    await Promise.all(Array.from({ length: 16 }, async () => {
      for (let i = nextIncident++; i < INCIDENTS; i = nextIncident++) await post('/incidents', { incidentId: incidents[i], data: { title: `bench ${i}`, leadJurisdiction: ROOM } });
    }));
    // A server's autovacuum gathers the tables' statistics within a minute of such a change; the
    // bench measures seconds after it, so it gathers them itself. Without them the planner takes the
    // fresh tables for empty and scans the streams and commands whole for every write (issue 18).
    await sql`analyze`.execute(t.db);
    incidentsCreated = true;
  };
  /** SIGTERM first, so a profiled service writes its profile; then SIGKILL whatever is left. */
  const stopServices = async (): Promise<void> => {
    await Promise.all([...services.values()].map(async (service) => {
      const exited = await Promise.race([service.stop('SIGTERM'), sleep(10_000).then(() => 'timeout')]);
      if (exited === 'timeout') await service.stop('SIGKILL');
    }));
    services.clear();
  };

  let n = 0;
  const command = async () => {
    const i = n++;
    await post(`/incidents/${incidents[i % INCIDENTS] ?? ''}/commands`, { type: 'UpdateIncidentDetails', commandId: `bench-${i}`, data: { description: `update ${i}` } });
  };

  /** The 1- and 64-client runs, for the api's profile: which directory, how many commands, when. */
  const profileWindows: { dir: string; concurrency: number; workers: number; ops: number; window: ProfileWindow }[] = [];
  /** Where the profile pass's api writes its profile (removed once the report is written). */
  const passDir = await mkdtemp(join(tmpdir(), 'muster-bench-profile-'));
  /** API CPU ms per acknowledged command at 64 clients, by the number of api processes. */
  const cpuAt64 = new Map<number, { cpuMs: number; ops: number }>();
  /** The whole machine's CPU by process over the 64-client loops of 1 api process, each round's. */
  const machineAt64: (MachineStretch & { ops: number })[] = [];
  /** API CPU ms per acknowledged command with one client alone (1 process): what batching cannot share. */
  let cpuPerAckAlone = Number.NaN;
  /**
   * Where one client's ack goes, from the api's own metrics read before and after a 1-client loop of
   * its own: means of the ack, of the engine's time per command and of PostgreSQL's per write. Not
   * the measured loop: a scrape just before it made the api spend 8–9 % more CPU per command in the
   * loop that followed (two alternating pairs of runs), so the figures are taken unscraped and this after them.
   */
  const splitAlone = async (): Promise<{ ackMs: number; engineMs: number; databaseMs: number }> => {
    const before = await scrapeMetrics(base);
    const run = await closedLoop(1, Math.max(2, SECONDS / 2), command);
    const after = await scrapeMetrics(base);
    const mean = (name: string) => ((after.get(`${name}_sum`) ?? 0) - (before.get(`${name}_sum`) ?? 0)) / Math.max(1, (after.get(`${name}_count`) ?? 0) - (before.get(`${name}_count`) ?? 0));
    return { ackMs: run.latencies.reduce((a, b) => a + b, 0) / Math.max(1, run.ops), engineMs: mean('muster_command_duration_seconds') * 1000, databaseMs: mean('muster_group_commit_seconds') * 1000 };
  };
  const measuredCommands = async (concurrency: number, seconds: number, workers: number) => {
    const pid = services.get('api')?.child.pid ?? 0;
    const cpuBefore = await cpuMsOfTree(pid);
    const fromUs = Number(process.hrtime.bigint() / 1000n);
    const { result: run, machine } = await machineDuring(() => closedLoop(concurrency, seconds, command));
    const toUs = Number(process.hrtime.bigint() / 1000n);
    const cpu = (await cpuMsOfTree(pid)) - cpuBefore;
    if (concurrency === 64 && workers === 1) machineAt64.push({ ...machine, ops: run.ops });
    if (concurrency === 1 && workers === 1) cpuPerAckAlone = cpu / run.ops;
    if (concurrency === 64) {
      const sum = cpuAt64.get(workers) ?? { cpuMs: 0, ops: 0 };
      cpuAt64.set(workers, { cpuMs: sum.cpuMs + cpu, ops: sum.ops + run.ops });
    }
    // The first loop of each kind: the profile of one is enough, and the report stays readable.
    const profiled = profileWindows.some((w) => w.concurrency === concurrency && w.workers === workers);
    if (PROFILE_DIR && !profiled && (concurrency === 64 || (concurrency === 1 && workers === 1))) {
      profileWindows.push({ dir: workers > 1 ? `api-${workers}-workers` : 'api', concurrency, workers, ops: run.ops, window: { fromUs, toUs } });
    }
    log(`  api CPU ${round(cpu)} ms for ${run.ops} commands (${round(cpu / run.ops, 3)} ms each, ${workers} process${workers > 1 ? 'es' : ''})`);
    return run;
  };
  /** Seconds of load the 1-process api had taken before its 64-client loop (the restarted api is warmed up as long). */
  let warmedSeconds = 0;
  const restartApi = async (workers: number, profileDir?: string): Promise<void> => {
    const api = services.get('api');
    if (api) {
      const exited = await Promise.race([api.stop('SIGTERM'), sleep(10_000).then(() => 'timeout')]);
      if (exited === 'timeout') await api.stop('SIGKILL');
    }
    // One pool's worth of connections across the workers, so N processes do not get N times the database.
    services.set('api', spawnService('api', { PORT: String(ports.api), DB_POOL_SIZE: String(Math.max(4, Math.ceil(20 / workers))), MUSTER_API_WORKERS: String(workers) }, workers > 1 ? `api-${workers}-workers` : 'api', profileDir ?? PROFILE_DIR));
    await waitFor('api', async () => ((await fetch(`${base}/health`)).ok ? true : undefined), 120_000);
    // The first worker to listen answers /health while the others may still be compiling: wait until
    // the whole tree is idle, so neither their start-up nor a port held by one worker is measured.
    const pid = services.get('api')?.child.pid ?? 0;
    for (let last = await cpuMsOfTree(pid), i = 0; i < 120; i++) {
      await sleep(1000);
      const now = await cpuMsOfTree(pid);
      if (now - last < 100) break;
      last = now;
    }
    // Warm up the new processes' code the way the 1-process api was by the warm-up and the smaller
    // loops before its 64-client loop (about as many seconds of load): after only 2.5 s the workers
    // were still compiling their hot path and the summed CPU per command read 1.28 ms against 0.34.
    await closedLoop(64, Math.min(15, Math.max(2, warmedSeconds)), command);
  };

  /** One loop of the raw baseline: 8 clients, BEGIN; INSERT; COMMIT, for one phase's seconds; tx/s. */
  const rawPgLoop = async (): Promise<number> => {
    const payload = JSON.stringify({ description: 'x'.repeat(200) });
    const run = await closedLoop(8, SECONDS, async () => {
      await t.db.transaction().execute(async (trx) => {
        await sql`insert into bench_raw (payload) values (${payload}::jsonb)`.execute(trx);
      });
    });
    log(`raw pg: ${round(run.perSecond)} tx/s`);
    return run.perSecond;
  };

  /** Consoles currently open in the fleet (live on the room), or none. */
  let fleetOpen = 0;
  const openLiveConsoles = async (): Promise<void> => {
    if (fleetOpen) return;
    await ensureServices();
    const t0 = performance.now();
    await fleet.open(CONSOLE_CLIENT, gatewayUrl, token, CONSOLES);
    await waitFor('consoles live', async () => ((await fleet.stats()).every((c) => c.live) ? true : undefined), 300_000);
    fleetOpen = CONSOLES;
    log(`${CONSOLES} consoles live in ${round((performance.now() - t0) / 1000, 1)} s`);
  };
  const closeConsoles = async (): Promise<void> => {
    await fleet.closeAll();
    fleetOpen = 0;
  };

  try {
    for (const phase of SELECTED) {
      log(`---- ${phase} (load ${loadavg().map((l) => round(l, 2)).join(' ')})`);
      switch (phase) {
        case 'raw': {
          const { result: pg, machine: rawMachine } = await machineDuring(rawPgLoop);
          figures.push(informational('raw.pg_tx_rate_8', 'raw PostgreSQL BEGIN; INSERT; COMMIT (8 clients)', round(pg), 'tx/s', { note: 'baseline' }));
          // What one raw transaction costs the whole machine: beside commands.machine_cpu_per_ack_64, the
          // budget a command has if the rate is to match the raw one while both are bound by the cores.
          const rawCores = rawMachine.used.reduce((sum, r) => sum + r.cores, 0);
          figures.push(informational('raw.machine_cpu_per_tx_8', 'CPU of every process on the machine per raw transaction (8 clients)', round((rawCores * 1000) / Math.max(pg, 1e-9), 3), 'ms', {
            note: `baseline: by process, in cores: ${describeCores(rawMachine.used, cpus().length, rawMachine.stolen)}`,
          }));
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
          await nc.close();
          figures.push(informational('raw.jetstream_publish_rate_64', 'raw JetStream publish (64 in flight)', round(jsRun.perSecond), '/s', { note: 'baseline' }));
          log(`raw jetstream: ${round(jsRun.perSecond)} publishes/s (64 in flight)`);
          const wakeUp = await rawQueryCpu(t.db);
          figures.push(informational('raw.pg_query_cpu_back_to_back', 'CPU of the bench process per raw `select $1` round trip, one after another (1 client)', round(wakeUp.backToBackUs), 'µs', { note: 'baseline' }));
          figures.push(informational('raw.pg_query_cpu_paced', 'CPU of the bench process per raw `select $1` round trip, 5 ms apart (1 client)', round(wakeUp.pacedUs), 'µs', {
            note: `baseline: the same query costs ${round(wakeUp.pacedUs / Math.max(wakeUp.backToBackUs, 1e-9), 1)} × as much when the process sleeps between queries (its wake-ups on this virtual machine); a paced command pays it too (latency.machine_cores)`,
          }));
          log(`raw pg query CPU: ${round(wakeUp.backToBackUs)} µs back to back, ${round(wakeUp.pacedUs)} µs 5 ms apart`);
          break;
        }
        case 'commands': {
          await ensureServices();
          // One client alone against one raw transaction alone, measured back to back (issue 18).
          const rawOne = await closedLoop(1, Math.max(2, SECONDS / 2), async () => {
            await t.db.transaction().execute(async (trx) => {
              await sql`insert into bench_raw (payload) values (${JSON.stringify({ description: 'x'.repeat(200) })}::jsonb)`.execute(trx);
            });
          });
          const rawOneP50 = round(pct(rawOne.latencies, 50), 2);
          figures.push(informational('raw.pg_tx_p50_1', 'raw PostgreSQL BEGIN; INSERT; COMMIT p50 (1 client)', rawOneP50, 'ms', { note: 'baseline' }));
          // The machine's own speed, to compare runs of different days: the raw baselines above also
          // move with the disk's flush time, this one only with the core (and steal).
          const cpuLoop = fixedCpuWorkMs();
          figures.push(informational('raw.cpu_fixed_work', 'a fixed piece of pure CPU work in the bench process (best of 3)', round(cpuLoop, 1), 'ms', { note: 'baseline for comparing runs: 3 × 10⁸ additions and remainders in one JavaScript loop' }));
          // Warm-up, not measured: a freshly started api runs its first thousand commands cold (V8 has
          // not optimised the hot path yet, pools and caches are empty), which cost 2.5 ms of CPU each
          // against 0.4 ms warm; every figure below is of a warm api, as a server that has been up is.
          // Five seconds: one client alone measured p50 3.05 ms after three seconds of warm-up and
          // 1.57 ms after ten more (a probe of issue 18): V8 was still optimising the lone command's path.
          const warm = await closedLoop(16, 5, command);
          warmedSeconds = 5;
          log(`warm-up: ${warm.ops} commands (16 clients, 5 s), not measured`);
          // Latency against load: 1, 4 and 16 concurrent clients.
          for (const concurrency of [1, 4, 16]) {
            const seconds = Math.max(2, SECONDS / 2);
            const run = await measuredCommands(concurrency, seconds, 1);
            warmedSeconds += seconds;
            chart.push({ concurrency, perSecond: round(run.perSecond), p50: round(pct(run.latencies, 50)), p99: round(pct(run.latencies, 99)) });
            log(`commands, ${concurrency} clients: ${round(run.perSecond)}/s p50 ${round(pct(run.latencies, 50))} ms p99 ${round(pct(run.latencies, 99))} ms`);
          }
          // 64 clients in rounds, each right after a loop of its baseline (8 raw clients): on this
          // shared virtual machine the cores' and the disk's speed drift by half within minutes (the
          // raw phase alone read 2,266, 1,796 and 1,300 tx/s in three runs within ten minutes), so a
          // baseline measured a minute earlier, in another phase, compared the rate with another machine.
          const rounds: { raw: number; rate: number }[] = [];
          const latencies64: number[] = [];
          for (let r = 0; r < RATE_ROUNDS; r++) {
            const raw = await rawPgLoop();
            const run = await measuredCommands(64, SECONDS, 1);
            rounds.push({ raw, rate: run.perSecond });
            for (const latency of run.latencies) latencies64.push(latency);
            log(`commands, 64 clients, round ${r + 1}: ${round(run.perSecond)}/s (${round(run.perSecond / raw, 3)} × raw ${round(raw)} tx/s) p50 ${round(pct(run.latencies, 50))} ms p99 ${round(pct(run.latencies, 99))} ms`);
          }
          // The round of the median ratio, rate and raw together: each rate is judged against its own
          // raw loop, and the medians of rates and of raw loops taken apart could pair two rounds.
          const middle = [...rounds].sort((a, b) => a.rate / a.raw - b.rate / b.raw)[Math.floor((rounds.length - 1) / 2)] ?? { raw: Number.NaN, rate: 0 };
          const rate64 = middle.rate;
          const raw64 = middle.raw;
          chart.push({ concurrency: 64, perSecond: round(rate64), p50: round(pct(latencies64, 50)), p99: round(pct(latencies64, 99)) });
          // What the machine's cores allow at all: every process's CPU per command (api, PostgreSQL, the
          // event path, the load generator) against the cores, as if none were ever idle.
          const machine64 = machineAt64.length ? combinedCores(machineAt64) : undefined;
          const machinePerAckMs = machine64 ? (machine64.used.reduce((sum, r) => sum + r.cores, 0) * machine64.seconds * 1000) / machine64.ops : Number.NaN;
          const most = (cpus().length * 1000) / machinePerAckMs;
          const ceiling = machine64 ? `; the machine spends ${round(machinePerAckMs, 3)} ms of CPU per command over all its processes (commands.machine_cpu_per_ack_64), so its ${cpus().length} cores allow at most ${Math.round(most)}/s with none ever idle, ${round(most / raw64, 2)} × the raw loop` : '';
          const at1 = chart.find((c) => c.concurrency === 1) ?? { perSecond: 0, p50: Number.NaN, p99: 0 };
          const aloneSplit = await splitAlone();
          figures.push(judged('commands.ack_p50_1', 'one client alone: ack p50', at1.p50, 'ms', { atMostTimesBaseline: 3 }, {
            baseline: { name: 'raw BEGIN; INSERT; COMMIT p50, 1 client', value: rawOneP50, unit: 'ms' },
            // The api's own CPU per command alone is on the command's path: it alone is a share of the budget.
            note: `${at1.perSecond} commands/s, p99 ${at1.p99} ms; in a 1-client loop after the measured ones, read from the api's own metrics, an ack took ${round(aloneSplit.ackMs, 2)} ms on average, of which PostgreSQL ${round(aloneSplit.databaseMs, 2)} ms (the command's one statement and its commit, muster_group_commit_seconds) and the rest of the engine ${round(aloneSplit.engineMs - aloneSplit.databaseMs, 2)} ms (muster_command_duration_seconds); HTTP, Fastify, the load generator and the wake-ups between them ${round(aloneSplit.ackMs - aloneSplit.engineMs, 2)} ms. The api alone spent ${round(cpuPerAckAlone, 3)} ms of CPU per command (commands.api_cpu_per_ack_1), ${round(cpuPerAckAlone / rawOneP50, 1)} × the raw transaction's whole p50`,
          }));
          const at64 = chart[chart.length - 1] ?? { perSecond: 0, p50: 0, p99: 0 };
          figures.push(judged('commands.ack_rate_64', 'acknowledged commands/s (64 clients, 1,000 incidents, 1 api process)', at64.perSecond, '/s', { atLeastTimesBaseline: 1 }, {
            baseline: { name: 'raw BEGIN; INSERT; COMMIT, 8 clients', value: round(raw64), unit: 'tx/s' },
            note: `the round of the median ratio of ${rounds.length}, each a raw loop then a 64-client loop of ${SECONDS} s: ${rounds.map((r) => `${round(r.rate)}/s against ${round(r.raw)} tx/s (${round(r.rate / r.raw, 2)} ×)`).join('; ')}${ceiling}`,
          }));
          figures.push(informational('commands.ack_p50_64', 'ack latency p50 (64 clients)', at64.p50, 'ms'));
          figures.push(informational('commands.api_cpu_per_ack_1', 'api CPU per acknowledged command (one client alone, 1 api process)', round(cpuPerAckAlone, 3), 'ms', { note: 'as at 64 clients, over the 1-client loop: nothing shares a round trip or a wake-up, so this is the whole fixed cost of one command' }));
          figures.push(informational('commands.ack_p99_64', 'ack latency p99 (64 clients)', at64.p99, 'ms'));
          const at64Cpu = cpuAt64.get(1);
          const cpu1 = at64Cpu ? at64Cpu.cpuMs / at64Cpu.ops : Number.NaN;
          figures.push(judged('commands.api_cpu_per_ack_64', 'api CPU per acknowledged command (64 clients, 1 api process)', round(cpu1, 3), 'ms', { atMost: 0.3 }, { note: 'user + system time of the api process (/proc/<pid>/stat) over the 64-client loop, divided by the commands it acknowledged, over the rounds\' loops together' }));
          if (machine64) {
            log(`  the machine during the 64-client loop: ${describeCores(machine64.used, cpus().length, machine64.stolen)}`);
            figures.push(informational('commands.machine_cpu_per_ack_64', 'CPU of every process on the machine per acknowledged command (64 clients, 1 api process)', round(machinePerAckMs, 3), 'ms', {
              note: `by process, in cores: ${describeCores(machine64.used, cpus().length, machine64.stolen)}; the rate is bounded by the cores ÷ this`,
            }));
          }
          // The same 64 clients against API_WORKERS processes on the same port (node:cluster).
          if (API_WORKERS > 1) {
            await restartApi(API_WORKERS);
            const pg = await rawPgLoop();
            const run = await measuredCommands(64, SECONDS, API_WORKERS);
            const atN = cpuAt64.get(API_WORKERS);
            const cpuN = atN ? atN.cpuMs / atN.ops : Number.NaN;
            log(`commands, 64 clients, ${API_WORKERS} api workers: ${round(run.perSecond)}/s p50 ${round(pct(run.latencies, 50))} ms p99 ${round(pct(run.latencies, 99))} ms; api CPU ${round(cpuN, 3)} ms per ack`);
            figures.push(judged('commands.ack_rate_64_workers', `acknowledged commands/s (64 clients, ${API_WORKERS} api workers)`, round(run.perSecond), '/s', { atLeastTimesBaseline: 1 }, { baseline: { name: 'raw BEGIN; INSERT; COMMIT, 8 clients', value: round(pg), unit: 'tx/s' }, note: `MUSTER_API_WORKERS=${API_WORKERS}; p50 ${round(pct(run.latencies, 50))} ms, p99 ${round(pct(run.latencies, 99))} ms; ${round(run.perSecond / Math.max(at64.perSecond, 1e-9), 2)} × the 1-process rate of this run` }));
            figures.push(informational('commands.api_cpu_per_ack_64_workers', `api CPU per acknowledged command (64 clients, ${API_WORKERS} api workers)`, round(cpuN, 3), 'ms', { note: 'summed over the primary and its workers' }));
            await restartApi(1);
          }
          break;
        }
        case 'latency': {
          await ensureServices();
          await closeConsoles();
          figures.push(
            ...(await latencyFigures({
              fleet,
              kind: CONSOLE_CLIENT,
              gatewayUrl,
              token,
              incidents,
              post,
              prepareBurst: async () => {
                await post('/incidents', { incidentId: 'latency-burst', data: { title: 'latency burst', leadJurisdiction: ROOM } });
                await post('/incidents/latency-burst/commands', { type: 'UpdateIncidentDetails', data: { description: 'template' } });
              },
              burst: (count) => appendCopies(store, 'latency-burst', count, 100),
              recordedToStored: (prefix) => recordedToStored(names.stream, prefix),
              waitFor,
              log,
            })),
          );
          break;
        }
        case 'start': {
          // Its own embedded PostgreSQL and ports: the benchmark's services are stopped first.
          await closeConsoles();
          await stopServices();
          figures.push(...(await startFigures(log)));
          break;
        }
        case 'console': {
          // Fresh consoles (and fresh histograms) for this phase.
          await closeConsoles();
          await openLiveConsoles();
          const before = (await fleet.stats()).map((c) => c.received);
          // Open loop: command i is due at start + i/rate whatever happened to earlier ones, and its
          // latency counts from that due time (stamped into the command), so a backlog in the api or
          // in this generator is measured, not hidden (no coordinated omission).
          const total = Math.round(CONSOLE_RATE * SECONDS);
          const acked: Promise<boolean>[] = [];
          const paceStart = performance.now();
          const paceWall = wallClock();
          let lastAck = paceStart;
          for (let i = 0; i < total; ) {
            const now = performance.now();
            for (; i < total && paceStart + (i * 1000) / CONSOLE_RATE <= now; i++) {
              const due = paceWall + (i * 1000) / CONSOLE_RATE;
              acked.push(post(`/incidents/${incidents[i % INCIDENTS] ?? ''}/commands`, { type: 'UpdateIncidentDetails', commandId: `pace-${i}`, data: { description: `paced ${i} t=${due.toFixed(2)}` } }).then(
                () => {
                  lastAck = performance.now();
                  return true;
                },
                () => false,
              ));
            }
            await sleep(1);
          }
          const offeredSeconds = (performance.now() - paceStart) / 1000;
          const results = await Promise.all(acked);
          const ackedCount = results.filter(Boolean).length;
          const achievedRate = ackedCount / ((lastAck - paceStart) / 1000);
          log(`offered ${total} commands in ${round(offeredSeconds, 2)} s (${round(total / offeredSeconds)}/s); ${ackedCount} acknowledged at ${round(achievedRate)}/s`);
          const expected = ackedCount;
          const drained = await waitFor('paced events on every console', async () => {
            const stats = await fleet.stats();
            return stats.every((c, i) => c.received - (before[i] ?? 0) >= expected) ? true : undefined;
          }, DRAIN_SECONDS * 1000).catch(() => false);
          const stats = await fleet.stats();
          const missing = stats.reduce((sum, c, i) => sum + Math.max(0, expected - (c.received - (before[i] ?? 0))), 0);
          const { fromSend, fromRecorded } = await fleet.latencies();
          const deliveries = [...fromSend.values()].reduce((a, b) => a + b, 0);
          const p50 = round(histogramPct(fromSend, 50));
          const p99 = round(histogramPct(fromSend, 99));
          const health = await gatewayHealth(ports.gateway, token);
          const atTarget = CONSOLES >= 1000 && achievedRate >= 1000;
          const load = `${CONSOLES} consoles, ${CONSOLE_RATE}/s offered, ${round(achievedRate)}/s acknowledged`;
          // The 1,000 × 1,000 target of issue 9 is retired (issue 18): this phase reports without a target;
          // the `latency` phase (phase-latency.ts) has the issue's 200 × 200 targets.
          figures.push(informational('console.big_p50', `command → console p50 (${load})`, p50, 'ms'));
          figures.push(informational('console.big_p99', `command → console p99 (${load})`, p99, 'ms', { note: `${deliveries} deliveries${drained ? '' : `, ${missing} still missing after ${DRAIN_SECONDS} s`}; ${health.stats['slowConsumersClosed'] ?? 0} slow consoles closed (4408) so far${atTarget ? '' : '; the api did not sustain the offered rate'}` }));
          figures.push(informational('console.big_recorded_p99', `recorded → console p99 (${CONSOLES} consoles)`, round(histogramPct(fromRecorded, 99)), 'ms', { note: `p50 ${round(histogramPct(fromRecorded, 50))} ms; from meta.recordedAt (the api's clock when it began handling the command, ms resolution) to arrival: leaves out the HTTP queue before the api, keeps its wait for a database connection, the commit, the relay, JetStream and the gateway` }));
          log(`console latency p50 ${p50} p99 ${p99} ms (${deliveries} deliveries); recorded → console p50 ${round(histogramPct(fromRecorded, 50))} p99 ${round(histogramPct(fromRecorded, 99))} ms`);
          break;
        }
        case 'gateway': {
          // The baseline first, with the same number of clients spread over the same processes.
          await closeConsoles();
          const wsPort = await freePort();
          const wss = new WebSocketServer({ host: '127.0.0.1', port: wsPort, perMessageDeflate: false });
          await fleet.open('bare', `ws://127.0.0.1:${wsPort}`, token, CONSOLES);
          await waitFor('bare clients', async () => (wss.clients.size >= CONSOLES ? true : undefined), 120_000);
          const wsMessages = 1000;
          const frame = JSON.stringify({ type: 'event', position: '1.1', event: { data: 'x'.repeat(600) } });
          const wsStart = performance.now();
          for (let i = 0; i < wsMessages; i++) {
            for (const client of wss.clients) client.send(frame);
            if (i % 20 === 0) await new Promise((r) => setImmediate(r));
          }
          await waitFor('bare broadcast delivered', async () => ((await fleet.stats()).every((c) => c.received >= wsMessages) ? true : undefined), 600_000);
          const wsPerSecond = (wsMessages * CONSOLES) / ((performance.now() - wsStart) / 1000);
          await fleet.closeAll();
          for (const client of wss.clients) client.terminate();
          await new Promise<void>((r) => wss.close(() => r()));
          log(`bare ws broadcast: ${round(wsPerSecond)} deliveries/s to ${CONSOLES} clients`);

          // Gateway: a burst committed straight to the store (batches of 100, so the api is not the
          // bottleneck), relayed to NATS and fanned out, until every console has all of it.
          await openLiveConsoles();
          const before = (await fleet.stats()).map((c) => c.received);
          const closedBefore = (await gatewayHealth(ports.gateway, token)).stats['slowConsumersClosed'] ?? 0;
          const burst = 1000;
          await post('/incidents', { incidentId: 'burst-incident', data: { title: 'burst', leadJurisdiction: ROOM } });
          await post('/incidents/burst-incident/commands', { type: 'UpdateIncidentDetails', data: { description: 'template' } });
          await waitFor('template on every console', async () => ((await fleet.stats()).every((c, i) => c.received - (before[i] ?? 0) >= 2) ? true : undefined), 120_000);
          const start = (await fleet.stats()).map((c) => c.received);
          const burstStart = performance.now();
          await appendCopies(store, 'burst-incident', burst, 100);
          await waitFor('burst on every console', async () => ((await fleet.stats()).every((c, i) => c.received - (start[i] ?? 0) >= burst) ? true : undefined), 600_000);
          const gatewayPerSecond = (burst * CONSOLES) / ((performance.now() - burstStart) / 1000);
          const stats = await fleet.stats();
          const outOfOrder = stats.reduce((s, c) => s + c.outOfOrder, 0);
          const closed = ((await gatewayHealth(ports.gateway, token)).stats['slowConsumersClosed'] ?? 0) - closedBefore;
          figures.push(judged('gateway.delivery_rate', `gateway deliveries/s (${CONSOLES} consoles, burst of ${burst} events)`, round(gatewayPerSecond), '/s', { atLeastTimesBaseline: 0.8 }, { baseline: { name: `bare ws broadcast to ${CONSOLES} clients`, value: round(wsPerSecond), unit: '/s' }, note: `from the first commit to the last console: includes the relay (PostgreSQL → JetStream) and the gateway; ${closed} slow consoles closed (4408) and resumed, ${outOfOrder} frames out of order` }));
          log(`gateway: ${round(gatewayPerSecond)} deliveries/s (bare ${round(wsPerSecond)}; ratio ${round(gatewayPerSecond / wsPerSecond, 2)}); slow consoles closed ${closed}, out of order ${outOfOrder}`);
          break;
        }
        case 'storm': {
          await openLiveConsoles();
          const lastPositions = (await fleet.stats()).map((c) => c.last ?? START_POSITION);
          await closeConsoles();
          const missed = 500;
          let s = 0;
          await Promise.all(Array.from({ length: 16 }, async () => {
            for (let i = s++; i < missed; i = s++) await post(`/incidents/${incidents[i % INCIDENTS] ?? ''}/commands`, { type: 'UpdateIncidentDetails', commandId: `storm-${randomUUID()}`, data: { description: `while away ${i}` } });
          }));
          // What each console should get, read before the storm (one read per distinct position); the
          // commands above are acknowledged, so their events are committed.
          await waitFor('storm events readable', async () => ((await readAllAfter(t, lastPositions[0] ?? START_POSITION)).length >= missed ? true : undefined), 60_000);
          const countAfter = new Map<string, number>();
          for (const p of lastPositions) if (!countAfter.has(p)) countAfter.set(p, (await readAllAfter(t, p)).length);
          const expectedAfter = lastPositions.map((p) => countAfter.get(p) ?? 0);
          const stormStart = performance.now();
          await fleet.open(CONSOLE_CLIENT, gatewayUrl, token, CONSOLES, { after: lastPositions, trackIds: true });
          fleetOpen = CONSOLES;
          const caughtUp = await waitFor('storm caught up', async () => ((await fleet.stats()).every((c, i) => c.unique >= (expectedAfter[i] ?? 0)) ? true : undefined), 300_000).catch(() => false);
          const stormSeconds = (performance.now() - stormStart) / 1000;
          await sleep(500); // anything sent twice would arrive right behind
          const stats = await fleet.stats();
          let duplicates = 0;
          let gaps = 0;
          let reconnects = 0;
          for (const [i, c] of stats.entries()) {
            duplicates += c.received - c.unique;
            gaps += Math.max(0, (expectedAfter[i] ?? 0) - c.unique);
            reconnects += c.reconnects;
          }
          figures.push(informational('storm.catch_up', `reconnect storm: ${CONSOLES} consoles all caught up (${missed} missed each)`, round(stormSeconds * 1000), 'ms', { note: `gaps ${gaps}, duplicates ${duplicates}, reconnects during the storm ${reconnects}${caughtUp ? '' : ' (timed out)'}` }));
          log(`reconnect storm: ${round(stormSeconds, 2)} s, gaps ${gaps}, duplicates ${duplicates}, reconnects ${reconnects}`);
          await closeConsoles();
          break;
        }
        case 'load': {
          await ensureServices();
          const big = 'big-incident';
          await post('/incidents', { incidentId: big, data: { title: 'a long incident', leadJurisdiction: ROOM } });
          await post(`/incidents/${big}/commands`, { type: 'UpdateIncidentDetails', data: { description: 'template' } });
          await closeConsoles();
          // Measured with the services stopped: otherwise the relay publishing the 100,000 new events
          // to JetStream runs on the same cores during the loads and the replay.
          await stopServices();
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
          figures.push(judged('load.big_incident_p99', `load of a ${BIG_EVENTS}-event incident p99 (PostgresEventStore.loadStream, what engine.load runs: the snapshot row)`, loadP99, 'ms', { atMost: 20 }));
          log(`load p99 ${loadP99} ms`);
          break;
        }
        case 'replay': {
          const events = await t.db.selectFrom('event').select(sql<string>`count(*)`.as('n')).executeTakeFirstOrThrow();
          if (Number(events.n) < BIG_EVENTS) {
            // Replay alone: make the log as long as a full run would have it.
            await ensureServices();
            await post('/incidents', { incidentId: 'replay-incident', data: { title: 'replay', leadJurisdiction: ROOM } });
            await post('/incidents/replay-incident/commands', { type: 'UpdateIncidentDetails', data: { description: 'template' } });
            await stopServices();
            await appendCopies(store, 'replay-incident', BIG_EVENTS, 2000);
          }
          await stopServices();
          // Three passes, the best reported: a pass that lands on another engineer's test run is not
          // the reader's speed. All three are in the note.
          const rates: number[] = [];
          let replayed = 0;
          for (let pass = 0; pass < 3; pass++) {
            const replayStart = performance.now();
            replayed = 0;
            for (let after: string = START_POSITION; ; ) {
              const page = await readGlobalLog(t.db, after, 5000);
              if (page.length === 0) break;
              replayed += page.length;
              after = page[page.length - 1]?.position ?? after;
            }
            rates.push(replayed / ((performance.now() - replayStart) / 1000));
          }
          const best = Math.max(...rates);
          figures.push(judged('replay.rate', `full replay of the global log (${replayed} events, best of 3)`, round(best), 'events/s', { atLeast: 100_000 }, { note: `passes: ${rates.map((r) => round(r)).join(', ')} events/s` }));
          log(`replay ${rates.map((r) => round(r)).join(', ')} events/s`);
          break;
        }
        default: {
          const unreachable: never = phase;
          throw new Error(`unknown phase ${String(unreachable)}`);
        }
      }
    }
    // The report's flame graphs of the api (issue 18): a pass of their own after every phase, on an
    // api restarted under the profiler and warmed up as the measured one was, so the profiler's cost
    // is in none of the figures. BENCH_PROFILE_DIR profiles the measured loops themselves instead.
    if (SELECTED.includes('commands') && !PROFILE_DIR && PROFILE_PASS) {
      await ensureServices();
      await restartApi(1, passDir);
      for (const concurrency of [64, 1]) {
        const fromUs = Number(process.hrtime.bigint() / 1000n);
        const run = await closedLoop(concurrency, concurrency === 64 ? SECONDS : Math.max(2, SECONDS / 2), command);
        const toUs = Number(process.hrtime.bigint() / 1000n);
        profileWindows.push({ dir: 'api', concurrency, workers: 1, ops: run.ops, window: { fromUs, toUs } });
        log(`profile pass, ${concurrency} client${concurrency > 1 ? 's' : ''}: ${run.ops} commands under the profiler (not a figure)`);
      }
    }
  } finally {
    await fleet.closeAll().catch(() => undefined);
    fleet.stop();
    await stopServices();
    await Promise.all([...pools.values()].map((pool) => pool.destroy()));
    await t.drop();
    // The relay made the run's stream on the shared NATS server; a run leaves nothing behind there.
    const nc = await natsConnect({ servers: TEST_NATS_URL }).catch(() => undefined);
    if (nc) {
      await (await jetstreamManager(nc)).streams.delete(names.stream).catch(() => false);
      await nc.close();
    }
  }
  machine.loadAtEnd = loadavg().map((l) => round(l, 2));
  machine.stealPercent = round((stolenBetween(cpuAtStart, await cpuByRole(), (performance.now() - runStart) / 1000) / machine.cpus) * 100, 1);
  // The profiles are written when the services exit, so they are read only now.
  const profiles: string[] = [];
  const profileRoot = PROFILE_DIR ?? passDir;
  for (const { dir, concurrency, workers, ops, window } of profileWindows) {
    const apiProfiles = await profilesIn(join(profileRoot, dir));
    const summary = summarise(apiProfiles, 25, window);
    const loop = `${concurrency} client${concurrency > 1 ? 's' : ''}, ${workers} process${workers > 1 ? 'es' : ''}, ${ops} commands acknowledged`;
    let flame = '';
    if (workers === 1) {
      const file = `flame-api-${concurrency}.svg`;
      await writeFile(join(OUT_DIR, file), flameGraphSvg(flameTree(apiProfiles, window), `the api's CPU, ${loop}`));
      flame = `![flame graph of the api, ${concurrency} client${concurrency > 1 ? 's' : ''}](${file})\n\n`;
    }
    profiles.push(`### The api's CPU profile, ${loop}${PROFILE_DIR ? ' (the measured loop)' : ' (the profile pass)'}\n\n${flame}${summary}`);
    if (!PROFILE_DIR || workers > 1 || concurrency !== 64) continue;
    // The relay and the gateway carry every acknowledged command's event too, over the same window.
    for (const service of ['relay', 'gateway']) {
      const theirs = summarise(await profilesIn(join(PROFILE_DIR, service)), 15, window);
      profiles.push(`### The ${service}'s CPU profile over the same loop (${ops} events)\n\n${theirs}`);
    }
  }
  await rm(passDir, { recursive: true, force: true });
  await writeResults(figures, chart, machine, profiles);
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

function asciiChart(chart: ChartRow[]): string {
  const max = Math.max(...chart.map((c) => c.p99), 1);
  const lines = chart.map((c) => {
    const bar50 = '█'.repeat(Math.max(1, Math.round((c.p50 / max) * 50)));
    const bar99 = '░'.repeat(Math.max(0, Math.round((c.p99 / max) * 50) - bar50.length));
    return `${String(c.concurrency).padStart(3)} clients ${String(c.perSecond).padStart(7)}/s | ${bar50}${bar99} p50 ${c.p50} ms, p99 ${c.p99} ms`;
  });
  return ['```', 'ack latency against load (█ p50, ░ up to p99)', ...lines, '```'].join('\n');
}

async function writeResults(figures: Figure[], chart: ChartRow[], machine: { cpus: number; model: string; loadAtStart: number[]; loadAtEnd: number[]; stealPercent: number }, profiles: string[]): Promise<void> {
  await mkdir(OUT_DIR, { recursive: true });
  const at = new Date().toISOString();
  const settings = { PHASES: SELECTED, SECONDS, CONSOLES, CONSOLE_PROCESSES, CONSOLE_CLIENT, BIG_EVENTS, CONSOLE_RATE, INCIDENTS };
  await writeFile(join(OUT_DIR, 'results.json'), `${JSON.stringify({ at, machine, settings, figures, chart }, null, 2)}\n`);
  if (chart.length) await writeFile(join(OUT_DIR, 'latency.svg'), latencyChartSvg(chart, 'acknowledged commands: latency against load'));
  console.table(figures.map((f) => ({ figure: f.name, value: `${f.value} ${f.unit}`, baseline: f.baseline?.value ?? '', ratio: f.ratio ?? '', met: f.met ?? '' })));
  const report = [
    '# Muster benchmark report',
    '',
    `Generated by \`pnpm bench\` (test/bench/run.ts) at ${at} on ${machine.cpus} × ${machine.model}; load average at start ${machine.loadAtStart.join(' ')}, at end ${machine.loadAtEnd.join(' ')}; the hypervisor took ${machine.stealPercent} % of the cores' time during the run (steal, /proc/stat: time this virtual machine wanted and was not given; at a few percent or more, every figure of the run, the raw baselines included, moves with it).`,
    `Settings: phases ${SELECTED.join(', ')}; ${SECONDS} s phases, ${CONSOLES} consoles in ${CONSOLE_PROCESSES} load-generator processes (${CONSOLE_CLIENT} consoles), ${CONSOLE_RATE} commands/s offered for console latency, ${BIG_EVENTS}-event incident, ${INCIDENTS} incidents.`,
    'Everything (PostgreSQL, NATS, api, relay, gateway, the consoles and the load generator) shares the same cores.',
    '',
    'Each figure has a stable `name` (results.json); `ratio` is value ÷ the baseline for a target relative to a baseline of this run (`≤ 3 × baseline` is met at ≤ 3), value ÷ the limit otherwise (`≤ 50 ms` is met at ≤ 1).',
    '',
    figuresTable(figures),
    '',
    unmetSection(figures),
    '',
    chart.length ? `![ack latency against load](latency.svg)\n\n${asciiChart(chart)}` : '',
    '',
    '## How each figure is measured',
    '',
    '- raw PostgreSQL: 8 loops of `BEGIN; INSERT (one jsonb row); COMMIT` through the same Kysely/pg driver, for one phase.',
    '- raw JetStream: 64 publishes in flight (500-byte payload, each awaited for its PubAck) on a stream of its own on the shared server.',
    '- commands: the api as its own process (`node --import tsx`, pool of 20), `UpdateIncidentDetails` with a command id over 1,000 incidents, closed loops of 1, 4, 16 and 64 clients (64 in BENCH_RATE_ROUNDS rounds, 3 by default, each right after a loop of the raw 8-client baseline; the round whose ratio to its own raw loop is the median is the figure, that loop its baseline; the `raw` phase\'s own figure is measured minutes earlier); ack latency is the HTTP round trip. Commands of concurrent clients share transactions (group commit, `GroupCommitEventStore`); each is acknowledged after the COMMIT of its own transaction.',
    `- consoles: ${CONSOLE_CLIENT === 'protocol' ? 'WebSocket clients speaking the gateway protocol (subscribe frame, `after` on resume; each event frame\'s position read from its prefix and checked to increase; resume from the last position after any close) — not the @muster/client feed, whose zod check of every frame would make the load generator, not the gateway, the bottleneck at this size' : 'the @muster/client feed (JSON parse and zod check of every frame, its own resume)'}, spread over ${CONSOLE_PROCESSES} child processes.`,
    '- command → console: commands offered open-loop at a fixed rate over a keep-alive pool of 128 connections; each one\'s latency counts from the moment it was due (stamped into the command), so a backlog in the api or the generator is part of it; until the event reaches each console (wall clock, compared across processes of one machine). "recorded → console" starts at the event\'s `meta.recordedAt` instead (the api\'s clock when it began handling the command).',
    '- gateway deliveries/s: the bare baseline first (a `ws` server sending 1,000 frames of ~650 bytes to every one of the same number of clients in the same processes; until all got all), then 1,000 events committed through the store in batches of 100, timed from the first commit until every console has all of them.',
    '- reconnect storm: every console closes, 500 commands are committed, all reconnect at once with their last position; time until each has every room event after its position (read from PostgreSQL), with gaps and duplicates counted by position.',
    '- 100,000-event incident: filled through the store (batches of 2,000, same write path as commands) with the services stopped, then loaded 200 times; the store keeps the state as a snapshot on the stream row, so the load reads one row and no tail.',
    '- replay: the whole global log read with `readGlobalLog` in pages of 5,000 (the relay\'s and the gateway\'s catch-up read), three passes with the services stopped, the best reported.',
    '- api CPU per acknowledged command: user + system time of the api process and its cluster workers (/proc/<pid>/stat, read by the bench before and after the 64-client loop) divided by the commands acknowledged in it. Where the api spends it: after every phase, the api is restarted under `--cpu-prof`, warmed up as the measured one was, and loaded again by 64 clients and then by one (the profile pass: not a figure, so the profiler\'s own cost is in none); the samples of each loop are drawn as a flame graph (test/bench/flame-graph.ts) and summarised by package and function (test/bench/profile-summary.ts). Sampled wall time on CPU: on a loaded machine a frame also counts time the process waited for a core, which is why `writev` (each write wakes the reader, which may take the core) looks larger than the CPU it costs. With BENCH_PROFILE_DIR the measured loops themselves are profiled instead, the relay and the gateway too.',
    '',
    ...(profiles.length ? ['## Where the api spends its CPU', '', ...profiles.flatMap((p) => [p, ''])] : []),
  ].join('\n');
  await writeFile(join(OUT_DIR, 'REPORT.md'), report);
  log(report);
  log(`written to ${OUT_DIR}`);
}

await main();

/** ms from each event's meta.recordedAt to JetStream's timestamp of storing it, for commands whose id starts with `prefix`. */
async function recordedToStored(stream: string, prefix: string): Promise<number[]> {
  const nc = await natsConnect({ servers: TEST_NATS_URL });
  try {
    const js = jetstream(nc);
    const last = (await (await js.streams.get(stream)).info()).state.last_seq;
    const consumer = await js.consumers.get(stream);
    const delays: number[] = [];
    for (let seq = 0; seq < last; ) {
      const batch = await consumer.fetch({ max_messages: 1000, expires: 2000 });
      let got = 0;
      for await (const m of batch) {
        got++;
        seq = m.seq;
        const event = m.json<EventEnvelope>();
        if (event.meta.commandId.startsWith(prefix)) delays.push(Math.round(m.info.timestampNanos / 1e6 - Date.parse(event.meta.recordedAt)));
      }
      if (got === 0) break;
    }
    return delays;
  } finally {
    await nc.close();
  }
}
