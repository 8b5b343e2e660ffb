import type { Actor } from '@muster/domain';
import {
  ClientFrameSchema,
  START_POSITION,
  WS_CLOSE_CODE,
  WS_SESSION_CLOSE_CODE,
  issuesOf,
  parsePosition,
  type ErrorCode,
  type EventEnvelope,
  type FieldIssue,
  type LogPosition,
  type ServerFrame,
  type SubscribeFrame,
  type UnsubscribeFrame,
} from '@muster/contracts';
import type { Logger } from 'pino';
import type { RawData, WebSocket } from 'ws';
import type { Corkable, WriteBatcher } from './write-batcher';

/** What a session needs from PostgreSQL: the commit-safe global log (DESIGN §3 guarantee 3). */
export interface LogReader {
  /** Events after `after` carried by one of `rooms` or belonging to one of `incidents`, in log order. */
  readPage(after: string, limit: number, rooms: readonly string[], incidents: readonly string[]): Promise<EventEnvelope[]>;
  /** The last position readable now; everything committed later comes after it. */
  head(): Promise<string>;
}

/** Where sessions register the rooms and incidents they watch, so fan-out touches only them. */
export interface TopicIndex {
  add(session: Session, kind: 'room' | 'incident', key: string): void;
  remove(session: Session, kind: 'room' | 'incident', key: string): void;
}

export interface SessionLimits {
  /** Close a console when more than this many bytes wait to be written to it. */
  maxBufferedBytes: number;
  /** Live events held for a console while it catches up from PostgreSQL; more closes it. */
  catchUpBufferLimit: number;
  /** Events read from PostgreSQL per query during catch-up. */
  pageSize: number;
  /** Rooms plus incidents one connection may watch. */
  maxTopics: number;
  /** Refused frames (bad JSON, failed schema) tolerated before the connection is closed. */
  maxInvalidFrames: number;
  /** Token bucket for client frames: a burst of `frameBurst`, refilled at `framesPerSecond`. */
  frameBurst: number;
  framesPerSecond: number;
  /** After a close frame, how long a console gets to finish the handshake before it is cut off. */
  closeGraceMs: number;
}

/** Counters shared by all sessions of a gateway; tests read them to check the bounds hold. */
export interface GatewayStats {
  connectionsAccepted: number;
  eventsSent: number;
  /** Every frame sent: events and control frames (caught_up, pong, closing, error). */
  framesSent: number;
  duplicatesDropped: number;
  /** Largest `bufferedAmount` seen on any socket right after a send. */
  peakBufferedBytes: number;
  /** Largest catch-up buffer any session held. */
  peakCatchUpBuffer: number;
  slowConsumersClosed: number;
  invalidFrames: number;
  /** Catch-up pages sessions asked for, and the queries that answered them (identical asks share one). */
  catchUpPagesRead: number;
  catchUpQueries: number;
}

export type SessionMode = 'idle' | 'catching_up' | 'live' | 'closed';

export interface SessionDeps {
  id: number;
  socket: WebSocket;
  log: LogReader;
  index: TopicIndex;
  limits: SessionLimits;
  stats: GatewayStats;
  logger: Logger;
  onClosed(session: Session): void;
  /** Who is watching, from the token checked at the upgrade, and until when the token holds. */
  viewer: Viewer;
  /** The connection under `socket`, corked by `batcher` so a burst of frames leaves in one write. */
  transport?: Corkable;
  batcher?: WriteBatcher;
}

/** The authenticated watcher of a session and what it may see (guarantee 7). */
export interface Viewer {
  actor: Actor;
  /** Epoch ms; the socket is closed then. */
  expiresAt: number;
  /** May the viewer subscribe to this room (its own jurisdiction or one below it)? */
  mayWatchRoom(room: string): boolean;
  /** May the viewer subscribe to this incident now? */
  mayWatchIncident(incidentId: string): Promise<boolean>;
  /** The visibility rule applied to every event before it is sent, whichever subscription matched it. */
  maySee(event: EventEnvelope): boolean;
}

