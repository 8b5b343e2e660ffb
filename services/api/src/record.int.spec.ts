import type { Actor } from '@muster/domain';
import type { FastifyInstance } from 'fastify';
import { describe, expect, it } from 'vitest';
import { actorRequests, apiTest } from './test-fixtures';

/**
 * The console's read models (issue 17): the incident record answers, besides what the single
 * routes hold, the commands this caller may send now — what the machine takes in its state and the
 * policy lets this caller send — and the room board answers its cards in one read.
 */

const CITY = '441200';
const DINGHU = '441203';
const GAOYAO = '441204';
const person = (userId: string, roles: Actor['roles'], jurisdiction: string): Actor => ({ userId, roles, jurisdiction });
const cityDuty = person('duty-city', ['duty_officer'], CITY);
const dinghuDuty = person('duty-dinghu', ['duty_officer'], DINGHU);
const gaoyaoDuty = person('duty-gaoyao', ['duty_officer'], GAOYAO);
const commander = person('commander', ['responder'], DINGHU);
const deputy = person('deputy', ['responder'], DINGHU);
const reviewer = person('reviewer', ['reviewer'], CITY);
const T0 = Date.UTC(2026, 6, 1, 6, 0, 0);

let app: FastifyInstance;
let now = T0;
const clock = { now: () => new Date(now) };
apiTest.override('clock', { scope: 'file' }, clock);
apiTest.override('apiOptions', { scope: 'file' }, { clock });
apiTest.beforeAll(({ api }) => {
  app = api;
});
const { call, ok } = actorRequests(() => app);

interface Offered {
  incident: string[];
  scene: string[];
  report: string[];
  correction: string[];
  requests: Record<string, string[]>;
  supervision: Record<string, string[]>;
}
interface Record_ {
  incident: { incidentId: string; state: string };
  scene: { state: string; commander: { name: string } | null };
  requests: { requestId: string; state: string }[];
  reports: { state: string };
  supervision: unknown[];
  responseAuthority: unknown[];
  offered: Offered;
  over: boolean;
}
interface Card {
  incident: { incidentId: string; title: string };
  commander: { name: string } | null;
  report: { injured?: number | null } | null;
  overdue: number;
}
interface Board {
  jurisdiction: string;
  scope: string;
  items: Card[];
}

const record = (actor: Actor, id: string) => ok<Record_>(actor, 'GET', `/incidents/${id}/record`);
const board = (actor: Actor, query = '') => ok<Board>(actor, 'GET', `/board${query}`);
const incidentCommand = (actor: Actor, id: string, type: string, data: Record<string, unknown> = {}) => ok(actor, 'POST', `/incidents/${id}/commands`, { type, data });
const sceneCommand = (actor: Actor, id: string, type: string, data: Record<string, unknown>) => ok(actor, 'POST', `/incidents/${id}/command`, { type, data });

async function report(incidentId: string, severity: 'III' | 'IV' = 'IV', lead = DINGHU, by: Actor = dinghuDuty): Promise<void> {
  await ok(by, 'POST', '/incidents', { incidentId, data: { title: `鼎湖山体滑坡 ${incidentId}`, leadJurisdiction: lead, category: 'natural_disaster', severity } });
}

