import type { Actor } from '@muster/domain';
import { listDeadlines } from '@muster/store-postgres';
import type { TestDatabase } from '@muster/testkit';
import type { FastifyInstance } from 'fastify';
import { describe, expect, it } from 'vitest';
import { actorRequests, apiTest } from './test-fixtures';

/**
 * The reporting chain follows the lead, up to the province (issue 16): re-charging on a lead change,
 * 越级上报, 退回, 补报 windows, and confirmation times that cannot move the deadlines.
 */

const HUAIJI = '441224';
const CITY = '441200';
const PROVINCE = '440000';
const huaiji: Actor = { userId: 'duty-huaiji', roles: ['duty_officer'], jurisdiction: HUAIJI };
const city: Actor = { userId: 'duty-city', roles: ['duty_officer'], jurisdiction: CITY };
const province: Actor = { userId: 'duty-gd', roles: ['duty_officer'], jurisdiction: PROVINCE };
// 2026-07-01 14:00 China time.
const T0 = Date.UTC(2026, 6, 1, 6, 0, 0);
const at = (minute: number) => new Date(T0 + minute * 60_000).toISOString();

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

interface Item {
  id: string;
  key: string;
  from: string;
  to: string;
  dueAt: string | null;
  firstDueAt: string | null;
  submittedAt: string | null;
  overdueAt: string | null;
  receivedBy: string | null;
  directTo: string | null;
  copiedTo: string[];
  returns: { reason: string }[];
}
interface Reports {
  state: string;
  lead: string;
  lines: { from: string; to: string; role: string }[];
  items: Item[];
  terms: { rule: string; supplementaryWindowDays: number | null; supplementaryRule: string | null } | null;
}

const reports = (id: string, as: Actor = city) => ok<Reports>(as, 'GET', `/incidents/${id}/reports`);
const item = async (id: string, itemId: string, as: Actor = city) => (await reports(id, as)).items.find((i) => i.id === itemId);
const file = (as: Actor, id: string, minute: number, type: string, data: Record<string, unknown>) => {
  now = T0 + minute * 60_000;
  return call(as, 'POST', `/incidents/${id}/reports`, { type, data });
};
const initial = { content: { occurredAt: at(-20), place: '怀集县冷坑镇', nature: '山体滑坡', losses: { dead: 0, injured: 2 } }, signedBy: '李明' };

/** A Huaiji incident received (接报) at minute 0 and confirmed at `severity`. */
async function confirmed(id: string, severity: string, extra: Record<string, unknown> = {}, occurredMinute = -20): Promise<void> {
  now = T0;
  await ok(huaiji, 'POST', '/incidents', { incidentId: id, occurredAt: at(occurredMinute), data: { title: `滑坡 ${id}`, leadJurisdiction: HUAIJI, category: 'natural_disaster', ...extra } });
  await ok(huaiji, 'POST', `/incidents/${id}/commands`, { type: 'BeginVerification' });
  now = T0 + 5 * 60_000;
  await ok(huaiji, 'POST', `/incidents/${id}/commands`, { type: 'ConfirmIncident', data: { severity } });
}

async function scoreOf(jurisdiction: string): Promise<Record<string, unknown> | undefined> {
  const period = `from=${encodeURIComponent(at(-60))}&to=${encodeURIComponent(at(3 * 24 * 60))}`;
  const scores = await ok<{ items: Record<string, unknown>[] }>(city, 'GET', `/report-scores?${period}`);
  return scores.items.find((s) => s['jurisdiction'] === jurisdiction);
}

