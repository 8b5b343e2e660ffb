import type { Actor } from '@muster/domain';
import type { TestDatabase } from '@muster/testkit';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { actorRequests, apiTest } from './test-fixtures';

/**
 * Plans (预案, issue 22) over HTTP: a county writes its flood plan and publishes a new version (the
 * history kept); the city reads it and cannot edit it, another county does not see it; each revision
 * trigger (review date, three-year drill rule, an AAR/IP asking) makes a plan due for revision until a
 * new version answers it; an incident shows the plan in force of its category.
 */

const CITY = '441200';
const DINGHU = '441203';
const GAOYAO = '441204';
const HUAIJI = '441224';
const person = (userId: string, roles: Actor['roles'], jurisdiction: string): Actor => ({ userId, roles, jurisdiction });
const cityDuty = person('duty-city', ['duty_officer'], CITY);
const dinghuDuty = person('duty-dinghu', ['duty_officer'], DINGHU);
const gaoyaoDuty = person('duty-gaoyao', ['duty_officer'], GAOYAO);
const huaijiDuty = person('duty-huaiji', ['duty_officer'], HUAIJI);
const huaijiResponder = person('resp-huaiji', ['responder'], HUAIJI);
const T0 = Date.UTC(2026, 6, 1, 2, 0, 0);
const day = 24 * 60 * 60_000;

let t: TestDatabase;
let app: FastifyInstance;
let now = T0;
const clock = { now: () => new Date(now) };

apiTest.override('clock', { scope: 'file' }, clock);
apiTest.override('apiOptions', { scope: 'file' }, { clock });
apiTest.beforeAll(({ database, api }) => {
  t = database;
  app = api;
});
const { call, ok } = actorRequests(() => app);

const measures = { I: '启动Ⅰ级响应：市防指总指挥坐镇指挥', II: '启动Ⅱ级响应：副总指挥带队', III: '启动Ⅲ级响应：转移危险区群众', IV: '启动Ⅳ级响应：加强值守巡查' };
const content = (over: Record<string, unknown> = {}) => ({ owner: { unit: '怀集县应急管理局', person: '李主任' }, summary: '怀集县防汛防台风专项应急预案', measures, ...over });

interface Reason {
  trigger: string;
  since: string;
  source?: string;
  ref?: string;
  reason?: string;
  intervalYears?: number;
}
interface Plan {
  planId: string;
  jurisdiction: string;
  title: string;
  current: { version: number; measures: typeof measures; owner: { unit: string; person: string }; reviewBy: string | null; issuedBy: string };
  versions: { version: number; note: string }[];
  lastDrilledAt: string | null;
  due: boolean;
  dueReasons: Reason[];
  revisionRequests: { source: string; ref: string; reason: string }[];
}

/** Rows that a refused request must leave alone. */
async function stored(): Promise<string> {
  const { rows } = await sql<{ plans: number; versions: number; marks: number }>`
    select (select count(*)::int from plan) as plans, (select count(*)::int from plan_version) as versions, (select count(*)::int from plan_mark) as marks`.execute(t.db);
  return JSON.stringify(rows[0]);
}

