/**
 * The live subscription against a scripted WebSocket server on loopback: each test plays the
 * gateway's side of the protocol frame by frame, so drops, duplicates and closing frames happen
 * exactly when the test says. (Against the real gateway and PostgreSQL: services/gateway/src/client.int.spec.ts.)
 */
import { ValidationError, type ClientFrame, type EventEnvelope, type ServerFrame } from '@muster/contracts';
import { contractEvent } from '@muster/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { MusterLiveError, subscribe, type LiveFeed, type StateChange } from './live';

/** An incident event at `position`, as the scripted gateway sends it. */
const event = (position: string, version = 1): EventEnvelope => contractEvent('inc-1', version, { position, data: {} });

interface Connection {
  socket: WebSocket;
  frames: ClientFrame[];
  send(frame: ServerFrame): void;
}

/** A WebSocket server that hands each connection to the test. */
async function scriptedGateway(): Promise<{ url: string; connections: Connection[]; close(): Promise<void> }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  const connections: Connection[] = [];
  wss.on('connection', (socket) => {
    const connection: Connection = { socket, frames: [], send: (frame) => socket.send(JSON.stringify(frame)) };
    socket.on('message', (data) => connection.frames.push(JSON.parse(data.toString()) as ClientFrame));
    connections.push(connection);
  });
  const address = wss.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `ws://127.0.0.1:${port}/ws`,
    connections,
    close: () =>
      new Promise((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => resolve());
      }),
  };
}

