import type { Actor } from '@muster/domain';
import { authHeader, closingSteps, type TestDatabase } from '@muster/testkit';
import type { FastifyInstance } from 'fastify';
import { describe, expect, it } from 'vitest';
import { actorRequests, apiTest, briefing, person } from './test-fixtures';

const LEAD = '441224';
const room: Actor = { userId: 'do-huaiji', roles: ['duty_officer'], jurisdiction: LEAD };
const cityRoom: Actor = { userId: 'do-city', roles: ['duty_officer'], jurisdiction: '441200' };
const responder = (userId: string): Actor => ({ userId, roles: ['responder'], jurisdiction: LEAD });

let t: TestDatabase;
let app: FastifyInstance;
apiTest.beforeAll(({ database, api }) => {
  t = database;
  app = api;
});

const headers = (actor: Actor) => authHeader(actor);
const as = actorRequests(() => app);
const send = (actor: Actor, url: string, payload: unknown) => as.call(actor, 'POST', url, payload);
const ok = (actor: Actor, url: string, payload: unknown) => as.ok(actor, 'POST', url, payload);

async function incidentWithCommander(incidentId: string, commander = 'u-chief') {
  await ok(room, '/incidents', { incidentId, data: { title: 'Mudslide on the S263', leadJurisdiction: LEAD } });
  await ok(room, `/incidents/${incidentId}/command`, { type: 'AppointCommander', data: { commander: person(commander), deputies: [person('u-deputy')] } });
}

describe('transfer of command', () => {
  it('records appointedBy and the ICS 201 briefing, and hands over only on acceptance', async () => {
    await incidentWithCommander('xfer-1');
    const base = '/incidents/xfer-1/command';
    await ok(responder('u-chief'), base, { type: 'OfferTransfer', data: { offerId: 'o1', to: person('u-next') } });
    // Accepting before the briefing is recorded is refused: no transfer without a briefing.
    const early = await send(responder('u-next'), base, { type: 'AcceptTransfer', data: { offerId: 'o1' } });
    expect(early.statusCode).toBe(409);
    expect(early.json()).toMatchObject({ error: { code: 'illegal_transition', details: { state: 'transferPending' } } });
    await ok(responder('u-chief'), base, { type: 'RecordTransferBriefing', data: { offerId: 'o1', briefing } });
    // Someone else cannot accept an offer made to u-next.
    const stranger = await send(responder('u-other'), base, { type: 'AcceptTransfer', data: { offerId: 'o1' } });
    expect(stranger.statusCode).toBe(403);
    await ok(responder('u-next'), base, { type: 'AcceptTransfer', data: { offerId: 'o1' } });
    const view = (await app.inject({ method: 'GET', url: base, headers: await headers(room) })).json<Record<string, unknown>>();
    expect(view).toMatchObject({ state: 'commanded', commander: { userId: 'u-next' }, appointedBy: 'u-chief' });
    expect((view['tenures'] as { commander: { userId: string } }[]).map((t) => t.commander.userId)).toEqual(['u-chief', 'u-next']);
    const types = await t.db.selectFrom('event').select('type').where('stream_id', '=', 'scene:xfer-1').orderBy('version').execute();
    expect(types.map((r) => r.type)).toEqual(['CommanderAppointed', 'TransferOffered', 'TransferBriefingRecorded', 'TransferAccepted', 'TransferEffective']);
  });

  it('two competing transfers accepted at the same moment: exactly one new commander, the loser gets a typed error', async () => {
    for (let round = 0; round < 5; round++) {
      const id = `race-${round}`;
      await incidentWithCommander(id);
      const base = `/incidents/${id}/command`;
      await ok(responder('u-chief'), base, { type: 'OfferTransfer', data: { offerId: 'to-b', to: person('u-b') } });
      await ok(room, base, { type: 'OfferTransfer', data: { offerId: 'to-c', to: person('u-c') } });
      await ok(responder('u-chief'), base, { type: 'RecordTransferBriefing', data: { offerId: 'to-b', briefing } });
      await ok(room, base, { type: 'RecordTransferBriefing', data: { offerId: 'to-c', briefing } });
      const [b, c] = await Promise.all([
        send(responder('u-b'), base, { type: 'AcceptTransfer', data: { offerId: 'to-b' } }),
        send(responder('u-c'), base, { type: 'AcceptTransfer', data: { offerId: 'to-c' } }),
      ]);
      const statuses = [b.statusCode, c.statusCode].sort();
      expect(statuses).toEqual([200, 409]);
      const loser = b.statusCode === 409 ? b : c;
      expect(loser.json()).toMatchObject({ error: { code: 'illegal_transition', details: { command: 'AcceptTransfer', state: 'commanded' } } });
      const view = (await app.inject({ method: 'GET', url: base, headers: await headers(room) })).json<{ commander: { userId: string }; offers: unknown[]; tenures: unknown[] }>();
      expect(view.commander.userId).toBe(b.statusCode === 200 ? 'u-b' : 'u-c');
      expect(view.offers).toEqual([]);
      expect(view.tenures).toHaveLength(2);
      const effective = await t.db.selectFrom('event').select('type').where('stream_id', '=', `scene:${id}`).where('type', '=', 'TransferEffective').execute();
      expect(effective).toHaveLength(1);
    }
  });
});