describe('plan life: create, new version, rights', () => {
  it('a county writes its plan, publishes a second version and keeps the first as history', async () => {
    now = T0;
    const created = await ok<Plan>(huaijiDuty, 'POST', '/plans', {
      planId: 'huaiji-flood',
      jurisdiction: HUAIJI,
      category: 'natural_disaster',
      title: '怀集县防汛防台风应急预案',
      lastDrilledAt: '2025-06-10T08:00:00+08:00',
      version: content({ reviewBy: '2029-07-01T00:00:00+08:00' }),
    });
    expect(created).toMatchObject({ planId: 'huaiji-flood', jurisdiction: HUAIJI, current: { version: 1, measures, issuedBy: 'duty-huaiji' }, due: false, dueReasons: [] });
    expect(created.versions.map((v) => v.version)).toStrictEqual([1]);

    now = T0 + day;
    const second = await ok<Plan>(huaijiDuty, 'POST', '/plans/huaiji-flood/versions', {
      basedOn: 1,
      version: content({ measures: { ...measures, III: '启动Ⅲ级响应：转移沙坑村等危险区群众' }, owner: { unit: '怀集县应急管理局', person: '王副局长' }, note: '按2026年汛期演练修订' }),
    });
    expect(second.current).toMatchObject({ version: 2, owner: { person: '王副局长' }, measures: { III: '启动Ⅲ级响应：转移沙坑村等危险区群众' }, reviewBy: null });
    expect(second.versions.map((v) => [v.version, v.note])).toStrictEqual([
      [2, '按2026年汛期演练修订'],
      [1, ''],
    ]);

    // The city reads the county's plan and lists it among its rooms'; the county lists only its own.
    expect((await ok<Plan>(cityDuty, 'GET', '/plans/huaiji-flood')).current.version).toBe(2);
    const cityList = await ok<{ items: Plan[] }>(cityDuty, 'GET', '/plans?category=natural_disaster');
    expect(cityList.items.map((p) => p.planId)).toContain('huaiji-flood');
    expect((await ok<{ items: Plan[] }>(gaoyaoDuty, 'GET', '/plans')).items).toStrictEqual([]);
  });

  it('a second version from a stale edit, a second plan of the category, or bad input is refused with nothing stored', async () => {
    const before = await stored();
    const stale = await call(huaijiDuty, 'POST', '/plans/huaiji-flood/versions', { basedOn: 1, version: content() });
    expect(stale.statusCode, stale.body).toBe(409);
    const twice = await call(huaijiDuty, 'POST', '/plans', { jurisdiction: HUAIJI, category: 'natural_disaster', title: '又一个防汛预案', version: content() });
    expect(twice.statusCode, twice.body).toBe(409);
    const bad = await call(huaijiDuty, 'POST', '/plans', { jurisdiction: HUAIJI, category: 'accident', title: '生产安全事故预案', version: content({ measures: { I: 'x', III: 'y', IV: 'z' } }) });
    expect(bad.statusCode, bad.body).toBe(400);
    expect(bad.json<{ error: { issues: { path: string }[] } }>().error.issues.map((i) => i.path)).toStrictEqual(['version.measures.II']);
    const badQuery = await call(cityDuty, 'GET', '/plans?category=flood');
    expect(badQuery.statusCode).toBe(400);
    expect(await stored()).toBe(before);
  });

  it('nobody edits another room’s plan: the city is refused, another county does not even see it, a room cannot write a plan for another', async () => {
    const before = await stored();
    const byCity = await call(cityDuty, 'POST', '/plans/huaiji-flood/versions', { basedOn: 2, version: content() });
    expect(byCity.statusCode, byCity.body).toBe(403);
    for (const [method, url, body] of [
      ['GET', '/plans/huaiji-flood', undefined],
      ['POST', '/plans/huaiji-flood/versions', { basedOn: 2, version: content() }],
      ['POST', '/plans/huaiji-flood/revision-requests', { source: 'change', ref: 'x', reason: '想改' }],
    ] as const) {
      const response = await call(gaoyaoDuty, method, url, body);
      expect(response.statusCode, `${method} ${url}`).toBe(404);
      // The same answer as a plan that does not exist.
      expect((await call(gaoyaoDuty, method, url.replace('huaiji-flood', 'no-such-plan'), body)).statusCode).toBe(404);
    }
    const forCounty = await call(cityDuty, 'POST', '/plans', { jurisdiction: HUAIJI, category: 'accident', title: '代写预案', version: content() });
    expect(forCounty.statusCode, forCounty.body).toBe(403);
    const forNeighbour = await call(gaoyaoDuty, 'POST', '/plans', { jurisdiction: HUAIJI, category: 'accident', title: '代写预案', version: content() });
    expect(forNeighbour.statusCode, forNeighbour.body).toBe(403);
    // A responder of the room is no keeper of its plans.
    const byResponder = await call(huaijiResponder, 'POST', '/plans/huaiji-flood/versions', { basedOn: 2, version: content() });
    expect(byResponder.statusCode, byResponder.body).toBe(403);
    expect(await stored()).toBe(before);
  });
});

