/**
 * Who may watch what on the live feed (DESIGN §3 guarantee 7, issue 5 "Enforcement everywhere"):
 * the token checked at the upgrade, rooms and incidents checked at subscribe, every event checked
 * against the visibility rule as it was when the event was recorded, sockets closed when their token
 * expires, and linkage changes followed on an open socket. Real PostgreSQL, the real engine, the
 * in-process bus fed by the harness relay, real sockets.
 */
import { subscribe, type LiveState, type StateChange } from '@muster/client';
import { START_POSITION, WS_CLOSE_CODE, comparePositions, type CommandResult, type EventEnvelope } from '@muster/contracts';
import type { Actor, Role } from '@muster/domain';
import { createEngine, InProcessEventBus, type Engine } from '@muster/engine';
import { createTokenVerifier, issueToken } from '@muster/identity';
import { PostgresEventStore } from '@muster/store-postgres';
import { createTestDatabase, TEST_JURISDICTIONS, TEST_JWT_SECRET, testToken, type TestDatabase } from '@muster/testkit';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startGateway, type GatewayOptions, type RunningGateway } from './gateway';
import { TestConsole, drainedThrough, expectedEvents, positionOf, startTestRelay, tryUpgrade, until, withToken, type TestRelay, type WrittenEvent } from './test-harness';

const PROVINCE = '440000';
const CITY = '441200';
const DINGHU = '441203';
const GAOYAO = '441204';
/** The nine county-level units of Zhaoqing (the High-tech Zone 441291 included). */
const COUNTIES = ['441202', '441203', '441204', '441223', '441224', '441225', '441226', '441284', '441291'] as const;
const ZHAOQING = [PROVINCE, CITY, ...COUNTIES] as const;

const verifier = createTokenVerifier({ secret: TEST_JWT_SECRET });
const dutyOfficer = (jurisdiction: string): Actor => ({ userId: `duty-${jurisdiction}`, roles: ['duty_officer'], jurisdiction });
const CITY_OFFICER = dutyOfficer(CITY);
const DINGHU_OFFICER = dutyOfficer(DINGHU);
const GAOYAO_OFFICER = dutyOfficer(GAOYAO);

/** The live-path pieces on one test database: engine, bus, relay, and gateways started per test. */
interface World {
  t: TestDatabase;
  engine: Engine;
  bus: InProcessEventBus;
  relay: TestRelay;
  gateways: RunningGateway[];
  consoles: TestConsole[];
  /** The last event written through `act`. */
  last: { incidentId: string; eventId: string } | null;
}

async function createWorld(name: string): Promise<World> {
  const t = await createTestDatabase(name);
  const engine = createEngine({ store: new PostgresEventStore(t.db) });
  const bus = new InProcessEventBus();
  return { t, engine, bus, relay: startTestRelay(t.db, bus), gateways: [], consoles: [], last: null };
}

async function destroyWorld(world: World | undefined): Promise<void> {
  if (!world) return;
  await Promise.all(world.consoles.map((c) => c.close()));
  await Promise.all(world.gateways.map((g) => g.close({ abrupt: true })));
  await world.relay.stop();
  await world.bus.close();
  await world.t.drop();
}

/**
 * A world of its own for the enclosing describe block, built before its tests and destroyed after
 * them (vitest fixtures are per test or per file; these blocks each need an empty log of their own).
 */
function worldPerSuite(name: string, bind: (world: World) => void): void {
  let world: World | undefined;
  beforeAll(async () => {
    world = await createWorld(name);
    bind(world);
  });
  afterAll(() => destroyWorld(world));
}

async function gatewayOf(world: World, options: Partial<GatewayOptions> = {}): Promise<RunningGateway> {
  const g = await startGateway({ db: world.t.db, bus: world.bus, jurisdictions: TEST_JURISDICTIONS, verifier, heartbeatIntervalMs: 60_000, ...options });
  world.gateways.push(g);
  return g;
}

async function consoleOf(world: World, g: RunningGateway, actor: Actor, ttlSeconds = 3600): Promise<TestConsole> {
  const c = await TestConsole.open(g.url, { token: await testToken(actor, ttlSeconds) });
  world.consoles.push(c);
  return c;
}

/** An incident command as `actor`, through the engine (and so through its authorization policy). */
async function act(world: World, actor: Actor, incidentId: string, type: string, data: Record<string, unknown> = {}, commandId?: string): Promise<CommandResult> {
  const result = await world.engine.handle({ streamType: 'incident', streamId: incidentId, type, data, actor, commandId });
  world.last = { incidentId, eventId: lastEventOf(result) };
  return result;
}

function lastEventOf(result: CommandResult): string {
  const last = result.events.at(-1);
  if (!last) throw new Error(`command on ${result.streamId} recorded no event`);
  return last.eventId;
}

const incidentOfEvent = (e: EventEnvelope): string => e.meta.incidentId ?? e.streamId;