/**
 * A live event as the fan-out hands it to every session watching it: its position parsed once and
 * its frame serialized once (on first use), instead of once per console.
 */
export interface LiveDelivery {
  event: EventEnvelope;
  at: LogPosition;
  frame(): Buffer;
}

export function liveDelivery(event: EventEnvelope): LiveDelivery {
  let frame: Buffer | undefined;
  return { event, at: parsePosition(event.position), frame: () => (frame ??= eventFrame(event)) };
}

/**
 * The rooms whose feeds carry an event: its `meta.rooms` (lead, linked and supporting jurisdictions of
 * the incident, before and after the command), or only its lead for events recorded before rooms
 * existed — the same rule as the `rooms` column the catch-up query reads.
 */
export function roomsOf(event: EventEnvelope): readonly string[] {
  return event.meta.rooms ?? [event.meta.jurisdiction];
}

/** The incident an event belongs to: the incident stream itself, or the incident of a scene or request stream. */
export function incidentOf(event: EventEnvelope): string {
  return event.meta.incidentId ?? event.streamId;
}

function eventFrameText(event: EventEnvelope): string {
  const frame: ServerFrame = { type: 'event', position: event.position, event };
  return JSON.stringify(frame);
}

/**
 * Frames of events read from PostgreSQL, by envelope: sessions that share a page (SharedLogReader)
 * share its envelopes, so each is serialized and encoded once. Entries go with their envelopes.
 */
const catchUpFrames = new WeakMap<EventEnvelope, Buffer>();

/** The event frame as UTF-8 bytes: sent as a text frame to every console as it is, never re-encoded per socket. */
function eventFrame(event: EventEnvelope): Buffer {
  return Buffer.from(eventFrameText(event), 'utf8');
}

function cachedEventFrame(event: EventEnvelope): Buffer {
  let frame = catchUpFrames.get(event);
  if (!frame) catchUpFrames.set(event, (frame = eventFrame(event)));
  return frame;
}

/** Negative when a is before b, zero when equal, positive after (contracts' comparePositions, on parsed pairs). */
function compareAt(a: LogPosition, b: LogPosition): number {
  if (a.tx !== b.tx) return a.tx < b.tx ? -1 : 1;
  if (a.seq !== b.seq) return a.seq < b.seq ? -1 : 1;
  return 0;
}

/**
 * One console connection: its subscription, its position (the last event sent to it) and the
 * catch-up that brings it from PostgreSQL to live.
 *
 * Catch-up without a time window (guarantee 5): the session starts buffering live events *before*
 * it reads PostgreSQL, pages the log until a short page, then drains the buffer sending only events
 * after its position, and from then on sends each live event after its position. Every event the
 * bus has published was readable from PostgreSQL before it was published (the relay reads below the
 * same monotonic horizon), so an event is either in a page or in the buffer, and deduplicating by
 * position makes each one arrive once, in log order.
 */
export class Session {
  readonly id: number;
  private readonly socket: WebSocket;
  private readonly deps: SessionDeps;
  private readonly rooms = new Set<string>();
  private readonly incidents = new Set<string>();
  /** Whether the rooms carry drill (演练) events too (SubscribeFrame `drills`). */
  private drills = false;
  private mode: SessionMode = 'idle';
  /** Position of the last event sent; null until the first subscribe sets it. */
  private position: string | null = null;
  /** `position` parsed, kept with it: comparing it is on the path of every event to every console. */
  private positionAt: LogPosition | null = null;
  /** Bumped by every subscribe and by close, so a superseded catch-up stops at its next step. */
  private generation = 0;
  private pending: EventEnvelope[] = [];
  private invalidFrames = 0;
  private tokens: number;
  private refilledAt = Date.now();
  /** Cleared by each heartbeat, set by any sign of life; a session still cleared at the next beat is dead. */
  private alive = true;

