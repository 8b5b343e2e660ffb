import type { Actor } from '@muster/domain';
import { listDeadlines } from '@muster/store-postgres';
import type { TestDatabase } from '@muster/testkit';
import { startTimers } from '@muster/timers';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { actorRequests, apiTest } from './test-fixtures';

/**
 * 督办 and 约谈 over HTTP (issue 16): the city supervises a task of a county on a III incident, the
 * county reports and the city closes; the deadline passing escalates the item once; who may not.
 */

const CITY = '441200';
const DINGHU = '441203';
const GAOYAO = '441204';
const HUAIJI = '441224';
const person = (userId: string, roles: Actor['roles'], jurisdiction: string): Actor => ({ userId, roles, jurisdiction });
const cityDuty = person('duty-city', ['duty_officer'], CITY);
const cityLeader = person('leader-city', ['leader'], CITY);
const dinghuDuty = person('duty-dinghu', ['duty_officer'], DINGHU);
const gaoyaoDuty = person('duty-gaoyao', ['duty_officer'], GAOYAO);
const huaijiDuty = person('duty-huaiji', ['duty_officer'], HUAIJI);
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

// The engine, the api and the timers read the same clock: the tests move it.
apiTest.override('clock', { scope: 'file' }, clock);
apiTest.override('apiOptions', { scope: 'file' }, { clock });
apiTest.beforeAll(({ database, api, engine }) => {
  t = database;
  app = api;
  timers = startTimers({ db: database.db, engine, clock, autoStart: false });
});
const { call, ok } = actorRequests(() => app);

/** A 400 whose issues name exactly the given field paths. */
async function expectInvalid(actor: Actor, method: 'GET' | 'POST', url: string, payload: unknown, paths: string[]) {
  const response = await call(actor, method, url, payload);
  expect(response.statusCode, response.body).toBe(400);
  const body = response.json<{ error: { code: string; issues: { path: string }[] } }>();
  expect(body.error.code).toBe('validation');
  expect(body.error.issues.map((i) => i.path).sort()).toStrictEqual([...paths].sort());
}

async function incident(incidentId: string, lead: string, severity: 'I' | 'II' | 'III' | 'IV', by: Actor = dinghuDuty): Promise<void> {
  await ok(by, 'POST', '/incidents', { incidentId, data: { title: `Embankment breach ${incidentId}`, leadJurisdiction: lead, category: 'natural_disaster', severity } });
}

const openBody = (supervisionId: string, deadline: string, owner = DINGHU) => ({
  supervisionId,
  data: { task: '组织转移沙坑村下游群众，报告转移人数', owner: { jurisdiction: owner, person: '王副区长' }, deadline },
});

/** Rows that a refused request must leave alone. */
async function stored(): Promise<string> {
  const { rows } = await sql<{ events: number; commands: number; deadlines: number; interviews: number }>`
    select (select count(*)::int from event) as events, (select count(*)::int from command) as commands,
           (select count(*)::int from deadline) as deadlines, (select count(*)::int from interview) as interviews`.execute(t.db);
  return JSON.stringify(rows[0]);
}

interface Item {
  supervisionId: string;
  state: string;
  deadline: string | null;
  overdue: boolean;
  escalationLevel: number;
  owner: { jurisdiction: string; person: string | null };
  supervisingJurisdiction: string;
  evidence: { text: string; references: string[] } | null;
  returns: number;
  history: { type: string; actorJurisdiction: string; data: Record<string, unknown> }[];
}
const items = async (actor: Actor, incidentId: string) => (await ok<{ incidentId: string; items: Item[] }>(actor, 'GET', `/incidents/${incidentId}/supervision`)).items;