describe('reports follow a raised lead (issue 16, finding 1)', () => {
  it('raised after the 初报 fell due: the county keeps what it owed and may still file it; the city owes what falls due after; no room acknowledges its own report', async () => {
    await confirmed('raise-1', 'IV');
    // IV: the county's 初报 is due 6 h after 接报; it is not filed.
    expect((await reports('raise-1')).items.map((i) => [i.id, i.dueAt])).toStrictEqual([[`${HUAIJI}/initial`, at(360)]]);

    // Seven hours in, the city takes the lead.
    now = T0 + 420 * 60_000;
    await ok(city, 'POST', '/incidents/raise-1/commands', { type: 'RaiseLead', data: { reason: '跨县影响扩大' } });
    const after = await reports('raise-1');
    expect(after.lead).toBe(CITY);
    expect(after.lines).toStrictEqual([expect.objectContaining({ from: CITY, to: PROVINCE, role: 'lead' })]);
    // The 初报 fell due while Huaiji owed it: it stays Huaiji's, owed to the city.
    expect(after.items.find((i) => i.id === `${HUAIJI}/initial`)).toMatchObject({ from: HUAIJI, to: CITY, submittedAt: null, dueAt: at(360) });

    // Huaiji can still file what it owes, and the lateness is its own (90 minutes).
    const filed = await file(huaiji, 'raise-1', 450, 'SubmitInitialReport', initial);
    expect(filed.statusCode, filed.body).toBe(200);
    expect(await item('raise-1', `${HUAIJI}/initial`)).toMatchObject({ from: HUAIJI, submittedAt: at(450), firstDueAt: at(360) });
    // Huaiji owes nothing new: a 续报 from it is refused (it no longer leads and owes no 续报).
    expect((await file(huaiji, 'raise-1', 455, 'SubmitFollowUpReport', { progress: '...', signedBy: '李明' })).statusCode).toBe(403);

    // No room acknowledges its own report: Huaiji not its 初报; the city does (it was sent to the city).
    expect((await file(huaiji, 'raise-1', 460, 'AcknowledgeReport', { key: 'initial', from: HUAIJI })).statusCode).toBe(403);
    expect((await file(city, 'raise-1', 460, 'AcknowledgeReport', { key: 'initial', from: HUAIJI })).statusCode).toBe(200);

    // The city now leads: its own 初报 to the province (it began to owe at the raise) and on.
    const cityInitial = await file(city, 'raise-1', 470, 'SubmitInitialReport', initial);
    expect(cityInitial.statusCode, cityInitial.body).toBe(200);
    expect((await item('raise-1', `${CITY}/initial`))).toMatchObject({ from: CITY, to: PROVINCE });
    // The city cannot acknowledge the report it filed; the province, which it was sent to, can.
    expect((await file(city, 'raise-1', 475, 'AcknowledgeReport', { key: 'initial', from: CITY })).statusCode).toBe(403);
    expect((await file(province, 'raise-1', 476, 'AcknowledgeReport', { key: 'initial', from: CITY })).statusCode).toBe(200);
    // What falls due from now on is the city's: lifting the response makes the 终报 due, from the city alone.
    now = T0 + 480 * 60_000;
    for (const type of ['BeginInitialHandling', 'ActivateResponse', 'DeclareControlled', 'LiftResponse']) {
      await ok(city, 'POST', '/incidents/raise-1/commands', { type, data: type === 'ActivateResponse' ? { level: 'IV', measures: '转移群众' } : type === 'BeginInitialHandling' ? { measures: '封锁现场' } : {} });
    }
    expect((await reports('raise-1')).items.filter((i) => i.key === 'final').map((i) => [i.id, i.to])).toStrictEqual([[`${CITY}/final`, PROVINCE]]);

    // The re-charge is on the record, in an event that says what moved and what stayed.
    const timeline = await ok<{ items: { type: string; data: Record<string, unknown> }[] }>(city, 'GET', '/incidents/raise-1/timeline?kind=ReportObligationRecharged');
    expect(timeline.items.map((e) => e.data)).toStrictEqual([
      expect.objectContaining({ formerLead: HUAIJI, lead: CITY, changes: [{ key: 'initial', from: HUAIJI, to: CITY, dueAt: at(360), outcome: 'kept' }] }),
    ]);
    // Scores charge Huaiji with its late 初报.
    expect(await scoreOf(HUAIJI)).toMatchObject({ assessed: 1, late: 1, worstLatenessMinutes: 90 });
  });

  it('raised before anything fell due: the open 初报 moves to the city with its due time; handed back, it returns', async () => {
    await confirmed('raise-2', 'IV');
    now = T0 + 60 * 60_000;
    await ok(city, 'POST', '/incidents/raise-2/commands', { type: 'RaiseLead', data: { reason: '市级统一领导' } });
    expect((await reports('raise-2')).items.map((i) => [i.id, i.to, i.dueAt])).toStrictEqual([[`${CITY}/initial`, PROVINCE, at(360)]]);
    expect((await listDeadlines(t.db, { incidentId: 'raise-2' })).filter((d) => d.outcome === null).map((d) => [d.key, d.dueAt])).toStrictEqual([
      [`${CITY}/initial`, at(360)],
    ]);
    expect((await file(huaiji, 'raise-2', 70, 'SubmitInitialReport', initial)).statusCode).toBe(403);
    now = T0 + 90 * 60_000;
    await ok(city, 'POST', '/incidents/raise-2/commands', { type: 'HandBackLead', data: { reason: '交还县级' } });
    expect((await reports('raise-2')).items.map((i) => [i.id, i.to, i.dueAt])).toStrictEqual([[`${HUAIJI}/initial`, CITY, at(360)]]);
  });
});

