import type { Actor } from '@muster/domain';
import { issueToken } from '@muster/identity';
import { authHeader, TEST_JWT_SECRET, type TestDatabase } from '@muster/testkit';
import type { FastifyInstance } from 'fastify';
import { describe, expect, it } from 'vitest';
import { apiTest } from './test-fixtures';

/**
 * Tokens and writes across jurisdictions. The property that no read crosses a jurisdiction, over the
 * api's reads and the gateway's subscriptions at once, is services/gateway/src/cross-jurisdiction.int.spec.ts.
 */

const CITY = '441200';

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
