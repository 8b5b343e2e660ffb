import type { Actor } from '@muster/domain';
import { subscribe } from '@muster/client';
import type { EventEnvelope } from '@muster/contracts';
import type { Engine } from '@muster/engine';
import { startGateway, type RunningGateway } from '@muster/gateway';
import { createTokenVerifier } from '@muster/identity';
import { startRelay, type Relay } from '@muster/relay';
import { TEST_JURISDICTIONS, TEST_JWT_SECRET, testToken, type TestDatabase } from '@muster/testkit';
import { integrationTest } from '@muster/testkit/fixtures';
import { afterAll, describe, expect, it } from 'vitest';
import { startTimers } from './timers';

const COUNTY = '441203';
const CITY = '441200';
const COUNTY_DUTY: Actor = { userId: 'duty-dinghu', roles: ['duty_officer'], jurisdiction: COUNTY };
const CITY_DUTY: Actor = { userId: 'duty-city', roles: ['duty_officer'], jurisdiction: CITY };
const T0 = Date.UTC(2026, 6, 1, 6, 0, 0);

let t: TestDatabase;
let now = T0;
const clock = { now: () => new Date(now) };
let engine: Engine;
let relay: Relay;
let gateway: RunningGateway;

integrationTest.override('clock', { scope: 'file' }, clock);
integrationTest.beforeAll(async ({ database, engine: fileEngine, bus }) => {
  [t, engine] = [database, fileEngine];
  relay = startRelay({ db: t.db, bus, idlePollMs: 20 });
  gateway = await startGateway({ db: t.db, bus, jurisdictions: TEST_JURISDICTIONS, verifier: createTokenVerifier({ secret: TEST_JWT_SECRET }), heartbeatIntervalMs: 60_000 });
});
afterAll(async () => {
  await gateway?.close();
  await relay?.stop();
});

describe('overdue reports on the live feed', () => {
  it('a county report that falls overdue shows up live on the city room console, which does not follow the incident itself', async () => {
    const seen: EventEnvelope[] = [];
    const feed = subscribe({
      url: gateway.url,
      rooms: [CITY],
      token: () => testToken(CITY_DUTY),
      onEvent: (event) => seen.push(event),
      onError: () => undefined,
    });
    const deadline = Date.now() + 30_000;
    while (feed.state() !== 'live' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(feed.state()).toBe('live');

    // Level IV: the city room does not follow the incident, so only the escalation can reach it.
    const send = (type: string, data: Record<string, unknown>) => engine.handle({ streamType: 'incident', streamId: 'iv-1', type, data, actor: COUNTY_DUTY });
    await send('ReportIncident', { title: 'Collapsed shed', leadJurisdiction: COUNTY, category: 'accident' });
    await send('BeginVerification', {});
    await send('ConfirmIncident', { severity: 'IV' });

    const timers = startTimers({ db: t.db, engine, clock, autoStart: false });
    now = T0 + 7 * 3600_000;
    const fired = await timers.tick();
    expect(fired.fired).toBeGreaterThan(0);

    const until = Date.now() + 30_000;
    while (!seen.some((e) => e.type === 'ReportOverdue') && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    const overdue = seen.filter((e) => e.type === 'ReportOverdue');
    expect(overdue.length).toBeGreaterThan(0);
    expect(overdue[0]?.streamId).toBe('report:iv-1');
    // The incident's own events are not on the city feed: it sees the escalation, not the incident.
    expect(seen.some((e) => e.type === 'IncidentReported')).toBe(false);
    await timers.stop();
    await feed.close();
  });
});