describe('a plan whose revision trigger fired shows as due for revision (修订到期)', () => {
  it('its review date passing', async () => {
    now = T0;
    await ok(dinghuDuty, 'POST', '/plans', { planId: 'dinghu-accident', jurisdiction: DINGHU, category: 'accident', kind: 'overall', title: '鼎湖区生产安全事故应急预案', version: content({ reviewBy: '2026-09-01T00:00:00+08:00' }) });
    now = Date.parse('2026-08-31T15:59:00Z');
    expect((await ok<Plan>(dinghuDuty, 'GET', '/plans/dinghu-accident')).due).toBe(false);
    now = Date.parse('2026-08-31T16:00:00Z');
    const due = await ok<Plan>(dinghuDuty, 'GET', '/plans/dinghu-accident');
    expect(due).toMatchObject({ due: true, dueReasons: [{ trigger: 'reviewDate', since: '2026-08-31T16:00:00.000Z' }] });
    // The list marks it too; a new version with a later review date answers it.
    expect((await ok<{ items: Plan[] }>(cityDuty, 'GET', `/plans?jurisdiction=${DINGHU}`)).items.find((p) => p.planId === 'dinghu-accident')?.due).toBe(true);
    const revised = await ok<Plan>(dinghuDuty, 'POST', '/plans/dinghu-accident/versions', { basedOn: 1, version: content({ reviewBy: '2029-09-01T00:00:00+08:00' }) });
    expect(revised).toMatchObject({ due: false, dueReasons: [] });
  });

  it('a special plan not drilled in three years; a drill recorded answers it', async () => {
    now = T0;
    await ok(dinghuDuty, 'POST', '/plans', { planId: 'dinghu-health', jurisdiction: DINGHU, category: 'public_health', title: '鼎湖区突发公共卫生事件应急预案', lastDrilledAt: '2023-06-30T02:00:00Z', version: content() });
    const due = await ok<Plan>(cityDuty, 'GET', '/plans/dinghu-health');
    expect(due).toMatchObject({ due: true, lastDrilledAt: '2023-06-30T02:00:00.000Z', dueReasons: [{ trigger: 'drillOverdue', since: '2026-06-30T02:00:00.000Z', intervalYears: 3 }] });
    // The city's controller records the drill it ran with the county.
    const drilled = await ok<Plan>(cityDuty, 'POST', '/plans/dinghu-health/drills', { ref: '2026年鼎湖区传染病疫情桌面推演', endedAt: '2026-07-01T09:00:00+08:00' });
    expect(drilled).toMatchObject({ due: false, lastDrilledAt: '2026-07-01T01:00:00.000Z' });
  });

  it('a drill’s or an incident’s AAR/IP asking for revision, until a new version is published', async () => {
    now = T0 + 2 * day;
    const asked = await ok<Plan>(cityDuty, 'POST', '/plans/huaiji-flood/revision-requests', { source: 'drill', ref: '2026年怀集县防汛双盲演练', reason: 'AAR/IP：转移群众名单与预案不符' });
    expect(asked).toMatchObject({
      due: true,
      dueReasons: [{ trigger: 'revisionAsked', source: 'drill', ref: '2026年怀集县防汛双盲演练', since: new Date(now).toISOString(), reason: 'AAR/IP：转移群众名单与预案不符' }],
      revisionRequests: [{ source: 'drill', ref: '2026年怀集县防汛双盲演练' }],
    });
    await ok(huaijiDuty, 'POST', '/plans/huaiji-flood/revision-requests', { source: 'incident', ref: '7·20山洪', reason: '复盘：预警发布流程需调整', at: new Date(now + 60_000).toISOString() });
    now += 2 * 60_000;
    expect((await ok<Plan>(huaijiDuty, 'GET', '/plans/huaiji-flood')).dueReasons.map((r) => r.source)).toStrictEqual(['drill', 'incident']);
    now += 60_000;
    const revised = await ok<Plan>(huaijiDuty, 'POST', '/plans/huaiji-flood/versions', { basedOn: 2, version: content({ note: '根据演练和山洪复盘修订' }) });
    expect(revised).toMatchObject({ due: false, current: { version: 3 } });
    // The requests stay on record.
    expect(revised.revisionRequests).toHaveLength(2);
  });
});

