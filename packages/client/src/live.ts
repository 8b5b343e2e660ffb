import {
  ServerFrameSchema,
  SubscribeFrameSchema,
  WS_CLOSE_CODE,
  WS_PERMANENT_CLOSE_CODES,
  comparePositions,
  parseOrThrow,
  type ErrorCode,
  type EventEnvelope,
  type FieldIssue,
  type SubscribeFrame,
} from '@muster/contracts';

/** Event handler slot typed so that both `ws` and the browser WebSocket fit (parameters are bivariant). */
type Handler<E> = { bivarianceHack(event: E): void }['bivarianceHack'];

/** The part of a WebSocket this client uses: what the browser's and the `ws` package's have in common. */
interface WebSocketLike {
  readonly readyState: number;
  onopen: Handler<unknown> | null;
  onmessage: Handler<{ data: unknown }> | null;
  onclose: Handler<{ code: number; reason: string }> | null;
  onerror: Handler<unknown> | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}
type WebSocketConstructor = new (url: string) => WebSocketLike;

/**
 * - `connecting`: opening a socket (first time or after a drop)
 * - `catching_up`: subscribed; the gateway is sending what was missed
 * - `live`: caught up; events arrive as they are committed
 * - `disconnected`: the socket dropped; a reconnect is scheduled after `delayMs`
 * - `failed`: the gateway refused the subscription for good (a permanent close code); no retry
 * - `closed`: `close()` was called
 */
export type LiveState = 'connecting' | 'catching_up' | 'live' | 'disconnected' | 'failed' | 'closed';

export interface StateChange {
  state: LiveState;
  /** Position when the state changed: where a reconnect resumes from. */
  position: string | null;
  /** Consecutive failed attempts so far (reset once caught up). */
  attempt: number;
  /** Close code and reason of the drop, from the `closing` frame when the gateway sent one. */
  code?: number;
  reason?: string;
  delayMs?: number;
}

/** An `error` frame from the gateway, or a frame this client could not understand. */
export class MusterLiveError extends Error {
  readonly code: ErrorCode;
  readonly issues: FieldIssue[] | undefined;
  constructor(code: ErrorCode, message: string, issues?: FieldIssue[], options?: ErrorOptions) {
    super(message, options);
    this.name = 'MusterLiveError';
    this.code = code;
    this.issues = issues;
  }
}

export interface SubscribeOptions {
  /** The gateway's WebSocket endpoint, e.g. `ws://127.0.0.1:8081/ws`. */
  url: string;
  rooms?: string[];
  incidents?: string[];
  /** Whether the rooms carry drill (演练) events too; without it they carry real incidents' only. */
  drills?: boolean;
  /** Resume after this position; without it the feed starts live at the head of the log. */
  after?: string;
  /** Each event of the subscription once, in log order, across reconnects. */
  onEvent(event: EventEnvelope): void;
  onStateChange?(change: StateChange): void;
  /**
   * The gateway's notice that the live feed is held (`since`: ISO time from which committed events
   * wait behind an open transaction on the database server), and `null` once it ends or the
   * connection is lost (a new connection is told again while the hold lasts).
   */
  onFeedHeld?(since: string | null): void;
  /** Error frames, unreadable frames and exceptions thrown by `onEvent`. Without it they are rethrown asynchronously. */
  onError?(error: Error): void;
  /** Defaults to the `ws` package in Node and to the global WebSocket elsewhere. */
  WebSocket?: WebSocketConstructor;
  /**
   * The bearer token, sent as `?access_token=` (browsers cannot set headers on a WebSocket). A
   * function is asked again before every reconnect, so an expired token is replaced by a fresh one.
   */
  token?: string | (() => string | Promise<string>);
  /** Reconnect delays: `initialMs · factor^attempt`, capped at `maxMs`, with jitter. */
  backoff?: { initialMs?: number; maxMs?: number; factor?: number };
  /** Send a ping frame this often and reconnect when nothing at all arrived for two intervals; 0 disables. */
  heartbeatMs?: number;
}

export interface LiveFeed {
  /** The position of the last event delivered (or where the gateway said the feed started). */
  position(): string | null;
  state(): LiveState;
  /** Stops for good; resolves once the socket is closed. */
  close(): Promise<void>;
}

const OPEN = 1;