describe('the whole chain, up to the province', () => {
  it('a level II incident opens obligations up to the province (phone 15 min and 初报 30 min after 接报, the city on within 2 h) and prompts the province to lead', async () => {
    await confirmed('major-1', 'II');
    const obligation = await reports('major-1', province);
    expect(obligation.lines.map((l) => [l.from, l.to, l.role])).toStrictEqual([
      [HUAIJI, CITY, 'lead'],
      [CITY, PROVINCE, 'relay'],
    ]);
    expect(obligation.items.map((i) => [i.id, i.dueAt])).toStrictEqual([
      [`${HUAIJI}/phone`, at(15)],
      [`${HUAIJI}/initial`, at(30)],
      [`${CITY}/phone`, at(15)],
      [`${CITY}/initial`, at(120)],
    ]);
    expect(obligation.terms?.rule).toBe('especially-major-and-major');
    // The province follows the incident and is prompted to take the lead (linkage rules).
    const incident = await ok<{ linkedJurisdictions: string[]; leadPrompt: { jurisdiction: string } | null }>(province, 'GET', '/incidents/major-1');
    expect(incident.linkedJurisdictions).toEqual(expect.arrayContaining([CITY, PROVINCE]));
    expect(incident.leadPrompt).toMatchObject({ jurisdiction: PROVINCE });
    // It takes the lead: the reports follow, the province's own line has no room above it to owe.
    now = T0 + 10 * 60_000;
    await ok(province, 'POST', '/incidents/major-1/commands', { type: 'RaiseLead', data: { reason: '省级统一领导', to: PROVINCE } });
    const raised = await reports('major-1', province);
    expect(raised.lead).toBe(PROVINCE);
    expect(raised.lines).toStrictEqual([]);
    expect((await ok<{ leadPrompt: unknown }>(province, 'GET', '/incidents/major-1')).leadPrompt).toBeNull();
  });

  it('越级上报 reaches the province; the city it passed over is copied and sees it', async () => {
    await confirmed('direct-1', 'III');
    const filed = await file(huaiji, 'direct-1', 20, 'SubmitInitialReport', { ...initial, directTo: PROVINCE });
    expect(filed.statusCode, filed.body).toBe(200);
    const seen = await item('direct-1', `${HUAIJI}/initial`, province);
    expect(seen).toMatchObject({ directTo: PROVINCE, copiedTo: [CITY], submittedAt: at(20) });
    // The province receives it; the city, copied, does not acknowledge it in the province's place.
    expect((await file(city, 'direct-1', 25, 'AcknowledgeReport', { key: 'initial', from: HUAIJI })).statusCode).toBe(403);
    expect((await file(province, 'direct-1', 26, 'AcknowledgeReport', { key: 'initial', from: HUAIJI })).statusCode).toBe(200);
    // The city is notified: the filing is on its timeline, naming it among the rooms copied.
    const timeline = await ok<{ items: { type: string; data: Record<string, unknown> }[] }>(city, 'GET', '/incidents/direct-1/timeline?kind=InitialReportSubmitted');
    expect(timeline.items.map((e) => [e.data['directTo'], e.data['copiedTo']])).toStrictEqual([[PROVINCE, [CITY]]]);
    // 越级 goes above the next room only: Huaiji cannot "skip" to the city it reports to anyway.
    const nonsense = await file(huaiji, 'direct-1', 30, 'RecordPhoneReport', { recipient: '市应急局', summary: 's', directTo: CITY });
    expect(nonsense.statusCode).toBe(400);
    expect(nonsense.json()).toMatchObject({ error: { issues: [{ path: 'data.directTo' }] } });
  });

  it('退回 reopens a filed report with its own deadline; the corrected filing counts as returned, and late against the first deadline', async () => {
    await confirmed('return-1', 'III');
    expect((await file(huaiji, 'return-1', 50, 'SubmitInitialReport', initial)).statusCode).toBe(200);
    // Huaiji cannot send back its own report; the city can, with a reason.
    expect((await file(huaiji, 'return-1', 55, 'ReturnReport', { key: 'initial', reason: 'x' })).statusCode).toBe(403);
    const returned = await file(city, 'return-1', 60, 'ReturnReport', { key: 'initial', reason: '伤亡人数不清，请核实后重报' });
    expect(returned.statusCode, returned.body).toBe(200);
    // III: a report sent back is due again two hours later (rules: correctionWithinMinutes).
    expect(await item('return-1', `${HUAIJI}/initial`)).toMatchObject({ submittedAt: null, dueAt: at(180), firstDueAt: at(60), returns: [{ reason: '伤亡人数不清，请核实后重报' }] });
    expect((await listDeadlines(t.db, { incidentId: 'return-1' })).find((d) => d.key === `${HUAIJI}/initial` && d.outcome === null)?.dueAt).toBe(at(180));
    expect((await file(huaiji, 'return-1', 90, 'SubmitInitialReport', initial)).statusCode).toBe(200);
    expect(await item('return-1', `${HUAIJI}/initial`)).toMatchObject({ submittedAt: at(90) });
    expect(await scoreOf(HUAIJI)).toMatchObject({ returned: 1 });
  });
});

