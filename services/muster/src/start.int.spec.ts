import { ValidationError } from '@muster/contracts';
import { authHeader, createTestDatabase, TEST_JWT_SECRET_TEXT, type TestDatabase } from '@muster/testkit';
import { sql } from 'kysely';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { musterEnv } from './config';
import { startAll, type RunningMuster } from './start';

/**
 * Issue 15: `muster start` runs the api, the relay, the gateway and the timers on ONE pool and ONE
 * engine with ONE group-commit queue. Shown from outside: the connections PostgreSQL sees, and the
 * queue's counters moving when the timers fire a deadline while no api request is in flight.
 */

let t: TestDatabase;
let dataDir: string;
let muster: RunningMuster;
const DINGHU = { userId: 'dinghu-duty', roles: ['duty_officer' as const], jurisdiction: '441203' };
const LEADER = { userId: 'dinghu-leader', roles: ['leader' as const], jurisdiction: '441203' };

beforeAll(async () => {
  t = await createTestDatabase('muster_start');
  dataDir = mkdtempSync(join(tmpdir(), 'muster-start-'));
  const env = musterEnv({
    DATABASE_URL: t.url,
    MUSTER_DATA_DIR: dataDir,
    MUSTER_JWT_SECRET: TEST_JWT_SECRET_TEXT,
    MUSTER_CONSOLE_DIR: join(dataDir, 'no-console'),
    PORT: '0',
    GATEWAY_PORT: '0',
    DB_POOL_SIZE: '6',
  });
  muster = await startAll(env, t.url, pino({ level: process.env['DEBUG_MUSTER'] ? 'debug' : 'silent' }));
});

