/**
 * Issue 19, operations of `muster start` on its embedded PostgreSQL (own temp data dir):
 * - `muster verify` and `muster migrate` run on the same MUSTER_DATA_DIR work beside the running
 *   server: its PostgreSQL is neither stopped nor started, and the server still takes commands;
 * - `muster replay` and `muster export` read the same database beside it, read-only;
 * - `/health/live` and `/health/ready`; when the embedded PostgreSQL is stopped under the server,
 *   ready turns 503 with the reason within 2 s, and the server recovers by itself or exits non-zero.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { connect } from '@muster/store-postgres';
import { freePort } from '@muster/testkit';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MUSTER_CLI, REPO_ROOT, startProcess, waitFor, waitForHttp, type RunningProcess } from '../support/processes';

const run = promisify(execFile);

let dataDir = '';
let base = '';
let token = '';
let muster: RunningProcess;
const env: Record<string, string | undefined> = {};

async function postmasterPid(): Promise<number> {
  return Number((await readFile(join(dataDir, 'pg', 'postmaster.pid'), 'utf8')).split('\n')[0]);
}

/** A muster command on the same data directory, as an operator types it beside the server. */
async function tool(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [MUSTER_CLI, ...args], { cwd: REPO_ROOT, env: { ...process.env, ...env } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

async function command(incidentId: string, type: string, data: Record<string, unknown> = {}): Promise<number> {
  const response = await fetch(`${base}/incidents/${incidentId}/commands`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: token },
    body: JSON.stringify({ type, data }),
  });
  return response.status;
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'muster-operations-'));
  const port = await freePort();
  Object.assign(env, {
    DATABASE_URL: undefined,
    NATS_URL: undefined,
    MUSTER_DATA_DIR: dataDir,
    PORT: String(port),
    GATEWAY_PORT: String(await freePort()),
    MUSTER_PG_PORT: String(await freePort()),
    LOG_LEVEL: 'warn',
  });
  base = `http://127.0.0.1:${port}`;
  // `muster start` itself (what `pnpm start` runs after building the console, which these tests do not need).
  muster = startProcess(process.execPath, [MUSTER_CLI, 'start'], env);
  try {
    await waitForHttp(`${base}/health/ready`, 90_000);
  } catch (error) {
    throw new Error(`muster did not start: ${String(error)}\n${muster.output()}`);
  }
  const login = await fetch(`${base}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'dinghu-duty', password: 'dinghu-duty' }),
  });
  token = `Bearer ${((await login.json()) as { token: string }).token}`;
}, 120_000);

afterAll(async () => {
  await muster.stop('SIGTERM');
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('tools beside a running `muster start`', () => {
  it('verify and migrate use the server’s PostgreSQL without stopping it; the server still takes commands', async () => {
    const created = await fetch(`${base}/incidents`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: token },
      body: JSON.stringify({ incidentId: 'beside-1', data: { title: 'Flooded underpass', leadJurisdiction: '441203' } }),
    });
    expect(created.status).toBe(201);
    const postgres = await postmasterPid();

    const verified = await tool('verify');
    expect(verified.stdout, verified.stderr).toMatch(/^OK streams=\d+ events=\d+ broken=0 heads=[0-9a-f]{64}$/m);
    expect(verified.code).toBe(0);
    const migrated = await tool('migrate');
    expect(migrated.code, migrated.stderr).toBe(0);

    // The same PostgreSQL, still up, and the server still answers commands on it.
    expect(await postmasterPid()).toBe(postgres);
    expect(() => process.kill(postgres, 0)).not.toThrow();
    expect(await command('beside-1', 'BeginVerification')).toBe(200);
    expect(muster.child.exitCode).toBeNull();
  }, 120_000);

  it('replay and export read the server’s log beside it; replay names a stream whose stored state the log does not imply', async () => {
    const created = await fetch(`${base}/incidents`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: token },
      body: JSON.stringify({ incidentId: 'beside-2', data: { title: 'Landslide on the county road', leadJurisdiction: '441203' } }),
    });
    expect(created.status).toBe(201);
    expect(await command('beside-2', 'BeginVerification')).toBe(200);
    const postgres = await postmasterPid();

    const replayed = await tool('replay');
    expect(replayed.stdout, replayed.stderr).toMatch(/^OK streams=\d+ events=\d+ differing=0$/m);
    expect(replayed.code).toBe(0);
    const one = await tool('replay', '--incident', 'beside-2');
    expect(one.stdout, one.stderr).toMatch(/^OK streams=[1-9]\d* events=[1-9]\d* differing=0$/m);

    const exported = await tool('export', '--incident', 'beside-2');
    expect(exported.code, exported.stderr).toBe(0);
    const lines = exported.stdout.trim().split('\n').map((l) => JSON.parse(l) as { streamId: string; streamType: string; version: number; type: string });
    const reported = lines.find((l) => l.type === 'IncidentReported');
    expect(reported).toMatchObject({ streamType: 'incident', version: 1 });
    const incidentStream = reported?.streamId ?? '';
    expect(lines.filter((l) => l.streamId === incidentStream).map((l) => l.version)).toEqual([1, 2]);
    expect((await tool('export', '--incident', 'no-such-incident')).code).toBe(1);

    // A stored state moved behind the engine's back (by hand, through the server's own database):
    // replay must name that stream and fail, and the server must still be the one running.
    const password = (await readFile(join(dataDir, 'pg-password'), 'utf8')).trim();
    const db = connect({ connectionString: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${env.MUSTER_PG_PORT ?? ''}/muster`, maxConnections: 1 });
    try {
      await sql`update stream set snapshot = jsonb_set(snapshot, '{value}', '"closed"') where stream_id = ${incidentStream}`.execute(db);
    } finally {
      await db.destroy();
    }
    const broken = await tool('replay', '--incident', 'beside-2');
    expect(broken.code).toBe(1);
    expect(broken.stdout).toMatch(/^DIFFERS stream=\S+ type=incident version=\d+ reason=stored state "closed", replay gives /m);
    expect(await postmasterPid()).toBe(postgres);
    expect(muster.child.exitCode).toBeNull();
  }, 300_000);

  it('a second `muster start` on the same data directory is refused and leaves the first one running', async () => {
    const second = await tool('start');
    expect(second.code).toBe(2);
    expect(second.stderr).toMatch(/a Muster server \(pid \d+, `muster start`.*\) is running on /);
    expect(await command('beside-1', 'UpdateIncidentDetails', { description: 'still served' })).toBe(200);
  }, 60_000);
});