describe('GET /incidents/:id/record — the commands offered to this caller now', () => {
  it('follows the machine state and the room: the lead runs the incident, the room above only what its rights list, another county nothing', async () => {
    await report('rec-1');
    const lead = await record(dinghuDuty, 'rec-1');
    expect(lead.incident.state).toBe('reported');
    expect(lead.offered.incident).toEqual(expect.arrayContaining(['BeginVerification', 'DismissIncident', 'UpdateIncidentDetails', 'RaiseLead']));
    // Not before its state: the machine takes no ActivateResponse or CloseIncident while reported.
    expect(lead.offered.incident).not.toContain('ActivateResponse');
    expect(lead.offered.incident).not.toContain('CloseIncident');

    const above = await record(cityDuty, 'rec-1');
    // 以县为主: the city may raise, link, classify — not verify or dismiss the county's incident.
    expect(above.offered.incident).toEqual(expect.arrayContaining(['RaiseLead', 'ClassifyIncident']));
    expect(above.offered.incident).not.toContain('BeginVerification');
    expect(above.offered.incident).not.toContain('DismissIncident');

    // A room that may not see it learns nothing, not even that it exists.
    const hidden = await call(gaoyaoDuty, 'GET', '/incidents/rec-1/record');
    expect(hidden.statusCode).toBe(404);
    const missing = await call(gaoyaoDuty, 'GET', '/incidents/no-such/record');
    expect(JSON.parse(hidden.body).error.code).toBe(JSON.parse(missing.body).error.code);

    // A reviewer reads the record and is offered no incident or scene command at all.
    const review = await record(reviewer, 'rec-1');
    expect(review.offered.incident).toStrictEqual([]);
    expect(review.offered.scene).toStrictEqual([]);

    // The lead was never raised: nothing to hand back (the machine's guard reads the state).
    expect(lead.offered.incident).not.toContain('HandBackLead');
    await incidentCommand(dinghuDuty, 'rec-1', 'RaiseLead', { reason: '跨区影响' });
    const raised = await record(cityDuty, 'rec-1');
    expect(raised.offered.incident).toContain('HandBackLead');
    expect((await record(dinghuDuty, 'rec-1')).offered.incident).not.toContain('HandBackLead');
    await incidentCommand(cityDuty, 'rec-1', 'HandBackLead', { reason: '由区处置' });

    await incidentCommand(dinghuDuty, 'rec-1', 'BeginVerification');
    const verifying = await record(dinghuDuty, 'rec-1');
    expect(verifying.offered.incident).toContain('ConfirmIncident');
    expect(verifying.offered.incident).not.toContain('BeginVerification');
  });

  it('on-scene command: a responder is offered to take command while nobody holds it; once appointed, the commander posts reports and the deputy-to-be does not', async () => {
    await report('rec-2');
    const before = await record(commander, 'rec-2');
    expect(before.scene.state).toBe('none');
    expect(before.offered.scene).toStrictEqual(['AssumeProvisionalCommand']);
    const room = await record(dinghuDuty, 'rec-2');
    expect(room.offered.scene).toEqual(expect.arrayContaining(['AssumeProvisionalCommand', 'AppointCommander']));

    await sceneCommand(dinghuDuty, 'rec-2', 'AppointCommander', { commander: { userId: 'commander', name: '李指挥' } });
    const mine = await record(commander, 'rec-2');
    expect(mine.scene.commander?.name).toBe('李指挥');
    expect(mine.offered.scene).toEqual(expect.arrayContaining(['PostSceneReport', 'OfferTransfer']));
    expect(mine.offered.scene).not.toContain('AcceptTransfer');
    // The commander asks for resources: a new request is his to open.
    expect(mine.offered.requests['new']).toStrictEqual(['SubmitResourceRequest']);
    const other = await record(deputy, 'rec-2');
    expect(other.offered.scene).not.toContain('PostSceneReport');
    expect(other.offered.requests['new']).toStrictEqual([]);

    // An offer of command to the deputy: only he is offered to accept or decline it.
    await sceneCommand(commander, 'rec-2', 'OfferTransfer', { offerId: 'of-1', to: { userId: 'deputy', name: '王副指挥' } });
    await sceneCommand(commander, 'rec-2', 'RecordTransferBriefing', {
      offerId: 'of-1',
      briefing: { situation: '滑坡', objectives: '搜救', actions: '封路', organisation: '两组', resources: '挖掘机 2', hazards: '二次滑坡' },
    });
    expect((await record(deputy, 'rec-2')).offered.scene).toEqual(expect.arrayContaining(['AcceptTransfer', 'DeclineTransfer']));
    expect((await record(commander, 'rec-2')).offered.scene).not.toContain('AcceptTransfer');
    expect((await record(commander, 'rec-2')).offered.scene).toContain('WithdrawTransfer');
  });

  it('a resource request offers the room approval and the commander nothing he may not send; a dismissed incident offers nothing on any stream', async () => {
    await report('rec-3');
    await sceneCommand(dinghuDuty, 'rec-3', 'AppointCommander', { commander: { userId: 'commander', name: '李指挥' } });
    await ok(commander, 'POST', '/incidents/rec-3/resource-requests', { requestId: 'rr-rec-3', data: { items: [{ kind: '帐篷', quantity: 20, priority: 'urgent', deliverTo: '鼎湖区坑口村' }] } });
    const room = await record(dinghuDuty, 'rec-3');
    expect(room.requests.map((r) => r.requestId)).toStrictEqual(['rr-rec-3']);
    expect(room.offered.requests['rr-rec-3']).toEqual(expect.arrayContaining(['ApproveResourceRequest', 'RejectResourceRequest']));
    expect(room.offered.requests['rr-rec-3']).not.toContain('DispatchResources');
    expect((await record(commander, 'rec-3')).offered.requests['rr-rec-3']).not.toContain('ApproveResourceRequest');

    await incidentCommand(dinghuDuty, 'rec-3', 'DismissIncident', { reason: '误报' });
    const over = await record(dinghuDuty, 'rec-3');
    expect(over.incident.state).toBe('dismissed');
    expect(over.over).toBe(true);
    expect(room.over).toBe(false);
    const all = [...over.offered.incident, ...over.offered.scene, ...over.offered.report, ...over.offered.correction, ...Object.values(over.offered.requests).flat(), ...Object.values(over.offered.supervision).flat()];
    expect(all).toStrictEqual([]);
  });
});

