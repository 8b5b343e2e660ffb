import type { Actor } from '@muster/domain';
import type { TestDatabase } from '@muster/testkit';
import type { FastifyInstance } from 'fastify';
import { describe, expect, it } from 'vitest';
import { actorRequests, apiTest } from './test-fixtures';

const DINGHU = '441203';
const GAOYAO = '441204';
const CITY = '441200';
const dinghu: Actor = { userId: 'duty-dinghu', roles: ['duty_officer'], jurisdiction: DINGHU };
const gaoyao: Actor = { userId: 'duty-gaoyao', roles: ['duty_officer'], jurisdiction: GAOYAO };
const city: Actor = { userId: 'duty-city', roles: ['duty_officer'], jurisdiction: CITY };
const responder: Actor = { userId: 'resp-1', roles: ['responder'], jurisdiction: DINGHU };
const T0 = Date.UTC(2026, 6, 1, 6, 0, 0);
const at = (minute: number) => new Date(T0 + minute * 60_000).toISOString();

let t: TestDatabase;
let app: FastifyInstance;
let now = T0;
const clock = { now: () => new Date(now) };

// The engine and the api read the same clock: the tests move it.
apiTest.override('clock', { scope: 'file' }, clock);
apiTest.override('apiOptions', { scope: 'file' }, { clock });
apiTest.beforeAll(({ database, api }) => {
  t = database;
  app = api;
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

const shift = (shiftId: string, officer: string, from: number, to: number, post = 'duty_officer') => ({
  shiftId,
  jurisdiction: DINGHU,
  post,
  officer: { userId: officer, name: `Officer ${officer}`, phone: '0758-2600000' },
  startsAt: at(from),
  endsAt: at(to),
});

const entry = (entryId: string, extra: Record<string, unknown> = {}) => ({
  entryId,
  jurisdiction: DINGHU,
  channel: 'phone',
  receivedAt: at(-10),
  occurredAt: at(-30),
  place: 'Shakeng village embankment, Dinghu',
  cause: 'continuous rain',
  course: 'embankment seeping since 13:30, a 3 m breach at 13:50',
  measures: 'villagers moved to the school',
  result: 'no casualties known',
  impact: 'about 300 residents',
  trend: 'water still rising',
  informed: [{ whom: 'township head Wang', at: at(-20) }, { whom: 'water bureau' }],
  caller: { unit: 'Shakeng village committee', name: 'Chen Ming', post: 'secretary', phone: '13800000000' },
  recorderName: 'Li Hua',
  ...extra,
});

describe('duty roster', () => {
  it('keeps shifts per room and answers who is on duty at a time', async () => {
    const created = await call(dinghu, 'POST', '/duty/shifts', shift('s-day', 'off-a', 0, 720));
    expect(created.statusCode).toBe(201);
    await ok(dinghu, 'POST', '/duty/shifts', shift('s-lead', 'lead-a', 0, 1440, 'leader'));
    await ok(dinghu, 'POST', '/duty/shifts', shift('s-night', 'off-b', 720, 1440));
    // The city room keeps the rosters of its counties too.
    await ok(city, 'POST', '/duty/shifts', shift('s-next', 'off-c', 1440, 2160));

    const noon = await ok<{ items: { shiftId: string; post: string }[] }>(dinghu, 'GET', `/duty/on-duty?jurisdiction=${DINGHU}&at=${encodeURIComponent(at(600))}`);
    expect(noon.items.map((s) => s.shiftId).sort()).toStrictEqual(['s-day', 's-lead']);
    now = T0 + 800 * 60_000;
    const night = await ok<{ items: { shiftId: string; officer: { name: string } }[] }>(city, 'GET', `/duty/on-duty?jurisdiction=${DINGHU}`);
    expect(night.items.map((s) => s.shiftId).sort()).toStrictEqual(['s-lead', 's-night']);
    const day = await ok<{ items: unknown[] }>(dinghu, 'GET', `/duty/shifts?jurisdiction=${DINGHU}&from=${encodeURIComponent(at(0))}&to=${encodeURIComponent(at(1440))}`);
    expect(day.items).toHaveLength(3);
  });

  it('refuses an overlapping shift of the same officer, another county’s roster and bad input', async () => {
    const overlap = await call(dinghu, 'POST', '/duty/shifts', shift('s-dup', 'off-a', 600, 900));
    expect(overlap.statusCode).toBe(409);
    expect((await call(gaoyao, 'POST', '/duty/shifts', shift('s-x', 'off-x', 0, 60))).statusCode).toBe(403);
    expect((await call(responder, 'POST', '/duty/shifts', shift('s-y', 'off-y', 0, 60))).statusCode).toBe(403);
    expect((await call(gaoyao, 'GET', `/duty/shifts?jurisdiction=${DINGHU}`)).statusCode).toBe(403);
    await expectInvalid(dinghu, 'POST', '/duty/shifts', shift('s-z', 'off-z', 60, 30), ['endsAt']);
    await expectInvalid(dinghu, 'POST', '/duty/shifts', { ...shift('s-z', 'off-z', 0, 30), post: 'janitor' }, ['post']);
    await expectInvalid(dinghu, 'POST', '/duty/shifts', { ...shift('s-z', 'off-z', 0, 30), jurisdiction: '441299' }, ['jurisdiction']);
  });
});

describe('watch log and triage', () => {
  it('records what reference §1.4 asks for, with the recorder and time from the server', async () => {
    now = T0;
    const response = await call(dinghu, 'POST', '/watch-log', entry('w-1'));
    expect(response.statusCode, response.body).toBe(201);
    const stored = await ok(city, 'GET', '/watch-log/w-1');
    expect(stored).toMatchObject({
      entryId: 'w-1',
      channel: 'phone',
      receivedAt: at(-10),
      occurredAt: at(-30),
      place: 'Shakeng village embankment, Dinghu',
      cause: 'continuous rain',
      measures: 'villagers moved to the school',
      result: 'no casualties known',
      impact: 'about 300 residents',
      trend: 'water still rising',
      informed: [{ whom: 'township head Wang', at: at(-20) }, { whom: 'water bureau' }],
      caller: { unit: 'Shakeng village committee', name: 'Chen Ming', post: 'secretary', phone: '13800000000' },
      recorderName: 'Li Hua',
      recordedBy: 'duty-dinghu',
      recordedAt: at(0),
      status: 'open',
      incidentId: null,
    });
    const list = await ok<{ items: { entryId: string }[] }>(dinghu, 'GET', `/watch-log?jurisdiction=${DINGHU}&status=open`);
    expect(list.items.map((e) => e.entryId)).toContain('w-1');
    // Another county's entry is answered exactly like one that does not exist.
    const hidden = await call(gaoyao, 'GET', '/watch-log/w-1');
    expect(hidden.statusCode).toBe(404);
    expect(hidden.body).toBe((await call(gaoyao, 'GET', '/watch-log/w-none')).body.replaceAll('w-none', 'w-1'));
  });

  it('takes every channel; a sensor needs no caller, a person’s channel needs name and phone', async () => {
    for (const channel of ['phone', 'informant', 'new_media', 'public', 'unit', 'sensor']) {
      await ok(dinghu, 'POST', '/watch-log', entry(`w-ch-${channel}`, { channel }));
    }
    const sensor = await ok(dinghu, 'POST', '/watch-log', entry('w-sensor', { channel: 'sensor', caller: { unit: 'rain gauge 17' } }));
    expect(sensor).toMatchObject({ channel: 'sensor', caller: { unit: 'rain gauge 17' } });
    await expectInvalid(dinghu, 'POST', '/watch-log', entry('w-bad', { caller: { unit: 'village' } }), ['caller.name', 'caller.phone']);
    await expectInvalid(dinghu, 'POST', '/watch-log', entry('w-bad', { channel: 'fax' }), ['channel']);
    await expectInvalid(dinghu, 'POST', '/watch-log', entry('w-bad', { place: '', receivedAt: 'yesterday' }), ['place', 'receivedAt']);
    const missing = { ...entry('w-bad') } as Record<string, unknown>;
    delete missing['recorderName'];
    await expectInvalid(dinghu, 'POST', '/watch-log', missing, ['recorderName']);
  });

  it('triage creates an incident through the engine, once', async () => {
    await ok(dinghu, 'POST', '/watch-log', entry('w-create'));
    const triaged = await ok<{ entry: { status: string; incidentId: string }; incident: { streamId: string; state: string } }>(
      dinghu,
      'POST',
      '/watch-log/w-create/triage',
      { action: 'create_incident', incidentId: 'inc-shakeng', incident: { title: 'Embankment breach at Shakeng', category: 'natural_disaster', severity: 'III' } },
    );
    expect(triaged.entry).toMatchObject({ status: 'incident_created', incidentId: 'inc-shakeng', triagedBy: 'duty-dinghu' });
    expect(triaged.incident).toMatchObject({ streamId: 'inc-shakeng', state: 'reported' });
    const incident = await ok(dinghu, 'GET', '/incidents/inc-shakeng');
    expect(incident).toMatchObject({
      title: 'Embankment breach at Shakeng',
      leadJurisdiction: DINGHU,
      severity: 'III',
      location: { description: 'Shakeng village embankment, Dinghu' },
      occurredAt: at(-30),
    });
    const [reported] = await t.db.selectFrom('event').select(['type', 'data', 'meta']).where('stream_id', '=', 'inc-shakeng').orderBy('version').execute();
    expect(reported).toMatchObject({ type: 'IncidentReported', data: { source: 'phone', description: entry('x').course }, meta: { commandId: 'watch-w-create' } });
    const again = await call(dinghu, 'POST', '/watch-log/w-create/triage', { action: 'dismiss', reason: 'duplicate' });
    expect(again.statusCode).toBe(409);
  });

  it('triage attaches to an existing incident or dismisses with a reason', async () => {
    await ok(dinghu, 'POST', '/watch-log', entry('w-attach'));
    await ok(dinghu, 'POST', '/watch-log', entry('w-dismiss'));
    const attached = await ok<{ entry: Record<string, unknown> }>(dinghu, 'POST', '/watch-log/w-attach/triage', { action: 'attach', incidentId: 'inc-shakeng' });
    expect(attached.entry).toMatchObject({ status: 'attached', incidentId: 'inc-shakeng' });
    expect((await call(dinghu, 'POST', '/watch-log/w-dismiss/triage', { action: 'attach', incidentId: 'no-such-incident' })).statusCode).toBe(404);
    await expectInvalid(dinghu, 'POST', '/watch-log/w-dismiss/triage', { action: 'dismiss' }, ['reason']);
    await expectInvalid(dinghu, 'POST', '/watch-log/w-dismiss/triage', { action: 'forward' }, ['action']);
    expect((await call(gaoyao, 'POST', '/watch-log/w-dismiss/triage', { action: 'dismiss', reason: 'x' })).statusCode).toBe(404);
    const dismissed = await ok<{ entry: Record<string, unknown> }>(dinghu, 'POST', '/watch-log/w-dismiss/triage', { action: 'dismiss', reason: 'same breach, already reported' });
    expect(dismissed.entry).toMatchObject({ status: 'dismissed', dismissReason: 'same breach, already reported', incidentId: null });
    expect((await ok<{ items: unknown[] }>(dinghu, 'GET', `/watch-log?jurisdiction=${DINGHU}&status=dismissed`)).items).toHaveLength(1);
  });
});

describe('report filing over HTTP', () => {
  it('confirmation opens the obligation; the lead room files, the upper room acknowledges; bad input names the field', async () => {
    now = T0;
    await ok(dinghu, 'POST', '/incidents/inc-shakeng/commands', { type: 'BeginVerification' });
    await ok(dinghu, 'POST', '/incidents/inc-shakeng/commands', { type: 'ConfirmIncident', occurredAt: at(0) });
    const obligation = await ok<{ state: string; items: { id: string; dueAt: string }[]; deadlines: { key: string; outcome: string | null }[] }>(
      city,
      'GET',
      '/incidents/inc-shakeng/reports',
    );
    expect(obligation.state).toBe('open');
    // The clock runs from 接报 (the watch log's call at minute -10), not from the confirmation; level
    // III reaches the province, so the city owes its own reports on.
    expect(obligation.items.map((i) => [i.id, i.dueAt])).toStrictEqual([
      [`${DINGHU}/phone`, at(20)],
      [`${DINGHU}/initial`, at(50)],
      [`${CITY}/phone`, at(20)],
      [`${CITY}/initial`, at(170)],
    ]);
    expect(obligation.deadlines.map((d) => [d.key, d.outcome]).sort()).toStrictEqual([
      [`${DINGHU}/phone`, null],
      [`${DINGHU}/initial`, null],
      [`${CITY}/phone`, null],
      [`${CITY}/initial`, null],
    ].sort());

    const phone = { type: 'RecordPhoneReport', data: { recipient: 'city duty room', summary: 'breach, 300 evacuated' } };
    expect((await call(gaoyao, 'POST', '/incidents/inc-shakeng/reports', phone)).statusCode).toBe(404);
    now = T0 + 20 * 60_000;
    await ok(dinghu, 'POST', '/incidents/inc-shakeng/reports', phone);
    // No room acknowledges its own report: only the room it was sent to.
    expect((await call(dinghu, 'POST', '/incidents/inc-shakeng/reports', { type: 'AcknowledgeReport', data: { key: 'phone' } })).statusCode).toBe(403);
    await ok(city, 'POST', '/incidents/inc-shakeng/reports', { type: 'AcknowledgeReport', data: { key: 'phone' } });
    await expectInvalid(dinghu, 'POST', '/incidents/inc-shakeng/reports', { type: 'SubmitInitialReport', data: { signedBy: 'Li', content: { source: 'phone' } } }, [
      'data.content.occurredAt',
      'data.content.place',
      'data.content.nature',
    ]);
    await expectInvalid(dinghu, 'POST', '/incidents/inc-shakeng/reports', { type: 'DeadlinePassed', data: { key: 'phone', dueAt: at(30) } }, ['type']);
    const after = await ok<{ items: { id: string; submittedAt: string | null; receivedBy: string | null }[] }>(dinghu, 'GET', '/incidents/inc-shakeng/reports');
    expect(after.items.find((i) => i.id === `${DINGHU}/phone`)).toMatchObject({ submittedAt: at(20), receivedBy: 'duty-city' });
  });
});

describe('timeliness scores (考核通报)', () => {
  const content = {
    receivedAt: at(0),
    source: 'village committee',
    occurredAt: at(-10),
    place: 'river bank',
    nature: 'flood',
    scope: 'one village',
    losses: { dead: 0, injured: 1 },
    trend: 'receding',
    leadersOnSite: 'district head',
    measures: 'evacuation',
  };
  const confirm = async (by: Actor, id: string, lead: string, severity: string, exercise = false) => {
    now = T0;
    await ok(by, 'POST', '/incidents', { incidentId: id, data: { title: id, leadJurisdiction: lead, exercise } });
    await ok(by, 'POST', `/incidents/${id}/commands`, { type: 'BeginVerification' });
    await ok(by, 'POST', `/incidents/${id}/commands`, { type: 'ConfirmIncident', data: { severity }, occurredAt: at(0) });
  };
  const file = async (by: Actor, id: string, minute: number, type: string, data: Record<string, unknown>) => {
    now = T0 + minute * 60_000;
    await ok(by, 'POST', `/incidents/${id}/reports`, { type, data });
  };

  it('per unit: on-time rate, mean and worst lateness, missing reports; exercises never count; CSV of the same', async () => {
    // Dinghu: phone on time (10 min), 初报 30 min late.
    await confirm(dinghu, 'score-a1', DINGHU, 'III');
    await file(dinghu, 'score-a1', 10, 'RecordPhoneReport', { recipient: 'city', summary: 's' });
    await file(dinghu, 'score-a1', 90, 'SubmitInitialReport', { content, signedBy: 'Li' });
    // Gaoyao: no phone report (missing), 初报 15 min late; a level IV incident's 初报 on time.
    await confirm(gaoyao, 'score-b1', GAOYAO, 'III');
    await file(gaoyao, 'score-b1', 75, 'SubmitInitialReport', { content, signedBy: 'Wu' });
    await confirm(gaoyao, 'score-b2', GAOYAO, 'IV');
    await file(gaoyao, 'score-b2', 100, 'SubmitInitialReport', { content, signedBy: 'Wu' });
    // A drill in Gaoyao with everything late: never scored.
    await confirm(gaoyao, 'score-drill', GAOYAO, 'III', true);
    await file(gaoyao, 'score-drill', 300, 'SubmitInitialReport', { content, signedBy: 'Wu' });

    now = T0 + 400 * 60_000;
    const period = `from=${encodeURIComponent(at(-60))}&to=${encodeURIComponent(at(60 * 24))}`;
    const scores = await ok<{ asOf: string; items: Record<string, unknown>[] }>(city, 'GET', `/report-scores?${period}`);
    expect(scores.asOf).toBe(at(400));
    // Dinghu also owes the Shakeng reports of the test above: phone on time, 初报 never filed (missing).
    // A 初报 filed makes 续报一 due at the next of 08:00 and 17:00 China time (minute 180): unfiled, missing.
    // The city passes III reports on to the province: its phone and 初报 for each real III incident, all missing.
    const counted = { filed: 0, complete: 0, completenessRate: null, returned: 0 };
    expect(scores.items).toStrictEqual([
      { jurisdiction: CITY, assessed: 6, onTime: 0, late: 0, missing: 6, onTimeRate: 0, meanLatenessMinutes: null, worstLatenessMinutes: null, ...counted },
      { jurisdiction: DINGHU, assessed: 5, onTime: 2, late: 1, missing: 2, onTimeRate: 0.4, meanLatenessMinutes: 30, worstLatenessMinutes: 30, filed: 3, complete: 3, completenessRate: 1, returned: 0 },
      { jurisdiction: GAOYAO, assessed: 4, onTime: 1, late: 1, missing: 2, onTimeRate: 0.25, meanLatenessMinutes: 15, worstLatenessMinutes: 15, filed: 2, complete: 2, completenessRate: 1, returned: 0 },
    ]);

    // A county sees its own score only, and may not read a neighbour's.
    const own = await ok<{ items: { jurisdiction: string }[] }>(dinghu, 'GET', `/report-scores?${period}`);
    expect(own.items.map((s) => s.jurisdiction)).toStrictEqual([DINGHU]);
    expect((await call(dinghu, 'GET', `/report-scores?${period}&jurisdiction=${GAOYAO}`)).statusCode).toBe(403);

    const csv = await call(city, 'GET', `/report-scores.csv?${period}`);
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.headers['content-disposition']).toBe('attachment; filename="report-scores_2026-07-01_2026-07-02.csv"');
    expect(csv.body.startsWith('\ufeff')).toBe(true);
    expect(csv.body.slice(1).trimEnd().split('\n')).toStrictEqual([
      'jurisdiction,name,assessed,on_time,late,missing,on_time_rate,mean_lateness_minutes,worst_lateness_minutes,filed,complete,completeness_rate,returned',
      '441200,肇庆市,6,0,0,6,0,,,0,0,,0',
      '441203,鼎湖区,5,2,1,2,0.4,30,30,3,3,1,0',
      '441204,高要区,4,1,1,2,0.25,15,15,2,2,1,0',
    ]);

    // 续报一 filed late makes 续报二 due at 08:00 next morning (minute 1080); unfiled, it counts as missing.
    await file(dinghu, 'score-a1', 1000, 'SubmitFollowUpReport', { progress: 'water receding', signedBy: 'Li' });
    now = T0 + 2000 * 60_000;
    const later = await ok<{ items: { jurisdiction: string; missing: number; assessed: number; late: number; filed: number; complete: number }[] }>(city, 'GET', `/report-scores?${period}`);
    expect(later.items.map((s) => [s.jurisdiction, s.assessed, s.late, s.missing])).toStrictEqual([
      [CITY, 6, 0, 6],
      [DINGHU, 6, 2, 2],
      [GAOYAO, 4, 1, 2],
    ]);
    // The 续报 left out its losses: filed, but not complete.
    expect(later.items.find((s) => s.jurisdiction === DINGHU)).toMatchObject({ filed: 4, complete: 3 });
  });

  it('bad periods get 400 naming the field', async () => {
    await expectInvalid(city, 'GET', `/report-scores?from=${encodeURIComponent(at(10))}&to=${encodeURIComponent(at(0))}`, undefined, ['query.to']);
    await expectInvalid(city, 'GET', `/report-scores?from=monday&to=${encodeURIComponent(at(0))}`, undefined, ['query.from']);
    await expectInvalid(city, 'GET', `/report-scores.csv?to=${encodeURIComponent(at(0))}`, undefined, ['query.from']);
  });
});
