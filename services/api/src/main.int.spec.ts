/**
 * The api as its own process (src/main.ts, `node --import tsx`), with its configuration files (issue
 * 16): a bad MUSTER_RULES_FILES or MUSTER_JURISDICTIONS_FILE stops the start with exit code 2 before
 * the process touches the database or listens, and stderr names the file, the entry and the field; a
 * good pair is served as loaded. With MUSTER_API_WORKERS the process is a cluster primary whose
 * workers share the port (issue 18).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_PLAN_RULES, ZHAOQING_JURISDICTIONS } from '@muster/domain';
import { createTestDatabase, freePort, TEST_JWT_SECRET_TEXT, testToken, type TestDatabase } from '@muster/testkit';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const serviceDir = fileURLToPath(new URL('..', import.meta.url));
const children = new Set<ChildProcess>();
let t: TestDatabase;
let dir: string;

beforeAll(async () => {
  // Not migrated: a refused start must not have touched it.
  t = await createTestDatabase('api_main', { migrate: false });
  dir = await mkdtemp(join(tmpdir(), 'muster-api-main-'));
});
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await t?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function file(name: string, content: unknown): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, JSON.stringify(content));
  return path;
}

function spawnApi(port: number, overrides: Record<string, string>) {
  const env = { ...process.env, DATABASE_URL: t.url, HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'info', MUSTER_JWT_SECRET: TEST_JWT_SECRET_TEXT, ...overrides };
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: serviceDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      children.delete(child);
      resolve(code);
    }),
  );
  return { child, exited, stdout: () => stdout, stderr: () => stderr };
}

/** Whether any table exists in the test database: the api migrates it first thing once its configuration is sound. */
async function migrated(): Promise<boolean> {
  const rows = await sql<{ n: string }>`select count(*)::text as n from information_schema.tables where table_schema = 'public'`.execute(t.db);
  return rows.rows[0]?.n !== '0';
}

async function refusedStart(overrides: Record<string, string>) {
  const port = await freePort();
  const api = spawnApi(port, overrides);
  expect(await api.exited).toBe(2);
  // Never listened: pino would have logged it, and nothing answers on the port.
  expect(api.stdout()).not.toContain('listening');
  await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow('fetch failed');
  expect(await migrated()).toBe(false);
  return api.stderr();
}

const grave = DEFAULT_PLAN_RULES.reporting[0];

describe('api process: configuration files refused at start', () => {
  it('a rules file with an unknown severity ("V"): exit 2, stderr names the file, the entry and the field', async () => {
    const path = await file('dinghu-severity.json', { jurisdiction: '441203', version: '1', reporting: [{ ...grave, id: 'dinghu-grave', severities: ['V'] }] });
    const stderr = await refusedStart({ MUSTER_RULES_FILES: path });
    expect(stderr).toContain('api: invalid configuration');
    expect(stderr).toContain(`env.MUSTER_RULES_FILES(${path}) reporting[0] "dinghu-grave": severities.0: unknown severity "V"`);
  });

  it('a rules file with a negative deadline (phoneMinutes -5): exit 2, stderr names the file, the entry and the field', async () => {
    const good = await file('zhaoqing.json', { jurisdiction: '441200', version: '1', linkage: DEFAULT_PLAN_RULES.linkage });
    const path = await file('dinghu-negative.json', { jurisdiction: '441203', version: '1', reporting: [{ ...grave, id: 'dinghu-grave', phoneMinutes: -5 }] });
    const stderr = await refusedStart({ MUSTER_RULES_FILES: `${good},${path}` });
    expect(stderr).toContain(`env.MUSTER_RULES_FILES(${path}) reporting[0] "dinghu-grave": phoneMinutes: must be at least 1 minute`);
  });

  it('a jurisdictions file with a bad entry: exit 2, stderr names the file, the entry (index and code) and the field', async () => {
    const path = await file('bad-tree.json', [...ZHAOQING_JURISDICTIONS, { code: '445300', name: '云浮市', parent: '440000', level: 'prefecture' }]);
    const stderr = await refusedStart({ MUSTER_JURISDICTIONS_FILE: path });
    expect(stderr).toContain('api: invalid configuration');
    expect(stderr).toContain(`env.MUSTER_JURISDICTIONS_FILE(${path}) [${ZHAOQING_JURISDICTIONS.length}] "445300": level: unknown level "prefecture"`);
  });

  it('a jurisdictions file whose tree is unsound (an unknown parent): exit 2, naming the entry', async () => {
    const path = await file('orphan-tree.json', [...ZHAOQING_JURISDICTIONS, { code: '445302', name: '云城区', parent: '445300', level: 'county' }]);
    const stderr = await refusedStart({ MUSTER_JURISDICTIONS_FILE: path });
    expect(stderr).toContain(`env.MUSTER_JURISDICTIONS_FILE(${path}) [${ZHAOQING_JURISDICTIONS.length}] "445302": parent: jurisdiction 445302 names an unknown parent 445300`);
  });

  it('a rules file for a jurisdiction the loaded tree lacks is refused, naming the file', async () => {
    const path = await file('yunfu-rules.json', { jurisdiction: '445300', version: '1', linkage: DEFAULT_PLAN_RULES.linkage });
    const stderr = await refusedStart({ MUSTER_RULES_FILES: path });
    expect(stderr).toContain(`env.MUSTER_RULES_FILES(${path}) jurisdiction: unknown jurisdiction 445300`);
  });
});