describe('the plan in force for an incident', () => {
  it('is the lead room’s own plan of the category, else the nearest room above’s; none for a category without one', async () => {
    now = T0 + 3 * day;
    await ok(cityDuty, 'POST', '/plans', { planId: 'city-flood', jurisdiction: CITY, category: 'natural_disaster', title: '肇庆市防汛防旱防风应急预案', version: content({ owner: { unit: '市三防办', person: '陈主任' } }) });
    await ok(huaijiDuty, 'POST', '/incidents', { incidentId: 'inc-huaiji', data: { title: '山洪', leadJurisdiction: HUAIJI, category: 'natural_disaster', severity: 'IV' } });
    await ok(dinghuDuty, 'POST', '/incidents', { incidentId: 'inc-dinghu', data: { title: '内涝', leadJurisdiction: DINGHU, category: 'natural_disaster', severity: 'IV' } });
    await ok(dinghuDuty, 'POST', '/incidents', { incidentId: 'inc-dinghu-fire', data: { title: '厂房火灾', leadJurisdiction: DINGHU, category: 'social_security', severity: 'IV' } });
    expect((await ok<{ plan: Plan }>(huaijiDuty, 'GET', '/incidents/inc-huaiji/plan')).plan).toMatchObject({ planId: 'huaiji-flood', current: { version: 3 } });
    expect((await ok<{ plan: Plan }>(dinghuDuty, 'GET', '/incidents/inc-dinghu/plan')).plan).toMatchObject({ planId: 'city-flood', current: { measures } });
    expect(await ok(dinghuDuty, 'GET', '/incidents/inc-dinghu-fire/plan')).toStrictEqual({ plan: null });
    // Another county's incident is not found, plan or no plan.
    expect((await call(gaoyaoDuty, 'GET', '/incidents/inc-huaiji/plan')).statusCode).toBe(404);
  });
});

describe('a drill that names the plan it exercises', () => {
  it('marks the plan drilled when it ends and due for revision when its AAR/IP asks, once however often the command is sent; it may name only a plan its room reads', async () => {
    now = T0 + 4 * day;
    const drillBody = (drillId: string, planId: string) => ({
      drillId,
      data: { title: '2026年怀集县防汛桌面推演', kind: 'tabletop', doubleBlind: false, participants: [HUAIJI], objectives: ['检验转移群众流程'], scenario: '绥江超警', planId },
    });
    // Gaoyao may not name Huaiji's plan: the same 400 as a plan that does not exist, nothing stored.
    const before = await stored();
    const foreign = await call(gaoyaoDuty, 'POST', '/drills', { ...drillBody('dr-foreign', 'huaiji-flood'), data: { ...drillBody('dr-foreign', 'huaiji-flood').data, participants: ['441204100'] } });
    const missing = await call(gaoyaoDuty, 'POST', '/drills', { ...drillBody('dr-foreign', 'no-such-plan'), data: { ...drillBody('dr-foreign', 'no-such-plan').data, participants: ['441204100'] } });
    expect(foreign.statusCode, foreign.body).toBe(400);
    expect(foreign.body).toBe(missing.body);
    expect(foreign.json<{ error: { issues: { path: string }[] } }>().error.issues.map((i) => i.path)).toStrictEqual(['data.planId']);
    expect(await stored()).toBe(before);

    await ok(cityDuty, 'POST', '/drills', drillBody('dr-flood', 'huaiji-flood'));
    await ok(cityDuty, 'POST', '/drills/dr-flood/start', {});
    now += 60 * 60_000;
    await ok(cityDuty, 'POST', '/drills/dr-flood/commands', { type: 'EndDrill', commandId: 'end-flood' });
    // A retried command (same id) marks nothing more.
    await ok(cityDuty, 'POST', '/drills/dr-flood/commands', { type: 'EndDrill', commandId: 'end-flood' });
    const drilled = await ok<Plan & { drills: { ref: string; at: string }[] }>(huaijiDuty, 'GET', '/plans/huaiji-flood');
    expect(drilled.drills).toStrictEqual([expect.objectContaining({ ref: '2026年怀集县防汛桌面推演', at: new Date(now).toISOString() })]);
    expect(drilled.lastDrilledAt).toBe(new Date(now).toISOString());
    expect(drilled.due).toBe(false);

    now += 60 * 60_000;
    const aar = {
      type: 'DraftAfterActionReport',
      commandId: 'aar-flood',
      data: { capabilities: [{ capability: '群众转移', rating: 'M', strengths: [], improvements: ['夜间转移路线未规定'] }], correctiveActions: [], planRevision: '预案未规定夜间转移路线' },
    };
    await ok(cityDuty, 'POST', '/drills/dr-flood/commands', aar);
    await ok(cityDuty, 'POST', '/drills/dr-flood/commands', aar);
    const asked = await ok<Plan>(huaijiDuty, 'GET', '/plans/huaiji-flood');
    expect(asked).toMatchObject({ due: true, dueReasons: [{ trigger: 'revisionAsked', source: 'drill', ref: '2026年怀集县防汛桌面推演', reason: '预案未规定夜间转移路线' }] });
    expect(asked.revisionRequests.filter((r) => r.reason === '预案未规定夜间转移路线')).toHaveLength(1);
  });
});
