/**
 * One load-generating process of `pnpm bench`: holds a share of the benchmark's consoles so that
 * 1,000 of them are not all on the event loop that also paces commands (run.ts spawns a few of these
 * and talks to them over IPC). Not part of `pnpm test`.
 *
 * Console kinds:
 * - `protocol`: a WebSocket client speaking the gateway protocol directly: sends the subscribe frame
 *   (with `after` when resuming), reads each frame's type and position from its fixed prefix without
 *   parsing the whole event, checks positions only increase, timestamps paced commands, and resumes
 *   from its last position after any close. Cheap enough that 1,000 fit on a share of 2 cores.
 * - `client`: the real `@muster/client` feed (JSON parse and zod check of every frame, its own resume).
 * - `bare`: a plain `ws` client of the bare broadcast baseline: counts messages, nothing else.
 */
import { subscribe, type LiveFeed } from '@muster/client';
import { WebSocket } from 'ws';

export type ConsoleKind = 'protocol' | 'client' | 'bare';

export type FleetRequest =
  | { op: 'open'; kind: ConsoleKind; url: string; token: string; room: string; count: number; after?: readonly string[]; trackIds: boolean }
  | { op: 'stats' }
  | { op: 'latencies' }
  | { op: 'close' };

export interface ConsoleStats {
  /** Event frames received (duplicates included). */
  received: number;
  /**
   * Frames that moved the console's position forward (with `trackIds`; otherwise every frame): a
   * frame at or below the last position, whether a repeat or a late one, does not count, so a gap or
   * a duplicate never hides. Kept without a set of every position: 200 consoles × 6,000 events in
   * sets made the load generator's garbage collector a source of the tail it was measuring.
   */
  unique: number;
  /** Frames at or below the console's last position (delivered twice or out of order). */
  outOfOrder: number;
  /** Position of the last event received; null before the first. */
  last: string | null;
  live: boolean;
  /** Times the socket closed and the console resumed. */
  reconnects: number;
}

/** Latencies as a histogram: keys are tenths of a millisecond, values counts. */
export interface LatencyHistogram {
  /** From the paced command's send time (its `t=` stamp, wall clock) to the frame's arrival. */
  fromSend: [number, number][];
  /** From `meta.recordedAt` (the api's clock when the command was handled) to the frame's arrival. */
  fromRecorded: [number, number][];
}

/** The id of the one reply a console process sends unasked: it is listening. */
export const READY_ID = 0;

export type FleetReply = { id: number; ok: true; stats?: ConsoleStats[]; latencies?: LatencyHistogram } | { id: number; ok: false; error: string };

interface BenchConsole {
  stats: ConsoleStats;
  close(): Promise<void>;
}

/** Wall-clock milliseconds with sub-millisecond resolution, comparable between processes of one machine. */
export const wallClock = (): number => performance.timeOrigin + performance.now();

const EVENT_PREFIX = '{"type":"event","position":"';
const CAUGHT_UP_PREFIX = '{"type":"caught_up"';
const CAUGHT_UP_POSITION = /"position":"(\d+\.\d+)"/;
const CLOSING_PREFIX = '{"type":"closing"';
const STAMP = /paced \d+ t=(\d+(?:\.\d+)?)/;

const fromSend = new Map<number, number>();
const fromRecorded = new Map<number, number>();
const record = (histogram: Map<number, number>, ms: number) => {
  const key = Math.max(0, Math.round(ms * 10));
  histogram.set(key, (histogram.get(key) ?? 0) + 1);
};

/** Positions are `<txid>.<seq>`; both fit a double in any benchmark database. */
function positionAfter(a: string, b: string | null): boolean {
  if (b === null) return true;
  const [atx = 0, aseq = 0] = a.split('.').map(Number);
  const [btx = 0, bseq = 0] = b.split('.').map(Number);
  return atx !== btx ? atx > btx : aseq > bseq;
}

const EVENT_PREFIX_BYTES = Buffer.from(EVENT_PREFIX);
const STAMP_BYTES = Buffer.from(' t=');
const PACED_BYTES = Buffer.from('"paced ');
const RECORDED_BYTES = Buffer.from('"recordedAt":"');
const QUOTE = 0x22;

/**
 * timeFrame on the frame's bytes, without decoding the whole frame into a string: the protocol
 * consoles receive 40,000 frames a second in the latency phase, on the cores the system under test uses.
 */
function timeFrameBytes(data: Buffer, arrived: number): void {
  const paced = data.indexOf(PACED_BYTES);
  if (paced < 0) return;
  const stampAt = data.indexOf(STAMP_BYTES, paced);
  if (stampAt < 0) return;
  const from = stampAt + STAMP_BYTES.length;
  const due = Number(data.toString('latin1', from, data.indexOf(QUOTE, from)));
  if (!Number.isFinite(due)) return;
  record(fromSend, arrived - due);
  const recordedAt = data.indexOf(RECORDED_BYTES);
  if (recordedAt < 0) return;
  const start = recordedAt + RECORDED_BYTES.length;
  record(fromRecorded, arrived - Date.parse(data.toString('latin1', start, data.indexOf(QUOTE, start))));
}