/**
 * The position of the last event written, once readable: a subscribe `after` it gets exactly what is
 * written from now on. (A subscribe without `after` starts at the commit-safe horizon, which a
 * transaction open anywhere on the server can hold behind the last write.)
 */
async function writtenHead(world: World): Promise<string> {
  return world.last ? positionOf(world.t.db, world.last.incidentId, world.last.eventId) : START_POSITION;
}

/** Every console has all it will ever get up to `last` (drainedThrough, test-harness.ts). */
const drained = (world: World, last: WrittenEvent, consoles: TestConsole[]): Promise<void> => drainedThrough(world.t.db, world.relay, last, consoles);

function expectIncreasing(events: EventEnvelope[]): void {
  for (let i = 1; i < events.length; i++) {
    expect(comparePositions(events[i]?.position ?? START_POSITION, events[i - 1]?.position ?? START_POSITION), `event ${i} after ${i - 1}`).toBeGreaterThan(0);
  }
}

let incidentCounter = 0;
const nextId = (prefix: string) => `${prefix}-${++incidentCounter}`;

describe('authentication at the upgrade and authorization at subscribe', () => {
  let world: World;
  worldPerSuite('gateway_access', (w) => (world = w));

  it('answers an upgrade without a valid token with a typed 401 and opens no socket', async () => {
    const g = await gatewayOf(world);
    const forged = await issueToken(CITY_OFFICER, { secret: new TextEncoder().encode('not-the-gateway-secret-0123456789abcdef'), ttlSeconds: 600 });
    const expired = await issueToken(CITY_OFFICER, { secret: TEST_JWT_SECRET, ttlSeconds: 60, now: new Date(Date.now() - 3600_000) });
    const cases: { name: string; url: string; headers: Record<string, string> }[] = [
      { name: 'no token', url: g.url, headers: {} },
      { name: 'forged token in the query', url: withToken(g.url, forged), headers: {} },
      { name: 'expired token in the query', url: withToken(g.url, expired), headers: {} },
      { name: 'forged token in the header', url: g.url, headers: { authorization: `Bearer ${forged}` } },
      { name: 'expired token in the header', url: g.url, headers: { authorization: `Bearer ${expired}` } },
      { name: 'not a JWT', url: withToken(g.url, 'nonsense'), headers: {} },
      { name: 'not a bearer header', url: g.url, headers: { authorization: 'Basic abc' } },
    ];
    for (const { name, url, headers } of cases) {
      const outcome = await tryUpgrade(url, headers);
      expect(outcome, name).toMatchObject({ opened: false, status: 401 });
      const body: unknown = outcome.opened ? null : JSON.parse(outcome.body);
      expect(body, name).toMatchObject({ error: { code: 'unauthorized' } });
      if (name.startsWith('expired')) expect(body, name).toMatchObject({ error: { message: expect.stringContaining('expired') } });
    }
    expect(g.stats().connectionsAccepted).toBe(0);
    expect(g.sessions()).toEqual([]);

    // The same gateway lets a valid token in, from the header as well as from the query.
    expect(await tryUpgrade(g.url, { authorization: `Bearer ${await testToken(CITY_OFFICER)}` })).toEqual({ opened: true });
    expect(await tryUpgrade(withToken(g.url, await testToken(CITY_OFFICER)), {})).toEqual({ opened: true });
    expect(g.stats().connectionsAccepted).toBe(2);
  });

  it('refuses a room outside the viewer’s jurisdiction with a typed forbidden frame and delivers nothing from it', async () => {
    const g = await gatewayOf(world);
    const county = await consoleOf(world, g, DINGHU_OFFICER);
    county.send({ type: 'subscribe', rooms: [DINGHU], after: await writtenHead(world) });
    await county.waitFor((c) => c.of('caught_up').length === 1, 'caught_up');
    // A sibling county, and the city above: neither is within Dinghu. A frame naming one foreign room
    // is refused as a whole and changes nothing.
    county.send({ type: 'subscribe', rooms: [GAOYAO] });
    county.send({ type: 'subscribe', rooms: [DINGHU, CITY] });
    const city = await consoleOf(world, g, CITY_OFFICER);
    city.send({ type: 'subscribe', rooms: [PROVINCE] });
    await county.waitFor((c) => c.of('error').length === 2, 'two refusals');
    await city.waitFor((c) => c.of('error').length === 1, 'the province room refused to the city');
    for (const error of [...county.of('error'), ...city.of('error')]) {
      expect(error).toMatchObject({ code: 'forbidden', issues: [{ path: 'rooms' }] });
    }
    expect(county.of('caught_up')).toHaveLength(1);
    expect(g.sessions().map((s) => s.topics).sort()).toEqual([0, 1]);

    await act(world, GAOYAO_OFFICER, nextId('gaoyao'), 'ReportIncident', { title: 'Gaoyao fire', leadJurisdiction: GAOYAO });
    await act(world, CITY_OFFICER, nextId('city'), 'ReportIncident', { title: 'City-led flood', leadJurisdiction: CITY, severity: 'II' });
    const own = nextId('dinghu');
    const last = await act(world, DINGHU_OFFICER, own, 'ReportIncident', { title: 'Dinghu landslide', leadJurisdiction: DINGHU });
    await drained(world, { incidentId: own, eventId: lastEventOf(last) }, [county, city]);
    expect(county.events.map(incidentOfEvent)).toEqual([own]);
    expect(city.events).toEqual([]);
  });

  it('refuses an incident the viewer may not see (or that does not exist) with a forbidden frame, and keeps the rest of the subscription', async () => {
    const g = await gatewayOf(world);
    const foreign = nextId('gaoyao');
    await act(world, GAOYAO_OFFICER, foreign, 'ReportIncident', { title: 'Gaoyao chemical leak', leadJurisdiction: GAOYAO });
    const own = nextId('dinghu');
    await act(world, DINGHU_OFFICER, own, 'ReportIncident', { title: 'Dinghu flood', leadJurisdiction: DINGHU });

    const county = await consoleOf(world, g, DINGHU_OFFICER);
    const head = await writtenHead(world);
    county.send({ type: 'subscribe', incidents: [foreign, own, 'no-such-incident'], after: head });
    await county.waitFor((c) => c.of('error').length === 1, 'forbidden frame');
    const error = county.of('error')[0];
    expect(error).toMatchObject({ code: 'forbidden', issues: [{ path: 'incidents' }] });
    expect(error?.message).toContain(foreign);
    expect(error?.message).toContain('no-such-incident');
    expect(error?.message).not.toContain(own);
    await county.waitFor((c) => c.of('caught_up').length === 1, 'caught_up');
    // Decided as of the subscribe: the refusal comes before `caught_up`.
    expect(county.frames.map((f) => f.type)).toEqual(['error', 'caught_up']);
    expect(g.sessions()[0]?.topics).toBe(1);

    // The city room may watch the same foreign incident: it lies below the city.
    const city = await consoleOf(world, g, CITY_OFFICER);
    city.send({ type: 'subscribe', incidents: [foreign], after: head });
    await city.waitFor((c) => c.of('caught_up').length === 1, 'city caught_up');

    await act(world, GAOYAO_OFFICER, foreign, 'UpdateIncidentDetails', { description: 'spreading' });
    const last = await act(world, DINGHU_OFFICER, own, 'UpdateIncidentDetails', { description: 'receding' });
    await drained(world, { incidentId: own, eventId: lastEventOf(last) }, [county, city]);
    expect(county.events.map((e) => [incidentOfEvent(e), e.type])).toEqual([[own, 'IncidentDetailsUpdated']]);
    expect(city.events.map((e) => [incidentOfEvent(e), e.type])).toEqual([[foreign, 'IncidentDetailsUpdated']]);
    expect(city.of('error')).toEqual([]);
  });
});

