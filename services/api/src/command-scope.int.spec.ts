import type { Actor } from '@muster/domain';
import { listDeadlines } from '@muster/store-postgres';
import { authHeader, type TestDatabase } from '@muster/testkit';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { actorRequests, apiTest, briefing, person } from './test-fixtures';

/**
 * Issue 14 as the attacks it reports, through HTTP against PostgreSQL: command ids of one room never
 * answer for another's (finding 4), nothing about an incident a room cannot see leaks through the
 * order of the checks (finding 9), and occurredAt is bounded (finding 5).
 */

const DINGHU = '441203';
const HUAIJI = '441224';
const dinghu: Actor = { userId: 'do-dinghu', roles: ['duty_officer'], jurisdiction: DINGHU };
const huaiji: Actor = { userId: 'do-huaiji', roles: ['duty_officer'], jurisdiction: HUAIJI };
const huaijiResponder: Actor = { userId: 'u-huaiji', roles: ['responder'], jurisdiction: HUAIJI };

let t: TestDatabase;
let app: FastifyInstance;
apiTest.beforeAll(({ database, api }) => {
  t = database;
  app = api;
});
const as = actorRequests(() => app);
const send = (actor: Actor, url: string, payload: Record<string, unknown>): Promise<LightMyRequestResponse> => as.call(actor, 'POST', url, payload);
const ok = (actor: Actor, url: string, payload: Record<string, unknown>) => as.ok(actor, 'POST', url, payload);

const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();

async function report(actor: Actor, incidentId: string, jurisdiction: string, extra: Record<string, unknown> = {}) {
  return ok(actor, '/incidents', { incidentId, data: { title: `Flooding ${incidentId}`, leadJurisdiction: jurisdiction, category: 'natural_disaster' }, ...extra });
}

async function eventsOf(commandId: string) {
  const { rows } = await sql<{ stream_id: string; event_id: string }>`
    select stream_id, event_id from event where meta->>'commandId' = ${commandId} order by stream_id`.execute(t.db);
  return rows;
}

describe('command ids are scoped to the sender and the stream (finding 4)', () => {
  it("Huaiji reusing Dinghu's command id gets its own command handled, not Dinghu's answer", async () => {
    await report(dinghu, 'dh-reuse', DINGHU);
    await report(huaiji, 'hj-reuse', HUAIJI);
    // Creations under one command id, and updates under another: each room gets its own.
    const dhCreated = await ok(dinghu, '/incidents', { commandId: 'shared-create', data: { title: 'Dinghu landslide', leadJurisdiction: DINGHU } });
    const hjCreated = await ok(huaiji, '/incidents', { commandId: 'shared-create', data: { title: 'Huaiji landslide', leadJurisdiction: HUAIJI } });
    expect(hjCreated['streamId']).not.toBe(dhCreated['streamId']);
    const dhUpdate = await ok(dinghu, '/incidents/dh-reuse/commands', { type: 'UpdateIncidentDetails', commandId: 'shared-update', data: { description: 'Dinghu' } });
    const hjUpdate = await ok(huaiji, '/incidents/hj-reuse/commands', { type: 'UpdateIncidentDetails', commandId: 'shared-update', data: { description: 'Huaiji' } });
    expect(hjUpdate).toMatchObject({ streamId: 'hj-reuse', version: 2 });
    expect(hjUpdate).not.toStrictEqual(dhUpdate);

    const created = await eventsOf('shared-create');
    expect(created.map((e) => e.stream_id).sort()).toStrictEqual([String(dhCreated['streamId']), String(hjCreated['streamId'])].sort());
    expect((await eventsOf('shared-update')).map((e) => e.stream_id)).toStrictEqual(['dh-reuse', 'hj-reuse']);
    const huaijiView = (await app.inject({ method: 'GET', url: '/incidents/hj-reuse', headers: await authHeader(huaiji) })).json<Record<string, unknown>>();
    expect(huaijiView['description']).toBe('Huaiji');

    // A retry by the same room still gets its first answer, byte for byte.
    const again = await send(huaiji, '/incidents/hj-reuse/commands', { type: 'UpdateIncidentDetails', commandId: 'shared-update', data: { description: 'Huaiji' } });
    expect(again.json()).toStrictEqual(hjUpdate);
    const creationRetried = await send(huaiji, '/incidents', { commandId: 'shared-create', data: { title: 'Huaiji landslide', leadJurisdiction: HUAIJI } });
    expect(creationRetried.json()).toStrictEqual(hjCreated);
    expect((await eventsOf('shared-create')).length).toBe(2);
  });

  it('the same command id with a different payload is a 409 conflict', async () => {
    await report(dinghu, 'dh-payload', DINGHU);
    const first = await ok(dinghu, '/incidents/dh-payload/commands', { type: 'UpdateIncidentDetails', commandId: 'upd-1', data: { title: 'First' } });
    const other = await send(dinghu, '/incidents/dh-payload/commands', { type: 'UpdateIncidentDetails', commandId: 'upd-1', data: { title: 'Second' } });
    expect(other.statusCode).toBe(409);
    expect(other.json()).toStrictEqual({
      error: { code: 'conflict', message: 'command id upd-1 was already used for a different command; send a new command id', details: { commandId: 'upd-1' } },
    });
    const otherCreation = await ok(dinghu, '/incidents', { commandId: 'create-1', data: { title: 'One', leadJurisdiction: DINGHU } });
    const conflicting = await send(dinghu, '/incidents', { commandId: 'create-1', data: { title: 'Another', leadJurisdiction: DINGHU } });
    expect(conflicting.statusCode).toBe(409);
    expect(conflicting.json()).toMatchObject({ error: { code: 'conflict' } });
    // Nothing of the second commands was stored; the first ones still answer.
    const view = (await app.inject({ method: 'GET', url: '/incidents/dh-payload', headers: await authHeader(dinghu) })).json<Record<string, unknown>>();
    expect(view).toMatchObject({ title: 'First', version: 2 });
    expect((await send(dinghu, '/incidents/dh-payload/commands', { type: 'UpdateIncidentDetails', commandId: 'upd-1', data: { title: 'First' } })).json()).toStrictEqual(first);
    expect((await eventsOf('create-1')).map((e) => e.stream_id)).toStrictEqual([String(otherCreation['streamId'])]);
  });
});