async function until(done: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(options: { after?: string } = {}) {
  const server = await scriptedGateway();
  const events: EventEnvelope[] = [];
  const states: StateChange[] = [];
  const errors: Error[] = [];
  const held: (string | null)[] = [];
  const feed: LiveFeed = subscribe({
    url: server.url,
    rooms: ['441203'],
    ...(options.after ? { after: options.after } : {}),
    onEvent: (e) => events.push(e),
    onStateChange: (s) => states.push(s),
    onError: (e) => errors.push(e),
    onFeedHeld: (since) => held.push(since),
    backoff: { initialMs: 5, maxMs: 20 },
  });
  cleanups.push(() => server.close(), () => feed.close());
  return { server, feed, events, states, errors, held };
}

describe('live subscription', () => {
  it('subscribes, delivers events and goes live on caught_up', async () => {
    const { server, feed, events, states } = await setup({ after: '10.1' });
    await until(() => server.connections[0]?.frames.length === 1, 'subscribe frame');
    const first = server.connections[0];
    expect(first?.frames[0]).toEqual({ type: 'subscribe', rooms: ['441203'], after: '10.1' });
    first?.send({ type: 'event', position: '10.2', event: event('10.2') });
    first?.send({ type: 'caught_up', position: '10.2' });
    await until(() => feed.state() === 'live', 'live');
    expect(events.map((e) => e.position)).toEqual(['10.2']);
    expect(feed.position()).toBe('10.2');
    expect(states.map((s) => s.state)).toEqual(['connecting', 'catching_up', 'live']);
  });

  it('reconnects after a drop, resubscribes after the last delivered position and drops anything at or below it', async () => {
    const { server, feed, events, states } = await setup();
    await until(() => server.connections[0]?.frames.length === 1, 'first subscribe');
    const first = server.connections[0];
    expect(first?.frames[0]).toEqual({ type: 'subscribe', rooms: ['441203'] });
    first?.send({ type: 'caught_up', position: '5.0' });
    first?.send({ type: 'event', position: '7.1', event: event('7.1', 1) });
    first?.send({ type: 'event', position: '7.2', event: event('7.2', 2) });
    await until(() => events.length === 2, 'two events');
    first?.socket.terminate();

    await until(() => server.connections[1]?.frames.length === 1, 'second subscribe');
    const second = server.connections[1];
    expect(second?.frames[0]).toEqual({ type: 'subscribe', rooms: ['441203'], after: '7.2' });
    // A misbehaving gateway repeats and reorders: the client still delivers each event once, in order.
    second?.send({ type: 'event', position: '7.2', event: event('7.2', 2) });
    second?.send({ type: 'event', position: '6.9', event: event('6.9', 1) });
    second?.send({ type: 'event', position: '7.10', event: event('7.10', 3) });
    second?.send({ type: 'caught_up', position: '7.10' });
    await until(() => feed.state() === 'live' && events.length === 3, 'live again');
    expect(events.map((e) => e.position)).toEqual(['7.1', '7.2', '7.10']);
    expect(states.find((s) => s.state === 'disconnected')).toMatchObject({ position: '7.2', code: 1006 });
  });

  it('passes on the gateway\'s notice that the feed is held and its end, and forgets it when the connection drops', async () => {
    const { server, feed, held, errors } = await setup();
    await until(() => server.connections[0]?.frames.length === 1, 'subscribe');
    const first = server.connections[0];
    first?.send({ type: 'caught_up', position: '5.0' });
    await until(() => feed.state() === 'live', 'live');
    first?.send({ type: 'feed_held', since: '2026-12-07T11:20:05.123Z' });
    // Told again (a console that reconnects is told at connection): passed on once.
    first?.send({ type: 'feed_held', since: '2026-12-07T11:20:05.123Z' });
    first?.send({ type: 'feed_resumed' });
    await until(() => held.length === 2, 'held and resumed');
    expect(held).toEqual(['2026-12-07T11:20:05.123Z', null]);
    first?.send({ type: 'feed_held', since: '2026-12-07T11:30:00.000Z' });
    await until(() => held.length === 3, 'held again');
    first?.socket.terminate();
    await until(() => held.length === 4, 'forgotten on the drop');
    expect(held).toEqual(['2026-12-07T11:20:05.123Z', null, '2026-12-07T11:30:00.000Z', null]);
    expect(feed.state()).not.toBe('live');
    expect(errors).toEqual([]);
  });

  it('on a closing frame leaves at once and resumes from its own last position', async () => {
    const { server, events, states } = await setup({ after: '1.0' });
    await until(() => server.connections[0]?.frames.length === 1, 'subscribe');
    const first = server.connections[0];
    first?.send({ type: 'event', position: '2.0', event: event('2.0') });
    first?.send({ type: 'closing', code: 4408, reason: 'slow_consumer', resumeFrom: '2.0' });
    await until(() => server.connections[1]?.frames.length === 1, 'resubscribe');
    expect(server.connections[1]?.frames[0]).toEqual({ type: 'subscribe', rooms: ['441203'], after: '2.0' });
    expect(states.find((s) => s.state === 'disconnected')).toMatchObject({ code: 4408, reason: 'slow_consumer' });
    expect(events.map((e) => e.position)).toEqual(['2.0']);
  });

  it('keeps retrying with backoff while the gateway is down', async () => {
    const { server, feed, states } = await setup();
    await until(() => server.connections.length === 1, 'connected');
    await server.close();
    await until(() => states.filter((s) => s.state === 'disconnected').length >= 3, 'three failed attempts');
    const attempts = states.filter((s) => s.state === 'disconnected').map((s) => s.attempt);
    expect(attempts.slice(0, 3)).toEqual([1, 2, 3]);
    expect(feed.state()).not.toBe('failed');
  });

  it('stops for good on a permanent close code', async () => {
    const { server, feed, states } = await setup();
    await until(() => server.connections.length === 1, 'connected');
    server.connections[0]?.socket.close(4403, 'forbidden');
    await until(() => feed.state() === 'failed', 'failed');
    expect(states.at(-1)).toMatchObject({ state: 'failed', code: 4403 });
    expect(server.connections).toHaveLength(1);
  });

  it('reports error frames and unreadable frames without dropping the connection', async () => {
    const { server, feed, errors, events } = await setup();
    await until(() => server.connections.length === 1 && server.connections[0]?.frames.length === 1, 'connected');
    const c = server.connections[0];
    c?.send({ type: 'error', code: 'validation', message: 'rooms.0: bad', issues: [{ path: 'rooms.0', message: 'bad' }] });
    c?.socket.send('not json');
    c?.socket.send(JSON.stringify({ type: 'event', position: 'nope', event: {} }));
    c?.send({ type: 'event', position: '3.3', event: event('3.3') });
    await until(() => events.length === 1, 'event after the bad frames');
    expect(errors).toHaveLength(3);
    expect(errors[0]).toBeInstanceOf(MusterLiveError);
    expect(errors[0]).toMatchObject({ code: 'validation', issues: [{ path: 'rooms.0', message: 'bad' }] });
    expect(errors.slice(1).map((e) => (e instanceof MusterLiveError ? e.code : 'other'))).toEqual(['malformed', 'malformed']);
    expect(server.connections).toHaveLength(1);
    expect(feed.position()).toBe('3.3');
  });

  it('isolates an onEvent handler that throws', async () => {
    const server = await scriptedGateway();
    const errors: Error[] = [];
    const seen: string[] = [];
    const feed = subscribe({
      url: server.url,
      incidents: ['inc-1'],
      onEvent: (e) => {
        seen.push(e.position);
        if (e.position === '1.1') throw new Error('handler bug');
      },
      onError: (e) => errors.push(e),
    });
    cleanups.push(() => server.close(), () => feed.close());
    await until(() => server.connections[0]?.frames.length === 1, 'subscribe');
    server.connections[0]?.send({ type: 'event', position: '1.1', event: event('1.1') });
    server.connections[0]?.send({ type: 'event', position: '1.2', event: event('1.2') });
    await until(() => seen.length === 2, 'both events');
    expect(errors.map((e) => e.message)).toEqual(['handler bug']);
  });

  it('close() stops reconnecting', async () => {
    const { server, feed, states } = await setup();
    await until(() => server.connections.length === 1, 'connected');
    await feed.close();
    expect(feed.state()).toBe('closed');
    expect(states.at(-1)?.state).toBe('closed');
  });

  it('refuses bad subscription options before connecting', () => {
    expect(() => subscribe({ url: 'ws://127.0.0.1:1/ws', rooms: ['4412'], onEvent: () => undefined })).toThrow(ValidationError);
    expect(() => subscribe({ url: 'ws://127.0.0.1:1/ws', after: 'yesterday', onEvent: () => undefined })).toThrow(/after/);
  });
});