describe('GET /board — the room board in one read', () => {
  it('answers the cards of the room: commander and scene figures on the card, the room above only with 含下辖, one card by `incident`, none of another county', async () => {
    await report('brd-1');
    await sceneCommand(dinghuDuty, 'brd-1', 'AppointCommander', { commander: { userId: 'commander', name: '李指挥' } });
    await sceneCommand(commander, 'brd-1', 'PostSceneReport', { reportId: 'sr-1', injured: 3, dead: 0 });

    const mine = await board(dinghuDuty);
    const card = mine.items.find((c) => c.incident.incidentId === 'brd-1');
    expect(card?.commander?.name).toBe('李指挥');
    expect(card?.report?.injured).toBe(3);
    expect(card?.overdue).toBe(0);

    // A IV of a county is the county's: on the city board only with the whole area.
    expect((await board(cityDuty)).items.map((c) => c.incident.incidentId)).not.toContain('brd-1');
    expect((await board(cityDuty, '?scope=area')).items.map((c) => c.incident.incidentId)).toContain('brd-1');

    const one = await board(dinghuDuty, '?incident=brd-1');
    expect(one.items.map((c) => c.incident.incidentId)).toStrictEqual(['brd-1']);
    expect((await board(gaoyaoDuty, '?scope=area&incident=brd-1')).items).toStrictEqual([]);

    const bad = await call(dinghuDuty, 'GET', '/board?scope=everything');
    expect(bad.statusCode).toBe(400);
    expect(JSON.parse(bad.body).error.issues.map((i: { path: string }) => i.path)).toStrictEqual(['query.scope']);
  });

  it('counts the reports overdue now, and a dismissed incident leaves the board', async () => {
    now = T0;
    await report('brd-2');
    await incidentCommand(dinghuDuty, 'brd-2', 'BeginVerification');
    await incidentCommand(dinghuDuty, 'brd-2', 'ConfirmIncident', { category: 'natural_disaster', severity: 'IV' });
    expect((await board(dinghuDuty, '?incident=brd-2')).items[0]?.overdue).toBe(0);
    // A day on, the 初报 (and the phone report) are long due and unfiled.
    now = T0 + 24 * 3600_000;
    expect((await board(dinghuDuty, '?incident=brd-2')).items[0]?.overdue).toBeGreaterThan(0);
    now = T0;
    await report('brd-3');
    expect((await board(dinghuDuty, '?incident=brd-3')).items).toHaveLength(1);
    await incidentCommand(dinghuDuty, 'brd-3', 'DismissIncident', { reason: '误报' });
    expect((await board(dinghuDuty, '?incident=brd-3')).items).toStrictEqual([]);
    expect((await board(dinghuDuty)).items.map((c) => c.incident.incidentId)).not.toContain('brd-3');
  });
});
