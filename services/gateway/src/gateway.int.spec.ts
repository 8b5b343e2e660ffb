import { START_POSITION, WS_CLOSE_CODE, WS_SESSION_CLOSE_CODE, comparePositions, type EventEnvelope } from '@muster/contracts';
import type { Actor } from '@muster/domain';
import { timersActor, type Engine } from '@muster/engine';
import { testToken, type TestDatabase } from '@muster/testkit';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { postgresLogReader, type RunningGateway } from './gateway';
import type { LogReader } from './session';
import { gatewayTest, type LaunchGateway, type OpenConsole } from './test-fixtures';
import { TestConsole, expectedEvents, until, type TestRelay } from './test-harness';

/** A city duty officer: may watch the city room and every county room below it. */
const actor = { userId: 'duty-1', roles: ['duty_officer' as const], jurisdiction: '441200' };
const DINGHU = '441203';
const SIHUI = '441284';
const CITY = '441200';
/** The duty officer of a lead room: the county runs its own incident (以县为主); the city reports and watches. */
const dutyOf = (jurisdiction: string) => ({ userId: `duty-${jurisdiction}`, roles: ['duty_officer' as const], jurisdiction });

let t: TestDatabase;
let engine: Engine;
let relay: TestRelay;
let token: string;
let gateway: LaunchGateway;
let openConsole: OpenConsole;

gatewayTest.beforeAll(async ({ database, engine: fileEngine, relay: fileRelay, launchGateway, openConsole: opener }) => {
  [t, engine, relay, gateway, openConsole] = [database, fileEngine, fileRelay, launchGateway, opener];
  token = await testToken(actor);
});

const open = (g: RunningGateway): Promise<TestConsole> => openConsole(g, token);

let incidentCounter = 0;
const roomOf = new Map<string, string>();
/** Events the engine appended per room, counted from its answers (a command may add derived events). */
const appendedIn = new Map<string, number>();
const appended = (room: string) => appendedIn.get(room) ?? 0;
function count(room: string, events: number): void {
  appendedIn.set(room, appended(room) + events);
}

async function report(jurisdiction: string, prefix = 'inc'): Promise<string> {
  const id = `${prefix}-${++incidentCounter}`;
  const result = await engine.handle({ streamType: 'incident', streamId: id, type: 'ReportIncident', data: { title: `incident ${id}`, leadJurisdiction: jurisdiction }, actor });
  roomOf.set(id, jurisdiction);
  count(jurisdiction, result.events.length);
  return id;
}

async function update(id: string, note: string): Promise<void> {
  const result = await engine.handle({ streamType: 'incident', streamId: id, type: 'UpdateIncidentDetails', data: { description: note }, actor: dutyOf(roomOf.get(id) ?? '') });
  count(roomOf.get(id) ?? '', result.events.length);
}

/** Positions strictly increasing, and equal to what the log holds for the subscription. */
function expectExactly(received: EventEnvelope[], expected: EventEnvelope[]): void {
  for (let i = 1; i < received.length; i++) {
    const previous = received[i - 1];
    const current = received[i];
    if (previous && current) expect(comparePositions(current.position, previous.position), `event ${i} after ${i - 1}`).toBeGreaterThan(0);
  }
  expect(received.map((e) => e.eventId)).toEqual(expected.map((e) => e.eventId));
}

/**
 * The position after every event written so far. Waits until all of them are readable first: the
 * commit-safe horizon is cluster-wide, and a transaction open in another test's database holds it back.
 */
