import { subscribe, type LiveFeed } from '@muster/client';
import type { EventEnvelope } from '@muster/contracts';
import { drillStreamId, type Actor } from '@muster/domain';
import type { Engine } from '@muster/engine';
import { startGateway, type RunningGateway } from '@muster/gateway';
import { createTokenVerifier } from '@muster/identity';
import { startRelay, type Relay } from '@muster/relay';
import { TEST_JURISDICTIONS, TEST_JWT_SECRET, testToken, type TestDatabase } from '@muster/testkit';
import { integrationTest } from '@muster/testkit/fixtures';
import { afterAll, describe, expect, it } from 'vitest';
import { until } from './timers-child';
import { startTimers } from './timers';

/**
 * The controller's live feed of a drill (演练, issue 22) through the relay, NATS and the gateway: the
 * inject the timers deliver and the players' response arrive in order; the players get only the
 * drill's events they may see live (never its MSEL), the rooms above the controller none of them.
 */
const PROVINCE = '440000';
const CITY = '441200';
const HUAIJI = '441224';
const controller: Actor = { userId: 'duty-city', roles: ['duty_officer'], jurisdiction: CITY };
const player: Actor = { userId: 'duty-huaiji', roles: ['duty_officer'], jurisdiction: HUAIJI };
const province: Actor = { userId: 'duty-gd', roles: ['duty_officer'], jurisdiction: PROVINCE };

let t: TestDatabase;
let engine: Engine;
let relay: Relay;
let gateway: RunningGateway;
const feeds: LiveFeed[] = [];

integrationTest.beforeAll(async ({ database, engine: fileEngine, bus }) => {
  [t, engine] = [database, fileEngine];
  relay = startRelay({ db: t.db, bus, idlePollMs: 20 });
  gateway = await startGateway({ db: t.db, bus, jurisdictions: TEST_JURISDICTIONS, verifier: createTokenVerifier({ secret: TEST_JWT_SECRET }), heartbeatIntervalMs: 60_000 });
});
afterAll(async () => {
  for (const feed of feeds) await feed.close();
  await gateway?.close();
  await relay?.stop();
});

const inSeconds = (s: number) => new Date(Date.now() + s * 1_000).toISOString();

async function live(as: Actor, options: { rooms: string[]; incidents?: string[] }): Promise<EventEnvelope[]> {
  const seen: EventEnvelope[] = [];
  const feed = subscribe({ url: gateway.url, ...options, drills: true, token: () => testToken(as), onEvent: (e) => seen.push(e), onError: () => undefined });
  feeds.push(feed);
  await until('the feed to be live', async () => (feed.state() === 'live' ? true : undefined));
  return seen;
}

describe('the controller’s live feed of a drill', () => {
  it('shows the inject delivered and the player’s response in order; the player gets only what it may see of the drill, the province nothing', async () => {
    // A probe opened first: once it has the incident's report, the relay has published everything
    // committed before the feeds under test open, so none of them can get an earlier event late.
    const probe = await live(province, { rooms: [PROVINCE, CITY, HUAIJI] });
    const drill = drillStreamId('live-d');
    const send = (type: string, data: Record<string, unknown> = {}) => engine.handle({ streamType: 'drill', streamId: drill, type, data, actor: controller });
    await send('PlanDrill', {
      title: '怀集县双盲演练',
      kind: 'functional',
      doubleBlind: true,
      participants: [HUAIJI],
      objectives: ['30 分钟内初报'],
      scenario: '冷坑镇山体滑坡',
      injects: [{ injectId: 'live-1', kind: 'watchLogCall', dueAt: inSeconds(-1), content: '群众来电：后山异响', expectedAction: '核实' }],
    });
    const incidentId = 'live-d-inc';
    await engine.handle({ streamType: 'incident', streamId: incidentId, type: 'ReportIncident', data: { title: '演练：山体滑坡', leadJurisdiction: HUAIJI, exercise: true }, actor: controller });

    await until('the relay to publish the report', async () => (probe.some((e) => e.streamId === incidentId && e.type === 'IncidentReported') ? true : undefined));

    const controllerSeen = await live(controller, { rooms: [CITY], incidents: [incidentId] });
    const playerSeen = await live(player, { rooms: [HUAIJI] });
    const provinceSeen = await live(province, { rooms: [PROVINCE, CITY, HUAIJI] });

    await send('StartDrill');
    await send('LinkDrillIncident', { incidentId });
    await startTimers({ db: t.db, engine, autoStart: false }).tick();
    await engine.handle({ streamType: 'incident', streamId: incidentId, type: 'BeginVerification', data: {}, actor: player });

    const story = (seen: EventEnvelope[]) => seen.filter((e) => e.streamId === drill || e.streamId === incidentId).map((e) => `${e.streamType} ${e.type}`);
    const expected = ['drill DrillStarted', 'drill DrillIncidentLinked', 'incident IncidentDetailsUpdated', 'drill InjectDelivered', 'incident VerificationStarted'];
    await until('the controller to see the response', async () => (story(controllerSeen).length === expected.length ? true : undefined));
    expect(story(controllerSeen)).toStrictEqual(expected);
    expect(controllerSeen.find((e) => e.type === 'InjectDelivered')?.data).toMatchObject({ injectId: 'live-1', incidentId, content: '群众来电：后山异响' });

    // The player sees the call arrive on its own incident and its own response, nothing of the drill's plan.
    await until('the player to see its response', async () => (playerSeen.some((e) => e.type === 'VerificationStarted') ? true : undefined));
    expect(playerSeen.filter((e) => e.streamId === incidentId).map((e) => e.type)).toStrictEqual(['IncidentDetailsUpdated', 'VerificationStarted']);
    // Of the drill's own events it gets what it may see live (issue 22): the start, its incident, the
    // inject as delivered; never the plan (MSEL, scenario, expected actions) of a double-blind drill.
    await until('the player to see the delivery', async () => (playerSeen.some((e) => e.type === 'InjectDelivered') ? true : undefined));
    const ofDrill = playerSeen.filter((e) => e.streamType === 'drill');
    expect(ofDrill.map((e) => e.type)).toStrictEqual(['DrillStarted', 'DrillIncidentLinked', 'InjectDelivered']);
    for (const secret of ['核实', '冷坑镇', '怀集县双盲演练']) expect(JSON.stringify(ofDrill)).not.toContain(secret);
    await until('the province to see the response', async () => (provinceSeen.some((e) => e.type === 'VerificationStarted') ? true : undefined));
    expect(provinceSeen.filter((e) => e.streamType === 'drill')).toStrictEqual([]);
  });
});
