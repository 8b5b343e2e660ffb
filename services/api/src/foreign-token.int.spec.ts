/**
 * Issue 14 finding 3, as the attack: a correctly signed admin token for 999999, a code outside the
 * jurisdiction tree, updated a Dinghu incident. The api's verifier (verifierFor, the one `startApiServer`
 * and `muster start` use) now refuses such a token before any route runs.
 */
import { authHeader, TEST_JURISDICTIONS, TEST_JWT_SECRET, type TestDatabase } from '@muster/testkit';
import type { FastifyInstance } from 'fastify';
import { describe, expect, it } from 'vitest';
import { verifierFor } from './server';
import { apiTest } from './test-fixtures';

let t: TestDatabase;
let app: FastifyInstance;
const INCIDENT = 'dinghu-flood-1';

apiTest.override('apiOptions', { scope: 'file' }, { verifier: verifierFor({ secret: TEST_JWT_SECRET }, TEST_JURISDICTIONS) });
apiTest.beforeAll(async ({ database, api }) => {
  t = database;
  app = api;
  const created = await app.inject({
    method: 'POST',
    url: '/incidents',
    headers: await authHeader({ userId: 'dinghu-duty', roles: ['duty_officer'], jurisdiction: '441203' }),
    payload: { incidentId: INCIDENT, data: { title: 'Flooding in Dinghu', leadJurisdiction: '441203' } },
  });
  if (created.statusCode !== 201) throw new Error(`the Dinghu incident was not created: ${created.body}`);
});

async function eventCount(): Promise<number> {
  const row = await t.db.selectFrom('event').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

describe('a token for a jurisdiction outside the tree', () => {
  const outsider = { userId: 'admin-x', roles: ['admin' as const], jurisdiction: '999999' };
  const refusal = { error: { code: 'unauthorized', message: "the token's jurisdiction is not served here" } };

  it('admin@999999 cannot update, read or list a Dinghu incident, nor create one: 401 on every route, nothing stored', async () => {
    const headers = await authHeader(outsider);
    const before = await eventCount();
    const requests = [
      { method: 'POST' as const, url: `/incidents/${INCIDENT}/commands`, payload: { type: 'UpdateIncidentDetails', data: { description: 'taken over' } } },
      { method: 'GET' as const, url: `/incidents/${INCIDENT}` },
      { method: 'GET' as const, url: '/incidents' },
      { method: 'GET' as const, url: '/me' },
      { method: 'POST' as const, url: '/incidents', payload: { data: { title: 'planted', leadJurisdiction: '999999' } } },
      { method: 'POST' as const, url: '/depots', payload: { depotId: 'planted-depot', name: 'planted', jurisdiction: '999999' } },
    ];
    for (const request of requests) {
      const response = await app.inject({ ...request, headers });
      expect(response.statusCode, `${request.method} ${request.url}`).toBe(401);
      expect(response.json(), `${request.method} ${request.url}`).toEqual(refusal);
    }
    expect(await eventCount()).toBe(before);
  });

  it('says the same whether the incident exists or not', async () => {
    const headers = await authHeader(outsider);
    const existing = await app.inject({ method: 'GET', url: `/incidents/${INCIDENT}`, headers });
    const missing = await app.inject({ method: 'GET', url: '/incidents/no-such-incident', headers });
    expect([existing.statusCode, existing.body]).toEqual([missing.statusCode, missing.body]);
  });

  it('an admin of a county in the tree still signs in (its rules are the incident policy\'s)', async () => {
    const response = await app.inject({ method: 'GET', url: '/me', headers: await authHeader({ userId: 'admin-huaiji', roles: ['admin'], jurisdiction: '441224' }) });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ userId: 'admin-huaiji', jurisdiction: '441224' });
  });
});