describe('token expiry', () => {
  let world: World;
  worldPerSuite('gateway_expiry', (w) => (world = w));

  async function head(): Promise<string> {
    return (await expectedEvents(world.t.db, { rooms: [DINGHU] })).at(-1)?.position ?? START_POSITION;
  }

  it('closes the socket promptly after its token expires (4401, with a closing frame carrying resumeFrom); a new token resumes from there', async () => {
    const g = await gatewayOf(world);
    const token = await issueToken(CITY_OFFICER, { secret: TEST_JWT_SECRET, ttlSeconds: 3 });
    const { expiresAt } = await verifier.verify(token);
    const c = await TestConsole.open(g.url, { token });
    world.consoles.push(c);
    let closedAt: { code: number; reason: string } | undefined;
    void c.closed.then((closed) => (closedAt = closed));
    const start = await head();
    c.send({ type: 'subscribe', rooms: [DINGHU], after: start });
    await c.waitFor((x) => x.of('caught_up').length === 1, 'caught_up');
    const id = nextId('expiry');
    const reported = await act(world, DINGHU_OFFICER, id, 'ReportIncident', { title: 'Storm', leadJurisdiction: DINGHU });
    await c.waitFor((x) => x.events.some((e) => e.eventId === lastEventOf(reported)), 'an event before expiry');

    // The issue allows a few seconds after expiry.
    await until(() => closedAt !== undefined, 'the socket to close after its token expired', Math.max(0, expiresAt - Date.now()) + 5_000);
    expect(closedAt).toEqual({ code: WS_CLOSE_CODE.unauthorized, reason: 'token_expired' });
    expect(c.of('closing')).toEqual([{ type: 'closing', code: WS_CLOSE_CODE.unauthorized, reason: 'token_expired', resumeFrom: c.lastPosition }]);
    expect(c.frames.at(-1)?.type).toBe('closing');
    await until(() => g.sessions().length === 0, 'session removed');

    // Logged in again, the console resumes where it was closed: nothing lost, nothing twice.
    await act(world, DINGHU_OFFICER, id, 'UpdateIncidentDetails', { description: 'while the console logged in again' });
    const again = await consoleOf(world, g, CITY_OFFICER);
    again.send({ type: 'subscribe', rooms: [DINGHU], after: c.of('closing')[0]?.resumeFrom });
    const last = await act(world, DINGHU_OFFICER, id, 'UpdateIncidentDetails', { description: 'after' });
    await again.waitFor((x) => x.events.some((e) => e.eventId === lastEventOf(last)), 'the last event after resuming');
    const expected = await expectedEvents(world.t.db, { rooms: [DINGHU] }, start);
    expect([...c.events, ...again.events].map((e) => e.eventId)).toEqual(expected.map((e) => e.eventId));
  });

  it('keeps a socket whose token expires far ahead (beyond the 24.8 days a single timer can wait)', async () => {
    const g = await gatewayOf(world);
    const c = await consoleOf(world, g, CITY_OFFICER, 30 * 24 * 3600);
    c.send({ type: 'subscribe', rooms: [DINGHU], after: await writtenHead(world) });
    await c.waitFor((x) => x.of('caught_up').length === 1 || x.of('closing').length > 0, 'caught_up (or an early close)');
    expect(c.of('closing')).toEqual([]);
    const id = nextId('long');
    const reported = await act(world, DINGHU_OFFICER, id, 'ReportIncident', { title: 'Long shift', leadJurisdiction: DINGHU });
    await drained(world, { incidentId: id, eventId: lastEventOf(reported) }, [c]);
    expect(c.events.map((e) => e.eventId)).toEqual([lastEventOf(reported)]);
    expect(c.of('closing')).toEqual([]);
    expect(c.socket.readyState).toBe(WebSocket.OPEN);
  });

  it('the client renews a token function on 4401 and continues with no gap and no duplicate', async () => {
    const g = await gatewayOf(world);
    const start = await head();
    const received: EventEnvelope[] = [];
    const changes: StateChange[] = [];
    const expiries = () => changes.filter((s) => s.state === 'disconnected' && s.code === WS_CLOSE_CODE.unauthorized && s.reason === 'token_expired');
    let issued = 0;
    // Tokens living two to three seconds until the socket has been closed for expiry twice, then an hour.
    const token = () => {
      issued++;
      return issueToken(CITY_OFFICER, { secret: TEST_JWT_SECRET, ttlSeconds: expiries().length < 2 ? 3 : 3600 });
    };
    const errors: Error[] = [];
    const feed = subscribe({
      url: g.url,
      token,
      rooms: [DINGHU],
      after: start,
      onEvent: (e) => received.push(e),
      onStateChange: (s) => changes.push(s),
      onError: (e) => errors.push(e),
      backoff: { initialMs: 20, maxMs: 200 },
    });
    try {
      // Commands keep landing across both renewals.
      let writing = true;
      const writer = (async () => {
        while (writing) {
          const id = nextId('renew');
          await act(world, DINGHU_OFFICER, id, 'ReportIncident', { title: `incident ${id}`, leadJurisdiction: DINGHU });
          await act(world, DINGHU_OFFICER, id, 'UpdateIncidentDetails', { description: 'more' });
          await new Promise((r) => setTimeout(r, 20));
        }
      })();
      await until(() => expiries().length >= 2 && feed.state() === 'live', 'two renewals', 30_000);
      const renewedAt = received.length;
      await until(() => received.length >= renewedAt + 4, 'events on the renewed socket');
      writing = false;
      await writer;

      const marker = nextId('marker');
      const last = await act(world, DINGHU_OFFICER, marker, 'ReportIncident', { title: 'marker', leadJurisdiction: DINGHU });
      await until(() => received.some((e) => e.eventId === lastEventOf(last)), 'the marker');
      const expected = await expectedEvents(world.t.db, { rooms: [DINGHU] }, start);
      expect(received.map((e) => e.eventId)).toEqual(expected.map((e) => e.eventId));
      expectIncreasing(received);
      expect(expiries()).toHaveLength(2);
      expect(issued).toBeGreaterThanOrEqual(3);
      expect(changes.map((s) => s.state)).not.toContain<LiveState>('failed');
      expect(errors).toEqual([]);
    } finally {
      await feed.close();
    }
  });

  it('the client with a fixed token string stops (failed, 4401) when it expires instead of retrying', async () => {
    const g = await gatewayOf(world);
    const token = await issueToken(CITY_OFFICER, { secret: TEST_JWT_SECRET, ttlSeconds: 3 });
    const { expiresAt } = await verifier.verify(token);
    const changes: StateChange[] = [];
    const feed = subscribe({ url: g.url, token, rooms: [DINGHU], onEvent: () => undefined, onStateChange: (s) => changes.push(s) });
    try {
      await until(() => feed.state() === 'failed', 'the feed to fail', Math.max(0, expiresAt - Date.now()) + 5_000);
      expect(changes.at(-1)).toMatchObject({ state: 'failed', code: WS_CLOSE_CODE.unauthorized, reason: 'token_expired' });
      expect(changes.filter((s) => s.state === 'connecting')).toHaveLength(1);
    } finally {
      await feed.close();
    }
  });
});