describe('supervision (督办) of a III county-led incident', () => {
  it('the city opens an item, the county reports progress and done, the city returns it once and then closes it', async () => {
    moveTo(0);
    await incident('inc-a', DINGHU, 'III');
    moveTo(5);
    const opened = await call(cityDuty, 'POST', '/incidents/inc-a/supervision', openBody('sv-a', at(245)));
    expect(opened.statusCode, opened.body).toBe(201);
    expect(opened.json()).toMatchObject({ streamId: 'supervision:sv-a', streamType: 'supervision', state: 'open', version: 1, events: [{ type: 'SupervisionOpened' }] });

    // Both rooms see it; the deadline is a row for the timers.
    const [item] = await items(dinghuDuty, 'inc-a');
    expect(item).toMatchObject({
      supervisionId: 'sv-a',
      state: 'open',
      deadline: at(245),
      overdue: false,
      escalationLevel: 0,
      owner: { jurisdiction: DINGHU, person: '王副区长' },
      supervisingJurisdiction: CITY,
    });
    expect((await listDeadlines(t.db, { incidentId: 'inc-a' })).map((d) => [d.streamId, d.dueAt, d.outcome])).toStrictEqual([['supervision:sv-a', at(245), null]]);

    // Each side sends only its own commands.
    expect((await call(cityDuty, 'POST', '/supervision/sv-a/commands', { type: 'ReportSupervisionProgress', data: { note: 'x' } })).statusCode).toBe(403);
    expect((await call(dinghuDuty, 'POST', '/supervision/sv-a/commands', { type: 'CloseSupervision' })).statusCode).toBe(403);

    moveTo(30);
    await ok(dinghuDuty, 'POST', '/supervision/sv-a/commands', { type: 'ReportSupervisionProgress', data: { note: '已转移 120 人' } });
    moveTo(60);
    const done = await ok(dinghuDuty, 'POST', '/supervision/sv-a/commands', { type: 'ReportSupervisionDone', data: { evidence: { text: '转移 320 人，安置于镇中学', references: ['鼎应急〔2026〕12号'] } } });
    expect(done).toMatchObject({ state: 'reportedDone' });
    // Reported done: nothing is due any more.
    expect((await listDeadlines(t.db, { incidentId: 'inc-a' })).map((d) => d.outcome)).toStrictEqual(['cancelled']);

    moveTo(70);
    const returned = await ok(cityDuty, 'POST', '/supervision/sv-a/commands', { type: 'ReturnSupervision', data: { reason: '缺安置名单', deadline: at(190) } });
    expect(returned).toMatchObject({ state: 'open' });
    expect((await listDeadlines(t.db, { incidentId: 'inc-a' })).filter((d) => d.outcome === null).map((d) => d.dueAt)).toStrictEqual([at(190)]);
    moveTo(90);
    await ok(dinghuDuty, 'POST', '/supervision/sv-a/commands', { type: 'ReportSupervisionDone', data: { evidence: { text: '补充安置名单', references: ['名单.xlsx'] } } });
    moveTo(100);
    const closed = await ok(cityLeader, 'POST', '/supervision/sv-a/commands', { type: 'CloseSupervision', data: { note: '同意办结' } });
    expect(closed).toMatchObject({ state: 'closed' });
    expect((await call(dinghuDuty, 'POST', '/supervision/sv-a/commands', { type: 'ReportSupervisionProgress', data: { note: 'late' } })).statusCode).toBe(409);

    const [final] = await items(cityDuty, 'inc-a');
    expect(final).toMatchObject({ state: 'closed', returns: 1, overdue: false, evidence: { text: '补充安置名单', references: ['名单.xlsx'] } });
    expect(final?.history.map((h) => [h.type, h.actorJurisdiction])).toStrictEqual([
      ['SupervisionOpened', CITY],
      ['SupervisionProgressReported', DINGHU],
      ['SupervisionDoneReported', DINGHU],
      ['SupervisionReturned', CITY],
      ['SupervisionDoneReported', DINGHU],
      ['SupervisionClosed', CITY],
    ]);
  });

  it('is part of the incident’s timeline, its state at a moment and its live feed', async () => {
    const timeline = await ok<{ items: { type: string; streamType: string }[] }>(cityDuty, 'GET', '/incidents/inc-a/timeline?kind=supervision');
    expect(timeline.items.map((e) => e.type)).toStrictEqual([
      'SupervisionOpened',
      'SupervisionProgressReported',
      'SupervisionDoneReported',
      'SupervisionReturned',
      'SupervisionDoneReported',
      'SupervisionClosed',
    ]);
    // Replayed to minute 65: reported done, not yet returned.
    const state = await ok<{ streams: { streamId: string; state: { value: string } }[] }>(dinghuDuty, 'GET', `/incidents/inc-a/state?at=${encodeURIComponent(at(65))}`);
    expect(state.streams.find((s) => s.streamId === 'supervision:sv-a')?.state.value).toBe('reportedDone');
    // Filed under the lead, carried to the incident's rooms and the supervising room.
    const { rows } = await sql<{ jurisdiction: string; rooms: string[] }>`select jurisdiction, rooms from event where stream_id = 'supervision:sv-a'`.execute(t.db);
    for (const row of rows) {
      expect(row.jurisdiction).toBe(DINGHU);
      expect(row.rooms).toEqual(expect.arrayContaining([DINGHU, CITY]));
    }
  });

  it('the deadline passing unmet marks the item overdue and escalates it to the city exactly once; a new deadline may follow', async () => {
    moveTo(200);
    await incident('inc-late', DINGHU, 'II');
    await ok(cityDuty, 'POST', '/incidents/inc-late/supervision', openBody('sv-late', at(260)));
    await ok(dinghuDuty, 'POST', '/supervision/sv-late/commands', { type: 'ReportSupervisionProgress', data: { note: '道路中断' } });

    moveTo(259);
    expect((await timers.tick()).fired).toBe(0);
    moveTo(261);
    // Two timers scans at once, and later ones: the row fires once and the item escalates once.
    const batches = await Promise.all([timers.tick(), timers.tick()]);
    expect(batches.reduce((n, b) => n + b.fired, 0)).toBe(1);
    moveTo(300);
    expect((await timers.tick()).claimed).toBe(0);

    const { rows } = await sql<{ type: string; rooms: string[]; data: Record<string, unknown>; meta: Record<string, unknown> }>`
      select type, rooms, data, meta from event where stream_id = 'supervision:sv-late' and type in ('SupervisionOverdue', 'SupervisionEscalated') order by version`.execute(t.db);
    expect(rows.map((r) => r.type)).toStrictEqual(['SupervisionOverdue', 'SupervisionEscalated']);
    expect(rows[1]?.data).toMatchObject({ escalationLevel: 1, to: { jurisdiction: CITY, role: 'leader' }, dueAt: at(260) });
    expect(rows[1]?.rooms).toContain(CITY);
    expect(rows[0]?.meta).toMatchObject({ actor: { userId: 'muster-timers' }, occurredAt: at(260) });

    const [item] = await items(cityDuty, 'inc-late');
    expect(item).toMatchObject({ state: 'overdue', overdue: true, escalationLevel: 1 });
    expect(item?.history.map((h) => h.type)).toStrictEqual(['SupervisionOpened', 'SupervisionProgressReported', 'SupervisionOverdue', 'SupervisionEscalated']);

    // The county cannot move its own deadline; the city sets a second one, which escalates again when missed.
    expect((await call(dinghuDuty, 'POST', '/supervision/sv-late/commands', { type: 'ExtendSupervision', data: { deadline: at(400) } })).statusCode).toBe(403);
    await ok(cityDuty, 'POST', '/supervision/sv-late/commands', { type: 'ExtendSupervision', data: { deadline: at(400), reason: '道路中断' } });
    expect((await items(cityDuty, 'inc-late'))[0]).toMatchObject({ state: 'open', overdue: false, deadline: at(400) });
    moveTo(401);
    expect((await timers.tick()).fired).toBe(1);
    expect((await items(cityDuty, 'inc-late'))[0]).toMatchObject({ state: 'overdue', escalationLevel: 2 });
    const { rows: escalations } = await sql<{ n: number }>`select count(*)::int as n from event where stream_id = 'supervision:sv-late' and type = 'SupervisionEscalated'`.execute(t.db);
    expect(escalations[0]?.n).toBe(2);
  });

  it('an item under a IV incident is refused with 409 and a message saying why; nothing is stored', async () => {
    moveTo(500);
    await incident('inc-iv', DINGHU, 'IV');
    const before = await stored();
    const response = await call(cityDuty, 'POST', '/incidents/inc-iv/supervision', openBody('sv-iv', at(600)));
    expect(response.statusCode, response.body).toBe(409);
    expect(response.json()).toMatchObject({ error: { code: 'conflict', message: '督办 (supervision) is for incidents of severity III or above; incident inc-iv is of severity IV' } });
    expect(await stored()).toBe(before);
  });

  it('a county cannot open one on the city, nor on its own incident (403); nothing is stored', async () => {
    moveTo(510);
    await incident('inc-city', CITY, 'III', cityDuty);
    const before = await stored();
    const onCity = await call(dinghuDuty, 'POST', '/incidents/inc-city/supervision', openBody('sv-up', at(600), CITY));
    // The county cannot even see a city-led incident it is not part of: the same 404 as none.
    expect(onCity.statusCode).toBe(404);
    await ok(cityDuty, 'POST', '/incidents/inc-city/commands', { type: 'AddSupportingJurisdiction', data: { jurisdiction: DINGHU } });
    const supporting = await call(dinghuDuty, 'POST', '/incidents/inc-city/supervision', openBody('sv-up', at(600), CITY));
    expect(supporting.statusCode, supporting.body).toBe(403);
    expect(supporting.json()).toMatchObject({ error: { code: 'forbidden' } });
    const own = await call(dinghuDuty, 'POST', '/incidents/inc-a/supervision', openBody('sv-own', at(600)));
    expect(own.statusCode).toBe(403);
    // The city does not supervise an incident it leads itself.
    const itself = await call(cityDuty, 'POST', '/incidents/inc-city/supervision', openBody('sv-self', at(600), DINGHU));
    expect(itself.statusCode).toBe(403);
    const afterRefusals = await stored();
    expect(JSON.parse(afterRefusals)).toMatchObject({ ...JSON.parse(before), events: JSON.parse(before).events + 1, commands: JSON.parse(before).commands + 1 });
  });

  it('a room that cannot see the incident gets the 404 of a missing one, for its items too', async () => {
    const list = await call(gaoyaoDuty, 'GET', '/incidents/inc-a/supervision');
    expect(list.statusCode).toBe(404);
    expect(list.body).toBe((await call(gaoyaoDuty, 'GET', '/incidents/inc-none/supervision')).body.replaceAll('inc-none', 'inc-a'));
    const open = await call(gaoyaoDuty, 'POST', '/incidents/inc-a/supervision', openBody('sv-g', at(600)));
    expect(open.statusCode).toBe(404);
    const command = await call(gaoyaoDuty, 'POST', '/supervision/sv-late/commands', { type: 'ReportSupervisionProgress', data: { note: 'x' } });
    const missing = await call(gaoyaoDuty, 'POST', '/supervision/sv-none/commands', { type: 'ReportSupervisionProgress', data: { note: 'x' } });
    expect(command.statusCode).toBe(404);
    expect(command.body).toBe(missing.body.replaceAll('sv-none', 'sv-late'));
    expect(command.body).not.toMatch(/version|state|441203/);
  });

  it('bad input is a 400 naming the field, nothing stored', async () => {
    moveTo(520);
    await incident('inc-bad', DINGHU, 'III');
    const before = await stored();
    const url = '/incidents/inc-bad/supervision';
    await expectInvalid(cityDuty, 'POST', url, { data: { owner: { jurisdiction: DINGHU }, deadline: at(600) } }, ['data.task']);
    await expectInvalid(cityDuty, 'POST', url, { data: { task: 't', owner: { jurisdiction: DINGHU }, deadline: 'tomorrow' } }, ['data.deadline']);
    await expectInvalid(cityDuty, 'POST', url, openBody('sv-past', at(519)), ['data.deadline']);
    await expectInvalid(cityDuty, 'POST', url, openBody('sv-far', at(520 + 91 * 24 * 60)), ['data.deadline']);
    await expectInvalid(cityDuty, 'POST', url, openBody('sv-other', at(600), GAOYAO), ['data.owner.jurisdiction']);
    await expectInvalid(cityDuty, 'POST', url, openBody('sv-unknown', at(600), '449999'), ['data.owner.jurisdiction']);
    await expectInvalid(cityDuty, 'POST', '/supervision/sv-late/commands', { type: 'ReportSupervisionDone', data: { evidence: { text: '' } } }, ['data.evidence.text']);
    await expectInvalid(cityDuty, 'POST', '/supervision/sv-late/commands', { type: 'DeadlinePassed', data: { key: 'deadline', dueAt: at(1) } }, ['type']);
    expect(await stored()).toBe(before);
  });
});

