import { incidentAggregate, replay } from '@muster/domain';
import { PostgresEventStore } from '@muster/store-postgres';
import { authHeader, type TestDatabase } from '@muster/testkit';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { describe, expect, it } from 'vitest';
import { apiTest } from './test-fixtures';

let t: TestDatabase;
let app: FastifyInstance;
let cityAuth: { authorization: string };
/** The duty officer of Dinghu (441203), the lead room of the incidents these tests drive (以县为主). */
let dinghuAuth: { authorization: string };

/** Requests as the city room's duty officer unless the test says otherwise. */
function inject(options: InjectOptions): Promise<LightMyRequestResponse> {
  return app.inject({ ...options, headers: { ...cityAuth, ...(options.headers as Record<string, string> | undefined) } });
}

apiTest.override('apiOptions', { scope: 'file' }, { bodyLimit: 1024 * 1024 });
apiTest.beforeAll(async ({ database, api }) => {
  t = database;
  app = api;
  cityAuth = await authHeader({ userId: 'do-city', roles: ['duty_officer'], jurisdiction: '441200' });
  dinghuAuth = await authHeader({ userId: 'do-dinghu', roles: ['duty_officer'], jurisdiction: '441203' });
});

async function eventCount(): Promise<number> {
  const row = await t.db.selectFrom('event').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

async function createIncident(body: Record<string, unknown> = {}) {
  const response = await inject({
    method: 'POST',
    url: '/incidents',
    payload: { data: { title: 'Flooding on the Xijiang', leadJurisdiction: '441203', category: 'natural_disaster' }, ...body },
  });
  expect(response.statusCode).toBe(201);
  return response.json<{ streamId: string; version: number; state: string }>();
}

/** An incident command, sent by the lead room (Dinghu's) unless the test says which room sends it. */
function command(incidentId: string, payload: Record<string, unknown>, headers: { authorization: string } = dinghuAuth) {
  return inject({ method: 'POST', url: `/incidents/${incidentId}/commands`, payload, headers });
}

describe('incident api', () => {
  it('creates an incident, drives it through its lifecycle and reads it back', async () => {
    // Happened six days ago (a report may reach 30 days back), written in Beijing time: stored as sent.
    const occurredAt = new Date(Date.now() - 6 * 86_400_000 + 8 * 3_600_000).toISOString().replace(/\.\d{3}Z$/, '+08:00');
    const created = await createIncident({ incidentId: 'lifecycle-1', occurredAt });
    expect(created).toMatchObject({ streamId: 'lifecycle-1', version: 1, state: 'reported' });
    // The county runs its incident; a level III response is the city's to activate.
    const steps: [string, Record<string, unknown>, string, { authorization: string }][] = [
      ['BeginVerification', {}, 'verifying', dinghuAuth],
      ['ConfirmIncident', { severity: 'III' }, 'confirmed', dinghuAuth],
      ['BeginInitialHandling', { measures: 'evacuate the riverside villages' }, 'initialHandling', dinghuAuth],
      ['ActivateResponse', { level: 'III', measures: 'city plan activated' }, 'responseActive', cityAuth],
    ];
    for (const [type, data, state, by] of steps) {
      const response = await command('lifecycle-1', { type, data }, by);
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json()).toMatchObject({ state });
    }
    const read = await inject({ method: 'GET', url: '/incidents/lifecycle-1' });
    expect(read.json()).toMatchObject({
      incidentId: 'lifecycle-1',
      // Confirming at level III links the city room (a derived RoomLinked event): six events.
      version: 6,
      linkedJurisdictions: ['441200'],
      state: 'responseActive',
      severity: 'III',
      responseLevel: 'III',
      leadJurisdiction: '441203',
      occurredAt,
    });

    // The stored events, replayed through the machine, reproduce the stored snapshot exactly.
    const store = new PostgresEventStore(t.db);
    const stream = await store.loadStream('lifecycle-1');
    const events = await store.readStream('lifecycle-1');
    expect(events.map((e) => [e.version, e.type])).toEqual([
      [1, 'IncidentReported'],
      [2, 'VerificationStarted'],
      [3, 'IncidentConfirmed'],
      [4, 'RoomLinked'],
      [5, 'InitialHandlingStarted'],
      [6, 'ResponseActivated'],
    ]);
    expect(replay(incidentAggregate, events)).toStrictEqual(stream?.state);
  });

  it('rejects an illegal command with 409 naming the state and the commands allowed there', async () => {
    await createIncident({ incidentId: 'illegal-1' });
    const before = await eventCount();
    const response = await command('illegal-1', { type: 'DeclareControlled', data: {} });
    expect(response.statusCode).toBe(409);
    expect(response.json()).toMatchObject({
      error: {
        code: 'illegal_transition',
        details: { state: 'reported', command: 'DeclareControlled', allowed: expect.arrayContaining(['BeginVerification', 'DismissIncident']) },
      },
    });
    expect(await eventCount()).toBe(before);
  });

  it('lets exactly one of 20 concurrent writers with the same expectedVersion commit; the others get 409', async () => {
    await createIncident({ incidentId: 'race-1' });
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        command('race-1', { type: 'UpdateIncidentDetails', expectedVersion: 1, data: { description: `writer ${i}` } }),
      ),
    );
    const statuses = responses.map((r) => r.statusCode);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(19);
    for (const r of responses.filter((r) => r.statusCode === 409)) expect(r.json()).toMatchObject({ error: { code: 'conflict' } });
    const versions = await t.db.selectFrom('event').select('version').where('stream_id', '=', 'race-1').orderBy('version').execute();
    expect(versions.map((v) => v.version)).toEqual([1, 2]);
  });

  it('retries writers without expectedVersion so that none is lost, versions gap-free', async () => {
    await createIncident({ incidentId: 'race-2' });
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) => command('race-2', { type: 'UpdateIncidentDetails', data: { description: `writer ${i}` } })),
    );
    expect(responses.map((r) => r.statusCode)).toEqual(Array(20).fill(200));
    const versions = await t.db.selectFrom('event').select('version').where('stream_id', '=', 'race-2').orderBy('version').execute();
    expect(versions.map((v) => v.version)).toEqual(Array.from({ length: 21 }, (_, i) => i + 1));
  });

  it('answers the same commandId twice with one event and the same response', async () => {
    await createIncident({ incidentId: 'idem-1' });
    const payload = { type: 'BeginVerification', commandId: 'cmd-idem-1', data: { note: 'calling the village head' } };
    const first = await command('idem-1', payload);
    const second = await command('idem-1', payload);
    expect(first.statusCode).toBe(200);
    expect(second.statusCode).toBe(200);
    expect(second.json()).toEqual(first.json());
    const concurrent = await Promise.all(
      [1, 2, 3].map(() => command('idem-1', { type: 'UpdateIncidentDetails', commandId: 'cmd-idem-2', data: { description: 'bridge closed' } })),
    );
    expect(concurrent.map((r) => r.statusCode)).toEqual([200, 200, 200]);
    expect(new Set(concurrent.map((r) => JSON.stringify(r.json()))).size).toBe(1);
    const events = await t.db.selectFrom('event').select('type').where('stream_id', '=', 'idem-1').execute();
    expect(events.map((e) => e.type)).toEqual(['IncidentReported', 'VerificationStarted', 'IncidentDetailsUpdated']);
  });

  it('creates only one incident when its creation is retried with the same commandId', async () => {
    const body = { commandId: 'create-once', data: { title: 'Gas leak', leadJurisdiction: '441202' } };
    const first = await inject({ method: 'POST', url: '/incidents', payload: body });
    const second = await inject({ method: 'POST', url: '/incidents', payload: body });
    expect(second.json()).toEqual(first.json());
    const rows = await t.db.selectFrom('incident').select('incident_id').where('lead_jurisdiction', '=', '441202').execute();
    expect(rows).toHaveLength(1);
  });

  describe('bad input gets the right 4xx with a clear message and stores nothing', () => {
    it.each([
      {
        name: 'malformed JSON',
        request: { method: 'POST' as const, url: '/incidents', payload: '{"data": {"title": ', headers: { 'content-type': 'application/json' } },
        status: 400,
        code: 'malformed',
        path: '',
      },
      {
        name: 'unknown command type',
        request: { method: 'POST' as const, url: '/incidents/bad-1/commands', payload: { type: 'LaunchRockets', data: {} } },
        status: 400,
        code: 'validation',
        path: 'type',
      },
      {
        name: 'wrong field type in a command',
        request: { method: 'POST' as const, url: '/incidents/bad-1/commands', payload: { type: 'ConfirmIncident', data: { severity: 3 } } },
        status: 400,
        code: 'validation',
        path: 'data.severity',
      },
      {
        name: 'wrong field type on creation',
        request: { method: 'POST' as const, url: '/incidents', payload: { data: { title: 'x', leadJurisdiction: 441203 } } },
        status: 400,
        code: 'validation',
        path: 'data.leadJurisdiction',
      },
      {
        name: 'unknown field',
        request: { method: 'POST' as const, url: '/incidents/bad-1/commands', payload: { type: 'BeginVerification', data: { colour: 'red' } } },
        status: 400,
        code: 'validation',
        path: 'data',
      },
      {
        name: 'negative expectedVersion',
        request: { method: 'POST' as const, url: '/incidents/bad-1/commands', payload: { type: 'BeginVerification', expectedVersion: -1 } },
        status: 400,
        code: 'validation',
        path: 'expectedVersion',
      },
      {
        name: 'a 2 MB body',
        request: {
          method: 'POST' as const,
          url: '/incidents',
          payload: { data: { title: 'big', leadJurisdiction: '441203', description: 'x'.repeat(2 * 1024 * 1024) } },
        },
        status: 413,
        code: 'payload_too_large',
        path: undefined,
      },
      {
        name: 'a non-existent incident',
        request: { method: 'POST' as const, url: '/incidents/no-such-incident/commands', payload: { type: 'BeginVerification', data: {} } },
        status: 404,
        code: 'not_found',
        path: undefined,
      },
      {
        name: 'reading a non-existent incident',
        request: { method: 'GET' as const, url: '/incidents/no-such-incident' },
        status: 404,
        code: 'not_found',
        path: undefined,
      },
      {
        name: 'a bad list filter',
        request: { method: 'GET' as const, url: '/incidents?severity=V' },
        status: 400,
        code: 'validation',
        path: 'query.severity',
      },
    ])('$name → $status', async ({ request, status, code, path }) => {
      await inject({ method: 'POST', url: '/incidents', payload: { incidentId: 'bad-1', data: { title: 'target', leadJurisdiction: '441203' } } });
      const before = await eventCount();
      const response = await inject(request);
      expect(response.statusCode, response.body).toBe(status);
      const body = response.json<{ error: { code: string; message: string; issues?: { path: string }[] } }>();
      expect(body.error.code).toBe(code);
      expect(body.error.message.length).toBeGreaterThan(5);
      if (path !== undefined) expect(body.error.issues?.map((i) => i.path)).toContain(path);
      expect(await eventCount()).toBe(before);
    });
  });

  it('lists incidents filtered by state, severity and jurisdiction, with paging', async () => {
    await createIncident({ incidentId: 'list-a', data: { title: 'A', leadJurisdiction: '441226', severity: 'II' } });
    await createIncident({ incidentId: 'list-b', data: { title: 'B', leadJurisdiction: '441226', severity: 'IV' } });
    await createIncident({ incidentId: 'list-c', data: { title: 'C', leadJurisdiction: '441225', severity: 'II' } });
    await command('list-b', { type: 'BeginVerification', data: {} }, await authHeader({ userId: 'do-deqing', roles: ['duty_officer'], jurisdiction: '441226' }));
    const get = async (query: string) => (await inject({ method: 'GET', url: `/incidents?${query}` })).json<{ items: { incidentId: string }[]; next: string | null }>();
    expect((await get('jurisdiction=441226')).items.map((i) => i.incidentId).sort()).toEqual(['list-a', 'list-b']);
    expect((await get('jurisdiction=441226&severity=II')).items.map((i) => i.incidentId)).toEqual(['list-a']);
    expect((await get('jurisdiction=441226&state=verifying')).items.map((i) => i.incidentId)).toEqual(['list-b']);
    const first = await get('severity=II&limit=1');
    expect(first.items).toHaveLength(1);
    expect(first.next).not.toBeNull();
    const second = await get(`severity=II&limit=1&after=${first.next ?? ''}`);
    expect(second.items).toHaveLength(1);
    expect(second.items[0]?.incidentId).not.toBe(first.items[0]?.incidentId);
    const bad = await inject({ method: 'GET', url: '/incidents?after=garbage' });
    expect(bad.statusCode).toBe(400);
  });

  it('serves an OpenAPI document generated from the zod schemas', async () => {
    const response = await inject({ method: 'GET', url: '/openapi.json' });
    expect(response.statusCode).toBe(200);
    const doc = response.json<{ openapi: string; paths: Record<string, unknown>; components: { schemas: Record<string, { properties?: Record<string, unknown> }> } }>();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/incidents', '/incidents/{incidentId}', '/incidents/{incidentId}/commands']));
    expect(Object.keys(doc.components.schemas['CreateIncidentRequest']?.properties ?? {})).toEqual(
      expect.arrayContaining(['commandId', 'expectedVersion', 'data']),
    );
    // Each command is its own variant of the command body, its data typed by its schema.
    expect(doc.components.schemas['ConfirmIncidentCommand']?.properties?.['type']).toStrictEqual({ type: 'string', const: 'ConfirmIncident' });
  });
});