  private expiry: NodeJS.Timeout | undefined;
  /** Incident checks of earlier subscribes; catch-up waits for them, so a refusal always comes before `caught_up`. */
  private checks: Promise<void> = Promise.resolve();

  constructor(deps: SessionDeps) {
    this.id = deps.id;
    this.socket = deps.socket;
    this.deps = deps;
    this.tokens = deps.limits.frameBurst;
    // The socket lives no longer than its token; the console logs in again and resumes.
    this.armExpiry();
  }

  /**
   * Closes the session when the token expires. A timer longer than 2^31-1 ms (about 24.8 days, which
   * `muster token --ttl` and an identity provider may well exceed) would fire at once in Node, so a
   * far expiry is reached in steps.
   */
  private armExpiry(): void {
    // Always through a timer, even when already due: the session is registered before it closes.
    const left = Math.max(0, this.deps.viewer.expiresAt - Date.now());
    const lastStep = left <= MAX_TIMER_MS;
    this.expiry = setTimeout(() => (lastStep ? this.close(WS_CLOSE_CODE.unauthorized, 'token_expired') : this.armExpiry()), Math.min(left, MAX_TIMER_MS));
    this.expiry.unref();
  }

  get state(): { mode: SessionMode; position: string | null; pending: number; bufferedAmount: number; topics: number } {
    return {
      mode: this.mode,
      position: this.position,
      pending: this.pending.length,
      bufferedAmount: this.socket.bufferedAmount,
      topics: this.rooms.size + this.incidents.size,
    };
  }

  /** Handles one client frame. Never throws: a bad frame is answered, never a crash (guarantee 8). */
  receive(data: RawData, isBinary: boolean): void {
    if (this.mode === 'closed') return;
    this.alive = true;
    if (!this.takeToken()) {
      this.close(WS_CLOSE_CODE.rate_limited, 'rate_limited');
      return;
    }
    if (isBinary) {
      this.refuse('unsupported_media_type', 'frames are JSON text');
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(rawText(data));
    } catch {
      this.refuse('malformed', 'frame is not valid JSON');
      return;
    }
    const parsed = ClientFrameSchema.safeParse(json);
    if (!parsed.success) {
      const issues = issuesOf(parsed.error);
      const first = issues[0];
      this.refuse('validation', first ? `${first.path || '(frame)'}: ${first.message}` : 'invalid frame', issues);
      return;
    }
    const frame = parsed.data;
    switch (frame.type) {
      case 'subscribe':
        this.subscribe(frame);
        return;
      case 'unsubscribe':
        this.unsubscribe(frame);
        return;
      case 'ping':
        this.sendFrame({ type: 'pong' });
        return;
      default: {
        const unreachable: never = frame;
        throw new Error(`unhandled frame ${JSON.stringify(unreachable)}`);
      }
    }
  }

  /**
   * A live event from the shared bus subscription, already known to touch one of this session's
   * topics. Synchronous and never awaits the socket: a slow console must not delay the others.
   */
  onLive(delivery: LiveDelivery): void {
    switch (this.mode) {
      case 'idle':
      case 'closed':
        return;
      case 'catching_up':
        if (this.pending.length >= this.deps.limits.catchUpBufferLimit) {
          this.slowConsumer('catch-up buffer overflow');
          return;
        }
        this.pending.push(delivery.event);
        if (this.pending.length > this.deps.stats.peakCatchUpBuffer) this.deps.stats.peakCatchUpBuffer = this.pending.length;
        return;
      case 'live':
        this.deliverLive(delivery);
        return;
      default: {
        const unreachable: never = this.mode;
        throw new Error(`unhandled mode ${String(unreachable)}`);
      }
    }
  }

  markAlive(): void {
    this.alive = true;
  }

