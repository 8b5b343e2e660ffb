import { catalogRoutes, ROUTE_CATALOG, type RouteId } from '@muster/contracts';
import type { Actor, Role } from '@muster/domain';
import { TEST_JURISDICTIONS, TEST_JWT_SECRET, type TestDatabase } from '@muster/testkit';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { Validator } from '@seriousme/openapi-schema-validator';
import { verifierFor } from '../server';
import { openApiPath } from '../openapi';
import { actorRequests, apiTest } from '../test-fixtures';

/**
 * Issue 14: every route of the catalog, walked with an actor of every other room, an admin of
 * another county and a token for a jurisdiction outside the tree. A refusal reveals nothing: the
 * answer is the same, byte for byte, whether the target exists or not, and nothing is stored.
 */

const CITY = '441200';
const DINGHU = '441203';
const HUAIJI = '441224';
/** Every room but Dinghu (the owner of the targets) and the rooms above it, which may see them. */
const OTHER_ROOMS = ['441202', '441204', '441223', '441224', '441225', '441226', '441284', '441291'];

let t: TestDatabase;
let app: FastifyInstance;
const served: { method: string; path: string }[] = [];

const person = (jurisdiction: string, roles: Role[], userId = `u-${roles[0] ?? 'none'}-${jurisdiction}`): Actor => ({ userId, roles, jurisdiction });
const dinghuDuty = person(DINGHU, ['duty_officer']);
const dinghuCommander = person(DINGHU, ['responder'], 'u-cmdr-dh');
const cityDuty = person(CITY, ['duty_officer']);

const { call, ok } = actorRequests(() => app);

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

/** Everything a refused request could have changed, as one comparable value. */
async function digest(): Promise<string> {
  const q = async (query: string) => JSON.stringify((await sql.raw(query).execute(t.db)).rows);
  return [
    await q('select count(*) as n, max(seq)::text as last from event'),
    await q('select depot_id, kind, quantity from depot_stock order by 1, 2'),
    await q('select team_id, status, incident_id from rescue_team order by 1'),
    await q('select depot_id, jurisdiction from depot order by 1'),
    await q('select entry_id, status from watch_entry order by 1'),
    await q('select count(*) as n from duty_shift'),
    await q('select count(*) as n from command'),
    await q('select count(*) as n from interview'),
  ].join('\n');
}

apiTest.override('apiOptions', { scope: 'file' }, ({ consoleDir }) => ({
  // As the api is started: tokens for a jurisdiction outside the tree are refused.
  verifier: verifierFor({ secret: TEST_JWT_SECRET }, TEST_JURISDICTIONS),
  console: { dir: consoleDir, gatewayPort: 8081 },
  onRoute: (route) => {
    // Fastify answers HEAD for every GET route by itself.
    for (const method of [route.method].flat()) if (method !== 'HEAD') served.push({ method, path: route.url });
  },
}));
apiTest.beforeAll(async ({ database, api }) => {
  t = database;
  app = api;

  // Dinghu's world: an incident with a commander, a request, a depot with pumps, a team, a watch entry.
  await ok(dinghuDuty, 'POST', '/incidents', { incidentId: 'inc-dh', data: { title: 'Embankment breach at Shakeng', leadJurisdiction: DINGHU, severity: 'IV' }, occurredAt: minutesAgo(30) });
  await ok(dinghuDuty, 'POST', '/incidents/inc-dh/command', { type: 'AppointCommander', data: { commander: { userId: dinghuCommander.userId, name: 'Li Na' } } });
  await ok(dinghuCommander, 'POST', '/incidents/inc-dh/resource-requests', { requestId: 'rr-dh', data: { items: [{ kind: 'pump', quantity: 2, priority: 'urgent', deliverTo: 'Shakeng' }] } });
  await ok(dinghuDuty, 'POST', '/depots', { depotId: 'depot-dh', name: 'Dinghu depot', jurisdiction: DINGHU });
  await ok(dinghuDuty, 'PUT', '/depots/depot-dh/stock', { items: [{ kind: 'pump', quantity: 40 }] });
  await ok(dinghuDuty, 'POST', '/teams', { teamId: 'team-dh', name: 'Dinghu flood team', jurisdiction: DINGHU });
  // A level III incident of Dinghu's that the city supervises (督办).
  await ok(dinghuDuty, 'POST', '/incidents', { incidentId: 'inc-dh-iii', data: { title: 'Landslide at Fenghuang', leadJurisdiction: DINGHU, severity: 'III' }, occurredAt: minutesAgo(30) });
  await ok(cityDuty, 'POST', '/incidents/inc-dh-iii/supervision', { supervisionId: 'sv-dh', data: { task: 'Evacuate the valley', owner: { jurisdiction: DINGHU }, deadline: new Date(Date.now() + 3_600_000).toISOString() } });
  // A warning (预警) of Dinghu's, drafted.
  await ok(dinghuDuty, 'POST', '/warnings', {
    warningId: 'wa-dh',
    data: {
      level: 'yellow',
      sender: { name: 'Dinghu warning centre', agencyCode: '416' },
      content: { category: 'Met', zh: { event: '暴雨', headline: 'Rainstorm', description: 'Heavy rain', instruction: 'Stay inside' }, expires: new Date(Date.now() + 3_600_000).toISOString(), channels: ['SMS'], area: { description: 'Dinghu', jurisdictions: [DINGHU] } },
    },
  });
  // A contact of Dinghu's registry (通讯录, issue 21); its id is the registry's.
  const contact = await ok<{ contactId: string }>(dinghuDuty, 'POST', '/contacts', { jurisdiction: DINGHU, area: '441203100', areaName: 'Shakeng', name: 'Shakeng township head', role: 'township_head', phone: '13800000001', channels: ['sms'] });
  TARGET_IDS['contactId'] = { real: contact.contactId, missing: 'ct-no' };
  await ok(dinghuDuty, 'POST', '/watch-log', {
    entryId: 'w-dh',
    jurisdiction: DINGHU,
    channel: 'phone',
    receivedAt: minutesAgo(20),
    place: 'Shakeng village',
    course: 'embankment seeping',
    caller: { unit: 'village committee', name: 'Chen Ming', phone: '13800000000' },
    recorderName: 'Li Hua',
  });
});


