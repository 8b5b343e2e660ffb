import type { Actor, Role } from '@muster/domain';
import { issueToken } from '@muster/identity';
import { authHeader, TEST_JWT_SECRET, type TestDatabase } from '@muster/testkit';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { describe, expect, it } from 'vitest';
import { apiTest } from './test-fixtures';

const CITY = '441200';
const COUNTIES = ['441202', '441203', '441204', '441223', '441224', '441225', '441226', '441284', '441291'] as const;
const ALL = ['440000', CITY, ...COUNTIES];

let t: TestDatabase;
let app: FastifyInstance;

apiTest.beforeAll(({ database, api }) => {
  t = database;
  app = api;
});

const room = (jurisdiction: string): Actor => ({ userId: `do-${jurisdiction}`, roles: ['duty_officer'], jurisdiction });

async function post(actor: Actor, url: string, payload: Record<string, unknown>) {
  const response = await app.inject({ method: 'POST', url, headers: await authHeader(actor), payload });
  expect(response.statusCode, response.body).toBeLessThan(300);
}

/**
 * The oracle, written apart from the code under test: the province sees everything, the city sees
 * every incident of its counties, a county sees what it leads, follows or supports.
 */
function oracleSees(viewer: string, incident: { lead: string; linked: Set<string>; supporting: Set<string> }): boolean {
  if (viewer === '440000') return true;
  if (viewer === CITY) return true;
  return incident.lead === viewer || incident.linked.has(viewer) || incident.supporting.has(viewer);
}

interface Scenario {
  lead: (typeof COUNTIES)[number];
  severity: 'I' | 'II' | 'III' | 'IV';
  supporting: string[];
  links: string[];
  raise: boolean;
}

const scenario = fc.record({
  lead: fc.constantFrom(...COUNTIES),
  severity: fc.constantFrom('I' as const, 'II' as const, 'III' as const, 'IV' as const),
  supporting: fc.uniqueArray(fc.constantFrom(...COUNTIES), { maxLength: 2 }),
  links: fc.uniqueArray(fc.constantFrom(...COUNTIES), { maxLength: 2 }),
  raise: fc.boolean(),
});
const viewer = fc.record({
  jurisdiction: fc.constantFrom(...ALL),
  roles: fc.uniqueArray(fc.constantFrom<Role>('duty_officer', 'leader', 'responder', 'agency_liaison', 'reviewer'), { minLength: 1, maxLength: 2 }),
});

let counter = 0;

/** Builds an incident through the API the way rooms would, and what the oracle expects of it. */
async function build(s: Scenario) {
  counter += 1;
  const id = `vis-${counter}`;
  const lead = room(s.lead);
  await post(lead, '/incidents', { incidentId: id, data: { title: `incident ${id}`, leadJurisdiction: s.lead, severity: s.severity } });
  const model = { id, lead: s.lead as string, linked: new Set<string>(), supporting: new Set<string>() };
  if (s.severity !== 'IV') model.linked.add(CITY);
  for (const j of s.supporting) {
    if (j === s.lead) continue;
    await post(lead, `/incidents/${id}/commands`, { type: 'AddSupportingJurisdiction', data: { jurisdiction: j } });
    model.supporting.add(j);
  }
  for (const j of s.links) {
    if (j === s.lead || model.supporting.has(j)) continue;
    await post(lead, `/incidents/${id}/commands`, { type: 'LinkRoom', data: { jurisdiction: j } });
    model.linked.add(j);
  }
  if (s.raise) {
    await post(room(CITY), `/incidents/${id}/commands`, { type: 'RaiseLead', data: { reason: 'county asked the city to lead' } });
    model.supporting.add(model.lead);
    model.linked.delete(CITY);
    model.lead = CITY;
  }
  return model;
}