function protocolConsole(url: string, token: string, room: string, after: string | undefined, trackIds: boolean): BenchConsole {
  const stats: ConsoleStats = { received: 0, unique: 0, outOfOrder: 0, last: after ?? null, live: false, reconnects: 0 };
  let stopped = false;
  let socket: WebSocket | null = null;
  let resolveClosed: () => void = () => undefined;
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));
  const open = () => {
    const ws = new WebSocket(`${url}?access_token=${encodeURIComponent(token)}`, { perMessageDeflate: false });
    socket = ws;
    ws.on('open', () => ws.send(JSON.stringify({ type: 'subscribe', rooms: [room], ...(stats.last !== null ? { after: stats.last } : {}) })));
    ws.on('message', (data: Buffer) => {
      if (data.subarray(0, EVENT_PREFIX_BYTES.length).equals(EVENT_PREFIX_BYTES)) {
        const arrived = wallClock();
        const position = data.toString('latin1', EVENT_PREFIX_BYTES.length, data.indexOf(QUOTE, EVENT_PREFIX_BYTES.length));
        stats.received++;
        const forward = positionAfter(position, stats.last);
        if (forward || !trackIds) stats.unique++;
        if (forward) stats.last = position;
        else stats.outOfOrder++;
        timeFrameBytes(data, arrived);
        return;
      }
      const text = data.toString('utf8');
      if (text.startsWith(CAUGHT_UP_PREFIX)) {
        // Where the feed stands when nothing was sent yet (a console that started at the head).
        const position = CAUGHT_UP_POSITION.exec(text)?.[1];
        if (position && positionAfter(position, stats.last)) stats.last = position;
        stats.live = true;
      }
      else if (text.startsWith(CLOSING_PREFIX)) stats.live = false;
    });
    ws.on('error', () => undefined);
    ws.on('close', () => {
      stats.live = false;
      if (stopped) return resolveClosed();
      // Slow-consumer close, gateway restart, refused upgrade: come back from the last position.
      stats.reconnects++;
      setTimeout(open, 100 + Math.random() * 200);
    });
  };
  open();
  return {
    stats,
    close() {
      stopped = true;
      if (!socket || socket.readyState === WebSocket.CLOSED) resolveClosed();
      else socket.close(1000, 'bench done');
      return closed;
    },
  };
}

function clientConsole(url: string, token: string, room: string, after: string | undefined, trackIds: boolean): BenchConsole {
  const stats: ConsoleStats = { received: 0, unique: 0, outOfOrder: 0, last: after ?? null, live: false, reconnects: 0 };
  const seen = new Set<string>();
  const feed: LiveFeed = subscribe({
    url,
    rooms: [room],
    ...(after !== undefined ? { after } : {}),
    token: () => token,
    backoff: { initialMs: 100, maxMs: 1000 },
    onEvent: (event) => {
      const arrived = wallClock();
      stats.received++;
      if (trackIds) {
        if (!seen.has(event.position)) stats.unique++;
        seen.add(event.position);
      } else stats.unique++;
      if (positionAfter(event.position, stats.last)) stats.last = event.position;
      else stats.outOfOrder++;
      const stamp = typeof event.data['description'] === 'string' ? STAMP.exec(event.data['description']) : null;
      if (stamp?.[1]) {
        record(fromSend, arrived - Number(stamp[1]));
        record(fromRecorded, arrived - Date.parse(event.meta.recordedAt));
      }
    },
    onStateChange: (change) => {
      stats.live = change.state === 'live';
      if (change.state === 'disconnected') stats.reconnects++;
    },
    onError: () => undefined,
  });
  return { stats, close: () => feed.close() };
}

function bareConsole(url: string): BenchConsole {
  const stats: ConsoleStats = { received: 0, unique: 0, outOfOrder: 0, last: null, live: false, reconnects: 0 };
  const ws = new WebSocket(url, { perMessageDeflate: false });
  ws.on('open', () => (stats.live = true));
  ws.on('message', () => {
    stats.received++;
  });
  ws.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => ws.on('close', () => resolve()));
  return {
    stats,
    close() {
      if (ws.readyState !== WebSocket.CLOSED) ws.close();
      return closed;
    },
  };
}

const consoles: BenchConsole[] = [];

async function handle(request: FleetRequest): Promise<Omit<Extract<FleetReply, { ok: true }>, 'id' | 'ok'>> {
  switch (request.op) {
    case 'open':
      for (let i = 0; i < request.count; i++) {
        const after = request.after?.[i];
        switch (request.kind) {
          case 'protocol':
            consoles.push(protocolConsole(request.url, request.token, request.room, after, request.trackIds));
            break;
          case 'client':
            consoles.push(clientConsole(request.url, request.token, request.room, after, request.trackIds));
            break;
          case 'bare':
            consoles.push(bareConsole(request.url));
            break;
          default: {
            const unreachable: never = request.kind;
            throw new Error(`unknown console kind ${String(unreachable)}`);
          }
        }
        // Spread the upgrades a little: 500 handshakes in one tick only measure the accept queue.
        if (i % 50 === 49) await new Promise((r) => setImmediate(r));
      }
      return {};
    case 'stats':
      return { stats: consoles.map((c) => ({ ...c.stats })) };
    case 'latencies':
      return { latencies: { fromSend: [...fromSend.entries()], fromRecorded: [...fromRecorded.entries()] } };
    case 'close':
      await Promise.all(consoles.splice(0).map((c) => c.close()));
      fromSend.clear();
      fromRecorded.clear();
      return {};
    default: {
      const unreachable: never = request;
      throw new Error(`unknown request ${JSON.stringify(unreachable)}`);
    }
  }
}

process.on('message', (message: { id: number; request: FleetRequest }) => {
  handle(message.request).then(
    (result) => process.send?.({ id: message.id, ok: true, ...result } satisfies FleetReply),
    (error: unknown) => process.send?.({ id: message.id, ok: false, error: String(error) } satisfies FleetReply),
  );
});
process.on('disconnect', () => process.exit(0));
// Listening now: the parent sends nothing before this, since a message that arrives before the listener is lost.
process.send?.({ id: READY_ID, ok: true } satisfies FleetReply);