/**
 * Subscribes to rooms and incidents on a gateway and keeps the subscription alive: on any drop or
 * `closing` frame it reconnects with backoff and subscribes again with `after` = the last position it
 * delivered, so `onEvent` sees every event once and in order (DESIGN §3 guarantee 5). As defence in
 * depth it also drops any event at or below that position itself.
 */
export function subscribe(options: SubscribeOptions): LiveFeed {
  // Parse what we will send before connecting, so a bad room code fails here and not in a retry loop.
  const base: SubscribeFrame = parseOrThrow(SubscribeFrameSchema, {
    type: 'subscribe',
    ...(options.rooms ? { rooms: options.rooms } : {}),
    ...(options.incidents ? { incidents: options.incidents } : {}),
    ...(options.drills !== undefined ? { drills: options.drills } : {}),
    ...(options.after !== undefined ? { after: options.after } : {}),
  });
  const initialMs = options.backoff?.initialMs ?? 250;
  const maxMs = options.backoff?.maxMs ?? 15_000;
  const factor = options.backoff?.factor ?? 2;
  const heartbeatMs = options.heartbeatMs ?? 15_000;

  let position: string | null = base.after ?? null;
  let state: LiveState = 'connecting';
  let attempt = 0;
  let socket: WebSocketLike | null = null;
  let closing: { code: number; reason: string } | null = null;
  let retryTimer: ReturnType<typeof setTimeout> | null = null;
  let heartbeatTimer: ReturnType<typeof setInterval> | null = null;
  let heardSinceBeat = true;
  let stopped = false;
  let resolveClosed: (() => void) | null = null;
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));

  /** The gateway's hold notice as last told (null: none), passed on only when it changes. */
  let heldSince: string | null = null;
  function feedHeld(since: string | null): void {
    if (since === heldSince) return;
    heldSince = since;
    options.onFeedHeld?.(since);
  }

  function setState(next: LiveState, extra: Partial<StateChange> = {}): void {
    state = next;
    // Off the gateway, its notice no longer holds; the next connection is told again while it lasts.
    if (next !== 'live' && next !== 'catching_up') feedHeld(null);
    options.onStateChange?.({ state: next, position, attempt, ...extra });
  }

  function report(error: Error): void {
    if (options.onError) options.onError(error);
    else
      queueMicrotask(() => {
        throw error;
      });
  }

  async function open(): Promise<void> {
    if (stopped) return;
    setState('connecting');
    let Ctor: WebSocketConstructor;
    try {
      Ctor = await webSocketConstructor(options.WebSocket);
    } catch (error) {
      report(error instanceof Error ? error : new Error(String(error)));
      setState('failed');
      return;
    }
    if (stopped) return;
    closing = null;
    let url = options.url;
    try {
      const token = typeof options.token === 'function' ? await options.token() : options.token;
      if (token) {
        const withToken = new URL(options.url);
        withToken.searchParams.set('access_token', token);
        url = withToken.toString();
      }
    } catch (error) {
      report(error instanceof Error ? error : new Error(String(error)));
      scheduleReconnect(1006, 'no token');
      return;
    }
    if (stopped) return;
    let ws: WebSocketLike;
    try {
      ws = new Ctor(url);
    } catch (error) {
      report(error instanceof Error ? error : new Error(String(error)));
      scheduleReconnect(1006, 'cannot open socket');
      return;
    }
    socket = ws;
    ws.onopen = () => {
      if (socket !== ws) return;
      // Resume from what was actually delivered, not from what was asked for originally.
      const frame: SubscribeFrame = { ...base, ...(position !== null ? { after: position } : {}) };
      ws.send(JSON.stringify(frame));
      setState('catching_up');
      startHeartbeat(ws);
    };
    ws.onmessage = (message) => {
      if (socket !== ws) return;
      heardSinceBeat = true;
      receive(ws, message.data);
    };
    ws.onerror = () => {
      // Always followed by onclose, which decides what to do.
    };
    ws.onclose = (event) => {
      if (socket !== ws) return;
      socket = null;
      stopHeartbeat();
      if (stopped) {
        setState('closed');
        resolveClosed?.();
        return;
      }
      const code = closing?.code ?? event.code;
      const reason = closing?.reason ?? event.reason;
      // An expired token is not final when the caller can fetch a new one.
      const renewable = code === WS_CLOSE_CODE.unauthorized && typeof options.token === 'function';
      if (WS_PERMANENT_CLOSE_CODES.includes(code) && !renewable) {
        setState('failed', { code, reason });
        resolveClosed?.();
        return;
      }
      scheduleReconnect(code, reason);
    };
  }

  function receive(ws: WebSocketLike, data: unknown): void {
    if (typeof data !== 'string') {
      report(new MusterLiveError('unsupported_media_type', 'the gateway sent a binary frame'));
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch (error) {
      report(new MusterLiveError('malformed', 'the gateway sent a frame that is not JSON', undefined, { cause: error }));
      return;
    }
    const parsed = ServerFrameSchema.safeParse(json);
    if (!parsed.success) {
      report(new MusterLiveError('malformed', 'the gateway sent a frame that does not match its contract', undefined, { cause: parsed.error }));
      return;
    }
    const frame = parsed.data;
    switch (frame.type) {
      case 'event': {
        // Defence in depth: whatever the gateway does, never hand the same or an older event twice.
        if (position !== null && comparePositions(frame.position, position) <= 0) return;
        position = frame.position;
        try {
          options.onEvent(frame.event);
        } catch (error) {
          report(error instanceof Error ? error : new Error(String(error)));
        }
        return;
      }
      case 'caught_up':
        if (position === null || comparePositions(frame.position, position) > 0) position = frame.position;
        attempt = 0;
        setState('live');
        return;
      case 'error':
        report(new MusterLiveError(frame.code, frame.message, frame.issues));
        return;
      case 'closing':
        // The gateway is about to close; remember why, and leave now rather than wait for its close.
        closing = { code: frame.code, reason: frame.reason };
        ws.close(1000, 'closing acknowledged');
        return;
      case 'pong':
        return;
      case 'feed_held':
        feedHeld(frame.since);
        return;
      case 'feed_resumed':
        feedHeld(null);
        return;
      default: {
        const unreachable: never = frame;
        report(new MusterLiveError('malformed', `unknown frame ${JSON.stringify(unreachable)}`));
      }
    }
  }

  function scheduleReconnect(code: number, reason: string): void {
    const ceiling = Math.min(maxMs, initialMs * factor ** attempt);
    // Full jitter in the upper half: consoles dropped together by one gateway do not return in lockstep.
    const delayMs = Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
    attempt++;
    setState('disconnected', { code, reason, delayMs });
    retryTimer = setTimeout(() => {
      retryTimer = null;
      void open();
    }, delayMs);
  }

  function startHeartbeat(ws: WebSocketLike): void {
    if (heartbeatMs <= 0) return;
    stopHeartbeat();
    heardSinceBeat = true;
    let silentBeats = 0;
    heartbeatTimer = setInterval(() => {
      if (socket !== ws) return;
      silentBeats = heardSinceBeat ? 0 : silentBeats + 1;
      heardSinceBeat = false;
      if (silentBeats >= 2) {
        // A half-open connection never reports its close; give up on it and reconnect now.
        socket = null;
        stopHeartbeat();
        ws.onclose = null;
        ws.onmessage = null;
        ws.close(1000, 'heartbeat lost');
        scheduleReconnect(1006, 'heartbeat lost');
        return;
      }
      if (ws.readyState === OPEN) ws.send(JSON.stringify({ type: 'ping' }));
    }, heartbeatMs);
  }

  function stopHeartbeat(): void {
    if (heartbeatTimer) clearInterval(heartbeatTimer);
    heartbeatTimer = null;
  }

  void open();

  return {
    position: () => position,
    state: () => state,
    close() {
      if (stopped) return closed;
      stopped = true;
      stopHeartbeat();
      if (retryTimer) clearTimeout(retryTimer);
      retryTimer = null;
      const ws = socket;
      if (ws) {
        ws.close(1000, 'client closing');
      } else {
        setState('closed');
        resolveClosed?.();
      }
      return closed;
    },
  };
}

/** The `ws` package in Node (whose global WebSocket is missing before 22), the global one elsewhere. */
async function webSocketConstructor(given: WebSocketConstructor | undefined): Promise<WebSocketConstructor> {
  if (given) return given;
  const runtime = globalThis as { process?: { versions?: { node?: string } } };
  if (runtime.process?.versions?.node) {
    const ws = await import('ws');
    return ws.WebSocket;
  }
  const global: unknown = Reflect.get(globalThis, 'WebSocket');
  if (typeof global !== 'function') throw new Error('no WebSocket implementation: pass the WebSocket option');
  return global as WebSocketConstructor;
}