describe('the route catalog', () => {
  it('is exactly what the api serves: every catalog route served, every served route in the catalog', () => {
    const key = (r: { method: string; path: string }) => `${r.method} ${r.path}`;
    const catalog = new Set(catalogRoutes().map(key));
    const actual = new Set(served.map(key));
    expect([...actual].filter((r) => !catalog.has(r))).toStrictEqual([]);
    expect([...catalog].filter((r) => !actual.has(r))).toStrictEqual([]);
  });

  it('is what /openapi.json documents: every served route documented with an answer schema, every documented route served', async () => {
    const response = await app.inject({ method: 'GET', url: '/openapi.json' });
    expect(response.statusCode).toBe(200);
    const document = response.json<{ paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema?: unknown }> }> }>> }>();
    const documented = Object.entries(document.paths).flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`));
    const servedDocumented = served.map((r) => `${r.method} ${openApiPath(r.path)}`);
    expect(new Set(documented)).toStrictEqual(new Set(servedDocumented));
    for (const route of catalogRoutes()) {
      const operation = document.paths[openApiPath(route.path)]?.[route.method.toLowerCase()];
      const success = operation?.responses[String(route.status)];
      expect(success, `${route.method} ${route.path} documents its ${route.status}`).toBeDefined();
      if (route.status !== 302) {
        const schemas = Object.values(success?.content ?? {}).map((c) => c.schema);
        expect(schemas.length, `${route.method} ${route.path} has an answer schema`).toBeGreaterThan(0);
        for (const schema of schemas) expect(schema).toBeTruthy();
      }
      for (const status of route.errors) expect(operation?.responses[String(status)], `${route.method} ${route.path} documents ${status}`).toBeDefined();
    }
  });

  it('publishes a valid OpenAPI 3.1 document whose command bodies are typed per command', async () => {
    const document = (await app.inject({ method: 'GET', url: '/openapi.json' })).json<Record<string, unknown>>();
    const validator = new Validator();
    const result = await validator.validate(document);
    expect(result.errors ?? []).toStrictEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
    const schemas = (document['components'] as { schemas: Record<string, { properties?: Record<string, unknown> }> }).schemas;
    // One variant per command, its data typed (not an untyped object).
    expect(schemas['ClassifyIncidentCommand']?.properties?.['type']).toStrictEqual({ type: 'string', const: 'ClassifyIncident' });
    expect(JSON.stringify(schemas['ClassifyIncidentCommand']?.properties?.['data'])).toContain('severity');
    expect(JSON.stringify(schemas['DispatchResourcesCommand']?.properties?.['data'])).toContain('depotId');
  });
});

/** The id a route's path names, for the target Dinghu owns and for one that does not exist. */
const TARGET_IDS: Record<string, { real: string; missing: string }> = {
  incidentId: { real: 'inc-dh', missing: 'inc-no' },
  requestId: { real: 'rr-dh', missing: 'rr-no' },
  depotId: { real: 'depot-dh', missing: 'depot-no' },
  teamId: { real: 'team-dh', missing: 'team-no' },
  entryId: { real: 'w-dh', missing: 'w-no' },
  supervisionId: { real: 'sv-dh', missing: 'sv-no' },
  warningId: { real: 'wa-dh', missing: 'wa-no' },
};

/** A body each write route would accept from someone allowed: the refusal must come from access, not from validation. */
function validBody(id: RouteId, eventId: string): unknown {
  switch (id) {
    case 'incidentCommand':
      return { type: 'UpdateIncidentDetails', data: { title: 'taken over' } };
    case 'sceneCommand':
      return { type: 'AppointCommander', data: { commander: { userId: 'u-intruder', name: 'Intruder' } } };
    case 'submitResourceRequest':
      return { data: { items: [{ kind: 'pump', quantity: 1, priority: 'urgent', deliverTo: 'x' }] } };
    case 'resourceRequestCommand':
      return { type: 'ApproveResourceRequest' };
    case 'reportCommand':
      return { type: 'RecordPhoneReport', data: { recipient: 'city room', summary: 'breach' } };
    case 'correctEntry':
      return { data: { eventId, kind: 'strike', reason: 'not so' } };
    case 'setStock':
      return { items: [{ kind: 'pump', quantity: 0 }] };
    case 'setTeamStatus':
      return { status: 'out_of_service' };
    case 'triageWatchEntry':
      return { action: 'dismiss', reason: 'not real' };
    case 'openSupervision':
      return { data: { task: 'Report the evacuation', owner: { jurisdiction: DINGHU }, deadline: new Date(Date.now() + 3_600_000).toISOString() } };
    case 'supervisionCommand':
      return { type: 'ReportSupervisionProgress', data: { note: 'nothing yet' } };
    case 'warningCommand':
      return { type: 'ApproveWarning' };
    case 'updateContact':
      return { phone: '13800000002' };
    case 'deactivateContact':
      return {};
    default:
      return undefined;
  }
}

const QUERY: Partial<Record<RouteId, string>> = { stateAt: `?at=${encodeURIComponent(new Date().toISOString())}` };

function urlFor(path: string, ids: 'real' | 'missing'): { url: string; id: string } {
  let id = '';
  const url = path.replace(/:(\w+)/g, (_m, name: string) => {
    if (name === 'form') return 'ics209';
    const target = TARGET_IDS[name];
    if (!target) throw new Error(`no test id for :${name}`);
    id = target[ids];
    return id;
  });
  return { url, id };
}

/** Routes whose path names something of Dinghu's (read/keep targets, and commands to a named stream). */
const targeted = catalogRoutes().filter((r) => r.path.includes(':') && (r.access.kind === 'read' || r.access.kind === 'keep' || r.access.kind === 'command'));

describe('a refusal reveals nothing', () => {
  it('names every targeted route of the catalog (the walk below covers them all)', () => {
    expect(targeted.map((r) => r.id).sort()).toStrictEqual(
      (Object.keys(ROUTE_CATALOG) as RouteId[]).filter((id) => ROUTE_CATALOG[id].path.includes(':') && ROUTE_CATALOG[id].access.kind !== 'public').sort(),
    );
    expect(targeted.length).toBeGreaterThan(15);
  });

  const outsiders: [string, Actor][] = [
    ...OTHER_ROOMS.map((j): [string, Actor] => [`duty officer of ${j}`, person(j, ['duty_officer'])]),
    ...OTHER_ROOMS.map((j): [string, Actor] => [`leader of ${j}`, person(j, ['leader'])]),
    ['admin of another county (Huaiji)', person(HUAIJI, ['admin'])],
    ['admin of a jurisdiction outside the tree', person('999999', ['admin'])],
    ['responder of another county', person(HUAIJI, ['responder'])],
  ];

  it.each(outsiders)('%s: every targeted route answers the same for Dinghu’s target as for a missing one, and stores nothing', async (_who, actor) => {
    const event = await t.db.selectFrom('event').select('event_id').where('incident_id', '=', 'inc-dh').orderBy('seq').executeTakeFirstOrThrow();
    const before = await digest();
    for (const route of targeted) {
      const body = validBody(route.id, event.event_id);
      const real = urlFor(route.path, 'real');
      const missing = urlFor(route.path, 'missing');
      const query = QUERY[route.id] ?? '';
      const a = await call(actor, route.method, real.url + query, body);
      const b = await call(actor, route.method, missing.url + query, body);
      expect([401, 403, 404], `${route.method} ${real.url}: ${a.statusCode} ${a.body}`).toContain(a.statusCode);
      expect({ status: a.statusCode, body: a.body }, `${route.method} ${route.path}`).toStrictEqual({
        status: b.statusCode,
        body: b.body.replaceAll(missing.id, real.id),
      });
      expect(a.body).not.toMatch(/version|state|441203/);
    }
    expect(await digest()).toBe(before);
  });
});

describe('reference data belongs to its room (finding 1)', () => {
  const huaiji = person(HUAIJI, ['duty_officer']);

  it('Huaiji cannot zero the city’s pumps, nor read the city’s depot', async () => {
    await ok(cityDuty, 'POST', '/depots', { depotId: 'depot-city', name: 'City depot', jurisdiction: CITY });
    await ok(cityDuty, 'PUT', '/depots/depot-city/stock', { items: [{ kind: 'pump', quantity: 40 }] });
    const before = await digest();
    const zero = await call(huaiji, 'PUT', '/depots/depot-city/stock', { items: [{ kind: 'pump', quantity: 0 }] });
    expect(zero.statusCode).toBe(404);
    expect((await call(huaiji, 'GET', '/depots/depot-city')).statusCode).toBe(404);
    expect(await digest()).toBe(before);
    expect((await ok(cityDuty, 'GET', '/depots/depot-city'))['stock']).toStrictEqual([{ kind: 'pump', quantity: 40, returnable: false }]);
  });

  it('Huaiji cannot put a Dinghu team out of service', async () => {
    const before = await digest();
    expect((await call(huaiji, 'POST', '/teams/team-dh/status', { status: 'out_of_service' })).statusCode).toBe(404);
    expect(await digest()).toBe(before);
  });

  it('the city sees Dinghu’s stock and teams but neither counts its stock nor takes its teams out of service', async () => {
    expect((await ok(cityDuty, 'GET', '/depots/depot-dh'))['jurisdiction']).toBe(DINGHU);
    const before = await digest();
    const set = await call(cityDuty, 'PUT', '/depots/depot-dh/stock', { items: [{ kind: 'pump', quantity: 0 }] });
    expect(set.statusCode).toBe(403);
    expect(set.json()).toMatchObject({ error: { code: 'forbidden' } });
    expect((await call(cityDuty, 'POST', '/teams/team-dh/status', { status: 'out_of_service' })).statusCode).toBe(403);
    expect(await digest()).toBe(before);
    const teams = await ok(cityDuty, 'GET', `/teams?jurisdiction=${DINGHU}`);
    expect(teams['items']).toMatchObject([{ teamId: 'team-dh', status: 'available' }]);
  });

  it('Huaiji cannot register a depot or team for another room, nor for a jurisdiction outside the tree', async () => {
    const before = await digest();
    const stray = await call(huaiji, 'POST', '/depots', { depotId: 'depot-stray', name: 'Nowhere', jurisdiction: '999999' });
    expect(stray.statusCode).toBe(400);
    expect(stray.json()).toMatchObject({ error: { issues: [{ path: 'jurisdiction' }] } });
    expect((await call(huaiji, 'POST', '/depots', { depotId: 'depot-fake', name: 'Fake Dinghu depot', jurisdiction: DINGHU })).statusCode).toBe(403);
    expect((await call(cityDuty, 'POST', '/depots', { depotId: 'depot-fake', name: 'City for Dinghu', jurisdiction: DINGHU })).statusCode).toBe(403);
    expect((await call(huaiji, 'POST', '/teams', { teamId: 'team-fake', name: 'Fake', jurisdiction: DINGHU })).statusCode).toBe(403);
    expect(await digest()).toBe(before);
  });

  it('lists of depots and teams hold only what the caller’s room may read', async () => {
    await ok(huaiji, 'POST', '/depots', { depotId: 'depot-hj', name: 'Huaiji depot', jurisdiction: HUAIJI });
    const mine = await ok(huaiji, 'GET', '/depots');
    expect((mine['items'] as { depotId: string }[]).map((d) => d.depotId)).toStrictEqual(['depot-hj']);
    expect((await ok(huaiji, 'GET', '/teams'))['items']).toStrictEqual([]);
    expect((await call(huaiji, 'GET', `/depots?jurisdiction=${DINGHU}`)).statusCode).toBe(403);
    expect((await call(huaiji, 'GET', `/teams?jurisdiction=${DINGHU}`)).statusCode).toBe(403);
    const city = await ok(cityDuty, 'GET', '/depots');
    expect((city['items'] as { depotId: string }[]).map((d) => d.depotId)).toEqual(expect.arrayContaining(['depot-city', 'depot-dh', 'depot-hj']));
  });
});

describe('a dispatch draws only on the dispatching room’s own depots and teams (finding 2)', () => {
  const huaiji = person(HUAIJI, ['duty_officer']);
  const huaijiCommander = person(HUAIJI, ['responder'], 'u-cmdr-hj');

  async function approvedRequest(incidentId: string, requestId: string): Promise<void> {
    await ok(huaiji, 'POST', '/incidents', { incidentId, data: { title: 'Flash flood', leadJurisdiction: HUAIJI, severity: 'IV' } });
    await ok(huaiji, 'POST', `/incidents/${incidentId}/command`, { type: 'AppointCommander', data: { commander: { userId: huaijiCommander.userId, name: 'Zhao' } } });
    await ok(huaijiCommander, 'POST', `/incidents/${incidentId}/resource-requests`, { requestId, data: { items: [{ kind: 'pump', quantity: 30, priority: 'urgent', deliverTo: 'Huaiji' }] } });
    await ok(huaiji, 'POST', `/resource-requests/${requestId}/commands`, { type: 'ApproveResourceRequest' });
  }

  it('Huaiji cannot take the city’s pumps or a Dinghu team; its own depot and team go out', async () => {
    await approvedRequest('inc-hj-1', 'rr-hj-1');
    await ok(huaiji, 'PUT', '/depots/depot-hj/stock', { items: [{ kind: 'pump', quantity: 35 }] });
    await ok(huaiji, 'POST', '/teams', { teamId: 'team-hj', name: 'Huaiji team', jurisdiction: HUAIJI });
    const before = await digest();

    const fromCity = await call(huaiji, 'POST', '/resource-requests/rr-hj-1/commands', { type: 'DispatchResources', data: { depotId: 'depot-city', orderNumber: 'HJ-1' } });
    expect(fromCity.statusCode).toBe(403);
    const fromNowhere = await call(huaiji, 'POST', '/resource-requests/rr-hj-1/commands', { type: 'DispatchResources', data: { depotId: 'depot-nowhere', orderNumber: 'HJ-1' } });
    // The same refusal whether the depot is another room's or does not exist.
    expect(fromNowhere.body).toBe(fromCity.body.replaceAll('depot-city', 'depot-nowhere'));
    const withDinghuTeam = await call(huaiji, 'POST', '/resource-requests/rr-hj-1/commands', { type: 'DispatchResources', data: { depotId: 'depot-hj', orderNumber: 'HJ-1', teams: ['team-dh'] } });
    expect(withDinghuTeam.statusCode).toBe(403);
    expect(await digest()).toBe(before);
    expect((await ok(cityDuty, 'GET', '/depots/depot-city'))['stock']).toStrictEqual([{ kind: 'pump', quantity: 40, returnable: false }]);

    await ok(huaiji, 'POST', '/resource-requests/rr-hj-1/commands', { type: 'DispatchResources', data: { depotId: 'depot-hj', orderNumber: 'HJ-1', teams: ['team-hj'] } });
    expect((await ok(huaiji, 'GET', '/depots/depot-hj'))['stock']).toStrictEqual([{ kind: 'pump', quantity: 5, returnable: false }]);
  });

  it('drawing on another room is a request to that room: the city, above Huaiji, dispatches from its own depot', async () => {
    await approvedRequest('inc-hj-2', 'rr-hj-2');
    await ok(cityDuty, 'POST', '/resource-requests/rr-hj-2/commands', { type: 'DispatchResources', data: { depotId: 'depot-city', orderNumber: 'ZQ-1' } });
    expect((await ok(cityDuty, 'GET', '/depots/depot-city'))['stock']).toStrictEqual([{ kind: 'pump', quantity: 10, returnable: false }]);
  });
});