async function headPosition(): Promise<string> {
  const total = [...appendedIn.values()].reduce((a, b) => a + b, 0);
  const deadline = Date.now() + 30_000;
  for (;;) {
    const all = await expectedEvents(t.db, { rooms: [DINGHU, SIHUI, CITY] });
    if (all.length >= total) return all.at(-1)?.position ?? START_POSITION;
    if (Date.now() > deadline) throw new Error(`only ${all.length} of ${total} written events readable`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * Writes one more event to `room` and waits until `console` has it. The marker commits after every
 * earlier write, so once it is readable so are they: only then is the log a fair expectation (an open
 * transaction anywhere on the server holds the commit-safe horizon back for a while).
 */
async function settle(console: TestConsole, room: string): Promise<string> {
  const marker = await report(room, 'marker');
  await console.waitFor((c) => c.events.some((e) => e.streamId === marker), `marker ${marker}`);
  return marker;
}

describe('live delivery', () => {
  it('sends a room subscriber every event of its room once, in log order, and nothing else', async () => {
    const g = await gateway();
    const room = await open(g);
    room.send({ type: 'subscribe', rooms: [DINGHU] });
    await room.waitFor((c) => c.of('caught_up').length === 1, 'caught_up');
    const start = room.of('caught_up')[0]?.position ?? START_POSITION;
    const before = appended(DINGHU);

    const ids = await Promise.all([report(DINGHU), report(DINGHU), report(SIHUI), report(DINGHU)]);
    await Promise.all(ids.map((id, i) => update(id, `update ${i}`)));
    await settle(room, DINGHU);
    const expected = await expectedEvents(t.db, { rooms: [DINGHU] }, start);
    expect(expected.length).toBe(appended(DINGHU) - before);
    await room.waitFor((c) => c.events.length >= expected.length, `${expected.length} events`);
    expectExactly(room.events, expected);
    expect(room.events.every((e) => (e.meta.rooms ?? [e.meta.jurisdiction]).includes(DINGHU))).toBe(true);
    for (const frame of room.of('event')) expect(frame.position).toBe(frame.event.position);
  });

  it('keeps drill (演练) events off a room feed unless it asks for drills; a watched drill incident carries them', async () => {
    const g = await gateway();
    const real = await open(g);
    const withDrills = await open(g);
    real.send({ type: 'subscribe', rooms: [DINGHU] });
    withDrills.send({ type: 'subscribe', rooms: [DINGHU], drills: true });
    await Promise.all([real, withDrills].map((c) => c.waitFor((x) => x.of('caught_up').length === 1, 'caught_up')));

    const drillId = `drill-${++incidentCounter}`;
    const drill = await engine.handle({ streamType: 'incident', streamId: drillId, type: 'ReportIncident', data: { title: '演练：堤防管涌', leadJurisdiction: DINGHU, exercise: true }, actor });
    count(DINGHU, drill.events.length);
    roomOf.set(drillId, DINGHU);
    const watcher = await open(g);
    watcher.send({ type: 'subscribe', incidents: [drillId], after: START_POSITION });
    const realId = await report(DINGHU);
    await update(drillId, 'drill update');
    await Promise.all([real, withDrills].map((c) => settle(c, DINGHU)));
    await watcher.waitFor((c) => c.events.filter((e) => e.streamId === drillId).length === 2, 'the drill incident’s two events');

    const of = (c: TestConsole, id: string) => c.events.filter((e) => e.streamId === id).length;
    expect([of(real, drillId), of(real, realId)]).toStrictEqual([0, 1]);
    expect(real.events.some((e) => e.meta.exercise)).toBe(false);
    expect([of(withDrills, drillId), of(withDrills, realId)]).toStrictEqual([2, 1]);
    expect(watcher.events.every((e) => e.meta.exercise && e.streamId === drillId)).toBe(true);
  });

  it('gives a drill’s participants its events they may see live, never the MSEL or an expected action before the end; the controller everything', async () => {
    const g = await gateway();
    const controller = await open(g);
    const player = await openConsole(g, await testToken(dutyOf(DINGHU)));
    const outsider = await openConsole(g, await testToken(dutyOf(SIHUI)));
    controller.send({ type: 'subscribe', rooms: [CITY], drills: true });
    player.send({ type: 'subscribe', rooms: [DINGHU], drills: true });
    outsider.send({ type: 'subscribe', rooms: [SIHUI], drills: true });
    await Promise.all([controller, player, outsider].map((c) => c.waitFor((x) => x.of('caught_up').length === 1, 'caught_up')));

    const streamId = `drill:gw-${++incidentCounter}`;
    const dueAt = new Date(Date.now() + 10 * 60_000).toISOString();
    const drill = async (type: string, data: Record<string, unknown> = {}, as: Actor = actor) => {
      const system = as.userId === timersActor(CITY).userId ? { system: 'timers' as const } : {};
      const result = await engine.handle({ streamType: 'drill', streamId, type, data, actor: as, ...system });
      count(CITY, result.events.length);
    };
    // Double-blind: the MSEL and what the controller expects of the players are the controller's alone.
    await drill('PlanDrill', {
      title: '鼎湖区堤防管涌双盲演练',
      kind: 'tabletop',
      doubleBlind: true,
      participants: [DINGHU],
      objectives: ['30 分钟内初报'],
      scenario: '西江水位上涨，堤防出现管涌',
      injects: [{ injectId: 'i-1', kind: 'sceneReport', dueAt, content: '现场报告：堤脚冒水', expectedAction: '预期：任命现场指挥' }],
    });
    const incidentId = `drill-${++incidentCounter}`;
    count(DINGHU, (await engine.handle({ streamType: 'incident', streamId: incidentId, type: 'ReportIncident', data: { title: '演练：堤防管涌', leadJurisdiction: DINGHU, exercise: true }, actor })).events.length);
    await drill('StartDrill');
    await drill('LinkDrillIncident', { incidentId });
    await drill('AddInject', { inject: { injectId: 'i-2', kind: 'sensorAlarm', dueAt, content: '水位站报警', expectedAction: '预期：组织转移' } });
    await drill('PauseInjects', { reason: '调整节奏' });
    await drill('ResumeInjects');
    await drill('DeadlinePassed', { key: 'inject:i-1', dueAt, incidentId }, timersActor(CITY));
    await drill('EndDrill');
    await drill('RecordHotWash', { note: '通信顺畅' }, dutyOf(DINGHU));

    const types = (c: TestConsole) => c.events.filter((e) => e.streamId === streamId).map((e) => e.type);
    await player.waitFor((c) => types(c).includes('HotWashRecorded'), 'the hot wash, live');
    await controller.waitFor((c) => types(c).includes('HotWashRecorded'), 'the hot wash, live');
    await Promise.all([player, outsider].map((c) => settle(c, c === player ? DINGHU : SIHUI)));
    expect(types(player)).toStrictEqual(['DrillStarted', 'DrillIncidentLinked', 'InjectDelivered', 'DrillEnded', 'HotWashRecorded']);
    expect(types(controller)).toStrictEqual([
      'DrillPlanned',
      'DrillStarted',
      'DrillIncidentLinked',
      'InjectAdded',
      'InjectsPaused',
      'InjectsResumed',
      'InjectDelivered',
      'DrillEnded',
      'HotWashRecorded',
    ]);
    // What the players were sent holds nothing of the plan: no expected action, no scenario, no undelivered inject.
    const sent = JSON.stringify(player.events.filter((e) => e.streamId === streamId));
    for (const secret of ['预期', '西江水位', '水位站报警', 'i-2']) expect(sent).not.toContain(secret);
    expect(player.events.find((e) => e.type === 'InjectDelivered')?.data).toMatchObject({ content: '现场报告：堤脚冒水', incidentId });
    expect(player.events.filter((e) => e.streamId === streamId).every((e) => e.meta.exercise && e.meta.drillId === streamId.slice('drill:'.length))).toBe(true);
    // A room outside the drill gets none of it, drills asked for or not.
    expect(types(outsider)).toStrictEqual([]);
    // A room feed without `drills` gets none of it either.
    const real = await openConsole(g, await testToken(dutyOf(DINGHU)));
    real.send({ type: 'subscribe', rooms: [DINGHU], after: START_POSITION });
    await settle(real, DINGHU);
    expect(types(real)).toStrictEqual([]);
  });

  it('sends an event that matches both a room and an incident of the subscription once', async () => {
    const g = await gateway();
    const id = await report(DINGHU);
    const both = await open(g);
    const start = await headPosition();
    both.send({ type: 'subscribe', rooms: [DINGHU], incidents: [id], after: start });
    const other = await report(SIHUI);
    // A subscribe during a catch-up supersedes it (only the last one ends in caught_up), so wait.
    await both.waitFor((c) => c.of('caught_up').length === 1, 'first caught_up');
    both.send({ type: 'subscribe', incidents: [other] });
    await both.waitFor((c) => c.of('caught_up').length === 2, 'second caught_up');
    await update(id, 'both match');
    await update(other, 'incident only');
    await report(SIHUI); // in neither
    await settle(both, DINGHU);
    const expected = await expectedEvents(t.db, { rooms: [DINGHU], incidents: [id, other] }, start);
    await both.waitFor((c) => c.events.length >= expected.length, 'events');
    expectExactly(both.events, expected);
    // The update of `id` is in the room and is the watched incident: it arrives once.
    expect(both.events.filter((e) => e.streamId === id && e.version === 2)).toHaveLength(1);
  });

  it('follows the rooms an event is carried to (linkage) and every stream of a watched incident', async () => {
    const g = await gateway();
    const start = await headPosition();
    const city = await open(g);
    city.send({ type: 'subscribe', rooms: [CITY], after: start });
    const id = `linked-${++incidentCounter}`;
    await city.waitFor((c) => c.of('caught_up').length === 1, 'city caught_up');
    // An incident is watched once it exists (the gateway checks the viewer may see it); `after`
    // brings its report from PostgreSQL.
    const reported = await engine.handle({ streamType: 'incident', streamId: id, type: 'ReportIncident', data: { title: 'Landslide', leadJurisdiction: SIHUI }, actor });
    count(SIHUI, reported.events.length);
    const watcher = await open(g);
    watcher.send({ type: 'subscribe', incidents: [id], after: start });
    await watcher.waitFor((c) => c.of('caught_up').length === 1, 'watcher caught_up');

    const sihuiOfficer = { userId: 'duty-2', roles: ['duty_officer' as const], jurisdiction: SIHUI };
    const steps = [
      { streamType: 'incident', streamId: id, type: 'BeginVerification', data: {}, actor: sihuiOfficer },
      // Severity III links the city room: from here on the incident's events are carried to it too.
      { streamType: 'incident', streamId: id, type: 'ConfirmIncident', data: { severity: 'III' }, actor: sihuiOfficer },
      // The on-scene command is a stream of its own that belongs to the incident.
      { streamType: 'scene', streamId: `scene:${id}`, type: 'AssumeProvisionalCommand', data: { commander: { userId: 'duty-2', name: 'Chen' } }, actor: sihuiOfficer },
    ];
    let last = '';
    for (const step of steps) {
      const result = await engine.handle(step);
      count(SIHUI, result.events.length);
      last = result.events.at(-1)?.eventId ?? last;
    }
    await watcher.waitFor((c) => c.events.some((e) => e.eventId === last), 'the scene stream event on the incident console');
    await city.waitFor((c) => c.events.some((e) => e.eventId === last), 'the scene stream event in the city room');

    const ofIncident = await expectedEvents(t.db, { incidents: [id] }, start);
    expectExactly(watcher.events, ofIncident);
    // The incident's own stream, its on-scene command, and whatever else belongs to it (report obligations).
    expect([...new Set(watcher.events.map((e) => e.streamType))]).toEqual(expect.arrayContaining(['incident', 'scene']));
    const inCity = await expectedEvents(t.db, { rooms: [CITY] }, start);
    expectExactly(city.events, inCity);
    expect(city.events.map((e) => e.type)).not.toContain('IncidentReported');
    expect(city.events.every((e) => e.meta.jurisdiction === SIHUI && (e.meta.rooms ?? []).includes(CITY))).toBe(true);
  });

  it('stops sending the events of an unsubscribed room', async () => {
    const g = await gateway();
    const c = await open(g);
    c.send({ type: 'subscribe', rooms: [DINGHU, SIHUI] });
    await c.waitFor((x) => x.of('caught_up').length === 1, 'caught_up');
    c.send({ type: 'unsubscribe', rooms: [SIHUI] });
    c.send({ type: 'ping' });
    await c.waitFor((x) => x.of('pong').length === 1, 'pong');
    await report(SIHUI);
    await settle(c, DINGHU);
    expect(c.events.map((e) => e.meta.jurisdiction)).toEqual([DINGHU]);
  });
});

/**
 * The real PostgreSQL reader, except that one chosen read is held — before it queries or after it
 * has its rows — until the test releases it. That makes the moments around the switch from
 * PostgreSQL to live happen on demand instead of by luck.
 */
function gatedReader(): { reader: LogReader; hold(at: 'before' | 'after'): { reached: Promise<void>; release(): void } } {
  const real = postgresLogReader(t.db);
  let gate: { at: 'before' | 'after'; reached(): void; released: Promise<void> } | null = null;
  return {
    reader: {
      head: () => real.head(),
      async readPage(after, limit, rooms, incidents) {
        const g = gate;
        gate = null;
        if (g?.at === 'before') {
          g.reached();
          await g.released;
        }
        const page = await real.readPage(after, limit, rooms, incidents);
        if (g?.at === 'after') {
          g.reached();
          await g.released;
        }
        return page;
      },
    },
    hold(at) {
      let reached = () => undefined as void;
      let release = () => undefined as void;
      const reachedPromise = new Promise<void>((resolve) => (reached = resolve));
      const released = new Promise<void>((resolve) => (release = resolve));
      gate = { at, reached, released };
      return { reached: reachedPromise, release };
    },
  };
}

describe('reconnect storm', () => {
  it('consoles resuming together from one position share catch-up queries and each get every event once, in order', async () => {
    // One query at a time, so the consoles that ask while it runs queue up and share the next one.
    // The 40 consoles share one test token: lift the per-user socket cap (8 by default) for them.
    const g = await gateway({ maxConcurrentReads: 1, pageSize: 20, maxSocketsPerUser: 40 });
    const start = await headPosition();
    for (let i = 0; i < 5; i++) await report(DINGHU);
    const id = await report(DINGHU);
    for (let i = 0; i < 40; i++) await update(id, `while away ${i}`);
    await headPosition();
    const crowd = await Promise.all(Array.from({ length: 40 }, () => open(g)));
    const before = g.stats();
    for (const c of crowd) c.send({ type: 'subscribe', rooms: [DINGHU], after: start });
    // Live events keep landing during the storm.
    const landing = (async () => {
      for (let i = 0; i < 5; i++) await update(id, `during the storm ${i}`);
    })();
    await Promise.all(crowd.map((c) => c.waitFor((x) => x.of('caught_up').length === 1, 'caught_up')));
    await landing;
    const marker = await report(DINGHU, 'marker');
    await Promise.all(crowd.map((c) => c.waitFor((x) => x.events.some((e) => e.streamId === marker), `marker ${marker}`)));
    const expected = await expectedEvents(t.db, { rooms: [DINGHU] }, start);
    expect(expected.length).toBeGreaterThan(50);
    for (const c of crowd) expectExactly(c.events, expected);
    const after = g.stats();
    const pages = after.catchUpPagesRead - before.catchUpPagesRead;
    const queries = after.catchUpQueries - before.catchUpQueries;
    expect(pages).toBeGreaterThanOrEqual(crowd.length * 3);
    expect(queries, `${queries} queries for ${pages} pages`).toBeLessThan(pages / 2);
  });
});

describe('switching from PostgreSQL to live', () => {
  it('delivers events committed while the last page is in flight (no window between the read and live)', async () => {
    const gated = gatedReader();
    const g = await gateway({ log: gated.reader });
    const start = await headPosition();
    const before = appended(DINGHU);
    await Promise.all([report(DINGHU), report(DINGHU)]);
    const c = await open(g);
    const held = gated.hold('after');
    c.send({ type: 'subscribe', rooms: [DINGHU], after: start });
    await held.reached;
    // The page is read; these land after it and before the session goes live.
    await report(DINGHU);
    await report(DINGHU);
    await until(() => (g.sessions()[0]?.pending ?? 0) >= 2, 'two live events buffered during catch-up');
    held.release();
    await c.waitFor((x) => x.of('caught_up').length === 1, 'caught_up');
    await settle(c, DINGHU);
    const expected = await expectedEvents(t.db, { rooms: [DINGHU] }, start);
    expect(expected.length).toBe(appended(DINGHU) - before);
    expectExactly(c.events, expected);
  });

  it('sends an event that is both in a page and in the live buffer once', async () => {
    const gated = gatedReader();
    const g = await gateway({ log: gated.reader });
    const start = await headPosition();
    const before = appended(DINGHU);
    const c = await open(g);
    const held = gated.hold('before');
    c.send({ type: 'subscribe', rooms: [DINGHU], after: start });
    await held.reached;
    // Buffered live, and then (committed and below the horizon) read by the held query as well.
    await report(DINGHU);
    await report(DINGHU);
    await until(() => (g.sessions()[0]?.pending ?? 0) >= 2, 'two live events buffered during catch-up');
    const droppedBefore = g.stats().duplicatesDropped;
    held.release();
    await c.waitFor((x) => x.of('caught_up').length === 1, 'caught_up');
    await settle(c, DINGHU);
    const expected = await expectedEvents(t.db, { rooms: [DINGHU] }, start);
    expect(expected.length).toBe(appended(DINGHU) - before);
    expectExactly(c.events, expected);
    expect(g.stats().duplicatesDropped - droppedBefore).toBeGreaterThanOrEqual(2);
  });
});

describe('resume', () => {
  it('resumes after a drop from PostgreSQL with no gap and no duplicate, while commands keep landing', async () => {
    const g = await gateway({ pageSize: 7 });
    const start = await headPosition();
    const before = appended(DINGHU);
    const ids = await Promise.all(Array.from({ length: 5 }, () => report(DINGHU)));
    for (let round = 0; round < 4; round++) await Promise.all(ids.map((id) => update(id, `round ${round}`)));
    const history = appended(DINGHU) - before;

    const first = await open(g);
    first.send({ type: 'subscribe', rooms: [DINGHU], after: start });
    // caught_up means "up to the commit-safe horizon": an open transaction anywhere on the server
    // holds it back, and the rest then comes live. Either way all of them arrive.
    await first.waitFor((c) => c.of('caught_up').length === 1 && c.events.length === history, `first ${history} events`);
    const cut = first.events.length;
    first.socket.terminate();

    // Written while the console is away, and while it catches up again: the switch from PostgreSQL
    // to live must lose and repeat nothing, whatever the interleaving.
    let writing = true;
    const writer = (async () => {
      let n = 0;
      while (writing || n < 30) {
        const id = ids[n % ids.length];
        if (id) await update(id, `away ${n}`);
        n++;
      }
    })();
    await until(() => relay.position() !== start, 'some progress');
    const second = await open(g);
    second.send({ type: 'subscribe', rooms: [DINGHU], after: first.lastPosition });
    await second.waitFor((c) => c.of('caught_up').length === 1, 'second catch-up');
    writing = false;
    await writer;

    await settle(second, DINGHU);
    const expected = await expectedEvents(t.db, { rooms: [DINGHU] }, start);
    await second.waitFor((c) => cut + c.events.length >= expected.length, 'all events');
    expectExactly([...first.events, ...second.events], expected);
  });

  it('starts at the head of the log when the first subscribe has no position', async () => {
    const g = await gateway();
    const before = await headPosition();
    await report(DINGHU);
    const head = await headPosition();
    await until(() => relay.position() === head, 'relay at head');
    const c = await open(g);
    c.send({ type: 'subscribe', rooms: [DINGHU] });
    await c.waitFor((x) => x.of('caught_up').length === 1, 'caught_up');
    // At or after the head the test saw (other writes may have become readable since), never before it.
    expect(comparePositions(c.of('caught_up')[0]?.position ?? START_POSITION, head)).toBeGreaterThanOrEqual(0);
    // Nothing of the log before this test: the earlier tests' Dinghu events are not replayed. The
    // gateway starts at the commit-safe head, which a transaction open anywhere on the PostgreSQL
    // server (another test file's database) may hold just behind the latest write: this test's own
    // report may then still come, as catch-up.
    expect(c.events.filter((e) => comparePositions(e.position, before) <= 0)).toEqual([]);
    expect(c.events.length).toBeLessThanOrEqual(1);
  });

  it('closes every console with its resume position when the gateway stops, and a new gateway resumes it', async () => {
    const first = await gateway();
    const start = await headPosition();
    const c = await open(first);
    c.send({ type: 'subscribe', rooms: [SIHUI], after: start });
    await c.waitFor((x) => x.of('caught_up').length === 1, 'caught_up');
    const id = await report(SIHUI);
    await c.waitFor((x) => x.events.length === 1, 'one event');
    await first.close();
    const { code } = await c.closed;
    expect(code).toBe(WS_SESSION_CLOSE_CODE.going_away);
    const closing = c.of('closing')[0];
    expect(closing).toMatchObject({ code: WS_SESSION_CLOSE_CODE.going_away, resumeFrom: c.lastPosition });

    await update(id, 'while no gateway runs');
    const second = await gateway({ port: first.port });
    expect(second.url).toBe(first.url);
    const again = await open(second);
    again.send({ type: 'subscribe', rooms: [SIHUI], after: closing?.resumeFrom });
    await settle(again, SIHUI);
    const expected = await expectedEvents(t.db, { rooms: [SIHUI] }, start);
    await again.waitFor((x) => 1 + x.events.length >= expected.length, 'resumed');
    expectExactly([...c.events, ...again.events], expected);
  });
});

describe('bad input', () => {
  it('answers each bad frame with an error frame and keeps serving the connection and the others', async () => {
    const g = await gateway();
    const bad = await open(g);
    const good = await open(g);
    good.send({ type: 'subscribe', rooms: [DINGHU] });
    await good.waitFor((c) => c.of('caught_up').length === 1, 'good caught_up');

    bad.send('not json {');
    bad.send({ type: 'launch' });
    bad.send({ type: 'subscribe', rooms: ['4412'] });
    bad.send({ type: 'subscribe', rooms: [DINGHU], after: '12' });
    bad.send({ type: 'subscribe', incidents: ['a.b'] });
    bad.send({ type: 'subscribe', rooms: [DINGHU], extra: true });
    bad.send({ type: 'subscribe', rooms: Array.from({ length: 101 }, (_, i) => String(441200 + i)) });
    bad.socket.send(Buffer.from([1, 2, 3]), { binary: true });
    await bad.waitFor((c) => c.of('error').length === 8, 'eight error frames');
    expect(bad.of('error').map((e) => e.code)).toEqual([
      'malformed',
      'validation',
      'validation',
      'validation',
      'validation',
      'validation',
      'validation',
      'unsupported_media_type',
    ]);
    expect(bad.of('error')[2]?.issues?.[0]?.path).toBe('rooms.0');
    expect(bad.of('error')[3]?.issues?.[0]?.path).toBe('after');

    // Still served: it can subscribe and receives events, as does the other console.
    bad.send({ type: 'subscribe', rooms: [DINGHU] });
    await bad.waitFor((c) => c.of('caught_up').length === 1, 'bad caught_up');
    const id = await report(DINGHU);
    await bad.waitFor((c) => c.events.some((e) => e.streamId === id), 'event on the bad console');
    await good.waitFor((c) => c.events.some((e) => e.streamId === id), 'event on the good console');
    expect(bad.invalid).toEqual([]);
  });

  it('refuses a subscribe that would exceed the topics of a connection and keeps the subscription as it was', async () => {
    const g = await gateway({ maxTopics: 3 });
    const c = await open(g);
    c.send({ type: 'subscribe', rooms: [DINGHU, SIHUI] });
    await c.waitFor((x) => x.of('caught_up').length === 1, 'caught_up');
    c.send({ type: 'subscribe', incidents: ['a-1', 'a-2'] });
    await c.waitFor((x) => x.of('error').length === 1, 'error frame');
    expect(c.of('error')[0]).toMatchObject({ code: 'validation', issues: [{ path: 'incidents' }] });
    expect(g.sessions()[0]?.topics).toBe(2);
    await settle(c, SIHUI);
  });

  it('closes a console that keeps sending bad frames, with a code from WS_CLOSE_CODE', async () => {
    const g = await gateway({ maxInvalidFrames: 3 });
    const c = await open(g);
    for (let i = 0; i < 5; i++) c.send('{{{');
    const { code, reason } = await c.closed;
    expect(code).toBe(WS_CLOSE_CODE.malformed);
    expect(reason).toBe('too many invalid frames');
    expect(c.of('error')).toHaveLength(3);
    expect(c.of('closing')[0]).toMatchObject({ code: WS_CLOSE_CODE.malformed, resumeFrom: START_POSITION });
  });

  it('closes a console that floods frames as rate limited', async () => {
    const g = await gateway({ frameBurst: 10, framesPerSecond: 1 });
    const c = await open(g);
    for (let i = 0; i < 200; i++) c.send({ type: 'ping' });
    const { code } = await c.closed;
    expect(code).toBe(WS_CLOSE_CODE.rate_limited);
    expect(c.of('pong').length).toBeGreaterThanOrEqual(10);
    expect(c.of('pong').length).toBeLessThan(200);
  });

  it('closes a console that sends a frame over maxPayload (1009) and keeps serving others', async () => {
    const g = await gateway({ maxPayload: 1024 });
    const big = await open(g);
    const other = await open(g);
    big.send({ type: 'subscribe', incidents: ['x'.repeat(2000)] });
    const { code } = await big.closed;
    expect(code).toBe(1009);
    other.send({ type: 'ping' });
    await other.waitFor((c) => c.of('pong').length === 1, 'pong from the other console');
  });

  it('refuses upgrades outside /ws', async () => {
    const g = await gateway();
    const socket = new WebSocket(g.url.replace('/ws', '/nope'));
    const outcome = await new Promise<string>((resolve) => {
      socket.once('open', () => resolve('open'));
      socket.once('error', (error) => resolve(error.message));
    });
    expect(outcome).toContain('404');
  });
});

describe('heartbeat', () => {
  it('terminates a console that does not answer pings', async () => {
    const g = await gateway({ heartbeatIntervalMs: 50 });
    // A console that is connected but never answers a ping, as one behind a dead network path.
    const c = await openConsole(g, token, { autoPong: false });
    const { code } = await c.closed;
    // Terminated, not closed: the console sees an abnormal closure.
    expect(code).toBe(1006);
    await until(() => g.sessions().length === 0, 'session removed');
  });
});