afterAll(async () => {
  await muster?.stop();
  await t?.drop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const appended = (stats: ReturnType<RunningMuster['commitStats']>) => stats.batchedAppends + stats.soloAppends;

async function send(method: string, path: string, body?: unknown) {
  const response = await fetch(`${muster.apiUrl}${path}`, {
    method,
    headers: { ...(await authHeader(DINGHU)), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json: unknown = await response.json();
  expect(response.status, JSON.stringify(json)).toBeLessThan(300);
  return json as Record<string, unknown>;
}

describe('muster start', () => {
  it('loads the jurisdictions and rules before anything starts: a bad file is refused naming the entry', async () => {
    const file = join(dataDir, 'rules.json');
    writeFileSync(file, JSON.stringify({ jurisdiction: '441203', version: '1', linkage: [{ id: 'dh', severities: ['V'], link: [], promptLead: null, source: 'x' }] }));
    const env = musterEnv({ DATABASE_URL: t.url, MUSTER_DATA_DIR: dataDir, MUSTER_JWT_SECRET: TEST_JWT_SECRET_TEXT, PORT: '0', GATEWAY_PORT: '0', MUSTER_RULES_FILES: file });
    const refused = await startAll(env, t.url, pino({ level: 'silent' })).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ValidationError);
    expect((refused as ValidationError).issues).toStrictEqual([{ path: `env.MUSTER_RULES_FILES(${file}) linkage[0] "dh": severities.0`, message: 'unknown severity "V"; one of I, II, III, IV' }]);
  });

  it('holds one pool: every connection it opens is the same pool’s, and there are at most DB_POOL_SIZE of them', async () => {
    await send('GET', '/incidents');
    const rows = await sql<{ application_name: string; n: string }>`
      select application_name, count(*)::text as n from pg_stat_activity
      where datname = current_database() and application_name like 'muster%' group by application_name`.execute(t.db);
    expect(rows.rows.map((r) => r.application_name)).toStrictEqual(['muster']);
    expect(Number(rows.rows[0]?.n)).toBeLessThanOrEqual(6);
  });

  it('holds one engine: the timers fire a deadline through the same group-commit queue as the api', async () => {
    const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();
    // A level IV incident whose first call came in seven hours ago: its written initial report (due six
    // hours after 接报 by the default rules) is already late.
    const reported = await send('POST', '/incidents', {
      data: { title: 'Embankment breach', leadJurisdiction: '441203', severity: 'IV', receivedAt: minutesAgo(424) },
      occurredAt: minutesAgo(425),
    });
    const incidentId = String(reported['streamId']);
    await send('POST', `/incidents/${incidentId}/commands`, { type: 'BeginVerification', occurredAt: minutesAgo(422) });
    await send('POST', `/incidents/${incidentId}/commands`, { type: 'ConfirmIncident', data: { severity: 'IV' }, occurredAt: minutesAgo(420) });
    const afterApi = appended(muster.commitStats());
    expect(afterApi).toBeGreaterThanOrEqual(3);

    // No request is in flight now; only the timers write.
    let overdue: unknown = null;
    for (let i = 0; i < 100 && overdue === null; i++) {
      const reports = await send('GET', `/incidents/${incidentId}/reports`);
      overdue = (reports['items'] as { key: string; overdueAt: string | null }[] | undefined)?.find((item) => item.key === 'initial')?.overdueAt ?? null;
      if (overdue === null) await new Promise((r) => setTimeout(r, 200));
    }
    expect(overdue).not.toBeNull();
    expect(appended(muster.commitStats())).toBeGreaterThan(afterApi);
  });

  it('serves ONE /metrics on the api port for all its services: commands, group commit, relay, gateway, deadlines, its pool', async () => {
    await send('POST', '/incidents', { data: { title: 'Culvert blocked', leadJurisdiction: '441203' } });
    // The gateway's port serves no second /metrics: the api's is the whole process's.
    expect((await fetch(`${muster.gatewayUrl.replace(/^ws/, 'http').replace(/\/ws$/, '')}/metrics`)).status).toBe(404);
    let text = '';
    for (let i = 0; i < 100; i++) {
      text = await (await fetch(`${muster.apiUrl}/metrics`)).text();
      if (/^muster_relay_lag_positions 0$/m.test(text) && !/^muster_relay_published_total 0$/m.test(text)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(text).toMatch(/^muster_commands_total\{type="ReportIncident",outcome="accepted"\} [1-9]\d*$/m);
    expect(text).toMatch(/^muster_group_commit_batch_size_count [1-9]\d*$/m);
    expect(text).toMatch(/^muster_relay_published_total [1-9]\d*$/m);
    expect(text).toMatch(/^muster_relay_lag_positions 0$/m);
    expect(text).toMatch(/^muster_gateway_sockets 0$/m);
    expect(text).toMatch(/^muster_gateway_frames_sent_total \d+$/m);
    expect(text).toMatch(/^muster_deadlines_due \d+$/m);
    expect(text).toMatch(/^muster_db_pool_in_use\{pool="muster"\} \d+$/m);
    // One registry: each metric is described once, default process metrics included.
    for (const name of ['muster_commands_total', 'muster_relay_published_total', 'muster_gateway_sockets', 'muster_deadlines_fired_total', 'nodejs_eventloop_lag_seconds']) {
      expect(text.match(new RegExp(`^# TYPE ${name} `, 'gm')), name).toHaveLength(1);
    }
  });

  // Issue 21: no SMS provider in `muster start`; the local channels write what they would send.
  it("sends a warning's messages through the local channels: one outbox line per recipient, whose link acknowledges", async () => {
    const as = async (actor: typeof DINGHU | typeof LEADER, method: string, path: string, body?: unknown) => {
      const json = method === 'GET' ? {} : { headers: { ...(await authHeader(actor)), 'content-type': 'application/json' }, body: JSON.stringify(body ?? {}) };
      const response = await fetch(`${muster.apiUrl}${path}`, { method, headers: await authHeader(actor), ...json });
      expect(response.status, await response.clone().text()).toBeLessThan(300);
      return (await response.json()) as Record<string, unknown>;
    };
    for (const [i, role] of ['township_head', 'reservoir_keeper'].entries()) {
      await as(DINGHU, 'POST', '/contacts', { jurisdiction: '441203', area: '441203101', areaName: '沙浦镇', name: `沙浦镇联系人${i}`, role, phone: `1390000000${i}`, channels: ['sms'] });
    }
    const content = { category: 'Met', zh: { event: '暴雨', headline: '沙浦镇暴雨黄色预警', description: '强降雨', instruction: '转移群众' }, expires: new Date(Date.now() + 3_600_000).toISOString(), channels: ['SMS'], area: { description: '沙浦镇', jurisdictions: ['441203101'] } };
    await as(DINGHU, 'POST', '/warnings', { warningId: 'w-start', data: { level: 'yellow', sender: { name: '鼎湖区突发事件预警信息发布中心', agencyCode: '416' }, content } });
    await as(LEADER, 'POST', '/warnings/w-start/commands', { type: 'ApproveWarning' });
    await as(DINGHU, 'POST', '/warnings/w-start/commands', { type: 'IssueWarning' });
    let lines: { reference: string; ackUrl: string; to: { phone: string } }[] = [];
    for (let i = 0; i < 100 && lines.length < 2; i++) {
      await new Promise((r) => setTimeout(r, 100));
      lines = existsSync(join(dataDir, 'local-outbox.jsonl')) ? readFileSync(join(dataDir, 'local-outbox.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as (typeof lines)[number]) : [];
    }
    expect(lines.map((l) => l.to.phone).sort()).toStrictEqual(['13900000000', '13900000001']);
    expect(lines[0]?.ackUrl.startsWith(`${muster.apiUrl}/console/#/ack/`)).toBe(true);
    const token = lines[0]?.ackUrl.split('/').at(-1) ?? '';
    const acked = await fetch(`${muster.apiUrl}/public/warning-ack/${token}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(acked.status).toBe(200);
    const board = await as(DINGHU, 'GET', '/warnings/w-start/ack-board');
    expect(board).toMatchObject({ total: 2, sent: 2, acknowledged: 1 });
  });
});
