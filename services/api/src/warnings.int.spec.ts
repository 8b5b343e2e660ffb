import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Actor } from '@muster/domain';
import { listDeadlines } from '@muster/store-postgres';
import type { TestDatabase } from '@muster/testkit';
import { startTimers } from '@muster/timers';
import { gbFieldsOf, gbProfileViolations } from '@muster/warning-xml';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { actorRequests, apiTest } from './test-fixtures';

/**
 * Warnings over HTTP (issue 21): a county drafts, its leader approves, it is issued, raised to orange
 * and lifted; every CAP message validates against the OASIS schema; an Update references what it
 * updates; a drill is never Actual; the timers expire a warning once; the public feed carries the
 * warnings in force.
 */

const CITY = '441200';
const DINGHU = '441203';
const HUAIJI = '441224';
const person = (userId: string, roles: Actor['roles'], jurisdiction: string): Actor => ({ userId, roles, jurisdiction });
const dinghuDuty = person('duty-dinghu', ['duty_officer'], DINGHU);
const dinghuLeader = person('leader-dinghu', ['leader'], DINGHU);
const cityLeader = person('leader-city', ['leader'], CITY);
const huaijiDuty = person('duty-huaiji', ['duty_officer'], HUAIJI);
const T0 = Date.UTC(2026, 6, 1, 6, 0, 0);
const at = (minute: number) => new Date(T0 + minute * 60_000).toISOString();

