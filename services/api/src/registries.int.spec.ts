import type { Actor } from '@muster/domain';
import { availabilityFromLog, rebuildAvailability, storedAvailability } from '@muster/store-postgres';
import type { TestDatabase } from '@muster/testkit';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { actorRequests, apiTest } from './test-fixtures';

/**
 * Issue 23: the registries of teams, experts, shelters and depots — each entry's life as events with
 * its history, each room's rights over it, the CSV import (all or nothing, every bad row named) and
 * the availability view, which is what the event log implies.
 */

const CITY = '441200';
const DINGHU = '441203';
const HUAIJI = '441224';
const cityDuty: Actor = { userId: 'do-city', roles: ['duty_officer'], jurisdiction: CITY };
const dinghuDuty: Actor = { userId: 'do-dinghu', roles: ['duty_officer'], jurisdiction: DINGHU };
const huaijiDuty: Actor = { userId: 'do-huaiji', roles: ['duty_officer'], jurisdiction: HUAIJI };
const huaijiCommander: Actor = { userId: 'u-cmdr-hj', roles: ['responder'], jurisdiction: HUAIJI };

let t: TestDatabase;
let app: FastifyInstance;
apiTest.beforeAll(({ database, api }) => {
  t = database;
  app = api;
});
const { call, ok } = actorRequests(() => app);
type Entry = Record<string, unknown> & { history: { type: string; to?: string; from?: string; incidentId?: string }[]; version: number };

const team = (id: string, jurisdiction: string, extra: Record<string, unknown> = {}) => ({
  registry: 'team',
  id,
  name: `${id} 救援队`,
  jurisdiction,
  kind: 'flood',
  headcount: 24,
  equipment: [{ item: 'pump', quantity: 6 }],
  certifications: [{ name: '水域救援证', expiresOn: '2027-06-30' }],
  position: { lat: 23.05, lon: 112.46 },
  ...extra,
});
const depot = (id: string, jurisdiction: string, position: { lat: number; lon: number } | null, extra: Record<string, unknown> = {}) => ({
  registry: 'depot',
  id,
  name: `${id} 储备库`,
  jurisdiction,
  ownerType: 'government',
  ownerName: '应急管理局',
  location: null,
  position,
  ...extra,
});
const stock = (kind: string, quantity: number, extra: Record<string, unknown> = {}) => ({ kind, quantity, unit: '台', returnable: true, expiresOn: null, ...extra });

async function eventTypes(streamId: string): Promise<string[]> {
  const rows = await t.db.selectFrom('event').select('type').where('stream_id', '=', streamId).orderBy('version').execute();
  return rows.map((r) => r.type);
}