  /** One heartbeat: a console that did not answer the previous ping (nor send anything) is dead. */
  beat(): void {
    if (!this.alive) {
      this.deps.logger.info({ session: this.id }, 'console missed a heartbeat; terminating');
      this.socket.terminate();
      return;
    }
    this.alive = false;
    this.socket.ping();
  }

  /** Sends a `closing` frame with the resume position, then closes; the session stops at once. */
  close(code: number, reason: string): void {
    if (this.mode === 'closed') return;
    const resumeFrom = this.position ?? START_POSITION;
    this.stop();
    this.sendFrame({ type: 'closing', code, reason, resumeFrom });
    this.socket.close(code, reason);
    // A console that stopped reading never completes the close handshake; do not hold its buffers.
    const timer = setTimeout(() => this.socket.terminate(), this.deps.limits.closeGraceMs);
    timer.unref();
    this.socket.once('close', () => clearTimeout(timer));
  }

  /** The socket is gone (closed by either side or terminated). */
  dispose(): void {
    this.stop();
  }

  private stop(): void {
    if (this.mode === 'closed') return;
    clearTimeout(this.expiry);
    this.mode = 'closed';
    this.generation++;
    this.pending = [];
    for (const room of this.rooms) this.deps.index.remove(this, 'room', room);
    for (const incident of this.incidents) this.deps.index.remove(this, 'incident', incident);
    this.deps.onClosed(this);
  }

  private subscribe(frame: SubscribeFrame): void {
    const rooms = frame.rooms ?? [];
    const incidents = frame.incidents ?? [];
    const newRooms = new Set(rooms.filter((r) => !this.rooms.has(r)));
    const newIncidents = new Set(incidents.filter((i) => !this.incidents.has(i)));
    // Checked before changing anything, so a refused subscribe leaves the subscription as it was.
    const foreign = rooms.filter((r) => !this.deps.viewer.mayWatchRoom(r));
    if (foreign.length) {
      this.refuse('forbidden', `jurisdiction ${this.deps.viewer.actor.jurisdiction} may not watch room ${foreign.join(', ')}`, [
        { path: 'rooms', message: 'outside your jurisdiction' },
      ]);
      return;
    }
    if (this.rooms.size + this.incidents.size + newRooms.size + newIncidents.size > this.deps.limits.maxTopics) {
      this.refuse('validation', `a connection may watch at most ${this.deps.limits.maxTopics} rooms and incidents`, [
        { path: incidents.length ? 'incidents' : 'rooms', message: 'too many subscriptions on this connection' },
      ]);
      return;
    }
    if (frame.drills !== undefined) this.drills = frame.drills;
    for (const room of newRooms) {
      this.rooms.add(room);
      this.deps.index.add(this, 'room', room);
    }
    for (const incident of newIncidents) {
      this.incidents.add(incident);
      this.deps.index.add(this, 'incident', incident);
    }
    // An incident the viewer may not see is dropped again with a typed refusal. The check is decided
    // as of this subscribe: catch-up reads and sends nothing (live events wait in its buffer) until it
    // is done, so the refusal precedes `caught_up` and does not depend on later linkage changes. The
    // per-event visibility check stays the rule for every event sent.
    if (newIncidents.size) {
      const check = this.checkIncidents([...newIncidents]);
      const earlier = this.checks;
      this.checks = Promise.all([earlier, check]).then(() => undefined);
    }
    // Every subscribe restarts catch-up from the (possibly new) position, so newly added topics get
    // their events since that position too, and the connection's single position stays meaningful.
    void this.catchUp(frame.after);
  }