describe('timed transfer with the full ICS 201 briefing (issue 20)', () => {
  const fullBriefing = {
    ...briefing,
    facilities: 'Command post at Huaiji No. 2 school; staging at the S263 km 12 lay-by',
    communications: 'Fire channel 3, police talk group 12; post phone 0758-5550123',
    constraints: 'S263 closed both ways; no flights before the rain stops',
    incidentPotential: 'A second slide above Lengkeng village if rain continues',
    delegationOfAuthority: 'Evacuation orders and road closures delegated; spending over 1 M yuan needs the county head',
  };

  it('the offer carries the briefing and the proposed effective time; the deadline rows follow; ICS 201 prints every block', async () => {
    await incidentWithCommander('ics201-1');
    const base = '/incidents/ics201-1/command';
    const effectiveAt = new Date(Date.now() + 3_600_000).toISOString();
    const expiresAt = new Date(Date.now() + 1_800_000).toISOString();
    await ok(responder('u-chief'), base, { type: 'OfferTransfer', data: { offerId: 'o1', to: person('u-next'), expiresAt, effectiveAt, briefing: fullBriefing } });
    const rows = () => t.db.selectFrom('deadline').select(['key', 'outcome']).where('incident_id', '=', 'ics201-1').orderBy('key').execute();
    expect(await rows()).toStrictEqual([{ key: 'transfer/o1/expiry', outcome: null }]);
    // Accepted with no time of its own: the proposed one holds, the outgoing commander stays until then.
    await ok(responder('u-next'), base, { type: 'AcceptTransfer', data: { offerId: 'o1' } });
    const view = (await app.inject({ method: 'GET', url: base, headers: await headers(room) })).json<Record<string, unknown>>();
    expect(view).toMatchObject({ state: 'transferAccepted', commander: { userId: 'u-chief' }, pendingTransfer: { to: { userId: 'u-next' }, effectiveAt, briefing: fullBriefing } });
    expect(await rows()).toStrictEqual([
      { key: 'transfer/o1/effective', outcome: null },
      { key: 'transfer/o1/expiry', outcome: 'cancelled' },
    ]);

    const form = await as.call(room, 'GET', '/incidents/ics201-1/forms/ics201');
    expect(form.statusCode).toBe(200);
    for (const [label, text] of [
      ['Facilities', fullBriefing.facilities],
      ['Communications', fullBriefing.communications],
      ['Constraints', fullBriefing.constraints],
      ['Incident potential', fullBriefing.incidentPotential],
      ['Delegation of authority', fullBriefing.delegationOfAuthority],
      ['Hazards and safety', fullBriefing.hazards],
    ]) {
      expect(form.body).toContain(`<td>${label}</td><td>${text}</td>`);
    }
    expect(form.body).toContain(`<td>Command passes to ${person('u-next').name}</td><td>${effectiveAt}</td>`);

    // Accepted for now: the briefing stays on the record the successor commands under, and the form prints it.
    await incidentWithCommander('ics201-2');
    await ok(responder('u-chief'), '/incidents/ics201-2/command', { type: 'OfferTransfer', data: { offerId: 'o1', to: person('u-next'), briefing: fullBriefing } });
    await ok(responder('u-next'), '/incidents/ics201-2/command', { type: 'AcceptTransfer', data: { offerId: 'o1' } });
    const after = (await as.call(room, 'GET', '/incidents/ics201-2/forms/ics201')).body;
    expect(after).toContain(`last transfer of command: to ${person('u-next').name}`);
    expect(after).toContain(`<td>Delegation of authority</td><td>${fullBriefing.delegationOfAuthority}</td>`);
    expect(after).not.toContain('Timed transfer of command');
  });

  it('bad input is a 400 naming the field, nothing stored: an expiry already past, an empty briefing block, a malformed effective time', async () => {
    await incidentWithCommander('ics201-bad');
    const base = '/incidents/ics201-bad/command';
    const cases: [Record<string, unknown>, string][] = [
      [{ offerId: 'o1', to: person('u-next'), expiresAt: new Date(Date.now() - 60_000).toISOString() }, 'data.expiresAt'],
      [{ offerId: 'o1', to: person('u-next'), briefing: { ...fullBriefing, constraints: '  ' } }, 'data.briefing.constraints'],
      [{ offerId: 'o1', to: person('u-next'), effectiveAt: 'tomorrow at noon' }, 'data.effectiveAt'],
    ];
    for (const [data, path] of cases) {
      const response = await send(responder('u-chief'), base, { type: 'OfferTransfer', data });
      expect(response.statusCode, path).toBe(400);
      expect(JSON.stringify(response.json()), path).toContain(path);
    }
    const view = (await app.inject({ method: 'GET', url: base, headers: await headers(room) })).json<Record<string, unknown>>();
    expect(view).toMatchObject({ state: 'commanded', offers: [] });
    expect(await t.db.selectFrom('deadline').select('key').where('incident_id', '=', 'ics201-bad').execute()).toStrictEqual([]);
  });
});

