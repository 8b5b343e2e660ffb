/**
 * The province duty room (广东省应急管理厅值班室, 440000) logs in with its demo user and acts (issue 16):
 * it reads every incident of the tree below it and sends the room commands the command policy gives a
 * room above the lead; what the policy keeps for the lead room stays a 403.
 */
import type { FastifyInstance, HTTPMethods } from 'fastify';
import { describe, expect, it } from 'vitest';
import { actorRequests, apiTest, testLogins } from './test-fixtures';

const PROVINCE = '440000';
const dinghuDuty = { userId: 'dinghu-duty', roles: ['duty_officer' as const], jurisdiction: '441203' };
const cityDuty = { userId: 'city-duty', roles: ['duty_officer' as const], jurisdiction: '441200' };
const zoneDuty = { userId: 'zone-duty', roles: ['duty_officer' as const], jurisdiction: '441291' };

let app: FastifyInstance;
const { ok } = actorRequests(() => app);

apiTest.override('apiOptions', { scope: 'file' }, async () => ({ login: await testLogins() }));
apiTest.beforeAll(async ({ api }) => {
  app = api;
  await ok(dinghuDuty, 'POST', '/incidents', { incidentId: 'dh-breach', data: { title: 'Embankment breach at Shakeng', leadJurisdiction: '441203', severity: 'IV' } });
  await ok(cityDuty, 'POST', '/incidents', { incidentId: 'city-chem', data: { title: 'Chemical leak on the Xijiang', leadJurisdiction: '441200', severity: 'III' } });
  await ok(zoneDuty, 'POST', '/incidents', { incidentId: 'zone-fire', data: { title: 'Warehouse fire', leadJurisdiction: '441291' } });
});

/** Logs in through POST /auth/login as a demo user (password = user name); requests with its token. */
async function loggedIn(username: string) {
  const login = await app.inject({ method: 'POST', url: '/auth/login', payload: { username, password: username } });
  expect(login.statusCode, login.body).toBe(200);
  const { token, user } = login.json<{ token: string; user: { jurisdiction: string; roles: string[]; name: string } }>();
  const as = (method: HTTPMethods, url: string, payload?: Record<string, unknown>) =>
    app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload ? { payload } : {}) });
  return { user, as };
}

describe('the province duty room', () => {
  it('logs in as province-duty and province-leader, in the province room', async () => {
    const duty = await loggedIn('province-duty');
    expect(duty.user).toMatchObject({ jurisdiction: PROVINCE, roles: ['duty_officer'] });
    expect(duty.user.name).toContain('广东省应急管理厅值班室');
    const me = await duty.as('GET', '/me');
    expect(me.json()).toMatchObject({ userId: 'province-duty', jurisdiction: PROVINCE });
    const leader = await loggedIn('province-leader');
    expect(leader.user).toMatchObject({ jurisdiction: PROVINCE, roles: ['leader'] });
  });

  it('reads a county incident, and lists every incident of the tree: county, city and zone', async () => {
    const { as } = await loggedIn('province-duty');
    const incident = await as('GET', '/incidents/dh-breach');
    expect(incident.statusCode, incident.body).toBe(200);
    expect(incident.json()).toMatchObject({ incidentId: 'dh-breach', leadJurisdiction: '441203' });
    const list = await as('GET', '/incidents');
    expect(list.json<{ items: { incidentId: string }[] }>().items.map((i) => i.incidentId).sort()).toStrictEqual(['city-chem', 'dh-breach', 'zone-fire']);
    const timeline = await as('GET', '/incidents/dh-breach/timeline');
    expect(timeline.statusCode).toBe(200);
    // A county sees none of it but its own.
    const county = await app.inject({ method: 'GET', url: '/incidents', headers: { authorization: `Bearer ${await tokenOf('huaiji-duty')}` } });
    expect(county.json<{ items: unknown[] }>().items).toStrictEqual([]);
  });

  it('sends the room commands the policy gives a room above the lead, and gets 403 for what the lead room keeps', async () => {
    const { as } = await loggedIn('province-duty');
    // What the upper room's rights give a room above the lead: classify, link, activate (以县为主).
    const classify = await as('POST', '/incidents/dh-breach/commands', { type: 'ClassifyIncident', data: { category: 'natural_disaster', severity: 'III' } });
    expect(classify.statusCode, classify.body).toBe(200);
    // Running the incident stays the lead room's.
    const verify = await as('POST', '/incidents/dh-breach/commands', { type: 'BeginVerification' });
    expect(verify.statusCode, verify.body).toBe(403);
    const details = await as('POST', '/incidents/dh-breach/commands', { type: 'UpdateIncidentDetails', data: { title: 'Embankment breach at Shakeng (province noted)' } });
    expect(details.statusCode, details.body).toBe(403);
    // The level above the city's lead may take it over (突发事件应对法 §17).
    const raise = await as('POST', '/incidents/city-chem/commands', { type: 'RaiseLead', data: { reason: 'spreads into Foshan' } });
    expect(raise.statusCode, raise.body).toBe(200);
    expect((await as('GET', '/incidents/city-chem')).json()).toMatchObject({ leadJurisdiction: PROVINCE });
    // Appointing the on-scene commander is the lead room's.
    const appoint = await as('POST', '/incidents/dh-breach/command', { type: 'AppointCommander', data: { commander: { userId: 'u-prov', name: 'Province officer' } } });
    expect(appoint.statusCode, appoint.body).toBe(403);
    expect((await as('GET', '/incidents/dh-breach')).json()).toMatchObject({ state: 'reported', severity: 'III', title: 'Embankment breach at Shakeng', linkedJurisdictions: ['441200'] });
  });
});

async function tokenOf(username: string): Promise<string> {
  const login = await app.inject({ method: 'POST', url: '/auth/login', payload: { username, password: username } });
  return login.json<{ token: string }>().token;
}