describe('health', () => {
  it('/health/live and /health/ready answer 200 with every check while all is well, and /openapi.json lists them', async () => {
    expect(await (await fetch(`${base}/health/live`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${base}/health/ready`);
    expect(ready.status).toBe(200);
    const answer = (await ready.json()) as { status: string; reasons: string[]; checks: { name: string; ok: boolean }[] };
    expect(answer.status).toBe('ok');
    expect(answer.reasons).toEqual([]);
    expect(answer.checks.map((c) => c.name).sort()).toEqual(['database', 'migrations', 'relay']);
    const document = (await (await fetch(`${base}/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/health', '/health/live', '/health/ready']));
  });

  it('turns 503 with the reason within 2 s of the embedded PostgreSQL stopping, then recovers or exits non-zero', async () => {
    const postgres = await postmasterPid();
    const stoppedAt = Date.now();
    // A fast shutdown, as `pg_ctl stop -m fast` or an operator's kill would do it.
    process.kill(postgres, 'SIGINT');
    const unready = await waitFor(
      'a 503 from /health/ready',
      async () => {
        const response = await fetch(`${base}/health/ready`);
        return response.status === 503 ? ((await response.json()) as { status: string; reasons: string[] }) : undefined;
      },
      // The bound is 2 s; the poll itself must not be what makes the test pass or fail.
      10_000,
    );
    expect(Date.now() - stoppedAt).toBeLessThan(2_000);
    expect(unready.status).toBe('unavailable');
    // The checks that ask PostgreSQL (a query, the migrations table) name what went wrong, whichever failed first.
    expect(unready.reasons.join('\n')).toMatch(/^(database|migrations): /m);

    // Then: ready again on a new PostgreSQL and taking commands, or gone with a non-zero status.
    const outcome = await waitFor(
      'recovery or exit',
      async () => {
        if (muster.child.exitCode !== null || muster.child.signalCode !== null) return 'exited';
        const response = await fetch(`${base}/health/ready`).catch(() => undefined);
        return response?.status === 200 ? 'recovered' : undefined;
      },
      90_000,
    );
    if (outcome === 'exited') {
      expect(await muster.exited).not.toBe(0);
    } else {
      expect(await postmasterPid()).not.toBe(postgres);
      expect(await command('beside-1', 'UpdateIncidentDetails', { description: 'after the database came back' })).toBe(200);
    }
  }, 120_000);
});