  /** Never rejects: an incident that cannot be checked (PostgreSQL down) counts as not visible. */
  private async checkIncidents(incidents: string[]): Promise<void> {
    const verdicts = await Promise.all(incidents.map((incident) => this.deps.viewer.mayWatchIncident(incident).catch(() => false)));
    const refused: string[] = [];
    incidents.forEach((incident, i) => {
      if (!verdicts[i] && this.incidents.delete(incident)) {
        this.deps.index.remove(this, 'incident', incident);
        refused.push(incident);
      }
    });
    if (refused.length && this.mode !== 'closed') {
      this.refuse('forbidden', `incident ${refused.join(', ')} is not visible to jurisdiction ${this.deps.viewer.actor.jurisdiction}`, [
        { path: 'incidents', message: 'not visible to you' },
      ]);
    }
  }

  private unsubscribe(frame: UnsubscribeFrame): void {
    for (const room of frame.rooms ?? []) {
      if (this.rooms.delete(room)) this.deps.index.remove(this, 'room', room);
    }
    for (const incident of frame.incidents ?? []) {
      if (this.incidents.delete(incident)) this.deps.index.remove(this, 'incident', incident);
    }
    // Events already buffered or paged are checked against the topics when sent, so nothing else to do.
  }

  private matches(event: EventEnvelope): boolean {
    // A room's feed is the real record: a drill's events reach it only when asked for (`drills`).
    const byRoom = (this.drills || !event.meta.exercise) && roomsOf(event).some((room) => this.rooms.has(room));
    const watched = byRoom || this.incidents.has(incidentOf(event));
    return watched && this.deps.viewer.maySee(event);
  }

  private async catchUp(after: string | undefined): Promise<void> {
    const generation = ++this.generation;
    const superseded = () => this.generation !== generation;
    // Buffer live events from this instant on, before the first read, so nothing falls between.
    this.mode = 'catching_up';
    this.pending = [];
    try {
      await this.checks;
      if (superseded()) return;
      let start: string;
      if (after !== undefined) start = after;
      else if (this.position === null) {
        start = await this.deps.log.head();
        if (superseded()) return;
      } else start = this.position;
      this.moveTo(start);
      // `cursor` walks the log; `position` moves only when an event is sent.
      let cursor = start;
      for (;;) {
        const page = await this.deps.log.readPage(cursor, this.deps.limits.pageSize, [...this.rooms], [...this.incidents]);
        if (superseded()) return;
        for (const event of page) {
          cursor = event.position;
          if (!this.matches(event) || !this.isAfterPosition(event)) continue;
          await this.sendCatchingUp(event);
          if (superseded()) return;
        }
        // A short page means the log held nothing more at that read; anything later is buffered.
        if (page.length < this.deps.limits.pageSize) break;
      }
      for (;;) {
        const event = this.pending.shift();
        if (!event) break;
        if (!this.matches(event) || !this.isAfterPosition(event)) {
          this.deps.stats.duplicatesDropped++;
          continue;
        }
        await this.sendCatchingUp(event);
        if (superseded()) return;
      }
      // The buffer is empty and we are synchronous from here: the next live event is sent directly.
      this.mode = 'live';
      // `position` is `start` or the last event sent since; never null here.
      this.sendFrame({ type: 'caught_up', position: this.position ?? start });
    } catch (error) {
      if (superseded()) return;
      this.deps.logger.warn({ err: error, session: this.id }, 'catch-up failed; closing so the console retries');
      this.close(WS_CLOSE_CODE.unavailable, 'unavailable');
    }
  }

  private deliverLive(delivery: LiveDelivery): void {
    const { event, at } = delivery;
    if (!this.isAfter(at)) {
      this.deps.stats.duplicatesDropped++;
      return;
    }
    if (!this.matches(event)) return;
    if (this.overBufferBound()) {
      this.slowConsumer(`more than ${this.deps.limits.maxBufferedBytes} bytes waiting`);
      return;
    }
    this.send(delivery.frame(), event, at);
  }

  private isAfterPosition(event: EventEnvelope): boolean {
    return this.isAfter(parsePosition(event.position));
  }

  private isAfter(at: LogPosition): boolean {
    return this.positionAt === null || compareAt(at, this.positionAt) > 0;
  }