describe('scene reports', () => {
  it('a deputy may report; a responder not in command gets 403; a report to a closed incident gets 409', async () => {
    await incidentWithCommander('scene-1');
    const base = '/incidents/scene-1/command';
    // Seen on scene a moment ago, after command was set up (no report may claim a time before its
    // stream's first record), written in Beijing time: stored as sent.
    await new Promise((r) => setTimeout(r, 5));
    const seenAt = new Date(Date.now() + 8 * 3_600_000).toISOString().replace(/Z$/, '+08:00');
    await new Promise((r) => setTimeout(r, 5));
    await ok(responder('u-deputy'), base, {
      type: 'PostSceneReport',
      occurredAt: seenAt,
      data: { reportId: 'r1', dead: 1, injured: 4, missing: 2, trapped: 2, evacuated: 130, sheltered: 90, needs: 'excavator' },
    });
    const view = (await app.inject({ method: 'GET', url: base, headers: await headers(room) })).json<{ latestReport: Record<string, unknown> }>();
    expect(view.latestReport).toMatchObject({ dead: 1, injured: 4, missing: 2, evacuated: 130, reportedBy: 'u-deputy', occurredAt: seenAt });
    expect(Date.parse(String(view.latestReport['recordedAt']))).toBeGreaterThan(Date.parse(seenAt));

    const outsider = await send(responder('u-bystander'), base, { type: 'PostSceneReport', data: { reportId: 'r2', dead: 9 } });
    expect(outsider.statusCode).toBe(403);
    expect(outsider.json()).toMatchObject({ error: { code: 'forbidden' } });

    // Walk the incident to closed, then try again.
    const lifecycle: [string, Record<string, unknown>][] = [['BeginVerification', {}], ['ConfirmIncident', { severity: 'IV' }], ...closingSteps('IV')];
    for (const [type, data] of lifecycle) await ok(room, '/incidents/scene-1/commands', { type, data });
    const before = await t.db.selectFrom('event').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    const late = await send(responder('u-deputy'), base, { type: 'PostSceneReport', data: { reportId: 'r3', dead: 1 } });
    expect(late.statusCode).toBe(409);
    expect(late.json()).toMatchObject({ error: { code: 'illegal_transition', details: { state: 'closed' } } });
    const after = await t.db.selectFrom('event').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    expect(after.n).toBe(before.n);
  });

  it('appointment only by the lead jurisdiction: the city room and a responder are refused', async () => {
    await ok(room, '/incidents', { incidentId: 'appoint-1', data: { title: 'Fire at Huaiji market', leadJurisdiction: LEAD } });
    const byCity = await send(cityRoom, '/incidents/appoint-1/command', { type: 'AppointCommander', data: { commander: person('u-x') } });
    expect(byCity.statusCode).toBe(403);
    const byResponder = await send(responder('u-x'), '/incidents/appoint-1/command', { type: 'AppointCommander', data: { commander: person('u-x') } });
    expect(byResponder.statusCode).toBe(403);
    await ok(responder('u-first'), '/incidents/appoint-1/command', { type: 'AssumeProvisionalCommand', data: { commander: person('u-first') } });
    await ok(room, '/incidents/appoint-1/command', { type: 'AppointCommander', data: { commander: person('u-chief') } });
    const view = (await app.inject({ method: 'GET', url: '/incidents/appoint-1/command', headers: await headers(room) })).json<Record<string, unknown>>();
    expect(view).toMatchObject({ state: 'commanded', commander: { userId: 'u-chief' }, appointedBy: 'do-huaiji' });
  });
});

