import type { Actor } from '@muster/domain';
import type { TestDatabase } from '@muster/testkit';
import { verifyHashChains } from '@muster/store-postgres';
import { startTimers } from '@muster/timers';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { actorRequests, apiTest } from './test-fixtures';

/**
 * Drills (演练, issue 22) through the api, with real PostgreSQL and the timers driven by a clock the
 * test moves: a double-blind functional drill, controlled by the city and played by Huaiji and
 * Guangning, runs six scheduled injects while a real Huaiji incident is open. The real board, metrics
 * and scores never show it; its deadlines stay inside it; the controller's feed shows every inject and
 * every response in order; the players see nothing of the MSEL before EndEx; a corrective action of
 * its AAR/IP escalates to the controller once when overdue.
 */

const CITY = '441200';
const HUAIJI = '441224';
const GUANGNING = '441223';
const DINGHU = '441203';
const PROVINCE = '440000';
const DRILL_ROOMS = [CITY, HUAIJI, GUANGNING];
const cityDuty: Actor = { userId: 'duty-city', roles: ['duty_officer'], jurisdiction: CITY };
const huaiji: Actor = { userId: 'duty-huaiji', roles: ['duty_officer'], jurisdiction: HUAIJI };
const guangning: Actor = { userId: 'duty-guangning', roles: ['duty_officer'], jurisdiction: GUANGNING };
const dinghu: Actor = { userId: 'duty-dinghu', roles: ['duty_officer'], jurisdiction: DINGHU };
const province: Actor = { userId: 'duty-province', roles: ['duty_officer'], jurisdiction: PROVINCE };

const T0 = Date.UTC(2026, 6, 1, 1, 0, 0);
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

/** The MSEL: six injects, one of each kind and two rising figures, every ten minutes from minute 10. */
const INJECTS = [
  { injectId: 'i-1', kind: 'watchLogCall', dueAt: at(10), content: '群众来电：冷坑镇后山有异响，房屋开裂', expectedAction: '记录并核实，30 分钟内初报' },
  { injectId: 'i-2', kind: 'sceneReport', dueAt: at(20), content: '现场报告：2 户房屋被掩埋', expectedAction: '任命现场指挥' },
  { injectId: 'i-3', kind: 'sensorAlarm', dueAt: at(30), content: '雨量站报警：1 小时降雨 80 毫米' },
  { injectId: 'i-4', kind: 'casualtyFigure', dueAt: at(40), content: '失联人数升至 5 人', figures: { missing: 5 } },
  { injectId: 'i-5', kind: 'sceneReport', dueAt: at(50), content: '现场报告：道路中断，救援队受阻' },
  { injectId: 'i-6', kind: 'casualtyFigure', dueAt: at(60), content: '确认 1 人死亡，失联 4 人', figures: { dead: 1, missing: 4 } },
];
const PLAN = {
  title: '怀集县山体滑坡双盲功能演练',
  kind: 'functional',
  doubleBlind: true,
  participants: [HUAIJI, GUANGNING],
  objectives: ['接报后 30 分钟内初报', '转移受威胁群众'],
  scenario: '暴雨引发冷坑镇山体滑坡，掩埋民房',
  scheduledStart: at(5),
  injects: INJECTS,
};

interface DrillView {
  state: string;
  role: string;
  title: string;
  scenario: string;
  objectives: string[];
  incidents: string[];
  injects: { injectId: string; status: string; expectedAction: string | null; incidentId: string | null }[];
  correctiveActions: { actionId: string; closedAt: string | null; closedBy: string | null; overdueAt: string | null }[];
}
interface FeedItem {
  kind: string;
  type: string;
  streamType: string;
  incidentId: string | null;
  actor: string;
  data: Record<string, unknown>;
}
const drill = (as: Actor, id = 'd1') => ok<DrillView>(as, 'GET', `/drills/${id}`);
const feed = async () => (await ok<{ items: FeedItem[] }>(cityDuty, 'GET', '/drills/d1/feed')).items;
const boardIds = async (as: Actor, query = '') =>
  (await ok<{ items: { incident: { incidentId: string } }[] }>(as, 'GET', `/board?scope=area${query}`)).items.map((c) => c.incident.incidentId).sort();
