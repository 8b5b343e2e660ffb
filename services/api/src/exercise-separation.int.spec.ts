import type { Actor } from '@muster/domain';
import type { TestDatabase } from '@muster/testkit';
import { startTimers } from '@muster/timers';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { actorRequests, apiTest } from './test-fixtures';

/**
 * Drills (演练, issue 22) stay apart from the real record: a real incident and a drill are open in the
 * same county at once; the boards, lists and scores show the real one unless the drill is asked for,
 * and the drill's overdue report escalates to no real room above.
 */

const HUAIJI = '441224';
const CITY = '441200';
const huaiji: Actor = { userId: 'duty-huaiji', roles: ['duty_officer'], jurisdiction: HUAIJI };
const city: Actor = { userId: 'duty-city', roles: ['duty_officer'], jurisdiction: CITY };
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
apiTest.override('apiOptions', { scope: 'file' }, { clock });
apiTest.beforeAll(({ database, api, engine }) => {
  t = database;
  app = api;
  timers = startTimers({ db: database.db, engine, clock, autoStart: false });
});
const { call, ok } = actorRequests(() => app);

/** A Huaiji incident received at minute 0 and confirmed IV: its 初报 to the city falls due at minute 360. */
async function confirmed(id: string, exercise: boolean): Promise<void> {
  moveTo(0);
  await ok(huaiji, 'POST', '/incidents', { incidentId: id, data: { title: `滑坡 ${id}`, leadJurisdiction: HUAIJI, category: 'natural_disaster', exercise } });
  await ok(huaiji, 'POST', `/incidents/${id}/commands`, { type: 'BeginVerification' });
  moveTo(5);
  await ok(huaiji, 'POST', `/incidents/${id}/commands`, { type: 'ConfirmIncident', data: { severity: 'IV' } });
}

const boardIds = async (as: Actor, query = '') =>
  (await ok<{ items: { incident: { incidentId: string } }[] }>(as, 'GET', `/board?scope=area${query}`)).items.map((c) => c.incident.incidentId).sort();
const listIds = async (as: Actor, query = '') => (await ok<{ items: { incidentId: string }[] }>(as, 'GET', `/incidents${query}`)).items.map((i) => i.incidentId).sort();

