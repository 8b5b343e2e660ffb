/**
 * The start-up figures (issue 18, item 5), measured the way a person meets them: `pnpm start` on a
 * fresh data directory right after an install (nothing built yet), then restarts of the same one
 * (clean stop, start again) until GET /health answers 200, and `pnpm muster token` for that data
 * directory, each from the command to its answer.
 * The token is then used against the running server: it must be signed with the server's secret.
 *
 * Run by `pnpm bench` (phase `start`) or alone: `node --import tsx test/bench/phase-start.ts`.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@muster/testkit';
import { REPO_ROOT, startProcess, type RunningProcess } from '../support/processes';
import { informational, judged, type Figure } from './figures';

const RESTARTS = 3;
const TOKENS = 3;

const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
const round = (n: number) => Math.round(n);

/** Polls fast (20 ms): the figure is a few seconds, the usual 100 ms poll would be a visible part of it. */
async function untilHealthy(url: string, process: RunningProcess, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let exited = false;
  void process.exited.then(() => {
    exited = true;
  });
  while (performance.now() < deadline) {
    if (exited) throw new Error(`pnpm start exited before it was healthy\n${process.output()}`);
    if (await fetch(url).then((r) => r.ok, () => false)) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`pnpm start not healthy within ${timeoutMs} ms\n${process.output()}`);
}

function runToEnd(command: string, args: readonly string[], env: Record<string, string | undefined>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(Buffer.concat(out).toString('utf8')) : reject(new Error(`${command} ${args.join(' ')}: ${String(code)} ${Buffer.concat(err).toString('utf8')}`))));
  });
}

/** Share of the machine's CPU time that was idle over `ms` (from /proc/stat). */
async function idleShare(ms: number): Promise<number> {
  const read = async () => {
    const fields = (await readFile('/proc/stat', 'utf8')).split('\n')[0]?.trim().split(/\s+/).slice(1).map(Number) ?? [];
    return { idle: (fields[3] ?? 0) + (fields[4] ?? 0), total: fields.reduce((a, b) => a + b, 0) };
  };
  const a = await read();
  await new Promise((r) => setTimeout(r, ms));
  const b = await read();
  return b.total > a.total ? (b.idle - a.idle) / (b.total - a.total) : 1;
}

/**
 * Start-up is a process start on the machine's cores: measured while the previous phase's processes
 * still wound down (closing consoles, PostgreSQL's autovacuum after the load, load average 4), the
 * token read 1,076 ms against 901 ms in a run that began idle. Waits until a second passes with the
 * machine at least 90 % idle (at most a minute).
 */
async function untilIdle(): Promise<number> {
  const t0 = performance.now();
  while (performance.now() - t0 < 60_000 && (await idleShare(1000)) < 0.9);
  return performance.now() - t0;
}

/**
 * What a checkout holds right after `pnpm install`: no console build and no server bundle. Their
 * stamps are removed, not the builds: `pnpm start` then makes both again as on a new clone (the
 * same work; the console's build empties its folder first, the bundle goes to its own), and a
 * server running from the old bundle keeps its folder.
 */
async function asAfterInstall(): Promise<void> {
  await rm(join(REPO_ROOT, 'node_modules/.cache/muster-start/console.sha256'), { force: true });
  await rm(join(REPO_ROOT, 'services/muster/dist/bundle.json'), { force: true });
}

export async function startFigures(log: (line: string) => void = () => undefined): Promise<Figure[]> {
  log(`start: the machine was idle after ${Math.round((await untilIdle()) / 1000)} s`);
  const dataDir = await mkdtemp(join(tmpdir(), 'muster-bench-start-'));
  const ports = { api: await freePort(), gateway: await freePort(), pg: await freePort() };
  const env = {
    DATABASE_URL: undefined,
    NATS_URL: undefined,
    MUSTER_JWT_SECRET: undefined,
    MUSTER_DATA_DIR: dataDir,
    PORT: String(ports.api),
    GATEWAY_PORT: String(ports.gateway),
    MUSTER_PG_PORT: String(ports.pg),
    LOG_LEVEL: 'warn',
  };
  const health = `http://127.0.0.1:${ports.api}/health`;
  let running: RunningProcess | undefined;
  const start = async (): Promise<number> => {
    const t0 = performance.now();
    running = startProcess('pnpm', ['start'], env);
    await untilHealthy(health, running, 120_000);
    return performance.now() - t0;
  };
  /**
   * Until the server is really down: pnpm exits on the signal before Node has stopped, and a restart
   * timed from then would be answered by the old process. Down = /health refused and the embedded
   * PostgreSQL gone (a clean stop removes its postmaster.pid).
   */
  const stop = async () => {
    await running?.stop('SIGTERM');
    running = undefined;
    const deadline = performance.now() + 60_000;
    while (performance.now() < deadline) {
      const answering = await fetch(health).then(() => true, () => false);
      if (!answering && !existsSync(join(dataDir, 'pg', 'postmaster.pid'))) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('the stopped server is still up after 60 s');
  };
  try {
    await asAfterInstall();
    const first = await start();
    const restarts: number[] = [];
    for (let i = 0; i < RESTARTS; i++) {
      await stop();
      restarts.push(await start());
    }
    const tokens: number[] = [];
    let token = '';
    for (let i = 0; i < TOKENS; i++) {
      const t0 = performance.now();
      token = (await runToEnd('pnpm', ['--silent', 'muster', 'token', '--user', 'bench', '--jurisdiction', '441203'], env)).trim();
      tokens.push(performance.now() - t0);
    }
    const accepted = (await fetch(`http://127.0.0.1:${ports.api}/incidents`, { headers: { authorization: `Bearer ${token}` } })).status === 200;
    return [
      judged('start.first_to_healthy', 'pnpm start right after install, on a new data directory → healthy (the console build, the server bundle and initdb included)', round(first), 'ms', { atMost: 15_000 }),
      judged('start.restart_to_healthy', `pnpm start again on the same data directory → healthy (median of ${RESTARTS})`, round(median(restarts)), 'ms', { atMost: 3_000 }, { note: `each: ${restarts.map(round).join(', ')} ms` }),
      judged('start.token', `pnpm muster token → printed (median of ${TOKENS})`, round(median(tokens)), 'ms', { atMost: 1_000 }, {
        note: `each: ${tokens.map(round).join(', ')} ms`,
        conditions: [{ holds: accepted, text: 'the token was refused by the running server (another secret?)' }],
      }),
      informational('start.node_baseline', 'node -e 0 (one Node process start on this machine now)', round(await nodeStart()), 'ms', { note: 'baseline: pnpm start and pnpm muster token each start two (pnpm, then Node)' }),
    ];
  } finally {
    await stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function nodeStart(): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    await runToEnd(process.execPath, ['-e', '0'], {});
    times.push(performance.now() - t0);
  }
  return median(times);
}

if (import.meta.url === `file://${process.argv[1] ?? ''}`) {
  for (const f of await startFigures()) process.stdout.write(`${JSON.stringify(f)}\n`);
}