const listIds = async (as: Actor) => (await ok<{ items: { incidentId: string }[] }>(as, 'GET', '/incidents')).items.map((i) => i.incidentId).sort();
const command = (as: Actor, type: string, data: Record<string, unknown> = {}) => call(as, 'POST', '/drills/d1/commands', { type, data });
const eventCount = async () => Number((await sql<{ n: string }>`select count(*) as n from event`.execute(t.db)).rows[0]?.n);

let drillIncident = '';
/** The real incident's after-action metrics before the drill: the drill must change nothing in them. */
let realMetrics: unknown;

describe('a double-blind functional drill beside a real incident (issue 22)', () => {
  it('plans it for the city, with participants below it; other rooms, even the province above, do not see it', async () => {
    moveTo(0);
    await ok(huaiji, 'POST', '/incidents', { incidentId: 'real-1', data: { title: '怀集县真实内涝', leadJurisdiction: HUAIJI, category: 'natural_disaster' } });
    await ok(huaiji, 'POST', '/incidents/real-1/commands', { type: 'BeginVerification' });
    await ok(huaiji, 'POST', '/incidents/real-1/commands', { type: 'ConfirmIncident', data: { severity: 'IV' } });
    realMetrics = await ok(cityDuty, 'GET', '/incidents/real-1/metrics');

    // A participant that is not below the controller, a participant twice: 400 naming the field, nothing stored.
    const before = await eventCount();
    const above = await call(cityDuty, 'POST', '/drills', { drillId: 'd0', data: { ...PLAN, participants: [HUAIJI, PROVINCE] } });
    expect(above.statusCode, above.body).toBe(400);
    expect(above.json()).toMatchObject({ error: { issues: [{ path: 'data.participants.1' }] } });
    const twice = await call(cityDuty, 'POST', '/drills', { drillId: 'd0', data: { ...PLAN, participants: [HUAIJI, HUAIJI] } });
    expect(twice.statusCode, twice.body).toBe(400);
    expect(JSON.stringify(twice.json())).toContain('data.participants');
    expect(await eventCount()).toBe(before);

    const planned = await call(cityDuty, 'POST', '/drills', { drillId: 'd1', data: PLAN });
    expect(planned.statusCode, planned.body).toBe(201);
    expect(await drill(cityDuty)).toMatchObject({ state: 'planned', role: 'controller', title: PLAN.title, injects: INJECTS.map((i) => ({ injectId: i.injectId, status: 'scheduled' })) });

    // Double-blind: no notice (不打招呼). Before StartEx its players do not know it exists.
    for (const player of [huaiji, guangning]) {
      expect((await call(player, 'GET', '/drills/d1')).statusCode).toBe(404);
      expect((await ok<{ items: unknown[] }>(player, 'GET', '/drills')).items).toStrictEqual([]);
    }
    for (const outsider of [dinghu, province]) {
      expect((await call(outsider, 'GET', '/drills/d1')).statusCode).toBe(404);
      expect((await call(outsider, 'GET', '/drills/d1/feed')).statusCode).toBe(404);
      expect((await call(outsider, 'POST', '/drills/d1/commands', { type: 'EndDrill' })).statusCode).toBe(404);
      expect((await ok<{ items: unknown[] }>(outsider, 'GET', '/drills')).items).toStrictEqual([]);
    }
  });

  it('StartEx opens the drill’s exercise incident in Huaiji; a wrong one to attach is a 400 and starts nothing', async () => {
    moveTo(5);
    const wrong = await call(cityDuty, 'POST', '/drills/d1/start', { attach: ['real-1'] });
    expect(wrong.statusCode, wrong.body).toBe(400);
    expect(wrong.json()).toMatchObject({ error: { issues: [{ path: 'attach.0' }] } });
    const outside = await call(cityDuty, 'POST', '/drills/d1/start', { open: { title: '演练', leadJurisdiction: DINGHU } });
    expect(outside.statusCode).toBe(400);
    expect((await drill(cityDuty)).state).toBe('planned');

    const started = await ok<{ drill: { state: string }; incidents: string[] }>(cityDuty, 'POST', '/drills/d1/start', {
      commandId: 'start-d1',
      open: { title: '演练：冷坑镇山体滑坡', leadJurisdiction: HUAIJI, category: 'natural_disaster' },
    });
    expect(started.drill.state).toBe('running');
    expect(started.incidents).toHaveLength(1);
    drillIncident = started.incidents[0] ?? '';
    expect(await ok(huaiji, 'GET', `/incidents/${drillIncident}`)).toMatchObject({ exercise: true, leadJurisdiction: HUAIJI });
    expect((await drill(cityDuty)).incidents).toStrictEqual([drillIncident]);
    // A retry of the same start answers the same and opens nothing more; another start is a 409.
    const events = await eventCount();
    const retried = await ok<{ incidents: string[] }>(cityDuty, 'POST', '/drills/d1/start', {
      commandId: 'start-d1',
      open: { title: '演练：冷坑镇山体滑坡', leadJurisdiction: HUAIJI, category: 'natural_disaster' },
    });
    expect(retried.incidents).toStrictEqual([drillIncident]);
    expect((await call(cityDuty, 'POST', '/drills/d1/start', { open: { title: '再来一次', leadJurisdiction: HUAIJI } })).statusCode).toBe(409);
    expect(await eventCount()).toBe(events);
  });

  it('double-blind: once it runs the players see neither scenario, objectives, start time nor MSEL, nor the controller’s feed', async () => {
    for (const player of [huaiji, guangning]) {
      const seen = await drill(player);
      expect(seen).toMatchObject({ role: 'participant', title: '', scenario: '', objectives: [], scheduledStart: null, injects: [] });
      expect(JSON.stringify(seen)).not.toMatch(/冷坑|后山|预期|expectedAction":"/);
      expect((await call(player, 'GET', '/drills/d1/feed')).statusCode).toBe(403);
      // Its review holds the MSEL: the controller's until the drill ends.
      for (const path of ['timeline', `state?at=${encodeURIComponent(at(6))}`, 'metrics', 'timeline/export?format=csv']) {
        expect((await call(player, 'GET', `/drills/d1/${path}`)).statusCode, path).toBe(403);
      }
      // Only the controller steers the drill.
      expect((await command(player, 'PauseInjects')).statusCode).toBe(403);
    }
    const listed = await ok<{ items: DrillView[] }>(huaiji, 'GET', '/drills');
    expect(listed.items.map((d) => [d.role, d.scenario])).toStrictEqual([['participant', '']]);
  });

  it('runs six injects at their times, exactly once, into the drill incident as if from outside; a pause holds them', async () => {
    const response = (type: string, data: Record<string, unknown> = {}) => ok(huaiji, 'POST', `/incidents/${drillIncident}/commands`, { type, data });

    moveTo(10);
    expect((await timers.tick()).fired).toBe(1);
    expect((await timers.tick()).fired).toBe(0);
    expect(await ok(huaiji, 'GET', `/incidents/${drillIncident}`)).toMatchObject({ description: INJECTS[0]?.content });
    // The call also rang in Huaiji's watch log, as a drill's: not in the real log, there when drills are asked for.
    const watchLog = async (query: string) => (await ok<{ items: { entryId: string; course: string; exercise: boolean; status: string }[] }>(huaiji, 'GET', `/watch-log?jurisdiction=${HUAIJI}${query}`)).items;
    expect(await watchLog('')).toStrictEqual([]);
    const [rang] = await watchLog('&exercise=true');
    expect(rang).toMatchObject({ course: INJECTS[0]?.content, exercise: true, status: 'open' });
    // Huaiji triages it: a drill's call attaches to the drill's incident, never to the real one.
    const toReal = await call(huaiji, 'POST', `/watch-log/${rang?.entryId ?? ''}/triage`, { action: 'attach', incidentId: 'real-1' });
    expect(toReal.statusCode, toReal.body).toBe(400);
    expect(toReal.json()).toMatchObject({ error: { issues: [{ path: 'incidentId' }] } });
    await ok(huaiji, 'POST', `/watch-log/${rang?.entryId ?? ''}/triage`, { action: 'attach', incidentId: drillIncident });
    moveTo(12);
    await response('BeginVerification');
    await response('ConfirmIncident', { severity: 'IV' });
    await ok(huaiji, 'POST', `/incidents/${drillIncident}/command`, { type: 'AppointCommander', data: { commander: { userId: 'cmdr-huaiji', name: '李娜' } } });

    moveTo(20);
    expect((await timers.tick()).fired).toBe(1);
    moveTo(30);
    expect((await timers.tick()).fired).toBe(1);
    // The players see what was delivered, never what the controller expects of them, nor what is to come.
    const midway = await drill(huaiji);
    expect(midway.injects.map((i) => [i.injectId, i.status, i.expectedAction])).toStrictEqual([
      ['i-1', 'delivered', null],
      ['i-2', 'delivered', null],
      ['i-3', 'delivered', null],
    ]);
    expect(midway.title).toBe('');

    moveTo(31);
    await ok(cityDuty, 'POST', '/drills/d1/commands', { type: 'PauseInjects', data: { reason: '真实警情处置' } });
    const pendingRows = async () =>
      (await sql<{ key: string }>`select key from deadline where incident_id = 'drill:d1' and fired_at is null and cancelled_at is null order by key`.execute(t.db)).rows.map((r) => r.key);
    expect(await pendingRows()).toStrictEqual([]);
    moveTo(45);
    expect((await timers.tick()).fired).toBe(0);
    expect((await drill(cityDuty)).injects.filter((i) => i.status === 'delivered')).toHaveLength(3);
    await ok(cityDuty, 'POST', '/drills/d1/commands', { type: 'ResumeInjects' });
    expect(await pendingRows()).toStrictEqual(['inject:i-4', 'inject:i-5', 'inject:i-6']);
    moveTo(46);
    // i-4 fell due during the pause: delivered now, its figures as a scene report of the commander's scene.
    expect((await timers.tick()).fired).toBe(1);
    const scene = await ok<{ latestReport: { missing: number | null } | null }>(huaiji, 'GET', `/incidents/${drillIncident}/command`);
    expect(scene.latestReport?.missing).toBe(5);
    moveTo(47);
    await response('UpdateIncidentDetails', { title: '演练：冷坑镇山体滑坡（已转移 30 人）' });
    // The controller adds an inject live, then thinks better of it: its row comes and goes.
    await ok(cityDuty, 'POST', '/drills/d1/commands', { type: 'AddInject', data: { inject: { injectId: 'i-7', kind: 'sensorAlarm', dueAt: at(55), content: '水位站报警' } } });
    expect(await pendingRows()).toStrictEqual(['inject:i-5', 'inject:i-6', 'inject:i-7']);
    await ok(cityDuty, 'POST', '/drills/d1/commands', { type: 'SkipInject', data: { injectId: 'i-7', reason: '参演单位已自行发现' } });
    expect(await pendingRows()).toStrictEqual(['inject:i-5', 'inject:i-6']);
    moveTo(50);
    expect((await timers.tick()).fired).toBe(1);
    moveTo(60);
    expect((await timers.tick()).fired).toBe(1);
    expect((await timers.tick()).fired).toBe(0);
    expect((await drill(cityDuty)).injects.map((i) => [i.injectId, i.status, i.incidentId])).toStrictEqual([...INJECTS.map((i) => [i.injectId, 'delivered', drillIncident]), ['i-7', 'skipped', null]]);
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from event where stream_id = 'drill:d1' and type = 'InjectDelivered'`.execute(t.db);
    expect(rows[0]?.n).toBe(6);
  });

  it('the controller’s feed shows every inject and the players’ responses, in the order they happened', async () => {
    const items = await feed();
    const story = items.filter((i) => i.kind === 'inject' || i.kind === 'response').map((i) => (i.kind === 'inject' ? `inject ${String(i.data['injectId'])}` : `${i.actor} ${i.type}`));
    expect(story).toStrictEqual([
      'inject i-1',
      'duty-huaiji VerificationStarted',
      'duty-huaiji IncidentConfirmed',
      // The obligation the confirmation opens is the engine's, on the player's behalf.
      'duty-huaiji ReportObligationOpened',
      'duty-huaiji CommanderAppointed',
      'inject i-2',
      'inject i-3',
      'inject i-4',
      'duty-huaiji IncidentDetailsUpdated',
      'inject i-5',
      'inject i-6',
    ]);
    // What the timers put into the incident is there too, each just before the drill records it.
    const deliveries = items.filter((i) => i.kind === 'delivery').map((i) => i.type);
    expect(deliveries.filter((t) => t === 'IncidentDetailsUpdated')).toHaveLength(6);
    expect(deliveries.filter((t) => t === 'SceneReportPosted')).toHaveLength(2);
    // The controller's own steps: the drill's, and the incident it opened at StartEx.
    expect(items.filter((i) => i.kind === 'control').map((i) => i.type)).toStrictEqual([
      'DrillPlanned',
      'DrillStarted',
      // The drill lists the incident it opens before reporting it: its first event carries the drill's id.
      'DrillIncidentLinked',
      'IncidentReported',
      'InjectsPaused',
      'InjectsResumed',
      'InjectAdded',
      'InjectSkipped',
    ]);
    // Paged: after the last position read, nothing more.
    const last = (await ok<{ items: { position: string }[] }>(cityDuty, 'GET', '/drills/d1/feed')).items.at(-1)?.position ?? '';
    expect((await ok<{ items: unknown[] }>(cityDuty, 'GET', `/drills/d1/feed?after=${last}`)).items).toStrictEqual([]);
    expect((await call(cityDuty, 'GET', '/drills/d1/feed?after=yesterday')).statusCode).toBe(400);
  });

  it('the real board, lists, metrics and scores never show the drill; its deadlines never reach a real room', async () => {
    for (const as of [huaiji, cityDuty]) {
      expect(await boardIds(as)).toStrictEqual(['real-1']);
      expect(await listIds(as)).toStrictEqual(['real-1']);
    }
    expect(await boardIds(huaiji, '&exercise=true')).toStrictEqual([drillIncident]);
    // The real incident's after-action metrics are what they were before the drill began.
    expect(await ok(cityDuty, 'GET', '/incidents/real-1/metrics')).toStrictEqual(realMetrics);

    // Both 初报 fall due at 360 minutes after receipt: the real one counts, the drill's does not.
    moveTo(24 * 60 - 30);
    await timers.tick();
    const period = `from=${encodeURIComponent(at(-60))}&to=${encodeURIComponent(at(24 * 60))}`;
    const scores = await ok<{ items: { jurisdiction: string; assessed: number }[] }>(cityDuty, 'GET', `/report-scores?${period}`);
    expect(scores.items.find((s) => s.jurisdiction === HUAIJI)).toMatchObject({ assessed: 1 });

    // Every event of the drill and its incident is a drill's, and reaches only rooms of the drill.
    const { rows } = await sql<{ exercise: boolean; rooms: string[]; jurisdiction: string }>`
      select exercise, rooms, jurisdiction from event where incident_id in ('drill:d1', ${drillIncident})`.execute(t.db);
    expect(rows.length).toBeGreaterThan(20);
    for (const row of rows) {
      expect(row.exercise).toBe(true);
      for (const room of [...row.rooms, row.jurisdiction]) expect(DRILL_ROOMS).toContain(room);
    }
    // The drill's overdue 初报 escalates to no room above Huaiji, the drill's own rows act for the controller.
    const overdue = await sql<{ data: Record<string, unknown>; rooms: string[] }>`select data, rooms from event where incident_id = ${drillIncident} and type = 'ReportOverdue'`.execute(t.db);
    expect(overdue.rows.length).toBeGreaterThan(0);
    for (const row of overdue.rows) {
      expect(row.data).toMatchObject({ upperJurisdiction: null, exercise: true });
      expect(row.rooms).toStrictEqual([HUAIJI]);
    }
    const { rows: drillRows } = await sql<{ jurisdiction: string; stream_id: string }>`select jurisdiction, stream_id from deadline where incident_id = 'drill:d1'`.execute(t.db);
    // Six injects; the pause cancelled the three pending rows and the resume scheduled them again; one added live.
    expect(drillRows.length).toBe(10);
    for (const row of drillRows) expect(row).toStrictEqual({ jurisdiction: CITY, stream_id: 'drill:d1' });
  });

  it('EndEx: the hot wash, observations and the AAR/IP; then the players see the whole drill', async () => {
    moveTo(24 * 60 - 20);
    const offObjective = await call(cityDuty, 'POST', '/drills/d1/commands', { type: 'RecordObservation', data: { objective: '别的目标', note: '—' } });
    expect(offObjective.statusCode, offObjective.body).toBe(400);
    expect(offObjective.json()).toMatchObject({ error: { issues: [{ path: 'data.objective' }] } });
    await ok(cityDuty, 'POST', '/drills/d1/commands', { type: 'RecordObservation', data: { objective: '接报后 30 分钟内初报', note: '核实用时 2 分钟，未按时初报' } });
    await ok(cityDuty, 'POST', '/drills/d1/commands', { type: 'EndDrill' });
    const after = await drill(huaiji);
    expect(after).toMatchObject({ state: 'hotWash', title: PLAN.title, scenario: PLAN.scenario, objectives: PLAN.objectives });
    expect(after.injects.map((i) => i.expectedAction)).toStrictEqual([...INJECTS.map((i) => i.expectedAction ?? null), null]);

    await ok(huaiji, 'POST', '/drills/d1/commands', { type: 'RecordHotWash', data: { note: '现场与指挥部通信中断 10 分钟' } });
    const aar = {
      capabilities: [{ capability: '信息报送', rating: 'M', strengths: ['核实及时'], improvements: ['初报超时'] }],
      correctiveActions: [
        { actionId: 'ca-report', action: '修订初报流程', owner: HUAIJI, deadline: at(2 * 24 * 60) },
        { actionId: 'ca-radio', action: '配备卫星电话', owner: GUANGNING, deadline: at(2 * 24 * 60) },
      ],
    };
    // Only the controller drafts; an owner outside the drill is a 400 naming it.
    expect((await call(huaiji, 'POST', '/drills/d1/commands', { type: 'DraftAfterActionReport', data: aar })).statusCode).toBe(403);
    const stray = await call(cityDuty, 'POST', '/drills/d1/commands', { type: 'DraftAfterActionReport', data: { ...aar, correctiveActions: [{ ...aar.correctiveActions[0], owner: DINGHU }] } });
    expect(stray.statusCode, stray.body).toBe(400);
    expect(stray.json()).toMatchObject({ error: { issues: [{ path: 'data.correctiveActions.0.owner' }] } });
    const badRating = await call(cityDuty, 'POST', '/drills/d1/commands', { type: 'DraftAfterActionReport', data: { ...aar, capabilities: [{ ...aar.capabilities[0], rating: 'X' }] } });
    expect(badRating.statusCode).toBe(400);
    expect(JSON.stringify(badRating.json())).toContain('data.capabilities.0.rating');

    await ok(cityDuty, 'POST', '/drills/d1/commands', { type: 'DraftAfterActionReport', data: aar });
    await ok(cityDuty, 'POST', '/drills/d1/commands', { type: 'CloseDrill' });
    expect((await drill(cityDuty)).state).toBe('closed');
  });

  it('a corrective action past its deadline escalates to the controller exactly once; one closed in time never does', async () => {
    // Guangning closes its action in time; only Huaiji's (or the controller) may close Huaiji's.
    moveTo(2 * 24 * 60 - 60);
    expect((await call(guangning, 'POST', '/drills/d1/commands', { type: 'CloseCorrectiveAction', data: { actionId: 'ca-report', closure: '不是我的' } })).statusCode).toBe(403);
    await ok(guangning, 'POST', '/drills/d1/commands', { type: 'CloseCorrectiveAction', data: { actionId: 'ca-radio', closure: '已配备 2 部卫星电话' } });

    moveTo(2 * 24 * 60 + 1);
    expect((await timers.tick()).fired).toBe(1);
    moveTo(2 * 24 * 60 + 2);
    expect((await timers.tick()).fired).toBe(0);
    const { rows } = await sql<{ data: Record<string, unknown>; rooms: string[]; exercise: boolean }>`
      select data, rooms, exercise from event where stream_id = 'drill:d1' and type = 'CorrectiveActionOverdue'`.execute(t.db);
    expect(rows).toHaveLength(1);
    // After EndEx the players' feeds carry every event of the drill: the owner hears of it too.
    expect(rows[0]).toMatchObject({ data: { actionId: 'ca-report', owner: HUAIJI, escalatedTo: CITY }, rooms: [CITY, HUAIJI, GUANGNING], exercise: true });
    expect((await feed()).filter((i) => i.type === 'CorrectiveActionOverdue')).toHaveLength(1);

    // Late, its owner closes it: who and when are kept.
    moveTo(2 * 24 * 60 + 30);
    await ok(huaiji, 'POST', '/drills/d1/commands', { type: 'CloseCorrectiveAction', data: { actionId: 'ca-report', closure: '初报流程已修订' } });
    expect((await drill(cityDuty)).correctiveActions).toMatchObject([
      { actionId: 'ca-report', closedAt: at(2 * 24 * 60 + 30), closedBy: 'duty-huaiji', overdueAt: at(2 * 24 * 60 + 1) },
      { actionId: 'ca-radio', closedAt: at(2 * 24 * 60 - 60), closedBy: 'duty-guangning', overdueAt: null },
    ]);
  });

  it('every event and every deadline of the drill, its incident and the streams under it carries the drill’s id; nothing real does; the chains verify', async () => {
    const { rows: events } = await sql<{ stream_id: string; type: string; incident_id: string | null; drill_id: string | null }>`
      select stream_id, type, incident_id, meta->>'drillId' as drill_id from event`.execute(t.db);
    const ofDrill = events.filter((e) => e.incident_id === 'drill:d1' || e.incident_id === drillIncident);
    // The drill's stream, its incident, the incident's scene and its report obligation: all of them.
    expect(new Set(ofDrill.map((e) => e.stream_id.split(':')[0]))).toStrictEqual(new Set(['drill', drillIncident, 'scene', 'report']));
    expect(ofDrill.length).toBeGreaterThan(30);
    for (const e of ofDrill) expect([e.stream_id, e.type, e.drill_id]).toStrictEqual([e.stream_id, e.type, 'd1']);
    const real = events.filter((e) => e.incident_id !== 'drill:d1' && e.incident_id !== drillIncident);
    expect(real.some((e) => e.incident_id === 'real-1')).toBe(true);
    for (const e of real) expect([e.stream_id, e.type, e.drill_id]).toStrictEqual([e.stream_id, e.type, null]);

    const { rows: deadlines } = await sql<{ incident_id: string; key: string; drill_id: string | null }>`select incident_id, key, drill_id from deadline`.execute(t.db);
    const drillDeadlines = deadlines.filter((d) => d.incident_id === 'drill:d1' || d.incident_id === drillIncident);
    // The injects and corrective actions on the drill's stream, the reporting deadlines of its incident.
    expect(drillDeadlines.some((d) => d.incident_id === drillIncident)).toBe(true);
    expect(drillDeadlines.some((d) => d.key.startsWith('inject:'))).toBe(true);
    for (const d of drillDeadlines) expect([d.incident_id, d.key, d.drill_id]).toStrictEqual([d.incident_id, d.key, 'd1']);
    const realDeadlines = deadlines.filter((d) => d.incident_id === 'real-1');
    expect(realDeadlines.length).toBeGreaterThan(0);
    for (const d of realDeadlines) expect(d.drill_id).toBeNull();

    // The id is part of what each event's hash covers; events without it hash as before.
    const verified = await verifyHashChains(t.db);
    expect(verified.broken).toStrictEqual([]);
    expect(verified.ok).toBe(true);
  });

  it('reviews the drill like an incident: its merged timeline, the state at T, metrics and exports; participants after the end, nobody else', async () => {
    type Entry = { position: string; streamId: string; streamType: string; type: string };
    const timeline = await ok<{ items: Entry[]; next: string | null }>(cityDuty, 'GET', '/drills/d1/timeline?limit=500');
    expect(timeline.next).toBeNull();
    // The drill's own stream and every stream of its incident, merged in commit order; nothing real.
    expect(new Set(timeline.items.map((e) => e.streamType))).toStrictEqual(new Set(['drill', 'incident', 'scene', 'report']));
    expect(timeline.items.some((e) => e.streamId === 'real-1')).toBe(false);
    const positions = timeline.items.map((e) => e.position.split('.').map(BigInt));
    for (let i = 1; i < positions.length; i++) {
      const [a, b] = [positions[i - 1] ?? [], positions[i] ?? []];
      expect((a[0] ?? 0n) < (b[0] ?? 0n) || ((a[0] ?? 0n) === (b[0] ?? 0n) && (a[1] ?? 0n) < (b[1] ?? 0n))).toBe(true);
    }
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from event where incident_id in ('drill:d1', ${drillIncident})`.execute(t.db);
    expect(timeline.items).toHaveLength(rows[0]?.n ?? -1);
    expect((await ok<{ items: Entry[] }>(cityDuty, 'GET', '/drills/d1/timeline?kind=InjectDelivered')).items).toHaveLength(6);
    expect((await call(cityDuty, 'GET', '/drills/d1/timeline?limit=0')).statusCode).toBe(400);

    // State at T: paused after three injects, the incident under its first title; before StartEx, no incident yet.
    interface StateAt {
      drill: { state: string; injectsPaused: boolean; title: string; injects: { injectId: string; status: string; expectedAction: string | null }[] } | null;
      incidents: { incidentId: string; incident: { title: string; state: string } }[];
    }
    const paused = await ok<StateAt>(cityDuty, 'GET', `/drills/d1/state?at=${encodeURIComponent(at(40))}`);
    expect(paused.drill).toMatchObject({ state: 'running', injectsPaused: true, title: PLAN.title });
    expect(paused.drill?.injects.filter((i) => i.status === 'delivered').map((i) => i.injectId)).toStrictEqual(['i-1', 'i-2', 'i-3']);
    expect(paused.incidents).toMatchObject([{ incidentId: drillIncident, incident: { title: '演练：冷坑镇山体滑坡' } }]);
    const later = await ok<StateAt>(cityDuty, 'GET', `/drills/d1/state?at=${encodeURIComponent(at(48))}`);
    expect(later.drill?.injectsPaused).toBe(false);
    expect(later.incidents[0]?.incident.title).toBe('演练：冷坑镇山体滑坡（已转移 30 人）');
    const planned = await ok<StateAt>(cityDuty, 'GET', `/drills/d1/state?at=${encodeURIComponent(at(1))}`);
    expect([planned.drill?.state, planned.incidents]).toStrictEqual(['planned', []]);
    expect((await call(cityDuty, 'GET', '/drills/d1/state?at=soon')).statusCode).toBe(400);

    // Metrics: the injects, how soon Huaiji acted on each, the incident's after-action metrics.
    const metrics = await ok<{
      injects: Record<string, number>;
      responses: { injectId: string; firstResponseAt: string | null; minutes: number | null }[];
      incidents: { incidentId: string }[];
      minutesRunning: number | null;
      observations: number;
    }>(cityDuty, 'GET', '/drills/d1/metrics');
    expect(metrics.injects).toStrictEqual({ planned: 7, delivered: 6, skipped: 1, scheduled: 0 });
    expect(metrics.responses.map((r) => r.injectId)).toStrictEqual(INJECTS.map((i) => i.injectId));
    // i-1 at minute 10, Huaiji began verifying at 12; i-4 (delivered at 46) was answered by the update at 47.
    expect(metrics.responses[0]).toMatchObject({ firstResponseAt: at(12), minutes: 2 });
    expect(metrics.responses[3]).toMatchObject({ firstResponseAt: at(47), minutes: 1 });
    expect(metrics.incidents.map((m) => m.incidentId)).toStrictEqual([drillIncident]);
    expect(metrics.observations).toBe(1);
    expect(metrics.minutesRunning).toBe(24 * 60 - 25);

    // Exports: the whole merged timeline as JSON and as CSV.
    const json = await ok<{ drillId: string; items: Entry[] }>(cityDuty, 'GET', '/drills/d1/timeline/export?format=json');
    expect([json.drillId, json.items.map((e) => e.position)]).toStrictEqual(['d1', timeline.items.map((e) => e.position)]);
    const csv = await call(cityDuty, 'GET', '/drills/d1/timeline/export?format=csv');
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.body).toContain('InjectDelivered');
    expect(csv.body).toContain('VerificationStarted');
    expect(csv.body).not.toContain('real-1');

    // After the end a participant reviews it too (the drill at T as its players saw it then); other rooms never.
    const seen = await ok<StateAt>(huaiji, 'GET', `/drills/d1/state?at=${encodeURIComponent(at(40))}`);
    expect(seen.drill).toMatchObject({ title: '', injects: [{ expectedAction: null }, { expectedAction: null }, { expectedAction: null }] });
    expect((await ok<{ items: Entry[] }>(guangning, 'GET', '/drills/d1/timeline?limit=500')).items).toHaveLength(timeline.items.length);
    for (const outsider of [dinghu, province]) {
      for (const path of ['timeline', `state?at=${encodeURIComponent(at(40))}`, 'metrics', 'timeline/export']) {
        expect((await call(outsider, 'GET', `/drills/d1/${path}`)).statusCode, path).toBe(404);
      }
    }
  });
});
