import type { Actor } from '@muster/domain';
import { listDeadlines } from '@muster/store-postgres';
import type { TestDatabase } from '@muster/testkit';
import { startTimers } from '@muster/timers';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { describe, expect } from 'vitest';
import { actorRequests, apiTest } from './test-fixtures';

/**
 * Hazards over HTTP (issue 24), on real PostgreSQL with the timers' firing loop in process: a returned
 * rectification reopens under a new deadline (the old row cancelled, the new one fired when due); an
 * overdue 重大 rectification escalates one level exactly once; 挂牌督办 is only the city's; a 重大
 * rectification without its plan is a 400 naming the field; inspections open and update hazards; the
 * public tip-off form is rate-limited. (The escalation across a kill -9 of a timers process:
 * services/timers/src/hazard-escalation.int.spec.ts; the reporter's identity: services/gateway/src/tip-off-identity.int.spec.ts.)
 */

const CITY = '441200';
const DINGHU = '441203';
const HUAIJI = '441224';
const person = (userId: string, roles: Actor['roles'], jurisdiction: string): Actor => ({ userId, roles, jurisdiction });
const dinghuDuty = person('duty-dinghu', ['duty_officer'], DINGHU);
const dinghuLeader = person('leader-dinghu', ['leader'], DINGHU);
const cityDuty = person('duty-city', ['duty_officer'], CITY);
const huaijiDuty = person('duty-huaiji', ['duty_officer'], HUAIJI);
const province = person('duty-gd', ['duty_officer'], '440000');
const T0 = Date.UTC(2026, 6, 1, 6, 0, 0);
const at = (minute: number) => new Date(T0 + minute * 60_000).toISOString();

let t: TestDatabase;
let app: FastifyInstance;
let timers: ReturnType<typeof startTimers>;
let now = T0;
const clock = { now: () => new Date(now) };
const moveTo = (minute: number) => {
  now = T0 + minute * 60_000;
};

apiTest.override('clock', { scope: 'file' }, clock);
apiTest.override('apiOptions', { scope: 'file' }, { clock, tipOffLimits: { maxPerAddress: 3, windowSeconds: 3600 } });
apiTest.beforeAll(({ database, api, engine }) => {
  t = database;
  app = api;
  timers = startTimers({ db: database.db, engine, clock, autoStart: false });
});
const { call, ok } = actorRequests(() => app);

const PLAN = { objectives: '消除泄漏', methods: '更换阀门', funding: '企业自筹', organisation: '厂长负责', timeline: '30日内', safetyMeasures: '停用储罐区' };
const issuesOf = (body: string) => (JSON.parse(body) as { error: { issues?: { path: string }[] } }).error.issues?.map((i) => i.path);

/** A self-check hazard of Dinghu's, verified and graded 重大, its rectification due at `deadlineMinute`. */
async function majorUnderRectification(hazardId: string, deadlineMinute: number): Promise<void> {
  await ok(dinghuDuty, 'POST', '/hazards', { hazardId, data: { location: { jurisdiction: '441203100', address: '坑口街道某化工厂' }, title: '储罐区泄漏', description: '阀门锈蚀', source: 'self_check' } });
  await ok(dinghuDuty, 'POST', `/hazards/${hazardId}/commands`, { type: 'VerifyHazard' });
  await ok(dinghuDuty, 'POST', `/hazards/${hazardId}/commands`, { type: 'GradeHazard', data: { criteria: ['requires_stoppage'] } });
  await ok(dinghuDuty, 'POST', `/hazards/${hazardId}/commands`, {
    type: 'AssignRectification',
    data: { responsibleUnit: '某化工厂', measures: '更换阀门', deadline: at(deadlineMinute), plan: PLAN, interimControls: ['储罐区停用'] },
  });
}