describe('the life of each registry, as events with history', () => {
  it('a team: registered, updated, resting and back, out of service; each change an event in its history', async () => {
    const created = await ok<Entry>(huaijiDuty, 'POST', '/registries', team('t-life', HUAIJI));
    expect(created).toMatchObject({ registry: 'team', id: 't-life', readiness: 'available', version: 1 });
    await ok(huaijiDuty, 'POST', '/registries/team/t-life/commands', { type: 'UpdateTeam', data: { changes: { headcount: 30, certifications: [{ name: '水域救援证', expiresOn: '2028-06-30' }] } } });
    await ok(huaijiDuty, 'POST', '/registries/team/t-life/commands', { type: 'ChangeReadiness', data: { readiness: 'resting', note: '连续作业 36 小时' } });
    const twice = await call(huaijiDuty, 'POST', '/registries/team/t-life/commands', { type: 'ChangeReadiness', data: { readiness: 'resting' } });
    expect(twice.statusCode).toBe(409);
    // `assigned` comes only from a dispatch: the command does not take it.
    const assign = await call(huaijiDuty, 'POST', '/registries/team/t-life/commands', { type: 'ChangeReadiness', data: { readiness: 'assigned' } });
    expect(assign.statusCode).toBe(400);
    expect(assign.json()).toMatchObject({ error: { issues: [{ path: 'data.readiness' }] } });
    await ok(huaijiDuty, 'POST', '/registries/team/t-life/commands', { type: 'ChangeReadiness', data: { readiness: 'out_of_service' } });
    const read = await ok<Entry>(cityDuty, 'GET', '/registries/team/t-life');
    expect(read).toMatchObject({ headcount: 30, readiness: 'out_of_service', version: 4, certifications: [{ expiresOn: '2028-06-30' }] });
    expect(read.history.map((h) => [h.type, h.to ?? null])).toEqual([
      ['TeamRegistered', 'available'],
      ['TeamUpdated', null],
      ['TeamReadinessChanged', 'resting'],
      ['TeamReadinessChanged', 'out_of_service'],
    ]);
    expect(await eventTypes('team:t-life')).toEqual(['TeamRegistered', 'TeamUpdated', 'TeamReadinessChanged', 'TeamReadinessChanged']);
    // The dispatch side sees the readiness too.
    const row = await t.db.selectFrom('rescue_team').select('status').where('team_id', '=', 't-life').executeTakeFirstOrThrow();
    expect(row.status).toBe('out_of_service');
  });

  it('an expert: attached to an incident and a consultation (会商); the advice joins the incident timeline', async () => {
    await ok(huaijiDuty, 'POST', '/incidents', { incidentId: 'inc-exp', data: { title: '山体滑坡', leadJurisdiction: HUAIJI, severity: 'IV' } });
    await ok(cityDuty, 'POST', '/registries', { registry: 'expert', id: 'x-geo', name: '陈工', jurisdiction: CITY, fields: ['geology', 'structures'], phone: '13800000001', organisation: '市地质环境监测站' });
    await ok(cityDuty, 'POST', '/registries/expert/x-geo/commands', { type: 'AttachExpert', data: { incidentId: 'inc-exp', consultation: '滑坡险情会商' } });
    // Advice on an incident the expert is not attached to is refused, naming the field.
    const stray = await call(cityDuty, 'POST', '/registries/expert/x-geo/commands', { type: 'RecordAdvice', data: { incidentId: 'inc-other', advice: '撤离' } });
    expect(stray.statusCode).toBe(404);
    await ok(cityDuty, 'POST', '/registries/expert/x-geo/commands', { type: 'RecordAdvice', data: { incidentId: 'inc-exp', advice: '坡体仍在蠕动，建议扩大警戒范围至 300 米' } });
    await ok(cityDuty, 'POST', '/registries/expert/x-geo/commands', { type: 'ChangeExpertAvailability', data: { available: false, note: '出差' } });
    const unavailable = await call(cityDuty, 'POST', '/registries/expert/x-geo/commands', { type: 'AttachExpert', data: { incidentId: 'inc-exp' } });
    expect(unavailable.statusCode).toBe(409);
    const read = await ok<Entry>(cityDuty, 'GET', '/registries/expert/x-geo');
    expect(read).toMatchObject({ available: false, attachments: [{ incidentId: 'inc-exp', consultation: '滑坡险情会商' }], advice: [{ incidentId: 'inc-exp', by: 'do-city' }] });
    expect(read.history.map((h) => h.type)).toEqual(['ExpertRegistered', 'ExpertAttached', 'ExpertAdviceRecorded', 'ExpertAvailabilityChanged']);
    const timeline = await ok<{ items: { type: string }[] }>(huaijiDuty, 'GET', '/incidents/inc-exp/timeline');
    expect(timeline.items.map((e) => e.type)).toEqual(expect.arrayContaining(['ExpertAttached', 'ExpertAdviceRecorded']));
  });

  it('a shelter: opened, occupancy reported over time with over-capacity flagged, a scene’s sheltered assigned to it, closed only when empty', async () => {
    await ok(huaijiDuty, 'POST', '/incidents', { incidentId: 'inc-sh', data: { title: '洪水', leadJurisdiction: HUAIJI, severity: 'IV' } });
    const shelter = { registry: 'shelter', id: 's-school', name: '怀集县第一中学避难场所', jurisdiction: HUAIJI, address: '怀城镇', position: null, capacity: 300, facilities: ['饮用水', '医疗点'], manager: '李校长', managerPhone: '13800000002' };
    await ok(huaijiDuty, 'POST', '/registries', shelter);
    const closed = await call(huaijiDuty, 'POST', '/registries/shelter/s-school/commands', { type: 'ReportOccupancy', data: { occupancy: 10 } });
    expect(closed.statusCode).toBe(409);
    await ok(huaijiDuty, 'POST', '/registries/shelter/s-school/commands', { type: 'OpenShelter', data: {} });
    await ok(huaijiDuty, 'POST', '/registries/shelter/s-school/commands', { type: 'ReportOccupancy', data: { occupancy: 120, incidentId: 'inc-sh' } });
    const over = await ok<Entry>(huaijiDuty, 'POST', '/registries/shelter/s-school/commands', { type: 'ReportOccupancy', data: { occupancy: 340, incidentId: 'inc-sh' } });
    expect(over).toMatchObject({ occupancy: 340, overCapacity: true });
    expect((await call(huaijiDuty, 'POST', '/registries/shelter/s-school/commands', { type: 'CloseShelter', data: {} })).statusCode).toBe(409);
    await ok(huaijiDuty, 'POST', '/registries/shelter/s-school/commands', { type: 'ReportOccupancy', data: { occupancy: 0 } });
    const done = await ok<Entry>(huaijiDuty, 'POST', '/registries/shelter/s-school/commands', { type: 'CloseShelter', data: {} });
    expect(done).toMatchObject({ open: false, occupancy: 0, overCapacity: false });
    expect((done['occupancyReports'] as { occupancy: number }[]).map((r) => r.occupancy)).toEqual([120, 340, 0]);
    expect(await eventTypes('shelter:s-school')).toEqual(['ShelterRegistered', 'ShelterOpened', 'ShelterOccupancyReported', 'ShelterOccupancyReported', 'ShelterOccupancyReported', 'ShelterClosed']);
    const flagged = await t.db.selectFrom('event').select('data').where('stream_id', '=', 'shelter:s-school').where('type', '=', 'ShelterOccupancyReported').orderBy('version').execute();
    expect(flagged.map((e) => e.data['overCapacity'])).toEqual([false, true, false]);
  });

  it('a depot by owner: an enterprise agreement reserve (协议储备) with stock by kind, units and expiry', async () => {
    await ok(huaijiDuty, 'POST', '/registries', depot('d-ent', HUAIJI, null, { ownerType: 'enterprise', ownerName: '怀集某建材公司（协议储备）' }));
    await ok(huaijiDuty, 'POST', '/registries/depot/d-ent/commands', {
      type: 'CountStock',
      data: { items: [stock('pump', 8), stock('bottled-water', 500, { unit: '箱', returnable: false, expiresOn: '2027-03-01' })] },
    });
    const read = await ok<Entry>(cityDuty, 'GET', '/registries/depot/d-ent');
    expect(read).toMatchObject({ ownerType: 'enterprise' });
    expect(read['stock']).toEqual([
      { kind: 'bottled-water', quantity: 500, unit: '箱', returnable: false, expiresOn: '2027-03-01' },
      { kind: 'pump', quantity: 8, unit: '台', returnable: true, expiresOn: null },
    ]);
    const bad = await call(huaijiDuty, 'POST', '/registries/depot/d-ent/commands', { type: 'CountStock', data: { items: [stock('pump', -1)] } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error: { issues: [{ path: 'data.items.0.quantity' }] } });
    expect(await eventTypes('depot:d-ent')).toEqual(['DepotRegistered', 'StockCounted']);
  });
});

