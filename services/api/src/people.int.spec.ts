/**
 * GET /people: the login directory's people, for the console's pickers (appoint a commander or a
 * deputy by name). Scoped like the other jurisdiction reads: a room reads its own people and those of
 * the rooms below it, never a sibling's; without a directory (JWKS-only logins) the list is empty.
 */
import { createHttpClient } from '@muster/client';
import type { Actor } from '@muster/domain';
import { demoDirectory } from '@muster/identity';
import { testToken } from '@muster/testkit';
import type { FastifyInstance } from 'fastify';
import { describe, expect, it } from 'vitest';
import { actorRequests, apiTest, buildTestApi } from './test-fixtures';

const CITY = '441200';
const DINGHU = '441203';
const HUAIJI = '441224';

let app: FastifyInstance;
let base: string;
let bare: FastifyInstance;
const { call } = actorRequests(() => app);
const { call: callBare } = actorRequests(() => bare);

apiTest.override('apiOptions', { scope: 'file' }, async () => ({ users: await demoDirectory() }));
apiTest.beforeAll(async ({ api, apiUrl, database, engine }) => {
  app = api;
  base = apiUrl;
  bare = buildTestApi(database, engine);
  await bare.ready();
  return () => bare.close();
});

const duty = (jurisdiction: string): Actor => ({ userId: `duty-${jurisdiction}`, roles: ['duty_officer'], jurisdiction });

/** GET /people through the client, which checks the answer against the catalog's schema. */
async function peopleAs(actor: Actor, jurisdiction?: string) {
  const client = createHttpClient({ baseUrl: base, token: await testToken(actor) });
  return (await client.call('people', { query: { jurisdiction } })).items;
}

describe('GET /people', () => {
  it('Dinghu reads its own people by name, with their roles, and no password hash', async () => {
    const people = await peopleAs(duty(DINGHU), DINGHU);
    expect(people.map((p) => p.userId).sort()).toStrictEqual(['commander', 'deputy', 'dinghu-duty', 'dinghu-leader']);
    expect(people.find((p) => p.userId === 'commander')).toStrictEqual({ userId: 'commander', name: '现场指挥官 On-scene commander', roles: ['responder'], jurisdiction: DINGHU });
    const raw = await call(duty(DINGHU), 'GET', `/people?jurisdiction=${DINGHU}`);
    expect(raw.body).not.toContain('scrypt');
  });

  it('without a room named: the caller’s room and the rooms below it, never a room above or beside it', async () => {
    const dinghu = await peopleAs(duty(DINGHU));
    expect(new Set(dinghu.map((p) => p.jurisdiction))).toStrictEqual(new Set([DINGHU]));
    const city = await peopleAs(duty(CITY));
    const rooms = new Set(city.map((p) => p.jurisdiction));
    expect(rooms.has(CITY) && rooms.has(DINGHU) && rooms.has(HUAIJI)).toBe(true);
    expect(rooms.has('440000')).toBe(false);
  });

  it('the city reads a county’s people; a sibling county and a room above are refused with 403', async () => {
    expect((await peopleAs(duty(CITY), DINGHU)).length).toBe(4);
    expect((await call(duty(HUAIJI), 'GET', `/people?jurisdiction=${DINGHU}`)).statusCode).toBe(403);
    expect((await call(duty(DINGHU), 'GET', `/people?jurisdiction=${CITY}`)).statusCode).toBe(403);
  });

  it('asks for a token and a well-formed room', async () => {
    expect((await app.inject({ method: 'GET', url: '/people' })).statusCode).toBe(401);
    expect((await call(duty(DINGHU), 'GET', '/people?jurisdiction=dinghu')).statusCode).toBe(400);
  });

  it('without a login directory (identity provider logins) the list is empty', async () => {
    const answer = await callBare(duty(DINGHU), 'GET', `/people?jurisdiction=${DINGHU}`);
    expect(answer.statusCode).toBe(200);
    expect(answer.json()).toStrictEqual({ items: [] });
  });
});