/**
 * Status and body of an answer about `id`, with `id` written as `TARGET`: the one difference allowed
 * between answers about two targets is the id the client itself sent.
 */
function normalised(response: LightMyRequestResponse, id: string): { status: number; body: string } {
  return { status: response.statusCode, body: response.body.split(id).join('TARGET') };
}

describe('authorization before anything about the target is revealed (finding 9)', () => {
  beforeAll(async () => {
    // Dinghu's incidents in several states: reported, dismissed, confirmed with command and a pending transfer.
    await report(dinghu, 'dh-reported', DINGHU);
    await report(dinghu, 'dh-dismissed', DINGHU);
    await ok(dinghu, '/incidents/dh-dismissed/commands', { type: 'DismissIncident', data: { reason: 'false alarm' } });
    await report(dinghu, 'dh-commanded', DINGHU);
    await ok(dinghu, '/incidents/dh-commanded/commands', { type: 'BeginVerification', data: {} });
    await ok(dinghu, '/incidents/dh-commanded/commands', { type: 'ConfirmIncident', data: { severity: 'IV' } });
    await ok(dinghu, '/incidents/dh-commanded/command', { type: 'AppointCommander', data: { commander: person('u-dh-chief'), deputies: [] } });
    await ok({ userId: 'u-dh-chief', roles: ['responder'], jurisdiction: DINGHU }, '/incidents/dh-commanded/command', {
      type: 'OfferTransfer',
      data: { offerId: 'o1', to: person(huaijiResponder.userId) },
    });
    await ok(dinghu, '/incidents/dh-commanded/command', { type: 'RecordTransferBriefing', data: { offerId: 'o1', briefing } });
    await ok({ userId: 'u-dh-chief', roles: ['responder'], jurisdiction: DINGHU }, '/incidents/dh-commanded/resource-requests', {
      requestId: 'rr-dh',
      data: { items: [{ kind: 'pump', quantity: 2, priority: 'urgent', deliverTo: 'Shakeng' }] },
    });
  });

  const EXISTING = ['dh-reported', 'dh-dismissed', 'dh-commanded'];

  /** Huaiji's answer for each existing Dinghu target is the answer for a target that does not exist. */
  async function expectNothingLearnt(by: Actor, request: (id: string) => { url: string; payload: Record<string, unknown> }, targets = EXISTING, missing = 'no-such-incident') {
    const probe = async (id: string) => {
      const { url, payload } = request(id);
      return normalised(await send(by, url, payload), id);
    };
    const nothing = await probe(missing);
    expect(nothing.status).toBe(404);
    for (const id of targets) expect(await probe(id), id).toStrictEqual(nothing);
    return nothing;
  }

  it('Huaiji learns nothing from expectedVersion: no version, existence or state', async () => {
    const before = await t.db.selectFrom('event').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
    for (const expectedVersion of [0, 1, 3, 99]) {
      await expectNothingLearnt(huaiji, (id) => ({ url: `/incidents/${id}/commands`, payload: { type: 'BeginVerification', expectedVersion, data: {} } }));
      await expectNothingLearnt(huaiji, (id) => ({ url: `/incidents/${id}/command`, payload: { type: 'EstablishCommandPost', expectedVersion, data: { location: { description: 'x' } } } }));
    }
    // Commands that the state would refuse (a dismissed incident, a confirmed one) say nothing of it either.
    await expectNothingLearnt(huaiji, (id) => ({ url: `/incidents/${id}/commands`, payload: { type: 'ConfirmIncident', data: {} } }));
    await expectNothingLearnt(huaiji, (id) => ({ url: `/incidents/${id}/commands`, payload: { type: 'CloseIncident', data: { summary: 'x' } } }));
    const after = await t.db.selectFrom('event').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
    expect(after.n).toBe(before.n);
  });

  it('Huaiji learns nothing from AcceptTransfer on a Dinghu incident, nor from its resource requests', async () => {
    // The offer o1 is made to this very Huaiji responder: still, the incident is not Huaiji's to see.
    const nothing = await expectNothingLearnt(huaijiResponder, (id) => ({ url: `/incidents/${id}/command`, payload: { type: 'AcceptTransfer', data: { offerId: 'o1' } } }));
    expect(JSON.parse(nothing.body)).toStrictEqual({ error: { code: 'not_found', message: 'incident TARGET does not exist', details: { what: 'incident', id: 'TARGET' } } });
    await expectNothingLearnt(huaiji, (id) => ({ url: `/resource-requests/${id}/commands`, payload: { type: 'ApproveResourceRequest', expectedVersion: 1, data: {} } }), ['rr-dh'], 'rr-none');
    await expectNothingLearnt(huaijiResponder, (id) => ({ url: `/incidents/${id}/resource-requests`, payload: { data: { items: [{ kind: 'pump', quantity: 1, priority: 'low', deliverTo: 'x' }] } } }));
    const command = await app.inject({ method: 'GET', url: '/incidents/dh-commanded/command', headers: await authHeader(dinghu) });
    expect(command.json()).toMatchObject({ commander: { userId: 'u-dh-chief' }, pendingTransfer: null });
  });

  it('Huaiji learns nothing from ReportIncident with an existing id: one conflict, with no version or state', async () => {
    await report(huaiji, 'hj-own', HUAIJI);
    const payload = { data: { title: 'Mine now', leadJurisdiction: HUAIJI } };
    const theirs = normalised(await send(huaiji, '/incidents', { incidentId: 'dh-commanded', ...payload }), 'dh-commanded');
    const mine = normalised(await send(huaiji, '/incidents', { incidentId: 'hj-own', ...payload }), 'hj-own');
    expect(theirs).toStrictEqual(mine);
    expect(theirs.status).toBe(409);
    expect(JSON.parse(theirs.body)).toStrictEqual({ error: { code: 'conflict', message: 'incident id TARGET is already in use; choose another' } });
    for (const id of EXISTING) expect(normalised(await send(huaiji, '/incidents', { incidentId: id, ...payload }), id)).toStrictEqual(mine);
    // Nothing was written to Dinghu's incident.
    const view = (await app.inject({ method: 'GET', url: '/incidents/dh-commanded', headers: await authHeader(dinghu) })).json<Record<string, unknown>>();
    expect(view['title']).toBe('Flooding dh-commanded');
  });
});

