import { START_POSITION, WS_SESSION_CLOSE_CODE, comparePositions, type EventEnvelope } from '@muster/contracts';
import type { Engine, InProcessEventBus } from '@muster/engine';
import { testToken, type TestDatabase } from '@muster/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from './gateway';
import { gatewayTest, type LaunchGateway, type OpenConsole } from './test-fixtures';
import { RawConsole, expectedEvents, until } from './test-harness';

const actor = { userId: 'duty-1', roles: ['duty_officer' as const], jurisdiction: '441200' };
const ROOM = '441203';
/** Big events fill socket buffers with few commands: about 9 KB of frame each. */
const FILLER = 'x'.repeat(9_000);
const MAX_BUFFERED = 128 * 1024;
/** One frame may push a socket past the bound before the next send sees it. */
const FRAME_ALLOWANCE = 16 * 1024;

let t: TestDatabase;
let engine: Engine;
let bus: InProcessEventBus;
/** The city duty officer's token: the room used here is a county below the city. */
let token: string;
let launch: LaunchGateway;
let openConsole: OpenConsole;
const raws: RawConsole[] = [];

gatewayTest.beforeAll(async ({ database, engine: fileEngine, bus: fileBus, launchGateway, openConsole: opener }) => {
  [t, engine, bus, launch, openConsole] = [database, fileEngine, fileBus, launchGateway, opener];
  token = await testToken(actor);
});

afterAll(() => {
  for (const raw of raws) raw.destroy();
});

let counter = 0;
async function reportBig(): Promise<string> {
  const id = `big-${++counter}`;
  await engine.handle({
    streamType: 'incident',
    streamId: id,
    type: 'ReportIncident',
    data: { title: `incident ${id}`, description: FILLER, leadJurisdiction: ROOM },
    actor,
  });
  return id;
}

function increasing(events: EventEnvelope[]): boolean {
  return events.every((e, i) => i === 0 || comparePositions(e.position, events[i - 1]?.position ?? START_POSITION) > 0);
}

function startBounded(options: { catchUpBufferLimit?: number } = {}): Promise<RunningGateway> {
  return launch({
    maxBufferedBytes: MAX_BUFFERED,
    // Long enough that the stalled console can still read its closing frame when the test lets it.
    closeGraceMs: 60_000,
    ...options,
  });
}