describe('drills apart from the real record (issue 22, exercise separation)', () => {
  it('boards and lists show the real incident unless the drill is asked for; a bad filter is a 400 naming it', async () => {
    await confirmed('real-1', false);
    await confirmed('drill-1', true);

    for (const as of [huaiji, city]) {
      expect(await boardIds(as)).toStrictEqual(['real-1']);
      expect(await boardIds(as, '&exercise=false')).toStrictEqual(['real-1']);
      expect(await boardIds(as, '&exercise=true')).toStrictEqual(['drill-1']);
      expect(await boardIds(as, '&exercise=all')).toStrictEqual(['drill-1', 'real-1']);
      expect(await listIds(as)).toStrictEqual(['real-1']);
      expect(await listIds(as, '?exercise=true')).toStrictEqual(['drill-1']);
      expect(await listIds(as, '?exercise=all')).toStrictEqual(['drill-1', 'real-1']);
    }
    // One card asked for by id: a drill's only when drills are asked for.
    expect(await boardIds(huaiji, '&incident=drill-1')).toStrictEqual([]);
    expect(await boardIds(huaiji, '&incident=drill-1&exercise=all')).toStrictEqual(['drill-1']);

    for (const url of ['/board?exercise=maybe', '/incidents?exercise=1']) {
      const response = await call(huaiji, 'GET', url);
      expect(response.statusCode, response.body).toBe(400);
      expect(response.json<{ error: { issues: { path: string }[] } }>().error.issues.map((i) => i.path)).toStrictEqual(['query.exercise']);
    }
  });

  it('the drill’s report deadline fires inside the drill: overdue there, escalated to no real room, counted in no score', async () => {
    moveTo(361);
    expect((await timers.tick()).fired).toBe(2);

    const { rows } = await sql<{ incident_id: string; rooms: string[]; exercise: boolean; data: Record<string, unknown> }>`
      select incident_id, rooms, exercise, data from event where type = 'ReportOverdue' order by incident_id`.execute(t.db);
    expect(rows.map((r) => [r.incident_id, r.exercise])).toStrictEqual([
      ['drill-1', true],
      ['real-1', false],
    ]);
    const [drill, real] = rows;
    // The real one escalates to the city, which receives it; the drill's stays in the county's room.
    expect(real?.data).toMatchObject({ upperJurisdiction: CITY, exercise: false });
    expect(real?.rooms).toContain(CITY);
    expect(drill?.data).toMatchObject({ upperJurisdiction: null, exercise: true });
    expect(drill?.rooms).not.toContain(CITY);
    // Every event of the drill carries the flag; no event of the real incident does.
    const { rows: flags } = await sql<{ incident_id: string; exercise: boolean; n: number }>`
      select incident_id, exercise, count(*)::int as n from event where incident_id in ('real-1', 'drill-1') group by incident_id, exercise order by incident_id`.execute(t.db);
    expect(flags.map((f) => [f.incident_id, f.exercise])).toStrictEqual([
      ['drill-1', true],
      ['real-1', false],
    ]);

    // The drill's report shows overdue to its own room; the scores count the real report only.
    const drillReports = await ok<{ items: { overdueAt: string | null }[] }>(huaiji, 'GET', '/incidents/drill-1/reports');
    expect(drillReports.items.map((i) => i.overdueAt)).toStrictEqual([at(361)]);
    const period = `from=${encodeURIComponent(at(-60))}&to=${encodeURIComponent(at(24 * 60))}`;
    const scores = await ok<{ items: { jurisdiction: string; assessed: number; missing: number }[] }>(city, 'GET', `/report-scores?${period}`);
    expect(scores.items.find((s) => s.jurisdiction === HUAIJI)).toMatchObject({ assessed: 1, missing: 1 });
    // The board's overdue count is the real incident's; the drill's card says its own when asked for.
    const board = await ok<{ items: { incident: { incidentId: string }; overdue: number }[] }>(city, 'GET', '/board?scope=area&exercise=all');
    expect(board.items.map((c) => [c.incident.incidentId, c.overdue]).sort()).toStrictEqual([
      ['drill-1', 1],
      ['real-1', 1],
    ]);
  });

  it('a drill’s 督办 escalates inside the drill: to the room that opened it there, flagged, on no real board', async () => {
    moveTo(400);
    await ok(huaiji, 'POST', '/incidents', { incidentId: 'drill-sv', data: { title: '演练：堤防管涌', leadJurisdiction: HUAIJI, category: 'natural_disaster', severity: 'III', exercise: true } });
    await ok(city, 'POST', '/incidents/drill-sv/supervision', {
      supervisionId: 'drill-sv-1',
      data: { task: '演练：组织转移下游群众', owner: { jurisdiction: HUAIJI }, deadline: at(460) },
    });
    moveTo(461);
    expect((await timers.tick()).fired).toBe(1);
    const { rows } = await sql<{ type: string; rooms: string[]; exercise: boolean; data: Record<string, unknown> }>`
      select type, rooms, exercise, data from event where stream_id = 'supervision:drill-sv-1' and type in ('SupervisionOverdue', 'SupervisionEscalated') order by version`.execute(t.db);
    expect(rows.map((r) => [r.type, r.exercise])).toStrictEqual([
      ['SupervisionOverdue', true],
      ['SupervisionEscalated', true],
    ]);
    expect(rows[1]?.data).toMatchObject({ to: { jurisdiction: CITY, role: 'leader' } });
    expect([...(rows[1]?.rooms ?? [])].sort()).toStrictEqual([CITY, HUAIJI].sort());
    expect(await boardIds(city)).toStrictEqual(['real-1']);
  });
});