describe('约谈 records', () => {
  const interview = {
    interviewId: 'iv-hj-1',
    jurisdiction: HUAIJI,
    heldOn: '2026-07-03',
    reason: '连续三次初报迟报',
    lateReports: [
      { incidentId: 'inc-hj-1', reportKey: 'initial' },
      { incidentId: 'inc-hj-2', reportKey: 'followUp-2' },
    ],
    attendees: [{ name: '李华', unit: '市应急管理局', post: '副局长' }, { name: '陈明', unit: '怀集县应急管理局' }],
    outcome: '责令书面说明原因，限期整改',
    followUp: '一个月内复查报送情况',
  };

  it('the city records one about Huaiji; Huaiji and the city read it, Dinghu may not', async () => {
    moveTo(600);
    const created = await call(cityDuty, 'POST', '/interviews', interview);
    expect(created.statusCode, created.body).toBe(201);
    const expected = { ...interview, interviewerJurisdiction: CITY, recordedBy: cityDuty.userId, recordedAt: at(600) };
    expect(created.json()).toStrictEqual(expected);

    expect((await ok<{ items: unknown[] }>(huaijiDuty, 'GET', '/interviews')).items).toStrictEqual([expected]);
    expect((await ok<{ items: unknown[] }>(huaijiDuty, 'GET', `/interviews?jurisdiction=${HUAIJI}`)).items).toStrictEqual([expected]);
    expect((await ok<{ items: unknown[] }>(cityDuty, 'GET', '/interviews')).items).toStrictEqual([expected]);
    // Dinghu reads only its own room's records, and has none; asking for Huaiji's is refused.
    expect((await ok<{ items: unknown[] }>(dinghuDuty, 'GET', '/interviews')).items).toStrictEqual([]);
    const refused = await call(dinghuDuty, 'GET', `/interviews?jurisdiction=${HUAIJI}`);
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ error: { code: 'forbidden' } });
  });

  it('only a room above keeps them: Huaiji about itself, Dinghu about Huaiji and the city about itself are refused', async () => {
    const before = await stored();
    expect((await call(huaijiDuty, 'POST', '/interviews', { ...interview, interviewId: 'iv-self' })).statusCode).toBe(403);
    expect((await call(dinghuDuty, 'POST', '/interviews', { ...interview, interviewId: 'iv-side' })).statusCode).toBe(403);
    expect((await call(cityDuty, 'POST', '/interviews', { ...interview, interviewId: 'iv-city', jurisdiction: CITY })).statusCode).toBe(403);
    expect((await call(cityDuty, 'POST', '/interviews', interview)).statusCode).toBe(409);
    expect(await stored()).toBe(before);
  });

  it('bad input is a 400 naming the field, nothing stored', async () => {
    const before = await stored();
    const { outcome: _outcome, ...noOutcome } = interview;
    await expectInvalid(cityDuty, 'POST', '/interviews', { ...noOutcome, interviewId: 'iv-b1' }, ['outcome']);
    await expectInvalid(cityDuty, 'POST', '/interviews', { ...interview, interviewId: 'iv-b2', heldOn: '2026-02-30' }, ['heldOn']);
    await expectInvalid(cityDuty, 'POST', '/interviews', { ...interview, interviewId: 'iv-b3', attendees: [] }, ['attendees']);
    await expectInvalid(cityDuty, 'POST', '/interviews', { ...interview, interviewId: 'iv-b4', jurisdiction: '449999' }, ['jurisdiction']);
    await expectInvalid(cityDuty, 'POST', '/interviews', { ...interview, interviewId: 'iv-b5', lateReports: [{ incidentId: 'inc 1', reportKey: 'initial' }] }, ['lateReports.0.incidentId']);
    await expectInvalid(cityDuty, 'GET', '/interviews?jurisdiction=4412', undefined, ['query.jurisdiction']);
    expect(await stored()).toBe(before);
  });
});