describe('linkage changes reach open sockets', () => {
  let world: World;
  worldPerSuite('gateway_linkage', (w) => (world = w));

  it('a county incident raised to III: a city duty officer’s console, already connected, starts receiving it without reconnecting', async () => {
    const g = await gatewayOf(world);
    const head = await writtenHead(world);
    const city = await consoleOf(world, g, CITY_OFFICER);
    city.send({ type: 'subscribe', rooms: [CITY], after: head });
    await city.waitFor((c) => c.of('caught_up').length === 1, 'city caught_up');
    const county = await consoleOf(world, g, DINGHU_OFFICER);
    county.send({ type: 'subscribe', rooms: [DINGHU], after: head });
    await county.waitFor((c) => c.of('caught_up').length === 1, 'county caught_up');
    const accepted = g.stats().connectionsAccepted;

    // The county reports at IV: its own room follows, the city does not.
    const id = nextId('dinghu');
    await act(world, DINGHU_OFFICER, id, 'ReportIncident', { title: 'Flash flood at Fenghuang', leadJurisdiction: DINGHU, severity: 'IV' });
    const details = await act(world, DINGHU_OFFICER, id, 'UpdateIncidentDetails', { description: 'two villages cut off' });
    await drained(world, { incidentId: id, eventId: lastEventOf(details) }, [city, county]);
    expect(city.events).toEqual([]);
    expect(county.events.map((e) => e.type)).toEqual(['IncidentReported', 'IncidentDetailsUpdated']);

    // Classified III: the city room is linked (a derived RoomLinked) and follows from that command on.
    const classified = await act(world, DINGHU_OFFICER, id, 'ClassifyIncident', { category: 'natural_disaster', severity: 'III' });
    expect(classified.events.map((e) => e.type)).toEqual(['IncidentClassified', 'RoomLinked']);
    const later = await act(world, DINGHU_OFFICER, id, 'UpdateIncidentDetails', { description: 'evacuation under way' });
    await city.waitFor((c) => c.events.some((e) => e.eventId === lastEventOf(later)), 'the update after the link on the city console');
    await drained(world, { incidentId: id, eventId: lastEventOf(later) }, [city, county]);

    const fromClassification = (await expectedEvents(world.t.db, { incidents: [id] })).slice(2);
    expect(fromClassification.map((e) => e.type)).toEqual(['IncidentClassified', 'RoomLinked', 'IncidentDetailsUpdated']);
    expect(city.events.map((e) => e.eventId)).toEqual(fromClassification.map((e) => e.eventId));
    expect(county.events.map((e) => e.type)).toEqual(['IncidentReported', 'IncidentDetailsUpdated', 'IncidentClassified', 'RoomLinked', 'IncidentDetailsUpdated']);

    // The same socket all along: no new connection, no second catch-up, no close.
    expect(g.stats().connectionsAccepted).toBe(accepted);
    expect(city.socket.readyState).toBe(WebSocket.OPEN);
    expect(city.of('caught_up')).toHaveLength(1);
    expect(city.of('closing')).toEqual([]);
    expect(city.of('error')).toEqual([]);
  });

  it('an unlinked county room gets the RoomUnlinked event and nothing after it, on its room and on its incident subscription', async () => {
    const g = await gatewayOf(world);
    const id = nextId('dinghu');
    await act(world, DINGHU_OFFICER, id, 'ReportIncident', { title: 'Bridge collapse', leadJurisdiction: DINGHU, severity: 'IV' });

    const head = await writtenHead(world);
    const gaoyaoRoom = await consoleOf(world, g, GAOYAO_OFFICER);
    gaoyaoRoom.send({ type: 'subscribe', rooms: [GAOYAO], after: head });
    await gaoyaoRoom.waitFor((c) => c.of('caught_up').length === 1, 'room caught_up');
    const lead = await consoleOf(world, g, DINGHU_OFFICER);
    lead.send({ type: 'subscribe', incidents: [id], after: head });
    await lead.waitFor((c) => c.of('caught_up').length === 1, 'lead caught_up');

    await act(world, DINGHU_OFFICER, id, 'LinkRoom', { jurisdiction: GAOYAO, reason: 'the bridge links both districts' });
    // Now visible to Gaoyao: its incident console may subscribe, and from the start of the log it gets
    // what Gaoyao may see of it (from the link on), not the report recorded before.
    const gaoyaoIncident = await consoleOf(world, g, GAOYAO_OFFICER);
    gaoyaoIncident.send({ type: 'subscribe', incidents: [id], after: START_POSITION });
    await gaoyaoIncident.waitFor((c) => c.of('caught_up').length === 1, 'incident caught_up');
    await act(world, DINGHU_OFFICER, id, 'UpdateIncidentDetails', { description: 'one lane open' });
    await act(world, DINGHU_OFFICER, id, 'UnlinkRoom', { jurisdiction: GAOYAO, reason: 'Gaoyao side cleared' });
    await act(world, DINGHU_OFFICER, id, 'UpdateIncidentDetails', { description: 'after the unlink' });
    const last = await act(world, DINGHU_OFFICER, id, 'ClassifyIncident', { category: 'accident', severity: 'IV' });
    await drained(world, { incidentId: id, eventId: lastEventOf(last) }, [gaoyaoRoom, gaoyaoIncident, lead]);

    const seen = ['RoomLinked', 'IncidentDetailsUpdated', 'RoomUnlinked'];
    expect(gaoyaoRoom.events.map((e) => e.type)).toEqual(seen);
    expect(gaoyaoIncident.events.map((e) => e.type)).toEqual(seen);
    expect(gaoyaoIncident.of('error')).toEqual([]);
    expect(lead.events.map((e) => e.type)).toEqual([...seen, 'IncidentDetailsUpdated', 'IncidentClassified']);
  });
});