describe('api process: a good jurisdictions file and rules file', () => {
  it('serves the loaded tree and the rules checked against it: a Yunfu token is accepted, GET /rules shows Yunfu’s file', async () => {
    const tree = await file('tree.json', [
      ...ZHAOQING_JURISDICTIONS,
      { code: '445300', name: '云浮市', parent: '440000', level: 'city' },
      { code: '445302', name: '云城区', parent: '445300', level: 'county' },
    ]);
    const rules = await file('yunfu.json', { jurisdiction: '445300', version: 'yf-2026', linkage: DEFAULT_PLAN_RULES.linkage });
    const port = await freePort();
    const api = spawnApi(port, { MUSTER_JURISDICTIONS_FILE: tree, MUSTER_RULES_FILES: rules, LOG_LEVEL: 'warn' });
    const base = `http://127.0.0.1:${port}`;
    for (let i = 0; i < 300; i++) {
      const up = await fetch(`${base}/health`).then((r) => r.ok, () => false);
      if (up) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const headers = { authorization: `Bearer ${await testToken({ userId: 'yc-duty', roles: ['duty_officer'], jurisdiction: '445302' })}` };
    const answer = await fetch(`${base}/rules`, { headers });
    expect(answer.status, await answer.clone().text()).toBe(200);
    expect(await answer.json()).toMatchObject({ jurisdiction: '445302', sources: { linkage: { jurisdiction: '445300', version: 'yf-2026' }, reporting: { jurisdiction: '*' } } });
    const jurisdictions = (await (await fetch(`${base}/jurisdictions`, { headers })).json()) as { items: { code: string; name: string }[] };
    expect(jurisdictions.items.find((j) => j.code === '445302')?.name).toBe('云城区');
    // A room outside the loaded tree is still refused.
    const outsider = await fetch(`${base}/me`, { headers: { authorization: `Bearer ${await testToken({ userId: 'gz', roles: ['duty_officer'], jurisdiction: '440100' })}` } });
    expect(outsider.status).toBe(401);
    api.child.kill('SIGTERM');
    expect(await api.exited).toBe(0);
  });
});

/** The pids of the processes whose parent is `pid` (read from /proc). */
async function childrenOf(pid: number): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    // The field after the state, past the command name in parentheses.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid === pid) found.push(Number(entry));
  }
  return found.sort((a, b) => a - b);
}

async function until<T>(what: string, check: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 600; i++) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('api process: MUSTER_API_WORKERS runs a worker per core on one port', () => {
  it('two workers share the port and the database: concurrent commands to one stream all land gap-free, a command id is stored once, a dead worker is replaced, SIGTERM stops all', async () => {
    const port = await freePort();
    const api = spawnApi(port, { MUSTER_API_WORKERS: '2', LOG_LEVEL: 'warn' });
    const base = `http://127.0.0.1:${port}`;
    await until('the api', async () => ((await fetch(`${base}/health`)).ok ? true : undefined));
    const pid = api.child.pid ?? 0;
    const workers = await until('two workers', async () => {
      const children = await childrenOf(pid);
      return children.length === 2 ? children : undefined;
    });

    const headers = { 'content-type': 'application/json', authorization: `Bearer ${await testToken({ userId: 'do-cluster', roles: ['duty_officer'], jurisdiction: '441203' })}` };
    const post = async (path: string, body: unknown) => {
      // A fresh connection each time, so the primary hands requests to both workers.
      const answer = await fetch(`${base}${path}`, { method: 'POST', headers: { ...headers, connection: 'close' }, body: JSON.stringify(body) });
      return { status: answer.status, body: (await answer.json()) as { version?: number; events?: { eventId: string }[] } };
    };
    expect((await post('/incidents', { incidentId: 'cluster-1', data: { title: 'Cluster', leadJurisdiction: '441203' } })).status).toBe(201);
    const updates = await Promise.all(Array.from({ length: 16 }, (_, i) => post('/incidents/cluster-1/commands', { type: 'UpdateIncidentDetails', data: { description: `update ${i}` } })));
    expect(updates.map((u) => u.status)).toEqual(updates.map(() => 200));
    expect(updates.map((u) => u.body.version).sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual(Array.from({ length: 16 }, (_, i) => i + 2));
    // One command id sent many times at once, to both workers: stored once, one answer for all.
    const same = await Promise.all(Array.from({ length: 8 }, () => post('/incidents/cluster-1/commands', { type: 'UpdateIncidentDetails', commandId: 'once', data: { description: 'once' } })));
    expect(new Set(same.map((s) => JSON.stringify(s.body))).size).toBe(1);
    const stored = await sql<{ n: string }>`select count(*)::text as n from event where stream_id = 'cluster-1'`.execute(t.db);
    expect(stored.rows[0]?.n).toBe('18');
    const versions = await sql<{ version: number }>`select version from event where stream_id = 'cluster-1' order by version`.execute(t.db);
    expect(versions.rows.map((r) => r.version)).toEqual(Array.from({ length: 18 }, (_, i) => i + 1));

    // A worker killed outright is replaced; the port keeps answering meanwhile.
    process.kill(workers[0] ?? 0, 'SIGKILL');
    const replaced = await until('a replacement worker', async () => {
      const children = await childrenOf(pid);
      return children.length === 2 && !children.includes(workers[0] ?? 0) ? children : undefined;
    });
    expect(replaced).toContain(workers[1]);
    expect((await post('/incidents/cluster-1/commands', { type: 'UpdateIncidentDetails', data: { description: 'after' } })).body.version).toBe(19);

    api.child.kill('SIGTERM');
    expect(await api.exited).toBe(0);
    expect(await childrenOf(pid)).toEqual([]);
    // Three api processes start in this test (each compiles its TypeScript under tsx): minutes on a busy machine.
  }, 300_000);
});