  private moveTo(position: string, at: LogPosition = parsePosition(position)): void {
    this.position = position;
    this.positionAt = at;
  }

  private slowConsumer(why: string): void {
    this.deps.stats.slowConsumersClosed++;
    this.deps.logger.info({ session: this.id, why, resumeFrom: this.position }, 'closing slow consumer');
    this.close(WS_SESSION_CLOSE_CODE.slow_consumer, 'slow_consumer');
  }

  private send(frame: Buffer, event: EventEnvelope, at?: LogPosition): void {
    this.hold();
    // A Buffer goes out as it is (no per-socket UTF-8 encoding); `binary: false` keeps it a text frame.
    this.socket.send(frame, { binary: false });
    this.sent(event, at);
  }

  /** Cork the connection until the end of this turn, so the frames of a burst leave in one write. */
  private hold(): void {
    if (this.deps.transport && this.deps.batcher) this.deps.batcher.hold(this.deps.transport);
  }

  /**
   * More bytes wait for this console than the bound allows? Frames held back for this turn's single
   * write are written out first: they say nothing about the console, only what the connection
   * refuses does (the kernel takes what it can at once, so the buffered amount then drops).
   */
  private overBufferBound(): boolean {
    const bound = this.deps.limits.maxBufferedBytes;
    if (this.socket.bufferedAmount <= bound) return false;
    if (this.deps.transport && this.deps.batcher) this.deps.batcher.release(this.deps.transport);
    return this.socket.bufferedAmount > bound;
  }

  private sent(event: EventEnvelope, at?: LogPosition): void {
    this.moveTo(event.position, at);
    this.deps.stats.eventsSent++;
    this.deps.stats.framesSent++;
    const buffered = this.socket.bufferedAmount;
    if (buffered > this.deps.stats.peakBufferedBytes) this.deps.stats.peakBufferedBytes = buffered;
  }

  /**
   * Catch-up may wait for a console to read (it holds one page at most); live delivery never does.
   * Over the bound, the frame is sent and catch-up resumes once it, and so everything before it, has
   * been written out. The position moves at the send, not after the wait: a close during the wait
   * must name this event as delivered, since the frame is already on its way.
   */
  private async sendCatchingUp(event: EventEnvelope): Promise<void> {
    const frame = cachedEventFrame(event);
    if (!this.overBufferBound()) {
      this.send(frame, event);
      return;
    }
    this.hold();
    // The callback also runs (with an error) when the socket closes, so this never hangs a session.
    const flushed = new Promise<void>((resolve) => this.socket.send(frame, { binary: false }, () => resolve()));
    this.sent(event);
    await flushed;
  }

  /** The gateway's notice that the live feed is held, or that the hold ended: to every console, whatever it watches. */
  notify(frame: Extract<ServerFrame, { type: 'feed_held' | 'feed_resumed' }>): void {
    this.sendFrame(frame);
  }

  private sendFrame(frame: ServerFrame): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    this.hold();
    this.socket.send(JSON.stringify(frame));
    this.deps.stats.framesSent++;
  }

  private refuse(code: ErrorCode, message: string, issues?: FieldIssue[]): void {
    this.deps.stats.invalidFrames++;
    this.sendFrame({ type: 'error', code, message, ...(issues ? { issues } : {}) });
    this.invalidFrames++;
    if (this.invalidFrames >= this.deps.limits.maxInvalidFrames) this.close(WS_CLOSE_CODE.malformed, 'too many invalid frames');
  }

  private takeToken(): boolean {
    const now = Date.now();
    const { frameBurst, framesPerSecond } = this.deps.limits;
    this.tokens = Math.min(frameBurst, this.tokens + ((now - this.refilledAt) * framesPerSecond) / 1000);
    this.refilledAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** The longest delay setTimeout honours; a longer one fires after 1 ms. */
const MAX_TIMER_MS = 2 ** 31 - 1;

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}