// ---------------------------------------------------------------------------------------------------
// The property: zero live or caught-up deliveries outside the visibility rule, and every allowed one
// ---------------------------------------------------------------------------------------------------

/** As in the api's property test: roles do not widen what a jurisdiction sees. */
const ROLES: Role[] = ['duty_officer', 'leader', 'responder', 'agency_liaison', 'reviewer'];
type Severity = 'I' | 'II' | 'III' | 'IV';
const SEVERITIES: Severity[] = ['I', 'II', 'III', 'IV'];
const atLeastIII = (s: Severity) => s === 'I' || s === 'II' || s === 'III';

/**
 * The oracle, written apart from the gateway: a Zhaoqing event as recorded (its lead and the rooms
 * it was carried to) is visible to the province and the city always, and to a county when the
 * county led it or was among its rooms.
 */
function oracleSees(viewer: string, event: EventEnvelope): boolean {
  const lead = event.meta.jurisdiction;
  const rooms = event.meta.rooms ?? [lead];
  if (viewer === PROVINCE || viewer === CITY) return (ZHAOQING as readonly string[]).includes(lead);
  return lead === viewer || rooms.includes(viewer);
}

/** Rooms a viewer may subscribe to: its own and those below it. */
function roomsWithin(viewer: string): string[] {
  if (viewer === PROVINCE) return [...ZHAOQING];
  if (viewer === CITY) return [CITY, ...COUNTIES];
  return [viewer];
}