describe('a retry with the same command id records nothing twice', () => {
  it('a registration and a readiness change sent twice with their command ids: one event each, the same answer', async () => {
    const body = { ...team('t-retry', HUAIJI), commandId: 'c-reg-1' };
    const first = await ok<Entry>(huaijiDuty, 'POST', '/registries', body);
    const again = await ok<Entry>(huaijiDuty, 'POST', '/registries', body);
    expect(again).toEqual(first);
    const change = { type: 'ChangeReadiness', data: { readiness: 'resting' }, commandId: 'c-rest-1' };
    const rested = await ok<Entry>(huaijiDuty, 'POST', '/registries/team/t-retry/commands', change);
    expect(await ok<Entry>(huaijiDuty, 'POST', '/registries/team/t-retry/commands', change)).toEqual(rested);
    expect(await eventTypes('team:t-retry')).toEqual(['TeamRegistered', 'TeamReadinessChanged']);
    // Without a command id the same change again is a new command, refused by the team's state.
    expect((await call(huaijiDuty, 'POST', '/registries/team/t-retry/commands', { type: 'ChangeReadiness', data: { readiness: 'resting' } })).statusCode).toBe(409);
  });
});

describe('a registration race', () => {
  it('ten registrations of one id at once: one is stored, the others get 409, never a 5xx', async () => {
    const answers = await Promise.all(Array.from({ length: 10 }, () => call(huaijiDuty, 'POST', '/registries', team('t-race', HUAIJI))));
    expect(answers.map((a) => a.statusCode).sort()).toEqual([201, ...Array.from({ length: 9 }, () => 409)]);
    expect(await eventTypes('team:t-race')).toEqual(['TeamRegistered']);
  });
});

