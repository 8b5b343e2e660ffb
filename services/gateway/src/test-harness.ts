/**
 * Helpers for the gateway's integration tests: a miniature relay, a console on the `ws` package and
 * a raw-TCP console that can stop reading. Real sockets and a real PostgreSQL throughout; nothing
 * here is a mock. Not exported from the package.
 */
import type { Socket } from 'node:net';
import { START_POSITION, ServerFrameSchema, comparePositions, type EventEnvelope, type ServerFrame } from '@muster/contracts';
import type { EventBus } from '@muster/engine';
import { maskedTextFrame, openRawWebSocket, readServerFrames } from '@muster/testkit';
import { readGlobalLog, type Database } from '@muster/store-postgres';
import type { Kysely } from 'kysely';
import { WebSocket } from 'ws';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls until `done()` holds, failing with `what` after `timeoutMs` (a generous bound, not an assertion on time). */
export async function until(done: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(5);
  }
}

export interface TestRelay {
  /** Position of the last event published. */
  position(): string;
  stop(): Promise<void>;
}

/**
 * What services/relay does, reduced to its contract: read the commit-safe global log from a
 * checkpoint, publish each event in log order, advance after the publish resolved.
 */
export function startTestRelay(db: Kysely<Database>, bus: EventBus, options: { from?: string; pollMs?: number } = {}): TestRelay {
  let checkpoint = options.from ?? START_POSITION;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const page = await readGlobalLog(db, checkpoint, 500);
      for (const event of page) {
        if (stopped) return;
        await bus.publish(event);
        checkpoint = event.position;
      }
      if (page.length === 0) await sleep(options.pollMs ?? 5);
    }
  })();
  return {
    position: () => checkpoint,
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

/** Reads the whole global log for a filter, page by page: what a console should end up with. */
export async function expectedEvents(
  db: Kysely<Database>,
  filter: { rooms?: string[]; incidents?: string[] },
  after: string = START_POSITION,
): Promise<EventEnvelope[]> {
  const all: EventEnvelope[] = [];
  let cursor = after;
  for (;;) {
    const page = await readGlobalLog(db, cursor, 1000, { rooms: filter.rooms ?? [], incidentIds: filter.incidents ?? [], match: 'any' });
    all.push(...page);
    const last = page.at(-1);
    if (!last || page.length < 1000) return all;
    cursor = last.position;
  }
}

/** Polls `read` until it gives a value, failing with `what` after `timeoutMs`. */
async function eventually<T>(read: () => Promise<T | undefined>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

/** An event written, named by its incident (to read it back by) and its id. */
export interface WrittenEvent {
  incidentId: string;
  eventId: string;
}

/** The position of an event once it is readable below the commit-safe horizon. */
export function positionOf(db: Kysely<Database>, incidentId: string, eventId: string): Promise<string> {
  return eventually(async () => (await expectedEvents(db, { incidents: [incidentId] })).find((e) => e.eventId === eventId)?.position, `event ${eventId} readable`);
}

/**
 * A barrier that needs no marker event: once the relay has published the last event written, the
 * gateway has fanned it (and everything before it) out to its sessions; a pong written after that
 * reaches each console after every event frame sent to it. So whatever a console will ever get up to
 * that event, it has when this returns — and anything it did not get was not sent.
 */
export async function drainedThrough(db: Kysely<Database>, relay: TestRelay, last: WrittenEvent, consoles: TestConsole[]): Promise<void> {
  const position = await positionOf(db, last.incidentId, last.eventId);
  await until(() => comparePositions(relay.position(), position) >= 0, 'the relay to publish the last event');
  await Promise.all(
    consoles.map(async (c) => {
      const pongs = c.of('pong').length;
      c.send({ type: 'ping' });
      await c.waitFor((x) => x.of('pong').length > pongs, 'pong after the last event');
    }),
  );
}

/** A console on the `ws` package that records every frame, parsed by the contract's schema. */
export class TestConsole {
  readonly frames: ServerFrame[] = [];
  readonly invalid: string[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private constructor(readonly socket: WebSocket) {
    this.closed = new Promise((resolve) => socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    socket.on('message', (data, isBinary) => {
      const text = isBinary ? '<binary>' : data.toString();
      const parsed = ServerFrameSchema.safeParse(safeJson(text));
      if (parsed.success) this.frames.push(parsed.data);
      else this.invalid.push(text);
    });
    socket.on('error', () => undefined);
  }

  /** Opens a console; `token` goes as `?access_token=`, as a browser console sends it. */
  static async open(url: string, options: { autoPong?: boolean; token?: string } = {}): Promise<TestConsole> {
    const socket = new WebSocket(withToken(url, options.token), { autoPong: options.autoPong ?? true });
    const console = new TestConsole(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return console;
  }

  get events(): EventEnvelope[] {
    return this.frames.flatMap((f) => (f.type === 'event' ? [f.event] : []));
  }

  get lastPosition(): string | undefined {
    return this.events.at(-1)?.position;
  }

  of<T extends ServerFrame['type']>(type: T): Extract<ServerFrame, { type: T }>[] {
    return this.frames.filter((f): f is Extract<ServerFrame, { type: T }> => f.type === type);
  }

  send(frame: unknown): void {
    this.socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  async waitFor(done: (console: TestConsole) => boolean, what: string, timeoutMs?: number): Promise<void> {
    await until(() => done(this), what, timeoutMs);
  }

  async close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return;
    this.socket.close();
    await this.closed;
  }
}

/** `url` with `?access_token=<token>`, or `url` itself without a token. */
export function withToken(url: string, token: string | undefined): string {
  if (token === undefined) return url;
  const out = new URL(url);
  out.searchParams.set('access_token', token);
  return out.toString();
}

/** What an upgrade attempt got: a socket (closed again at once), or the HTTP answer that refused it. */
export type UpgradeOutcome = { opened: true } | { opened: false; status: number; body: string };

/** Tries an upgrade with the given headers (e.g. `Authorization`) and reports the HTTP answer. */
export async function tryUpgrade(url: string, headers: Record<string, string> = {}): Promise<UpgradeOutcome> {
  const socket = new WebSocket(url, { headers });
  socket.on('error', () => undefined);
  return new Promise<UpgradeOutcome>((resolve, reject) => {
    socket.once('open', () => {
      socket.terminate();
      resolve({ opened: true });
    });
    socket.once('unexpected-response', (_request, response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => {
        socket.terminate();
        resolve({ opened: false, status: response.statusCode ?? 0, body });
      });
      response.on('error', reject);
    });
  });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * A console spoken to over a bare TCP socket, so a test can stop reading (`pause`) exactly as a
 * console on a stalled network would: bytes pile up in the kernel and then in the gateway.
 */
export class RawConsole {
  readonly texts: string[] = [];
  closeCode: number | undefined;
  ended = false;
  private buffer: Buffer = Buffer.alloc(0);

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('close', () => {
      this.ended = true;
    });
    socket.on('error', () => undefined);
  }

  static async open(url: string, options: { token?: string } = {}): Promise<RawConsole> {
    const { socket, rest } = await openRawWebSocket(withToken(url, options.token));
    const console = new RawConsole(socket);
    if (rest.length) console.onData(rest);
    return console;
  }

  get frames(): ServerFrame[] {
    return this.texts.flatMap((t) => {
      const parsed = ServerFrameSchema.safeParse(safeJson(t));
      return parsed.success ? [parsed.data] : [];
    });
  }

  get events(): EventEnvelope[] {
    return this.frames.flatMap((f) => (f.type === 'event' ? [f.event] : []));
  }

  /** Sends one masked text frame, as every client must (RFC 6455 §5.3). */
  sendText(text: string): void {
    this.socket.write(maskedTextFrame(text));
  }

  /** Stops reading: the kernel's receive buffer fills, then the gateway's send buffers. */
  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  destroy(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    const read = readServerFrames(this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk);
    this.texts.push(...read.texts);
    if (read.closeCode !== undefined) this.closeCode = read.closeCode;
    this.buffer = read.rest;
  }
}