/** The test's own model of who follows an incident, from the default linkage rules (issue 16). */
interface IncidentModel {
  id: string;
  severity: Severity;
  lead: string;
  upper: string | null;
  linked: Set<string>;
  supporting: Set<string>;
  raisedFrom: { lead: string; upper: string | null }[];
}

const followersOf = (m: IncidentModel) => new Set([m.lead, ...m.linked, ...m.supporting]);
const upperOf = (j: string): string | null => (j === PROVINCE ? null : j === CITY ? PROVINCE : CITY);

/**
 * The default linkage rules when a severity is set or changes: the city follows from III, the city
 * and the province from II, each only when it lies above the lead.
 */
function linkBySeverity(m: IncidentModel): void {
  const levels = m.severity === 'I' || m.severity === 'II' ? [CITY, PROVINCE] : atLeastIII(m.severity) ? [CITY] : [];
  const above = m.lead === CITY ? [PROVINCE] : m.lead === PROVINCE ? [] : [CITY, PROVINCE];
  for (const j of above) if (levels.includes(j) && !followersOf(m).has(j)) m.linked.add(j);
}

interface IncidentScenario {
  lead: (typeof COUNTIES)[number];
  severity: Severity;
  supporting: string[];
  links: string[];
  confirm: boolean;
  raise: boolean;
  classify: Severity | null;
  unlink: boolean;
  handBack: boolean;
}

interface ViewerScenario {
  jurisdiction: string;
  roles: Role[];
  roomPicks: number[];
  incidentPicks: number[];
  ghost: boolean;
  /** Also try a room outside the viewer's jurisdiction (picked among them), which must be refused. */
  probe: number | null;
}

const incidentScenario: fc.Arbitrary<IncidentScenario> = fc.record({
  lead: fc.constantFrom(...COUNTIES),
  severity: fc.constantFrom(...SEVERITIES),
  supporting: fc.uniqueArray(fc.constantFrom(...COUNTIES), { maxLength: 2 }),
  links: fc.uniqueArray(fc.constantFrom(...COUNTIES), { maxLength: 3 }),
  confirm: fc.boolean(),
  raise: fc.boolean(),
  classify: fc.option(fc.constantFrom(...SEVERITIES), { nil: null }),
  unlink: fc.boolean(),
  handBack: fc.boolean(),
});

const viewerScenario: fc.Arbitrary<ViewerScenario> = fc.record({
  jurisdiction: fc.constantFrom(...ZHAOQING),
  roles: fc.uniqueArray(fc.constantFrom(...ROLES), { minLength: 1, maxLength: 2 }),
  roomPicks: fc.array(fc.nat(), { minLength: 1, maxLength: 3 }),
  incidentPicks: fc.array(fc.nat(), { maxLength: 3 }),
  ghost: fc.boolean(),
  probe: fc.option(fc.nat(), { nil: null }),
});