describe('补报 of casualty changes (493号令 §13)', () => {
  const change = { losses: { dead: 1, injured: 1 }, note: '一名伤者经抢救无效死亡', signedBy: '李明' };
  const day = 24 * 60;

  it('a road traffic accident takes 补报 for 7 days after it happened, and not after', async () => {
    await confirmed('road-1', 'IV', { category: 'accident', subtype: 'road_traffic' }, -20);
    const obligation = await reports('road-1');
    expect(obligation.terms).toMatchObject({ supplementaryWindowDays: 7, supplementaryRule: 'road-traffic-and-fire' });
    const within = await file(huaiji, 'road-1', 6 * day, 'SubmitSupplementaryReport', change);
    expect(within.statusCode, within.body).toBe(200);
    expect((await file(city, 'road-1', 6 * day + 1, 'AcknowledgeReport', { key: 'supplementary-1' })).statusCode).toBe(200);
    // Seven days after it happened (minute -20) the window has closed.
    const late = await file(huaiji, 'road-1', 7 * day, 'SubmitSupplementaryReport', change);
    expect(late.statusCode).toBe(409);
    expect((await reports('road-1')).items.filter((i) => i.key.startsWith('supplementary'))).toHaveLength(1);
  });

  it('another accident takes 补报 for 30 days', async () => {
    await confirmed('mine-1', 'IV', { category: 'accident', subtype: 'mine' }, -20);
    expect((await reports('mine-1')).terms).toMatchObject({ supplementaryWindowDays: 30, supplementaryRule: 'accidents' });
    expect((await file(huaiji, 'mine-1', 8 * day, 'SubmitSupplementaryReport', change)).statusCode).toBe(200);
    expect((await file(huaiji, 'mine-1', 30 * day, 'SubmitSupplementaryReport', change)).statusCode).toBe(409);
  });
});