describe('a console that stops reading', () => {
  it('is closed with its resume position while another console keeps receiving, and memory stays bounded', async () => {
    const g = await startBounded();
    const start = (await expectedEvents(t.db, { rooms: [ROOM] })).at(-1)?.position ?? START_POSITION;

    const slow = await RawConsole.open(g.url, { token });
    raws.push(slow);
    slow.sendText(JSON.stringify({ type: 'subscribe', rooms: [ROOM], after: start }));
    await until(() => slow.frames.some((f) => f.type === 'caught_up'), 'slow console caught up');
    const fast = await openConsole(g, token);
    fast.send({ type: 'subscribe', rooms: [ROOM], after: start });
    await fast.waitFor((c) => c.of('caught_up').length === 1, 'fast console caught up');

    slow.pause();
    // Write until the gateway gives up on the stalled console: kernel buffers absorb a few MB first.
    let written = 0;
    while (g.stats().slowConsumersClosed === 0) {
      await Promise.all(Array.from({ length: 10 }, () => reportBig()));
      written += 10;
      expect(written, 'the slow console should have been closed by now').toBeLessThan(3_000);
    }
    await Promise.all(Array.from({ length: 10 }, () => reportBig()));
    // Written last, so once the fast console has it every earlier event is readable too (an open
    // transaction anywhere on the server can hold the commit-safe horizon back for a while).
    const marker = await reportBig();
    await fast.waitFor((c) => c.events.some((e) => e.streamId === marker), 'marker on the fast console');

    // The other console got everything, while the slow one still has not read a byte.
    const expected = await expectedEvents(t.db, { rooms: [ROOM] }, start);
    await fast.waitFor((c) => c.events.length >= expected.length, `fast console to receive all ${expected.length} events`);
    expect(fast.events.map((e) => e.eventId)).toEqual(expected.map((e) => e.eventId));
    expect(slow.ended).toBe(false);

    // Bounded: no socket ever held more than the bound plus one frame; the slow session is gone.
    const stats = g.stats();
    expect(stats.peakBufferedBytes).toBeLessThanOrEqual(MAX_BUFFERED + FRAME_ALLOWANCE);
    expect(g.sessions().map((s) => s.id)).toHaveLength(1);

    // Reading again, the slow console finds its events in order, then the closing frame that names
    // the last of them, then the close code.
    slow.resume();
    await until(() => slow.closeCode !== undefined, 'close frame');
    expect(slow.closeCode).toBe(WS_SESSION_CLOSE_CODE.slow_consumer);
    const closing = slow.frames.find((f) => f.type === 'closing');
    const got = slow.events;
    expect(increasing(got)).toBe(true);
    expect(got.length).toBeGreaterThan(0);
    expect(got.length).toBeLessThan(expected.length);
    expect(closing).toMatchObject({ type: 'closing', code: WS_SESSION_CLOSE_CODE.slow_consumer, reason: 'slow_consumer', resumeFrom: got.at(-1)?.position });
    expect(slow.frames.at(-1)?.type).toBe('closing');

    // Resuming from there yields exactly the rest.
    const again = await openConsole(g, token);
    again.send({ type: 'subscribe', rooms: [ROOM], after: closing?.type === 'closing' ? closing.resumeFrom : START_POSITION });
    await again.waitFor((c) => c.of('caught_up').length === 1, 'resumed console caught up');
    expect([...got, ...again.events].map((e) => e.eventId)).toEqual(expected.map((e) => e.eventId));
  });

  it('is closed when live events overflow its catch-up buffer, holding no more than the limit', async () => {
    const limit = 5;
    const g = await startBounded({ catchUpBufferLimit: limit });
    // Catch-up over the megabytes written above stalls on the paused socket (it waits for the console
    // to read, holding one page at most); live events meanwhile go to the bounded buffer.
    const slow = await RawConsole.open(g.url, { token });
    raws.push(slow);
    slow.pause();
    slow.sendText(JSON.stringify({ type: 'subscribe', rooms: [ROOM], after: START_POSITION }));
    await until(() => g.sessions()[0]?.mode === 'catching_up' && (g.sessions()[0]?.bufferedAmount ?? 0) > MAX_BUFFERED, 'catch-up stalled');

    while (g.stats().slowConsumersClosed === 0) {
      await reportBig();
    }
    expect(g.stats().peakCatchUpBuffer).toBe(limit);
    expect(g.stats().peakBufferedBytes).toBeLessThanOrEqual(MAX_BUFFERED + FRAME_ALLOWANCE);
    expect(g.sessions()).toHaveLength(0);

    slow.resume();
    await until(() => slow.closeCode !== undefined, 'close frame');
    expect(slow.closeCode).toBe(WS_SESSION_CLOSE_CODE.slow_consumer);
    const got = slow.events;
    expect(increasing(got)).toBe(true);
    const closing = slow.frames.at(-1);
    expect(closing).toMatchObject({ type: 'closing', resumeFrom: got.at(-1)?.position ?? START_POSITION });
    // Whatever it received is exactly the head of the room's log: nothing skipped before the close.
    const all = await expectedEvents(t.db, { rooms: [ROOM] });
    expect(got.map((e) => e.eventId)).toEqual(all.slice(0, got.length).map((e) => e.eventId));
  });

  it('is not closed for a burst that arrives within one turn of the event loop while it keeps reading', async () => {
    // The gateway holds a console's frames of one turn for a single write (WriteBatcher). Those held
    // bytes must not count as unread: a reading console gets a burst larger than the bound, whole.
    const g = await startBounded();
    const reader = await openConsole(g, token);
    reader.send({ type: 'subscribe', rooms: [ROOM] });
    await reader.waitFor((c) => c.of('caught_up').length === 1, 'caught up');
    const closedBefore = g.stats().slowConsumersClosed;
    // Positions past anything in the log; published without awaiting, so the bus hands all of them
    // to the gateway in one turn: 40 × ~9 KB, about three times the 128 KB bound.
    const now = new Date().toISOString();
    const burst = Array.from({ length: 40 }, (_, i): EventEnvelope => ({
      eventId: crypto.randomUUID(),
      streamId: 'burst',
      streamType: 'incident',
      version: i + 1,
      position: `900000000000.${i + 1}`,
      type: 'IncidentDetailsUpdated',
      data: { description: FILLER },
      meta: { commandId: 'burst', actor, occurredAt: now, recordedAt: now, jurisdiction: ROOM, rooms: [ROOM], exercise: false, incidentId: 'burst' },
    }));
    for (const event of burst) void bus.publish(event);
    await reader.waitFor((c) => c.events.filter((e) => e.streamId === 'burst').length === burst.length, 'the whole burst');
    expect(reader.events.filter((e) => e.streamId === 'burst').map((e) => e.position)).toEqual(burst.map((e) => e.position));
    expect(g.stats().slowConsumersClosed).toBe(closedBefore);
    expect(g.stats().peakBufferedBytes).toBeLessThanOrEqual(MAX_BUFFERED + FRAME_ALLOWANCE);
  });
});