describe('rights: a county edits its own, the city sees all, nobody edits another’s', () => {
  it('Dinghu keeps its team; Huaiji neither reads nor edits it; the city reads it but does not edit it; nobody registers for another room', async () => {
    await ok(dinghuDuty, 'POST', '/registries', team('t-dh', DINGHU));
    const digest = async () => JSON.stringify((await sql`select count(*) as n from event`.execute(t.db)).rows) + JSON.stringify(await t.db.selectFrom('registry_entry').selectAll().orderBy('entry_id').execute());
    const before = await digest();
    const byHuaiji = await call(huaijiDuty, 'POST', '/registries/team/t-dh/commands', { type: 'ChangeReadiness', data: { readiness: 'resting' } });
    const missing = await call(huaijiDuty, 'POST', '/registries/team/t-none/commands', { type: 'ChangeReadiness', data: { readiness: 'resting' } });
    expect(byHuaiji.statusCode).toBe(404);
    expect(byHuaiji.body).toBe(missing.body.replaceAll('t-none', 't-dh'));
    expect((await call(huaijiDuty, 'GET', '/registries/team/t-dh')).statusCode).toBe(404);
    expect((await call(cityDuty, 'POST', '/registries/team/t-dh/commands', { type: 'ChangeReadiness', data: { readiness: 'resting' } })).statusCode).toBe(403);
    expect((await call(huaijiDuty, 'POST', '/registries', team('t-fake', DINGHU))).statusCode).toBe(403);
    expect((await call(cityDuty, 'POST', '/registries', team('t-fake', DINGHU))).statusCode).toBe(403);
    expect(await digest()).toBe(before);

    const cityList = await ok<{ items: { id: string }[] }>(cityDuty, 'GET', '/registries?registry=team');
    expect(cityList.items.map((e) => e.id)).toEqual(expect.arrayContaining(['t-dh', 't-life']));
    const huaijiList = await ok<{ items: { id: string; jurisdiction: string }[] }>(huaijiDuty, 'GET', '/registries?registry=team');
    expect(huaijiList.items.every((e) => e.jurisdiction === HUAIJI)).toBe(true);
    expect((await call(huaijiDuty, 'GET', `/registries?registry=team&jurisdiction=${DINGHU}`)).statusCode).toBe(403);
    await ok(dinghuDuty, 'POST', '/registries/team/t-dh/commands', { type: 'ChangeReadiness', data: { readiness: 'resting' } });
  });
});