const pending = async (hazardId: string) => (await listDeadlines(t.db, { incidentId: `hazard:${hazardId}` })).filter((d) => d.outcome === null).map((d) => [d.key, d.dueAt]);
const countOf = async (hazardId: string, type: string) => {
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from event where stream_id = ${`hazard:${hazardId}`} and type = ${type}`.execute(t.db);
  return rows[0]?.n;
};

describe('hazards over HTTP', () => {
  apiTest('a returned rectification reopens under a new deadline: the old row goes, the new one is held and fires when due', async () => {
    moveTo(1);
    await majorUnderRectification('h-return', 100);
    expect(await pending('h-return')).toStrictEqual([['rectification', at(100)]]);
    moveTo(10);
    await ok(dinghuDuty, 'POST', '/hazards/h-return/commands', { type: 'ReportRectification', data: { summary: '阀门已更换' } });
    // Reported done: nothing is due any more.
    expect(await pending('h-return')).toStrictEqual([]);
    moveTo(20);
    // A new deadline in the past is a 400 naming it, nothing stored.
    const stale = await call(dinghuDuty, 'POST', '/hazards/h-return/commands', { type: 'ReturnRectification', data: { reason: '未加装报警器', deadline: at(15) } });
    expect(stale.statusCode).toBe(400);
    expect(issuesOf(stale.body)).toStrictEqual(['data.deadline']);
    const returned = await ok<{ state: string }>(dinghuDuty, 'POST', '/hazards/h-return/commands', { type: 'ReturnRectification', data: { reason: '未加装报警器', deadline: at(300) } });
    expect(returned.state).toBe('rectifying');
    const hazard = await ok<{ state: string; rectification: { deadline: string; round: number }; returns: { previousDeadline: string; deadline: string }[]; overdue: boolean }>(dinghuDuty, 'GET', '/hazards/h-return');
    expect(hazard).toMatchObject({ state: 'rectifying', rectification: { deadline: at(300), round: 2 }, returns: [{ previousDeadline: at(100), deadline: at(300) }], overdue: false });
    expect(await pending('h-return')).toStrictEqual([['rectification', at(300)]]);
    // The first deadline passes: nothing fires (its row was cancelled by the report).
    moveTo(150);
    await timers.tick();
    expect(await countOf('h-return', 'HazardDeadlinePassed')).toBe(0);
    // The new one passes: overdue, escalated to the city, once.
    moveTo(301);
    await timers.tick();
    await timers.tick();
    expect(await countOf('h-return', 'HazardDeadlinePassed')).toBe(1);
    expect(await ok(dinghuDuty, 'GET', '/hazards/h-return')).toMatchObject({ overdue: true, escalations: [{ to: CITY, deadline: at(300) }] });
  });

  apiTest('an overdue 重大 rectification escalates one level exactly once, and shows on the city’s supervision list', async () => {
    moveTo(1);
    await majorUnderRectification('h-late', 60);
    moveTo(61);
    expect((await timers.tick()).fired).toBeGreaterThanOrEqual(1);
    expect((await timers.tick()).claimed).toBe(0);
    moveTo(200);
    await timers.tick();
    expect(await countOf('h-late', 'HazardDeadlinePassed')).toBe(1);
    const { rows } = await sql<{ data: { escalatedTo: string } }>`select data from event where stream_id = 'hazard:h-late' and type = 'HazardDeadlinePassed'`.execute(t.db);
    expect(rows.map((r) => r.data.escalatedTo)).toStrictEqual([CITY]);
    const board = await ok<{ items: { hazardId: string; overdue: boolean }[] }>(cityDuty, 'GET', '/hazards?supervision=true&overdue=true');
    expect(board.items.map((h) => h.hazardId)).toContain('h-late');
    // Filters: grade, state, jurisdiction.
    expect((await ok<{ items: { hazardId: string }[] }>(cityDuty, 'GET', '/hazards?grade=general')).items.map((h) => h.hazardId)).not.toContain('h-late');
    expect((await ok<{ items: { hazardId: string }[] }>(cityDuty, 'GET', `/hazards?jurisdiction=${HUAIJI}`)).items).toStrictEqual([]);
    expect((await ok<{ items: { hazardId: string }[] }>(cityDuty, 'GET', '/hazards?state=rectifying&grade=major')).items.map((h) => h.hazardId)).toContain('h-late');
    // Another county does not see it at all.
    expect((await ok<{ items: unknown[] }>(huaijiDuty, 'GET', '/hazards')).items).toStrictEqual([]);
    expect((await call(huaijiDuty, 'GET', '/hazards/h-late')).statusCode).toBe(404);
  });

  apiTest('挂牌督办 is only the city’s: the county and the province are refused (403), another county is told nothing (404); the listed deadline fires once', async () => {
    moveTo(1);
    await majorUnderRectification('h-listed', 500);
    const list = { type: 'ListForSupervision', data: { deadline: at(120), note: '市政府挂牌督办' } };
    expect((await call(dinghuLeader, 'POST', '/hazards/h-listed/commands', list)).statusCode).toBe(403);
    expect((await call(province, 'POST', '/hazards/h-listed/commands', list)).statusCode).toBe(403);
    expect((await call(huaijiDuty, 'POST', '/hazards/h-listed/commands', list)).statusCode).toBe(404);
    expect(await countOf('h-listed', 'HazardListedForSupervision')).toBe(0);
    await ok(cityDuty, 'POST', '/hazards/h-listed/commands', list);
    // Listed once: a second listing is refused as a transition.
    expect((await call(cityDuty, 'POST', '/hazards/h-listed/commands', list)).statusCode).toBe(409);
    expect(await pending('h-listed')).toStrictEqual([
      ['listed-supervision', at(120)],
      ['rectification', at(500)],
    ]);
    moveTo(121);
    await timers.tick();
    await timers.tick();
    const hazard = await ok<{ listedSupervision: { overdueAt: string | null; jurisdiction: string }; overdue: boolean }>(cityDuty, 'GET', '/hazards/h-listed');
    expect(hazard.listedSupervision).toMatchObject({ overdueAt: at(120), jurisdiction: CITY });
    expect(hazard.overdue).toBe(false);
    expect(await pending('h-listed')).toStrictEqual([['rectification', at(500)]]);
  });

  apiTest('a 重大 rectification without its plan is a 400 naming the missing parts; nothing stored', async () => {
    moveTo(1);
    await ok(dinghuDuty, 'POST', '/hazards', { hazardId: 'h-plan', data: { location: { jurisdiction: DINGHU, address: '某仓库' }, title: '消防通道堵塞', description: '堆放杂物', source: 'inspection' } });
    await ok(dinghuDuty, 'POST', '/hazards/h-plan/commands', { type: 'VerifyHazard' });
    await ok(dinghuDuty, 'POST', '/hazards/h-plan/commands', { type: 'GradeHazard', data: { criteria: ['external_factors'] } });
    const { rows: before } = await sql<{ n: number }>`select count(*)::int as n from event`.execute(t.db);
    const bare = await call(dinghuDuty, 'POST', '/hazards/h-plan/commands', { type: 'AssignRectification', data: { responsibleUnit: '某仓库', measures: '清理', deadline: at(100) } });
    expect(bare.statusCode).toBe(400);
    expect(issuesOf(bare.body)).toStrictEqual(['data.plan', 'data.interimControls']);
    const partial = await call(dinghuDuty, 'POST', '/hazards/h-plan/commands', { type: 'AssignRectification', data: { responsibleUnit: '某仓库', measures: '清理', deadline: at(100), plan: { ...PLAN, funding: '' }, interimControls: ['专人值守'] } });
    expect(partial.statusCode).toBe(400);
    expect(issuesOf(partial.body)).toStrictEqual(['data.plan.funding']);
    const unknown = await call(dinghuDuty, 'POST', '/hazards', { data: { location: { jurisdiction: '999999', address: 'x' }, title: 'x', description: 'x', source: 'inspection' } });
    expect(unknown.statusCode).toBe(400);
    expect(issuesOf(unknown.body)).toStrictEqual(['data.location.jurisdiction']);
    // A county reports only within its own jurisdiction.
    expect((await call(huaijiDuty, 'POST', '/hazards', { data: { location: { jurisdiction: DINGHU, address: 'x' }, title: 'x', description: 'x', source: 'inspection' } })).statusCode).toBe(403);
    // A person cannot pose as the tip-off form.
    expect((await call(dinghuDuty, 'POST', '/hazards', { data: { location: { jurisdiction: DINGHU, address: 'x' }, title: 'x', description: 'x', source: 'tip_off' } })).statusCode).toBe(400);
    const { rows: after } = await sql<{ n: number }>`select count(*)::int as n from event`.execute(t.db);
    expect(after[0]?.n).toBe(before[0]?.n);
  });

  apiTest('an unannounced inspection records its findings: one opens a hazard, another updates a known one; photos by reference', async () => {
    moveTo(1);
    await ok(dinghuDuty, 'POST', '/hazards', { hazardId: 'h-known', data: { location: { jurisdiction: DINGHU, address: '某商场' }, title: '疏散指示灯损坏', description: '三楼', source: 'self_check' } });
    const inspection = await ok<{ inspectionId: string; hazards: string[] }>(dinghuDuty, 'POST', '/inspections', {
      jurisdiction: DINGHU,
      kind: 'unannounced',
      subject: '某商场',
      inspectedAt: at(1),
      inspectors: ['李明', '王芳'],
      attachments: [{ name: '检查记录.pdf', ref: 'files/insp/1.pdf' }],
      findings: [
        { hazardId: 'h-known', note: '仍未修复', attachments: [{ name: '照片.jpg', ref: 'files/insp/1.jpg' }] },
        { location: { jurisdiction: DINGHU, address: '某商场地下车库' }, title: '消防栓无水', description: '压力不足' },
      ],
    });
    expect(inspection.hazards[0]).toBe('h-known');
    expect(inspection.hazards).toHaveLength(2);
    const known = await ok<{ findings: { inspectionId: string; note: string; attachments: { ref: string }[] }[] }>(dinghuDuty, 'GET', '/hazards/h-known');
    expect(known.findings).toStrictEqual([{ inspectionId: inspection.inspectionId, note: '仍未修复', at: at(1), attachments: [{ name: '照片.jpg', ref: 'files/insp/1.jpg' }] }]);
    const opened = await ok<{ source: string; inspectionId: string; state: string }>(dinghuDuty, 'GET', `/hazards/${inspection.hazards[1]}`);
    expect(opened).toMatchObject({ source: 'inspection', inspectionId: inspection.inspectionId, state: 'reported' });
    const listed = await ok<{ items: { inspectionId: string; kind: string }[] }>(cityDuty, 'GET', '/inspections');
    expect(listed.items.find((i) => i.inspectionId === inspection.inspectionId)).toMatchObject({ kind: 'unannounced' });
    expect((await ok<{ items: unknown[] }>(huaijiDuty, 'GET', '/inspections')).items).toStrictEqual([]);
    // Another county records no inspection of Dinghu's.
    expect((await call(huaijiDuty, 'POST', '/inspections', { jurisdiction: DINGHU, kind: 'planned', subject: 'x', inspectedAt: at(1), inspectors: ['x'], findings: [] })).statusCode).toBe(403);
  });

  apiTest('the public tip-off form takes no login, opens a reported hazard in the intake queue, names bad fields, and is rate-limited per address', async () => {
    moveTo(1);
    const form = { location: { jurisdiction: '441203100', address: '坑口街道某工地' }, title: '脚手架松动', description: '临街脚手架摇晃', reporter: { name: '举报人甲', phone: '13800000000' } };
    const bad = await app.inject({ method: 'POST', url: '/public/tip-offs', payload: { ...form, reporter: { name: '举报人甲', phone: 'call me' } } });
    expect(bad.statusCode).toBe(400);
    expect(issuesOf(bad.body)).toStrictEqual(['reporter.phone']);
    const receipt = await app.inject({ method: 'POST', url: '/public/tip-offs', payload: form });
    expect(receipt.statusCode, receipt.body).toBe(201);
    const { tipOffId } = receipt.json<{ tipOffId: string }>();
    const queue = await ok<{ items: { tipOffId: string; state: string; source: string }[] }>(dinghuDuty, 'GET', '/hazards?source=tip_off&state=reported');
    expect(queue.items.map((h) => h.tipOffId)).toContain(tipOffId);
    await app.inject({ method: 'POST', url: '/public/tip-offs', payload: form });
    const limited = await app.inject({ method: 'POST', url: '/public/tip-offs', payload: form });
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
  });
});