describe('visibility on the live feed (property-based)', () => {
  let world: World;
  let g: RunningGateway;
  worldPerSuite('gateway_visibility', (w) => (world = w));
  beforeAll(async () => {
    g = await gatewayOf(world);
  });

  const models: IncidentModel[] = [];
  /** commandId → the jurisdictions following the incident before and after that command. */
  const followedBy = new Map<string, Set<string>>();
  let commandCounter = 0;
  /** Events already compared with the model. */
  const checked = new Set<string>();

  /** Sends a command and records, from the model, who followed the incident around it. */
  async function command(m: IncidentModel, actor: Actor, type: string, data: Record<string, unknown>, apply: () => void = () => undefined): Promise<void> {
    const before = models.includes(m) ? followersOf(m) : new Set<string>();
    const commandId = `pv-${++commandCounter}`;
    await act(world, actor, m.id, type, data, commandId);
    apply();
    followedBy.set(commandId, new Set([...before, ...followersOf(m)]));
  }

  /** Phase 1, before the consoles connect: report, supporting jurisdictions, links. */
  async function open(s: IncidentScenario): Promise<IncidentModel> {
    const m: IncidentModel = { id: nextId('pv'), severity: s.severity, lead: s.lead, upper: CITY, linked: new Set(), supporting: new Set(), raisedFrom: [] };
    const county = dutyOfficer(s.lead);
    await command(m, county, 'ReportIncident', { title: `incident ${m.id}`, leadJurisdiction: s.lead, severity: s.severity }, () => linkBySeverity(m));
    models.push(m);
    for (const j of s.supporting) {
      if (j === m.lead || m.supporting.has(j)) continue;
      await command(m, county, 'AddSupportingJurisdiction', { jurisdiction: j }, () => {
        m.supporting.add(j);
        m.linked.delete(j);
      });
    }
    for (const j of s.links) {
      if (followersOf(m).has(j)) continue;
      await command(m, county, 'LinkRoom', { jurisdiction: j }, () => m.linked.add(j));
    }
    return m;
  }

  /** Phase 2, while the consoles watch: confirm, raise, reclassify, unlink, hand back, update. */
  async function evolve(m: IncidentModel, s: IncidentScenario): Promise<void> {
    if (s.confirm) {
      await command(m, dutyOfficer(m.lead), 'BeginVerification', {});
      // the severity it was reported at: confirming it links nobody anew
      await command(m, dutyOfficer(m.lead), 'ConfirmIncident', { severity: m.severity, category: 'natural_disaster' });
    }
    if (s.raise) {
      await command(m, CITY_OFFICER, 'RaiseLead', { reason: 'the county asked the city to lead' }, () => {
        const from = m.lead;
        m.raisedFrom.push({ lead: from, upper: m.upper });
        m.lead = CITY;
        m.upper = upperOf(CITY);
        m.linked.delete(CITY);
        m.supporting.delete(CITY);
        m.supporting.add(from);
        linkBySeverity(m);
      });
    }
    const severity = s.classify;
    if (severity) {
      await command(m, CITY_OFFICER, 'ClassifyIncident', { category: 'accident', severity }, () => {
        // only a severity that changes moves the linkage
        const changed = severity !== m.severity;
        m.severity = severity;
        if (changed) linkBySeverity(m);
      });
    }
    const linkedCounty = [...m.linked].find((j) => (COUNTIES as readonly string[]).includes(j));
    if (s.unlink && linkedCounty) {
      await command(m, CITY_OFFICER, 'UnlinkRoom', { jurisdiction: linkedCounty }, () => m.linked.delete(linkedCounty));
    }
    const previous = m.raisedFrom.at(-1);
    if (s.handBack && previous) {
      await command(m, dutyOfficer(m.lead), 'HandBackLead', { reason: 'the county leads again' }, () => {
        const holder = m.lead;
        m.raisedFrom.pop();
        m.lead = previous.lead;
        m.upper = previous.upper;
        m.supporting.delete(previous.lead);
        m.linked.delete(holder);
        m.linked.delete(previous.lead);
        m.linked.add(holder);
      });
    }
    // the lead room keeps the record up to date (the city follows a county's incident, 以县为主)
    await command(m, dutyOfficer(m.lead), 'UpdateIncidentDetails', { description: 'situation report' });
  }

  /** The model's answer for subscribing to an incident now (may the viewer see it at all?). */
  function modelMayWatch(viewer: string, incidentId: string): boolean {
    const m = models.find((x) => x.id === incidentId);
    if (!m) return false;
    return viewer === PROVINCE || viewer === CITY || followersOf(m).has(viewer);
  }

  it('no console ever receives an event outside the visibility rule, and each receives every event it should', async () => {
    let runs = 0;
    let delivered = 0;
    let refusedIncidents = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(incidentScenario, { minLength: 1, maxLength: 2 }),
        fc.array(viewerScenario, { minLength: 1, maxLength: 4 }),
        async (incidents, viewers) => {
          runs++;
          const opened: { m: IncidentModel; s: IncidentScenario }[] = [];
          for (const s of incidents) opened.push({ m: await open(s), s });

          // Consoles connect and subscribe from the start of the log: their catch-up from PostgreSQL
          // covers every earlier run, and what follows arrives live.
          const watching = await Promise.all(
            viewers.map(async (v) => {
              const actor: Actor = { userId: `viewer-${v.jurisdiction}`, roles: v.roles, jurisdiction: v.jurisdiction };
              const within = roomsWithin(v.jurisdiction);
              const rooms = [...new Set(v.roomPicks.map((i) => within[i % within.length] ?? v.jurisdiction))];
              const picked = [...new Set(v.incidentPicks.map((i) => models[i % models.length]?.id ?? 'none'))];
              const incidentIds = v.ghost ? [...picked, `ghost-${runs}`] : picked;
              const accepted = incidentIds.filter((id) => modelMayWatch(v.jurisdiction, id));
              const refused = incidentIds.filter((id) => !accepted.includes(id));
              const foreign = ZHAOQING.filter((j) => !within.includes(j));
              const probe = v.probe === null ? null : (foreign[v.probe % Math.max(1, foreign.length)] ?? null);
              const c = await consoleOf(world, g, actor, 600);
              c.send({ type: 'subscribe', rooms, incidents: incidentIds, after: START_POSITION });
              if (probe) c.send({ type: 'subscribe', rooms: [probe] });
              const expectedErrors = (refused.length ? 1 : 0) + (probe ? 1 : 0);
              await c.waitFor((x) => x.of('caught_up').length === 1 && x.of('error').length >= expectedErrors, 'caught_up and refusals');
              return { v, c, rooms, accepted, refused, probe };
            }),
          );

          for (const { m, s } of opened) await evolve(m, s);
          const lastWritten = world.last;
          if (!lastWritten) throw new Error('nothing written');
          await drained(world, lastWritten, watching.map((w) => w.c));

          // Every event of every run, as PostgreSQL holds it (each is carried at least to its lead's room).
          const log = await expectedEvents(world.t.db, { rooms: [...ZHAOQING] });
          for (const event of log) {
            if (checked.has(event.eventId)) continue;
            checked.add(event.eventId);
            const followers = followedBy.get(event.meta.commandId.split('.')[0] ?? '');
            expect(followers, `command of ${event.eventId}`).toBeDefined();
            // The recorded lead and rooms agree with the test's model of linkage, for every county.
            for (const county of COUNTIES) {
              expect(oracleSees(county, event), `${county} and ${event.type} of ${incidentOfEvent(event)}`).toBe(followers?.has(county) ?? false);
            }
          }

          for (const { v, c, rooms, accepted, refused, probe } of watching) {
            const viewer = v.jurisdiction;
            const got = c.events;
            delivered += got.length;
            refusedIncidents += refused.length;
            // Safety: zero deliveries outside the rule.
            for (const event of got) expect(oracleSees(viewer, event), `${viewer} received ${event.type} of ${incidentOfEvent(event)} led by ${event.meta.jurisdiction}`).toBe(true);
            // Completeness: every visible event of its rooms and of its accepted incidents, once, in order.
            const inRooms = (e: EventEnvelope) => (e.meta.rooms ?? [e.meta.jurisdiction]).some((r) => rooms.includes(r));
            const required = log.filter((e) => (inRooms(e) || accepted.includes(incidentOfEvent(e))) && oracleSees(viewer, e));
            // A refused incident's visible events may slip in before the refusal: allowed, never required.
            const allowed = new Set(log.filter((e) => refused.includes(incidentOfEvent(e)) && oracleSees(viewer, e)).map((e) => e.eventId));
            expectIncreasing(got);
            const requiredIds = new Set(required.map((e) => e.eventId));
            expect(got.filter((e) => !requiredIds.has(e.eventId) && !allowed.has(e.eventId)).map((e) => e.type)).toEqual([]);
            const gotIds = new Set(got.map((e) => e.eventId));
            expect(required.filter((e) => !gotIds.has(e.eventId)).map((e) => `${e.type} of ${incidentOfEvent(e)}`), `${viewer} missing`).toEqual([]);
            // Refusals: typed, one per refused frame, and only where the model refuses.
            const errors = c.of('error');
            expect(errors.every((e) => e.code === 'forbidden')).toBe(true);
            expect(errors.filter((e) => e.issues?.[0]?.path === 'rooms').length).toBe(probe ? 1 : 0);
            expect(errors.filter((e) => e.issues?.[0]?.path === 'incidents').length).toBe(refused.length ? 1 : 0);
          }
          await Promise.all(watching.map((w) => w.c.close()));
          world.consoles.length = 0;
        },
      ),
      { numRuns: 18, endOnFailure: true },
    );
    expect(runs).toBe(18);
    // The property cannot pass by delivering nothing, nor by refusing everything.
    expect(delivered).toBeGreaterThan(0);
    expect(refusedIncidents).toBeGreaterThan(0);
  });
});