describe('resource requests and dispatch', () => {
  async function approvedRequest(incidentId: string, requestId: string, items: { kind: string; quantity: number }[]) {
    await ok(responder('u-chief'), `/incidents/${incidentId}/resource-requests`, {
      requestId,
      data: { items: items.map((i) => ({ ...i, priority: 'urgent', deliverTo: 'Shakeng school yard' })) },
    });
    await ok(cityRoom, `/resource-requests/${requestId}/commands`, { type: 'ApproveResourceRequest', data: {} });
  }

  it('50 concurrent dispatches of one unit each against a stock of 10: exactly 10 succeed, stock never below zero', async () => {
    await incidentWithCommander('stock-1');
    await ok(room, '/depots', { depotId: 'depot-huaiji', name: '怀集县应急物资储备库', jurisdiction: LEAD });
    await app.inject({ method: 'PUT', url: '/depots/depot-huaiji/stock', headers: await headers(room), payload: { items: [{ kind: 'pump', quantity: 10, returnable: true }] } });
    for (let i = 0; i < 50; i++) await approvedRequest('stock-1', `rr-stock-${i}`, [{ kind: 'pump', quantity: 1 }]);
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        send(room, `/resource-requests/rr-stock-${i}/commands`, { type: 'DispatchResources', data: { depotId: 'depot-huaiji', orderNumber: `ORD-${i}` } }),
      ),
    );
    const statuses = results.map((r) => r.statusCode);
    expect(statuses.filter((s) => s === 200), results.map((r) => r.body).slice(0, 3).join('\n')).toHaveLength(10);
    expect(statuses.filter((s) => s === 409)).toHaveLength(40);
    for (const r of results.filter((r) => r.statusCode === 409)) {
      expect(r.json()).toMatchObject({ error: { code: 'conflict', details: { depotId: 'depot-huaiji', kind: 'pump', requested: 1 } } });
    }
    const depot = (await app.inject({ method: 'GET', url: '/depots/depot-huaiji', headers: await headers(room) })).json<{ stock: { kind: string; quantity: number }[] }>();
    expect(depot.stock).toEqual([{ kind: 'pump', quantity: 0, returnable: true }]);
    const dispatched = await t.db.selectFrom('resource_request').select('request_id').where('state', '=', 'dispatched').execute();
    expect(dispatched).toHaveLength(10);
  });

  it('walks a request to release; returnables come back, consumables do not; teams are assigned and freed', async () => {
    await incidentWithCommander('stock-2');
    await ok(room, '/depots', { depotId: 'depot-2', name: 'Sihui depot', jurisdiction: LEAD });
    await app.inject({
      method: 'PUT',
      url: '/depots/depot-2/stock',
      headers: await headers(room),
      payload: { items: [{ kind: 'generator', quantity: 4, returnable: true }, { kind: 'water-crate', quantity: 100 }] },
    });
    await ok(room, '/teams', { teamId: 'team-rescue-1', name: '怀集县综合应急救援队', jurisdiction: LEAD });
    await approvedRequest('stock-2', 'rr-2', [{ kind: 'generator', quantity: 2 }, { kind: 'water-crate', quantity: 30 }]);
    await ok(room, '/resource-requests/rr-2/commands', { type: 'DispatchResources', data: { depotId: 'depot-2', orderNumber: 'HJ-2026-0001', teams: ['team-rescue-1'] } });
    let teams = (await app.inject({ method: 'GET', url: '/teams', headers: await headers(room) })).json<{ items: { teamId: string; status: string; incidentId: string | null }[] }>();
    expect(teams.items).toEqual([expect.objectContaining({ teamId: 'team-rescue-1', status: 'assigned', incidentId: 'stock-2' })]);
    // An assigned team cannot also go to another request.
    await approvedRequest('stock-2', 'rr-3', [{ kind: 'water-crate', quantity: 1 }]);
    const twice = await send(room, '/resource-requests/rr-3/commands', { type: 'DispatchResources', data: { depotId: 'depot-2', orderNumber: 'HJ-2', teams: ['team-rescue-1'] } });
    expect(twice.statusCode).toBe(409);
    await ok(responder('u-chief'), '/resource-requests/rr-2/commands', { type: 'MarkEnRoute', data: { eta: '2026-07-01T16:00:00+08:00' } });
    await ok(responder('u-chief'), '/resource-requests/rr-2/commands', { type: 'ConfirmArrival', data: {} });
    const overReturn = await send(responder('u-chief'), '/resource-requests/rr-2/commands', { type: 'ReleaseResources', data: { returned: [{ kind: 'generator', quantity: 3 }] } });
    expect(overReturn.statusCode).toBe(409);
    const consumable = await send(responder('u-chief'), '/resource-requests/rr-2/commands', { type: 'ReleaseResources', data: { returned: [{ kind: 'water-crate', quantity: 5 }] } });
    expect(consumable.statusCode).toBe(400);
    await ok(responder('u-chief'), '/resource-requests/rr-2/commands', { type: 'ReleaseResources', data: { returned: [{ kind: 'generator', quantity: 2 }] } });
    const depot = (await app.inject({ method: 'GET', url: '/depots/depot-2', headers: await headers(room) })).json<{ stock: { kind: string; quantity: number }[] }>();
    expect(depot.stock.map((s) => [s.kind, s.quantity])).toEqual([['generator', 4], ['water-crate', 70]]);
    teams = (await app.inject({ method: 'GET', url: '/teams', headers: await headers(room) })).json();
    expect(teams.items[0]).toMatchObject({ status: 'available', incidentId: null });
    const request = (await app.inject({ method: 'GET', url: '/resource-requests/rr-2', headers: await headers(room) })).json<Record<string, unknown>>();
    expect(request).toMatchObject({ state: 'released', dispatch: { orderNumber: 'HJ-2026-0001', depotId: 'depot-2' } });
  });

  it('only the commander or a deputy requests; only the command room approves and dispatches', async () => {
    await incidentWithCommander('perm-1');
    const bystander = await send(responder('u-bystander'), '/incidents/perm-1/resource-requests', {
      data: { items: [{ kind: 'pump', quantity: 1, priority: 'low', deliverTo: 'x' }] },
    });
    expect(bystander.statusCode).toBe(403);
    await ok(responder('u-deputy'), '/incidents/perm-1/resource-requests', {
      requestId: 'rr-perm',
      data: { items: [{ kind: 'pump', quantity: 1, priority: 'low', deliverTo: 'x' }] },
    });
    const selfApprove = await send(responder('u-chief'), '/resource-requests/rr-perm/commands', { type: 'ApproveResourceRequest', data: {} });
    expect(selfApprove.statusCode).toBe(403);
    const otherCounty = await send({ userId: 'do-fk', roles: ['duty_officer'], jurisdiction: '441225' }, '/resource-requests/rr-perm/commands', {
      type: 'ApproveResourceRequest',
      data: {},
    });
    // Another county does not see the incident: to it, the request does not exist (issue 14).
    expect(otherCounty.statusCode).toBe(404);
    expect(otherCounty.json()).toStrictEqual({ error: { code: 'not_found', message: 'resourceRequest rr-perm does not exist', details: { what: 'resourceRequest', id: 'rr-perm' } } });
    await ok(room, '/resource-requests/rr-perm/commands', { type: 'ApproveResourceRequest', data: {} });
  });
});