describe('occurredAt is bounded (finding 5)', () => {
  async function confirmed(id: string) {
    await report(dinghu, id, DINGHU, { occurredAt: minutesAgo(10) });
    await ok(dinghu, `/incidents/${id}/commands`, { type: 'BeginVerification', data: {} });
  }
  const deadlines = async (id: string) => (await listDeadlines(t.db, { incidentId: id })).map((d) => [d.key, d.dueAt, d.outcome]);
  /** 接报 as the incident records it: every reporting deadline runs from here (issue 16). */
  const receivedAt = async (id: string) =>
    Date.parse(String((await as.call(dinghu, 'GET', `/incidents/${id}`)).json<Record<string, unknown>>()['receivedAt']));
  const after = (start: number, minutes: number) => new Date(start + minutes * 60_000).toISOString();

  it('confirming "in 2099" is refused naming occurredAt, and the report deadlines stay where they were', async () => {
    await confirmed('late-2099');
    const future = await send(dinghu, '/incidents/late-2099/commands', { type: 'ConfirmIncident', occurredAt: '2099-01-01T00:00:00+08:00', data: { severity: 'III' } });
    expect(future.statusCode).toBe(400);
    expect(future.json()).toMatchObject({ error: { code: 'validation', issues: [{ path: 'occurredAt' }] } });
    expect(await deadlines('late-2099')).toStrictEqual([]);
    // Confirmed at a normal time, then reclassified "in 2099": refused, deadlines unchanged.
    const at = minutesAgo(3);
    await ok(dinghu, '/incidents/late-2099/commands', { type: 'ConfirmIncident', occurredAt: at, data: { severity: 'III' } });
    const set = await deadlines('late-2099');
    const received = await receivedAt('late-2099');
    expect(set.map(([key, dueAt]) => [key, dueAt]).sort()).toStrictEqual([
      [`${DINGHU}/phone`, after(received, 30)],
      [`${DINGHU}/initial`, after(received, 60)],
      ['441200/phone', after(received, 30)],
      ['441200/initial', after(received, 180)],
    ].sort());
    const reclassified = await send(dinghu, '/incidents/late-2099/commands', { type: 'ClassifyIncident', occurredAt: '2099-06-01T00:00:00Z', data: { category: 'natural_disaster', severity: 'II' } });
    expect(reclassified.statusCode).toBe(400);
    expect(reclassified.json()).toMatchObject({ error: { issues: [{ path: 'occurredAt' }] } });
    expect(await deadlines('late-2099')).toStrictEqual(set);
    // A minute ahead is within the clock skew allowed; ten minutes ahead is not.
    expect((await send(dinghu, '/incidents/late-2099/commands', { type: 'UpdateIncidentDetails', occurredAt: minutesAgo(-1), data: { description: 'a' } })).statusCode).toBe(200);
    expect((await send(dinghu, '/incidents/late-2099/commands', { type: 'UpdateIncidentDetails', occurredAt: minutesAgo(-10), data: { description: 'b' } })).statusCode).toBe(400);
  });

  it('years 0000 and 9999 are refused with a 4xx naming occurredAt, never a 500', async () => {
    await confirmed('years-1');
    for (const occurredAt of ['0000-01-01T00:00:00Z', '9999-12-31T23:59:59Z', '9999-12-31T23:59:59+08:00']) {
      for (const request of [
        { url: '/incidents/years-1/commands', payload: { type: 'ConfirmIncident', occurredAt, data: { severity: 'III' } } },
        { url: '/incidents', payload: { occurredAt, data: { title: 'x', leadJurisdiction: DINGHU } } },
        { url: '/incidents/years-1/command', payload: { type: 'AppointCommander', occurredAt, data: { commander: person('u-x'), deputies: [] } } },
      ]) {
        const response = await send(dinghu, request.url, request.payload);
        expect(response.statusCode, `${request.url} ${occurredAt}`).toBe(400);
        expect(JSON.stringify(response.json<{ error: { issues: { path: string }[] } }>().error.issues.map((i) => i.path)), `${request.url} ${occurredAt}`).toContain('occurredAt');
      }
    }
    expect(await deadlines('years-1')).toStrictEqual([]);
  });

  it("before the stream's first record is refused; a normal occurredAt a few minutes ago still works", async () => {
    await confirmed('early-1');
    // The incident says it happened ten minutes ago: nothing about it happened an hour ago.
    const early = await send(dinghu, '/incidents/early-1/commands', { type: 'ConfirmIncident', occurredAt: minutesAgo(60), data: { severity: 'IV' } });
    expect(early.statusCode).toBe(400);
    expect(early.json()).toMatchObject({ error: { code: 'validation', issues: [{ path: 'occurredAt' }] } });
    // A report of an incident older than the reporting window (30 days) is refused as well.
    const ancient = await send(dinghu, '/incidents', { occurredAt: minutesAgo(31 * 24 * 60), data: { title: 'old', leadJurisdiction: DINGHU } });
    expect(ancient.statusCode).toBe(400);
    expect(ancient.json()).toMatchObject({ error: { issues: [{ path: 'occurredAt' }] } });
    // A new command structure may not claim a time before its incident's record either.
    const appointedEarly = await send(dinghu, '/incidents/early-1/command', { type: 'AppointCommander', occurredAt: minutesAgo(11), data: { commander: person('u-c'), deputies: [] } });
    expect(appointedEarly.statusCode).toBe(400);

    const confirmedAt = minutesAgo(5);
    const result = await ok(dinghu, '/incidents/early-1/commands', { type: 'ConfirmIncident', occurredAt: confirmedAt, data: { severity: 'III' } });
    expect(result).toMatchObject({ state: 'confirmed' });
    await ok(dinghu, '/incidents/early-1/command', { type: 'AppointCommander', occurredAt: minutesAgo(4), data: { commander: person('u-c'), deputies: [] } });
    // The phone report is due 30 minutes after 接报, whenever the confirmation came.
    const phone = (await listDeadlines(t.db, { incidentId: 'early-1' })).find((d) => d.key === `${DINGHU}/phone`);
    expect(phone?.dueAt).toBe(after(await receivedAt('early-1'), 30));
    const reported = await ok(dinghu, '/incidents', { occurredAt: minutesAgo(29 * 24 * 60), data: { title: 'reported late', leadJurisdiction: DINGHU } });
    expect(reported).toMatchObject({ state: 'reported' });
  });
});