describe('the clock starts at 接报 and the confirmation cannot move it', () => {
  it('a confirmation dated in the future, or before the incident’s first record, is refused with 400 naming occurredAt; nothing is stored', async () => {
    now = T0;
    await ok(huaiji, 'POST', '/incidents', { incidentId: 'clock-1', occurredAt: at(-20), data: { title: '滑坡', leadJurisdiction: HUAIJI } });
    await ok(huaiji, 'POST', '/incidents/clock-1/commands', { type: 'BeginVerification' });
    const before = await ok<{ version: number; state: string }>(huaiji, 'GET', '/incidents/clock-1');
    for (const occurredAt of [at(60), at(-30)]) {
      const refused = await call(huaiji, 'POST', '/incidents/clock-1/commands', { type: 'ConfirmIncident', occurredAt, data: { severity: 'III' } });
      expect(refused.statusCode, occurredAt).toBe(400);
      expect(refused.json()).toMatchObject({ error: { code: 'validation', issues: [{ path: 'occurredAt' }] } });
    }
    expect(await ok<{ version: number; state: string }>(huaiji, 'GET', '/incidents/clock-1')).toMatchObject({ version: before.version, state: 'verifying' });
    expect((await reports('clock-1')).state).toBe('none');
    expect(await listDeadlines(t.db, { incidentId: 'clock-1' })).toStrictEqual([]);
    // Confirmed two hours after 接报: the deadlines still run from 接报 (minute 0).
    now = T0 + 120 * 60_000;
    await ok(huaiji, 'POST', '/incidents/clock-1/commands', { type: 'ConfirmIncident', data: { severity: 'III' } });
    expect((await reports('clock-1')).items.find((i) => i.id === `${HUAIJI}/initial`)?.dueAt).toBe(at(60));
  });

  it('an incident triaged from the watch log counts from the call, not from the triage', async () => {
    now = T0 + 30 * 60_000;
    await ok(huaiji, 'POST', '/watch-log', {
      entryId: 'w-clock',
      jurisdiction: HUAIJI,
      channel: 'phone',
      receivedAt: at(0),
      occurredAt: at(-20),
      place: '怀集县冷坑镇',
      course: '山体滑坡，两户房屋受损',
      caller: { name: '王村长', phone: '13800000000' },
      recorderName: '值班员张',
    });
    await ok(huaiji, 'POST', '/watch-log/w-clock/triage', { action: 'create_incident', incidentId: 'clock-2', incident: { title: '冷坑滑坡', category: 'natural_disaster', severity: 'IV' } });
    expect(await ok(huaiji, 'GET', '/incidents/clock-2')).toMatchObject({ receivedAt: at(0), reportedAt: at(30) });
    await ok(huaiji, 'POST', '/incidents/clock-2/commands', { type: 'BeginVerification' });
    await ok(huaiji, 'POST', '/incidents/clock-2/commands', { type: 'ConfirmIncident' });
    expect((await reports('clock-2')).items.map((i) => [i.id, i.dueAt])).toStrictEqual([[`${HUAIJI}/initial`, at(360)]]);
  });
});