describe('CSV import: all or nothing, every bad row named', () => {
  const HEADER = 'id,name,jurisdiction,kind,headcount,equipment,certifications,lat,lon';
  const line = (i: number) => `csv-${String(i).padStart(4, '0')},怀集县志愿救援队${i},${HUAIJI},volunteer,${10 + (i % 30)},pump:2;boat:1,急救证:2027-12-31,23.9,112.1`;

  it('1,000 rows with 3 bad ones import nothing and name the 3 lines and fields; the corrected file imports all 1,000 in one transaction', async () => {
    // Lines are counted from the header (line 1): row i is on line i + 2.
    const spoilt: Record<number, (row: string) => string> = {
      41: (row) => row.replace(',volunteer,', ',dragon,'), // line 43: kind
      500: (row) => row.replace(',急救证:2027-12-31,', ',急救证:2027-13-45,'), // line 502: certifications
      998: (row) => row.replace(`,${HUAIJI},`, `,${DINGHU},`), // line 1000: another room's jurisdiction
    };
    const rows = Array.from({ length: 1000 }, (_, i) => spoilt[i]?.(line(i)) ?? line(i));
    const bad = [HEADER, ...rows].join('\n');
    const before = await t.db.selectFrom('event').select(sql<string>`count(*)`.as('n')).executeTakeFirstOrThrow();

    const dry = await ok<{ errors: { line: number; field: string }[]; imported: number }>(huaijiDuty, 'POST', '/registries/import', { file: 'team', csv: bad, dryRun: true });
    expect(dry.imported).toBe(0);
    expect(dry.errors.map((e) => [e.line, e.field])).toEqual([
      [43, 'kind'],
      [502, 'certifications'],
      [1000, 'jurisdiction'],
    ]);
    const refused = await call(huaijiDuty, 'POST', '/registries/import', { file: 'team', csv: bad });
    expect(refused.statusCode).toBe(400);
    expect(refused.json<{ error: { issues: { path: string }[] } }>().error.issues.map((i) => i.path)).toEqual(['line 43.kind', 'line 502.certifications', 'line 1000.jurisdiction']);
    expect(await t.db.selectFrom('registry_entry').select('entry_id').where('entry_id', 'like', 'csv-%').execute()).toEqual([]);
    expect(await t.db.selectFrom('event').select(sql<string>`count(*)`.as('n')).executeTakeFirstOrThrow()).toEqual(before);

    const corrected = [HEADER, ...Array.from({ length: 1000 }, (_, i) => line(i))].join('\n');
    const done = await ok<{ imported: number; errors: unknown[] }>(huaijiDuty, 'POST', '/registries/import', { file: 'team', csv: corrected });
    expect(done).toMatchObject({ imported: 1000, errors: [] });
    const stored = await t.db.selectFrom('registry_entry').select(sql<string>`count(*)`.as('n')).where('entry_id', 'like', 'csv-%').executeTakeFirstOrThrow();
    expect(Number(stored.n)).toBe(1000);
    // One transaction: every registration event carries the same transaction id.
    const transactions = await t.db.selectFrom('event').select(sql<string>`count(distinct tx_id)`.as('n')).where('stream_id', 'like', 'team:csv-%').executeTakeFirstOrThrow();
    expect(Number(transactions.n)).toBe(1);

    // Export writes the format import reads: the same rows come back.
    const exported = await app.inject({ method: 'GET', url: `/registries/export.csv?file=team&jurisdiction=${HUAIJI}`, headers: await (await import('@muster/testkit')).authHeader(huaijiDuty) });
    expect(exported.statusCode).toBe(200);
    const lines = exported.body.replace(/^\uFEFF/, '').trim().split('\n');
    expect(lines[0]).toBe(HEADER);
    expect(lines).toEqual(expect.arrayContaining([line(0), line(999)]));
    // Importing the export again refuses every id as in use, by line: nothing half-stored.
    const again = await ok<{ errors: { line: number; field: string }[] }>(huaijiDuty, 'POST', '/registries/import', { file: 'team', csv: exported.body, dryRun: true });
    expect(again.errors).toEqual([]);
    const twice = await call(huaijiDuty, 'POST', '/registries/import', { file: 'team', csv: exported.body });
    expect(twice.statusCode).toBe(400);
  });
});

