/**
 * The api as its own process (src/main.ts, `node --import tsx`), with its configuration files (issue
 * 16): a bad MUSTER_RULES_FILES or MUSTER_JURISDICTIONS_FILE stops the start with exit code 2 before
 * the process touches the database or listens, and stderr names the file, the entry and the field; a
 * good pair is served as loaded.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
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