describe('visibility rule on every read (property-based)', () => {
  it('no read outside lead, levels above, linked and supporting jurisdictions', async () => {
    const built: Awaited<ReturnType<typeof build>>[] = [];
    await fc.assert(
      fc.asyncProperty(scenario, fc.array(viewer, { minLength: 1, maxLength: 4 }), async (s, viewers) => {
        built.push(await build(s));
        for (const v of viewers) {
          const actor: Actor = { userId: `u-${v.jurisdiction}`, roles: v.roles, jurisdiction: v.jurisdiction };
          const headers = await authHeader(actor);
          const listed = await app.inject({ method: 'GET', url: '/incidents?limit=500', headers });
          expect(listed.statusCode).toBe(200);
          const ids = new Set(listed.json<{ items: { incidentId: string }[] }>().items.map((i) => i.incidentId));
          for (const incident of built) {
            const sees = oracleSees(v.jurisdiction, incident);
            expect(ids.has(incident.id), `${v.jurisdiction} listing ${incident.id}`).toBe(sees);
            for (const url of [`/incidents/${incident.id}`, `/incidents/${incident.id}/command`, `/incidents/${incident.id}/resource-requests`]) {
              const read = await app.inject({ method: 'GET', url, headers });
              expect(read.statusCode, `${v.jurisdiction} reading ${url}`).toBe(sees ? 200 : 404);
              if (!sees) {
                // Indistinguishable from an incident that does not exist.
                const missing = await app.inject({ method: 'GET', url: url.replace(incident.id, 'no-such-incident'), headers });
                expect(read.body).toBe(missing.body.replaceAll('no-such-incident', incident.id));
              }
            }
          }
        }
      }),
      { numRuns: 25, seed: 20261130 },
    );
    expect(built.length).toBe(25);
  });
});

describe('tokens', () => {
  it('a forged, expired or malformed token gets a typed 401 and changes nothing', async () => {
    const actor = room('441203');
    const forged = await issueToken(actor, { secret: new TextEncoder().encode('not-the-server-secret-0123456789abcdef'), ttlSeconds: 600 });
    const expired = await issueToken(actor, { secret: TEST_JWT_SECRET, ttlSeconds: 60, now: new Date(Date.now() - 3600_000) });
    const before = await t.db.selectFrom('event').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    for (const authorization of [`Bearer ${forged}`, `Bearer ${expired}`, 'Bearer nonsense', 'Basic abc', undefined]) {
      const response = await app.inject({
        method: 'POST',
        url: '/incidents',
        headers: authorization ? { authorization } : {},
        payload: { data: { title: 'forged', leadJurisdiction: '441203' } },
      });
      expect(response.statusCode).toBe(401);
      expect(response.json()).toMatchObject({ error: { code: 'unauthorized' } });
    }
    const after = await t.db.selectFrom('event').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    expect(after.n).toBe(before.n);
  });

  it('a wrong-jurisdiction token is refused and changes nothing; a reviewer reads but never writes', async () => {
    await post(room('441224'), '/incidents', { incidentId: 'huaiji-1', data: { title: 'Flash flood', leadJurisdiction: '441224' } });
    const before = await t.db.selectFrom('event').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    const neighbour = await authHeader(room('441225'));
    // A command to an incident the room cannot see: for it the incident does not exist (issue 14).
    const write = await app.inject({ method: 'POST', url: '/incidents/huaiji-1/commands', headers: neighbour, payload: { type: 'BeginVerification' } });
    expect(write.statusCode).toBe(404);
    expect(write.json()).toMatchObject({ error: { code: 'not_found' } });
    const report = await app.inject({ method: 'POST', url: '/incidents', headers: neighbour, payload: { data: { title: 'not mine', leadJurisdiction: '441224' } } });
    expect(report.statusCode).toBe(403);
    expect((await app.inject({ method: 'GET', url: '/incidents/huaiji-1', headers: neighbour })).statusCode).toBe(404);
    const reviewer = await authHeader({ userId: 'rev', roles: ['reviewer'], jurisdiction: CITY });
    expect((await app.inject({ method: 'GET', url: '/incidents/huaiji-1', headers: reviewer })).statusCode).toBe(200);
    const reviewerWrite = await app.inject({ method: 'POST', url: '/incidents/huaiji-1/commands', headers: reviewer, payload: { type: 'BeginVerification' } });
    expect(reviewerWrite.statusCode).toBe(403);
    const after = await t.db.selectFrom('event').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    expect(after.n).toBe(before.n);
  });
});
