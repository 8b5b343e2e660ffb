import type { Actor } from '@muster/domain';
import type { TestDatabase } from '@muster/testkit';
import type { FastifyInstance } from 'fastify';
import { describe, expect, it } from 'vitest';
import { actorRequests, apiTest, person } from './test-fixtures';

/**
 * The plan's rules over HTTP (issue 16): who may activate which response level, what the room above
 * may do on an incident it does not lead (以县为主), linkage and the prompt to lead by severity, and
 * the reclassification the grading thresholds suggest from the scene's figures. Default rules.
 */

const HUAIJI = '441224';
const CITY = '441200';
const PROVINCE = '440000';
const huaiji: Actor = { userId: 'do-huaiji', roles: ['duty_officer'], jurisdiction: HUAIJI };
const city: Actor = { userId: 'do-city', roles: ['duty_officer'], jurisdiction: CITY };
const province: Actor = { userId: 'do-gd', roles: ['duty_officer'], jurisdiction: PROVINCE };
const commander: Actor = { userId: 'u-huaiji-chief', roles: ['responder'], jurisdiction: HUAIJI };

let t: TestDatabase;
let app: FastifyInstance;
apiTest.beforeAll(({ database, api }) => {
  t = database;
  app = api;
});
const { call, ok } = actorRequests(() => app);

type Incident = {
  state: string;
  version: number;
  severity: string | null;
  responseLevel: string | null;
  leadJurisdiction: string;
  linkedJurisdictions: string[];
  supportingJurisdictions: string[];
  leadPrompt?: { jurisdiction: string; severity: string; rule: string; at: string } | null;
  suggestedSeverity?: { severity: string; rule: string; source: string; figures: Record<string, number>; reportId?: string; at: string } | null;
};
type ErrorBody = { error: { code: string; message: string; details?: Record<string, unknown>; issues?: { path: string }[] } };

const read = (id: string, by: Actor = huaiji) => ok<Incident>(by, 'GET', `/incidents/${id}`);
const send = (by: Actor, id: string, type: string, data: Record<string, unknown> = {}) => call(by, 'POST', `/incidents/${id}/commands`, { type, data });
const done = (by: Actor, id: string, type: string, data: Record<string, unknown> = {}) => ok(by, 'POST', `/incidents/${id}/commands`, { type, data });