describe('the availability view is what the event log implies', () => {
  it('after a dispatch and a release, the stock and team states kept equal the fold of the log, and a rebuild from the log gives them back', async () => {
    await ok(huaijiDuty, 'POST', '/registries', depot('d-hj-pumps', HUAIJI, { lat: 23.91, lon: 112.18 }));
    await ok(huaijiDuty, 'POST', '/registries/depot/d-hj-pumps/commands', { type: 'CountStock', data: { items: [stock('pump', 20), stock('sandbag', 5000, { unit: '条', returnable: false })] } });
    await ok(dinghuDuty, 'POST', '/registries', depot('d-dh-pumps', DINGHU, { lat: 23.16, lon: 112.56 }));
    await ok(dinghuDuty, 'POST', '/registries/depot/d-dh-pumps/commands', { type: 'CountStock', data: { items: [stock('pump', 12)] } });
    await ok(huaijiDuty, 'POST', '/registries', team('t-hj-flood', HUAIJI, { position: { lat: 23.92, lon: 112.19 } }));

    // A Huaiji incident near Huaiji's depot: the city sees both counties' pumps, nearest first.
    await ok(huaijiDuty, 'POST', '/incidents', { incidentId: 'inc-av', data: { title: '怀城内涝', leadJurisdiction: HUAIJI, severity: 'IV', location: { description: '怀城镇', lat: 23.9, lon: 112.17 } } });
    const view = await ok<{ stock: { depotId: string; quantity: number; band: string }[]; teams: { teamId: string }[] }>(cityDuty, 'GET', '/availability?kind=pump&incidentId=inc-av');
    expect(view.stock.map((s) => [s.depotId, s.quantity, s.band])).toEqual([
      ['d-hj-pumps', 20, 'within10km'],
      ['d-dh-pumps', 12, 'beyond60km'],
      // A depot with no position comes last, with no band.
      ['d-ent', 8, null],
    ]);
    expect(view.teams.map((x) => x.teamId)).toContain('t-hj-flood');
    const huaijiView = await ok<{ stock: { depotId: string }[] }>(huaijiDuty, 'GET', '/availability?kind=pump');
    expect(huaijiView.stock.map((s) => s.depotId).sort()).toEqual(['d-ent', 'd-hj-pumps']);

    await ok(huaijiDuty, 'POST', '/incidents/inc-av/command', { type: 'AppointCommander', data: { commander: { userId: huaijiCommander.userId, name: '赵指挥' } } });
    await ok(huaijiCommander, 'POST', '/incidents/inc-av/resource-requests', { requestId: 'rr-av', data: { items: [{ kind: 'pump', quantity: 6, priority: 'urgent', deliverTo: '怀城镇' }, { kind: 'sandbag', quantity: 800, priority: 'urgent', deliverTo: '怀城镇' }] } });
    await ok(huaijiDuty, 'POST', '/resource-requests/rr-av/commands', { type: 'ApproveResourceRequest' });
    await ok(huaijiDuty, 'POST', '/resource-requests/rr-av/commands', { type: 'DispatchResources', data: { depotId: 'd-hj-pumps', orderNumber: 'HJ-AV-1', teams: ['t-hj-flood'] } });

    let kept = await storedAvailability(t.db);
    expect(kept).toEqual(await availabilityFromLog(t.db));
    expect(kept.stock.filter((s) => s.depotId === 'd-hj-pumps')).toEqual([
      { depotId: 'd-hj-pumps', kind: 'pump', quantity: 14 },
      { depotId: 'd-hj-pumps', kind: 'sandbag', quantity: 4200 },
    ]);
    expect(kept.teams.find((x) => x.teamId === 't-hj-flood')).toEqual({ teamId: 't-hj-flood', readiness: 'assigned', incidentId: 'inc-av' });
    const busy = await ok<Entry>(huaijiDuty, 'GET', '/registries/team/t-hj-flood');
    expect(busy).toMatchObject({ readiness: 'assigned', incidentId: 'inc-av' });
    expect((await call(huaijiDuty, 'POST', '/registries/team/t-hj-flood/commands', { type: 'ChangeReadiness', data: { readiness: 'resting' } })).statusCode).toBe(409);

    await ok(huaijiCommander, 'POST', '/resource-requests/rr-av/commands', { type: 'ConfirmArrival', data: {} });
    await ok(huaijiCommander, 'POST', '/resource-requests/rr-av/commands', { type: 'ReleaseResources', data: { returned: [{ kind: 'pump', quantity: 5 }] } });
    kept = await storedAvailability(t.db);
    const fromLog = await availabilityFromLog(t.db);
    expect(kept).toEqual(fromLog);
    expect(kept.stock.find((s) => s.depotId === 'd-hj-pumps' && s.kind === 'pump')?.quantity).toBe(19);
    expect(kept.teams.find((x) => x.teamId === 't-hj-flood')).toEqual({ teamId: 't-hj-flood', readiness: 'available', incidentId: null });
    const back = await ok<Entry>(huaijiDuty, 'GET', '/registries/team/t-hj-flood');
    expect(back.history.map((h) => [h.type, h.to])).toEqual([
      ['TeamRegistered', 'available'],
      ['TeamAssigned', 'assigned'],
      ['TeamReleased', 'available'],
    ]);

    // Spoil the kept view, then rebuild it from the log: identical to what it was.
    await sql`update depot_stock set quantity = 0`.execute(t.db);
    await sql`update rescue_team set status = 'out_of_service', incident_id = null`.execute(t.db);
    await rebuildAvailability(t.db);
    expect(await storedAvailability(t.db)).toEqual(kept);
  });
  it('the older 物资库 stocktake and team status routes change a registered depot or team by events too', async () => {
    await ok(huaijiDuty, 'POST', '/registries', depot('d-old', HUAIJI, null));
    await ok(huaijiDuty, 'PUT', '/depots/d-old/stock', { items: [{ kind: 'pump', quantity: 7, returnable: true }] });
    await ok(huaijiDuty, 'POST', '/registries', team('t-old', HUAIJI));
    await ok(huaijiDuty, 'POST', '/teams/t-old/status', { status: 'out_of_service' });
    expect(await eventTypes('depot:d-old')).toEqual(['DepotRegistered', 'StockCounted']);
    expect(await eventTypes('team:t-old')).toEqual(['TeamRegistered', 'TeamReadinessChanged']);
    expect(await ok<Entry>(huaijiDuty, 'GET', '/registries/team/t-old')).toMatchObject({ readiness: 'out_of_service' });
    expect(await storedAvailability(t.db)).toEqual(await availabilityFromLog(t.db));
  });
});