const SCHEMA = join(import.meta.dirname, '..', '..', '..', 'packages', 'warning-xml', 'schema', 'CAP-v1.2.xsd');
const scratch = mkdtempSync(join(tmpdir(), 'muster-warnings-api-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let files = 0;

/** xmllint's complaint about a CAP document against the OASIS schema; null when it validates. */
function capSchemaErrors(xml: string): string | null {
  files += 1;
  const file = join(scratch, `m${files}.xml`);
  writeFileSync(file, xml);
  try {
    execFileSync('xmllint', ['--noout', '--schema', SCHEMA, file], { stdio: 'pipe' });
    return null;
  } catch (error) {
    return String((error as { stderr?: Buffer }).stderr ?? error);
  }
}

let t: TestDatabase;
let app: FastifyInstance;
let timers: ReturnType<typeof startTimers>;
let now = T0;
const clock = { now: () => new Date(now) };
const moveTo = (minute: number) => {
  now = T0 + minute * 60_000;
};

apiTest.override('clock', { scope: 'file' }, clock);
apiTest.override('apiOptions', { scope: 'file' }, { clock });
apiTest.beforeAll(({ database, api, engine }) => {
  t = database;
  app = api;
  timers = startTimers({ db: database.db, engine, clock, autoStart: false });
});
const { call, ok } = actorRequests(() => app);

const content = (expiresMinute: number, headline = '鼎湖区暴雨黄色预警') => ({
  category: 'Met',
  eventCode: '11B03',
  zh: { event: '暴雨', headline, description: '预计6小时内沙坑镇降雨量50毫米以上。', instruction: '转移低洼地带群众。' },
  en: { event: 'Rainstorm', headline: 'Rainstorm warning for Dinghu', description: 'Over 50 mm of rain within 6 hours.', instruction: 'Leave low-lying areas.' },
  expires: at(expiresMinute),
  channels: ['SMS', 'SPEAKER'],
  area: { description: '鼎湖区沙坑镇', jurisdictions: [DINGHU], polygon: [
    { lat: 23.16, lon: 112.52 },
    { lat: 23.22, lon: 112.52 },
    { lat: 23.22, lon: 112.6 },
    { lat: 23.16, lon: 112.52 },
  ] },
});
const draftBody = (warningId: string, extra: Record<string, unknown> = {}) => ({
  warningId,
  data: { level: 'yellow', sender: { name: '鼎湖区突发事件预警信息发布中心', agencyCode: '416' }, content: content(600), ...extra },
});

async function stored(): Promise<string> {
  const { rows } = await sql<{ events: number; deadlines: number }>`select (select count(*)::int from event) as events, (select count(*)::int from deadline) as deadlines`.execute(t.db);
  return JSON.stringify(rows[0]);
}

async function released(warningId: string): Promise<void> {
  moveTo(1);
  await ok(dinghuDuty, 'POST', '/warnings', draftBody(warningId));
  await ok(dinghuLeader, 'POST', `/warnings/${warningId}/commands`, { type: 'ApproveWarning', data: {} });
  moveTo(3);
  await ok(dinghuDuty, 'POST', `/warnings/${warningId}/commands`, { type: 'IssueWarning' });
}

describe('warnings over HTTP', () => {
  apiTest('issued, raised to orange and lifted: every CAP message validates, the Update and the Cancel reference what they follow', async () => {
    await released('w-flood');
    moveTo(60);
    await ok(dinghuLeader, 'POST', '/warnings/w-flood/commands', { type: 'UpdateWarning', data: { reason: '雨势加强，升级为橙色', level: 'orange', content: content(900, '鼎湖区暴雨橙色预警') } });
    moveTo(120);
    await ok(dinghuLeader, 'POST', '/warnings/w-flood/commands', { type: 'LiftWarning', data: { reason: '降雨减弱，险情解除' } });

    const warning = await ok<{ state: string; level: string; messages: { identifier: string }[] }>(dinghuDuty, 'GET', '/warnings/w-flood');
    expect(warning).toMatchObject({ state: 'lifted', level: 'orange' });
    expect(warning.messages).toHaveLength(3);
    const [first, update] = warning.messages;
    const caps: string[] = [];
    for (const n of [1, 2, 3]) {
      const response = await call(dinghuDuty, 'GET', `/warnings/w-flood/cap.xml?message=${n}`);
      expect(response.statusCode, response.body).toBe(200);
      expect(response.headers['content-type']).toContain('application/xml');
      expect(capSchemaErrors(response.body)).toBeNull();
      caps.push(response.body);
      const gb = await call(dinghuDuty, 'GET', `/warnings/w-flood/gb.xml?message=${n}`);
      expect(gbProfileViolations(gbFieldsOf(gb.body))).toStrictEqual([]);
    }
    expect(caps.map((x) => /<msgType>(\w+)<\/msgType>/.exec(x)?.[1])).toStrictEqual(['Alert', 'Update', 'Cancel']);
    expect(caps[1]).toContain(`,${first?.identifier},`);
    expect(caps[1]).toContain('<severity>Severe</severity>');
    expect(caps[2]).toContain(`,${update?.identifier},`);
    const cancelGb = await call(dinghuDuty, 'GET', '/warnings/w-flood/gb.xml');
    expect(gbFieldsOf(cancelGb.body)).toMatchObject({ msgType: 'Cancel', references: first?.identifier, note: '降雨减弱，险情解除' });
    // Lifted: no expiry row is left pending.
    expect((await listDeadlines(t.db, { incidentId: 'warning:w-flood' })).filter((d) => d.outcome === null)).toStrictEqual([]);
  });

  apiTest('a drill warning is never Actual: CAP Exercise, GB Test; it never reaches the public feed or message', async () => {
    moveTo(1);
    await ok(dinghuDuty, 'POST', '/warnings', draftBody('w-drill', { status: 'exercise' }));
    await ok(dinghuLeader, 'POST', '/warnings/w-drill/commands', { type: 'ApproveWarning' });
    await ok(dinghuDuty, 'POST', '/warnings/w-drill/commands', { type: 'IssueWarning' });
    const cap = await call(dinghuDuty, 'GET', '/warnings/w-drill/cap.xml');
    expect(capSchemaErrors(cap.body)).toBeNull();
    expect(cap.body).toContain('<status>Exercise</status>');
    expect(cap.body).not.toContain('Actual');
    const gb = await call(dinghuDuty, 'GET', '/warnings/w-drill/gb.xml');
    expect(gbFieldsOf(gb.body).status).toBe('Test');
    expect((await app.inject({ method: 'GET', url: '/public/warnings/messages/w-drill/cap.xml' })).statusCode).toBe(404);
    const index = await app.inject({ method: 'GET', url: `/public/warnings/${CITY}/index.json` });
    expect(index.json<{ items: { identifier: string }[] }>().items.map((i) => i.identifier)).not.toContain(gbFieldsOf(gb.body).identifier);
  });

  apiTest('a warning about a drill’s incident is drafted as exercise or refused: never issued as Actual (issue 22)', async () => {
    moveTo(1);
    await ok(dinghuDuty, 'POST', '/incidents', { incidentId: 'inc-drill', data: { title: '演练：沙浦镇内涝', leadJurisdiction: DINGHU, category: 'natural_disaster', exercise: true } });
    const before = await stored();
    // Drafted Actual (the default) about the drill's incident: a 400 naming the incident, nothing stored.
    const actual = await call(dinghuDuty, 'POST', '/warnings', draftBody('w-drill-actual', { incidents: ['inc-drill'] }));
    expect(actual.statusCode, actual.body).toBe(400);
    expect(actual.json<{ error: { issues: { path: string }[] } }>().error.issues.map((i) => i.path)).toStrictEqual(['data.incidents.0']);
    const explicit = await call(dinghuDuty, 'POST', '/warnings', draftBody('w-drill-actual', { status: 'actual', incidents: ['inc-drill'] }));
    expect(explicit.statusCode).toBe(400);
    expect(await stored()).toBe(before);
    // An Actual warning is never linked to it later either.
    await ok(dinghuDuty, 'POST', '/warnings', draftBody('w-real-rain'));
    const linked = await stored();
    const link = await call(dinghuDuty, 'POST', '/warnings/w-real-rain/commands', { type: 'LinkWarningToIncident', data: { incidentId: 'inc-drill' } });
    expect(link.statusCode, link.body).toBe(400);
    expect(link.json<{ error: { issues: { path: string }[] } }>().error.issues.map((i) => i.path)).toStrictEqual(['data.incidentId']);
    expect(await stored()).toBe(linked);
    expect((await ok<{ incidents: string[] }>(dinghuDuty, 'GET', '/warnings/w-real-rain')).incidents).toStrictEqual([]);
    // Drafted as exercise it goes through, and every message of it says so: CAP Exercise, GB Test.
    await ok(dinghuDuty, 'POST', '/warnings', draftBody('w-drill-linked', { status: 'exercise', incidents: ['inc-drill'] }));
    await ok(dinghuLeader, 'POST', '/warnings/w-drill-linked/commands', { type: 'ApproveWarning' });
    await ok(dinghuDuty, 'POST', '/warnings/w-drill-linked/commands', { type: 'IssueWarning' });
    expect(await ok(dinghuDuty, 'GET', '/warnings/w-drill-linked')).toMatchObject({ status: 'exercise', incidents: ['inc-drill'] });
    const cap = await call(dinghuDuty, 'GET', '/warnings/w-drill-linked/cap.xml');
    expect(cap.body).toContain('<status>Exercise</status>');
    expect(cap.body).not.toContain('Actual');
    expect(gbFieldsOf((await call(dinghuDuty, 'GET', '/warnings/w-drill-linked/gb.xml')).body).status).toBe('Test');
  });

  apiTest('who may: a duty officer or a leader of the city cannot approve (403), another county does not see it (404), a bad draft is a 400 naming the field', async () => {
    moveTo(1);
    await ok(dinghuDuty, 'POST', '/warnings', draftBody('w-who'));
    expect((await call(dinghuDuty, 'POST', '/warnings/w-who/commands', { type: 'ApproveWarning' })).statusCode).toBe(403);
    expect((await call(cityLeader, 'POST', '/warnings/w-who/commands', { type: 'ApproveWarning' })).statusCode).toBe(403);
    expect((await call(huaijiDuty, 'POST', '/warnings/w-who/commands', { type: 'ApproveWarning' })).statusCode).toBe(404);
    expect((await call(huaijiDuty, 'GET', '/warnings/w-who')).statusCode).toBe(404);
    expect((await call(cityLeader, 'GET', '/warnings/w-who')).statusCode).toBe(200);
    expect((await call(huaijiDuty, 'GET', '/warnings?jurisdiction=441203')).statusCode).toBe(403);
    const ids = (await ok<{ items: { warningId: string }[] }>(cityLeader, 'GET', '/warnings')).items.map((w) => w.warningId);
    expect(ids).toContain('w-who');
    expect((await ok<{ items: unknown[] }>(huaijiDuty, 'GET', '/warnings')).items).toStrictEqual([]);

    const before = await stored();
    const bad = await call(dinghuDuty, 'POST', '/warnings', draftBody('w-bad', { level: 'purple' }));
    expect(bad.statusCode).toBe(400);
    expect(bad.json<{ error: { issues: { path: string }[] } }>().error.issues.map((i) => i.path)).toStrictEqual(['data.level']);
    const outside = await call(dinghuDuty, 'POST', '/warnings', draftBody('w-bad', { content: { ...content(600), area: { description: '怀集县', jurisdictions: [HUAIJI] } } }));
    expect(outside.statusCode).toBe(400);
    expect(outside.json<{ error: { issues: { path: string }[] } }>().error.issues.map((i) => i.path)).toStrictEqual(['data.content.area.jurisdictions.0']);
    expect(await stored()).toBe(before);
  });

  apiTest("a warning links to incidents its room can see; another county's incident is a 400 like a missing one", async () => {
    moveTo(1);
    await ok(dinghuDuty, 'POST', '/incidents', { incidentId: 'inc-rain', data: { title: 'Flooding at Shakeng', leadJurisdiction: DINGHU, category: 'natural_disaster' } });
    await ok(huaijiDuty, 'POST', '/incidents', { incidentId: 'inc-huaiji', data: { title: 'Landslide in Huaiji', leadJurisdiction: HUAIJI, category: 'natural_disaster' } });
    await ok(dinghuDuty, 'POST', '/warnings', draftBody('w-link', { incidents: ['inc-rain'] }));
    const before = await stored();
    for (const incidentId of ['inc-huaiji', 'inc-none']) {
      const refused = await call(dinghuDuty, 'POST', '/warnings/w-link/commands', { type: 'LinkWarningToIncident', data: { incidentId } });
      expect(refused.statusCode).toBe(400);
      expect(refused.json<{ error: { issues: { path: string; message: string }[] } }>().error.issues).toStrictEqual([{ path: 'data.incidentId', message: 'must be an incident your room can see' }]);
    }
    expect(await stored()).toBe(before);
    await ok(dinghuDuty, 'POST', '/incidents', { incidentId: 'inc-rain-2', data: { title: 'Road flooded', leadJurisdiction: DINGHU, category: 'natural_disaster' } });
    await ok(dinghuDuty, 'POST', '/warnings/w-link/commands', { type: 'LinkWarningToIncident', data: { incidentId: 'inc-rain-2' } });
    expect((await ok<{ incidents: string[] }>(dinghuDuty, 'GET', '/warnings/w-link')).incidents).toStrictEqual(['inc-rain', 'inc-rain-2']);
  });

  apiTest('the public CAP index and Atom feed carry the warnings in force over a jurisdiction; the timers expire one exactly once', async () => {
    await released('w-public');
    moveTo(10);
    const index = await app.inject({ method: 'GET', url: `/public/warnings/${CITY}/index.json` });
    expect(index.statusCode).toBe(200);
    const entry = index.json<{ items: { headline: string; capUrl: string; colour: string }[] }>().items.find((i) => i.capUrl.endsWith('/public/warnings/messages/w-public/cap.xml'));
    expect(entry).toMatchObject({ headline: '鼎湖区暴雨黄色预警', colour: 'Yellow' });
    const feed = await app.inject({ method: 'GET', url: `/public/warnings/${DINGHU}/feed.atom` });
    expect(feed.headers['content-type']).toContain('application/atom+xml');
    expect(feed.body).toContain('/public/warnings/messages/w-public/cap.xml');
    expect((await app.inject({ method: 'GET', url: `/public/warnings/${HUAIJI}/feed.atom` })).body).not.toContain('w-public');
    const publicCap = await app.inject({ method: 'GET', url: '/public/warnings/messages/w-public/cap.xml' });
    expect(capSchemaErrors(publicCap.body)).toBeNull();
    expect((await app.inject({ method: 'GET', url: '/public/warnings/999999/index.json' })).statusCode).toBe(404);

    // At `expires` the timers fire the row once; the warning is expired and leaves the feed.
    moveTo(600);
    expect((await timers.tick()).fired).toBeGreaterThanOrEqual(1);
    expect((await ok<{ state: string; expiredAt: string }>(dinghuDuty, 'GET', '/warnings/w-public'))).toMatchObject({ state: 'expired', expiredAt: at(600) });
    expect((await timers.tick()).claimed).toBe(0);
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from event where stream_id = 'warning:w-public' and type = 'WarningExpired'`.execute(t.db);
    expect(rows[0]?.n).toBe(1);
    expect((await app.inject({ method: 'GET', url: `/public/warnings/${CITY}/feed.atom` })).body).not.toContain('w-public');
  });
});

it('the CAP schema check can fail (an element out of the OASIS order)', () => {
  const broken = '<?xml version="1.0"?><alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><sender>x</sender><identifier>y</identifier></alert>';
  expect(capSchemaErrors(broken)).toContain('identifier');
});