async function eventCount(streamId: string): Promise<number> {
  const row = await t.db.selectFrom('event').select((eb) => eb.fn.countAll<string>().as('n')).where('stream_id', '=', streamId).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** A Huaiji incident reported, verified and confirmed by Huaiji, in initial handling. */
async function inInitialHandling(id: string, fields: Record<string, unknown> = {}): Promise<void> {
  await ok(huaiji, 'POST', '/incidents', { incidentId: id, data: { title: `Landslide ${id}`, leadJurisdiction: HUAIJI, category: 'natural_disaster', ...fields } });
  await done(huaiji, id, 'BeginVerification');
  await done(huaiji, id, 'ConfirmIncident', { severity: 'IV' });
  await done(huaiji, id, 'BeginInitialHandling', { measures: 'road closed' });
}

describe('response-level authority', () => {
  it('Huaiji may activate IV but not III (403 naming the level and the lowest room); the city activates III on the county-led incident', async () => {
    await inInitialHandling('ra-1');
    const before = await eventCount('ra-1');
    const refused = await send(huaiji, 'ra-1', 'ActivateResponse', { level: 'III', measures: 'county plan' });
    expect(refused.statusCode).toBe(403);
    const body = refused.json<ErrorBody>();
    expect(body.error.code).toBe('forbidden');
    expect(body.error.message).toContain('response level III');
    expect(body.error.message).toContain('a room of level city or above');
    expect(body.error.details).toMatchObject({ level: 'III', lowestRoom: 'city', rule: 'level-iii' });
    expect(await eventCount('ra-1')).toBe(before);

    // Only the province may activate II
    const second = await send(city, 'ra-1', 'ActivateResponse', { level: 'II', measures: 'city plan' });
    expect(second.statusCode).toBe(403);
    expect(second.json<ErrorBody>().error.details).toMatchObject({ level: 'II', lowestRoom: 'province' });

    await done(city, 'ra-1', 'ActivateResponse', { level: 'III', measures: 'city plan, level III' });
    expect(await read('ra-1')).toMatchObject({ state: 'responseActive', responseLevel: 'III', leadJurisdiction: HUAIJI });

    // and back down to IV: the county's own level, which the county may set
    await done(huaiji, 'ra-1', 'ChangeResponseLevel', { level: 'IV', reason: 'the slope is stable' });
    expect((await read('ra-1')).responseLevel).toBe('IV');
    expect((await send(huaiji, 'ra-1', 'ChangeResponseLevel', { level: 'III', reason: 'rain again' })).statusCode).toBe(403);
  });

  it('Huaiji activates IV itself', async () => {
    await inInitialHandling('ra-2');
    await done(huaiji, 'ra-2', 'ActivateResponse', { level: 'IV', measures: 'county plan' });
    expect((await read('ra-2')).responseLevel).toBe('IV');
  });
});

describe("the upper room's rights (以县为主)", () => {
  it('the city may not declare a county-led incident controlled; it may once it has taken the lead', async () => {
    await inInitialHandling('up-1');
    await done(huaiji, 'up-1', 'ActivateResponse', { level: 'IV', measures: 'county plan' });
    const before = await eventCount('up-1');
    const refused = await send(city, 'up-1', 'DeclareControlled', { summary: 'slope stable' });
    expect(refused.statusCode).toBe(403);
    const body = refused.json<ErrorBody>();
    expect(body.error.message).toMatch(/^DeclareControlled may be sent only by the lead room; the room above may only send RaiseLead, /);
    expect(body.error.details).toMatchObject({ rule: 'upperRoomRights' });
    expect(await eventCount('up-1')).toBe(before);

    await done(city, 'up-1', 'RaiseLead', { reason: 'the city takes unified command' });
    expect(await read('up-1')).toMatchObject({ leadJurisdiction: CITY, supportingJurisdictions: [HUAIJI] });
    await done(city, 'up-1', 'DeclareControlled', { summary: 'slope stable' });
    expect((await read('up-1')).state).toBe('controlled');
    // Huaiji, now below the lead, may no longer run it
    expect((await send(huaiji, 'up-1', 'LiftResponse', {})).statusCode).toBe(403);
  });
});

describe('linkage and the prompt to lead, by the rules', () => {
  it('a level II incident links the city and the province and prompts the province, which takes the lead with RaiseLead to 440000', async () => {
    await ok(huaiji, 'POST', '/incidents', { incidentId: 'ln-1', data: { title: 'Chemical plant fire', leadJurisdiction: HUAIJI, category: 'accident', severity: 'II' } });
    const reported = await read('ln-1');
    expect(reported.linkedJurisdictions).toStrictEqual([CITY, PROVINCE]);
    expect(reported.leadPrompt).toMatchObject({ jurisdiction: PROVINCE, severity: 'II', rule: 'major-and-above' });
    const timeline = await ok<{ items: { type: string; data: Record<string, unknown> }[] }>(province, 'GET', '/incidents/ln-1/timeline');
    expect(timeline.items.map((e) => e.type)).toStrictEqual(['IncidentReported', 'RoomLinked', 'RoomLinked', 'LeadPrompted']);
    expect(timeline.items.at(-1)?.data).toStrictEqual({ jurisdiction: PROVINCE, severity: 'II', rule: 'major-and-above' });

    // The engine fills the linkage: a caller may not
    const forged = await call(huaiji, 'POST', '/incidents', { data: { title: 'x', leadJurisdiction: HUAIJI, linkage: { rule: 'x', link: [], promptLead: null } } });
    expect(forged.statusCode).toBe(400);
    // the city may not raise the lead above itself; a `to` that is not above the lead names the field
    expect((await send(city, 'ln-1', 'RaiseLead', { reason: 'province', to: PROVINCE })).statusCode).toBe(403);
    const sideways = await send(huaiji, 'ln-1', 'RaiseLead', { reason: 'Fengkai', to: '441225' });
    expect(sideways.statusCode).toBe(400);
    expect(sideways.json<ErrorBody>().error.issues?.map((i) => i.path)).toStrictEqual(['data.to']);
    // only the prompted room declines
    expect((await send(city, 'ln-1', 'DeclineLead', { reason: 'not ours' })).statusCode).toBe(403);

    await done(province, 'ln-1', 'RaiseLead', { reason: 'a major accident: the province leads', to: PROVINCE });
    const raised = await read('ln-1', province);
    expect(raised).toMatchObject({ leadJurisdiction: PROVINCE, leadPrompt: null, supportingJurisdictions: [HUAIJI] });
    expect(raised.linkedJurisdictions).toStrictEqual([CITY]);
    // Huaiji still sees the incident it supports; the province now runs it
    await done(province, 'ln-1', 'BeginVerification');
    expect((await read('ln-1')).state).toBe('verifying');
  });

  it('the prompted province may decline with a reason; the links stay', async () => {
    await ok(huaiji, 'POST', '/incidents', { incidentId: 'ln-2', data: { title: 'Dam seepage', leadJurisdiction: HUAIJI, severity: 'IV' } });
    expect((await read('ln-2')).leadPrompt).toBeNull();
    await done(city, 'ln-2', 'ClassifyIncident', { category: 'natural_disaster', severity: 'I' });
    expect((await read('ln-2')).leadPrompt).toMatchObject({ jurisdiction: PROVINCE, severity: 'I' });
    const missing = await send(province, 'ln-2', 'DeclineLead', {});
    expect(missing.statusCode).toBe(400);
    expect(missing.json<ErrorBody>().error.issues?.map((i) => i.path)).toStrictEqual(['data.reason']);
    await done(province, 'ln-2', 'DeclineLead', { reason: 'the city leads the response; the province follows' });
    expect(await read('ln-2')).toMatchObject({ leadPrompt: null, linkedJurisdictions: [CITY, PROVINCE], leadJurisdiction: HUAIJI });
  });
});

describe('grading thresholds → suggested reclassification', () => {
  /** A Huaiji road accident confirmed at IV, with a commander on scene. */
  async function accident(id: string): Promise<void> {
    await ok(huaiji, 'POST', '/incidents', { incidentId: id, data: { title: 'Coach overturned on G321', leadJurisdiction: HUAIJI, category: 'accident', subtype: 'road_traffic' } });
    await done(huaiji, id, 'BeginVerification');
    await done(huaiji, id, 'ConfirmIncident', { severity: 'IV' });
    await ok(huaiji, 'POST', `/incidents/${id}/command`, { type: 'AppointCommander', data: { commander: person(commander.userId), deputies: [] } });
  }
  const scene = (id: string, data: Record<string, unknown>) => ok(commander, 'POST', `/incidents/${id}/command`, { type: 'PostSceneReport', data });
  const reports = (id: string) => ok<{ severity: string; terms: { rule: string; phoneMinutes: number | null } }>(huaiji, 'GET', `/incidents/${id}/reports`);

  it('a scene report with 3 dead suggests III; confirming reclassifies, links the city and the report terms follow', async () => {
    await accident('gr-1');
    expect(await reports('gr-1')).toMatchObject({ severity: 'IV', terms: { rule: 'general', phoneMinutes: null } });
    await scene('gr-1', { reportId: 'r-1', dead: 2, injured: 4 });
    expect((await read('gr-1')).suggestedSeverity).toBeNull();
    await scene('gr-1', { reportId: 'r-2', dead: 3 });
    const suggested = await read('gr-1');
    expect(suggested.severity).toBe('IV');
    // the figures carry over from the earlier report (injured 4) as the scene's latest state
    expect(suggested.suggestedSeverity).toMatchObject({ severity: 'III', rule: 'accident-iii', figures: { dead: 3, injured: 4 }, reportId: 'r-2' });
    expect(suggested.suggestedSeverity?.source).toContain('493');
    // the same figures again suggest nothing new
    const version = suggested.version;
    await scene('gr-1', { reportId: 'r-3', evacuated: 40 });
    expect((await read('gr-1')).version).toBe(version);

    await done(huaiji, 'gr-1', 'ConfirmSuggestedSeverity');
    const confirmed = await read('gr-1');
    expect(confirmed).toMatchObject({ severity: 'III', suggestedSeverity: null, linkedJurisdictions: [CITY] });
    const timeline = await ok<{ items: { type: string; data: Record<string, unknown> }[] }>(huaiji, 'GET', '/incidents/gr-1/timeline');
    expect(timeline.items.find((e) => e.type === 'SuggestedSeverityConfirmed')?.data).toMatchObject({ previousSeverity: 'IV', severity: 'III', rule: 'accident-iii' });
    expect(await reports('gr-1')).toMatchObject({ severity: 'III', terms: { rule: 'larger', phoneMinutes: 30 } });
    // nothing left to confirm
    expect((await send(huaiji, 'gr-1', 'ConfirmSuggestedSeverity')).statusCode).toBe(409);
  });

  it('dismissal clears the suggestion and keeps the severity; the city may dismiss it too', async () => {
    await accident('gr-2');
    await scene('gr-2', { reportId: 'r-1', dead: 10 });
    expect((await read('gr-2')).suggestedSeverity).toMatchObject({ severity: 'II', rule: 'accident-ii' });
    const noReason = await send(city, 'gr-2', 'DismissSuggestedSeverity', {});
    expect(noReason.statusCode).toBe(400);
    expect(noReason.json<ErrorBody>().error.issues?.map((i) => i.path)).toStrictEqual(['data.reason']);
    await done(city, 'gr-2', 'DismissSuggestedSeverity', { reason: 'two separate accidents on the same road' });
    expect(await read('gr-2')).toMatchObject({ severity: 'IV', suggestedSeverity: null, linkedJurisdictions: [] });
    expect(await reports('gr-2')).toMatchObject({ severity: 'IV' });
  });

  it('SuggestSeverity sent by a person is refused (403) and stores nothing', async () => {
    await accident('gr-3');
    const before = await eventCount('gr-3');
    for (const by of [huaiji, city, province]) {
      const response = await send(by, 'gr-3', 'SuggestSeverity', { severity: 'I', rule: 'accident-i', source: 'made up', figures: { dead: 40 } });
      expect(response.statusCode, by.userId).toBe(403);
      expect(response.json<ErrorBody>().error.message).toBe('SuggestSeverity may be sent only by the engine, as a consequence of a scene report');
    }
    expect(await eventCount('gr-3')).toBe(before);
    expect((await read('gr-3')).suggestedSeverity).toBeNull();
  });
});
