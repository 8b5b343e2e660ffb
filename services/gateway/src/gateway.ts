import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { MusterError, UnauthorizedError, WS_SESSION_CLOSE_CODE, type EventEnvelope } from '@muster/contracts';
import type { JurisdictionTree } from '@muster/domain';
import { bearerToken, type Identity, type TokenVerifier } from '@muster/identity';
import { canReadIncident, canReadJurisdiction, canSeeEvent, incidentContextOf, type EventBus, type LiveSubscription } from '@muster/engine';
import { logHorizon, readGlobalLog, readHeadPosition, TransactionHold, type Database } from '@muster/store-postgres';
import type { Kysely } from 'kysely';
import pino, { type Logger } from 'pino';
import { handleOpsRequest, type OpsEndpoints } from '@muster/service-runtime';
import { WebSocketServer, type WebSocket } from 'ws';
import { Session, incidentOf, liveDelivery, roomsOf, type GatewayStats, type LogReader, type SessionLimits, type SessionMode, type TopicIndex, type Viewer } from './session';
import { SharedLogReader } from './shared-log-reader';
import { WriteBatcher, type Corkable } from './write-batcher';

interface GatewayLimits extends SessionLimits {
  /** Largest client frame in bytes; ws closes a connection that sends more with 1009. */
  maxPayload: number;
  /** WebSocket ping interval; a console that has not answered the previous ping is terminated. */
  heartbeatIntervalMs: number;
  /** Connections beyond this are refused with HTTP 503 before the upgrade. */
  maxConnections: number;
  /**
   * Open sockets one user (the token's subject) may hold; the next upgrade is refused with HTTP 429
   * `rate_limited` until one closes. A console needs one socket, a few tabs and a phone a few more;
   * without a cap one token could hold every connection the gateway allows.
   */
  maxSocketsPerUser: number;
  /**
   * Catch-up queries in flight at once; more wait, and identical ones (a reconnect storm: the same
   * position and subscription) are answered by one query. Keep it below the database pool size.
   */
  maxConcurrentReads: number;
  /**
   * How long one open transaction may hold the log (events committed after it began wait behind it)
   * before every console is told that its live feed is held (`feed_held`), and how often the gateway
   * looks while consoles are connected. The relay logs the session that holds it.
   */
  feedHeldAfterMs: number;
  feedHoldCheckMs: number;
}

const DEFAULT_LIMITS: GatewayLimits = {
  maxPayload: 16 * 1024,
  maxBufferedBytes: 1024 * 1024,
  catchUpBufferLimit: 10_000,
  pageSize: 500,
  maxTopics: 200,
  maxInvalidFrames: 10,
  frameBurst: 50,
  framesPerSecond: 20,
  closeGraceMs: 5_000,
  heartbeatIntervalMs: 30_000,
  maxConnections: 10_000,
  maxSocketsPerUser: 8,
  maxConcurrentReads: 4,
  feedHeldAfterMs: 5_000,
  feedHoldCheckMs: 1_000,
};

export interface GatewayOptions extends Partial<GatewayLimits> {
  db: Kysely<Database>;
  bus: EventBus;
  /** Checks the token a console presents at the upgrade (Authorization header or `access_token`). */
  verifier: TokenVerifier;
  /** The jurisdictions served, as the process loaded them (jurisdictionsFromEnv). */
  jurisdictions: JurisdictionTree;
  /**
   * How catch-up reads the log; defaults to `postgresLogReader(db)`. Tests wrap the real reader to
   * hold a read at a chosen moment and prove the switch from PostgreSQL to live has no window.
   */
  log?: LogReader;
  host?: string;
  port?: number;
  logger?: Logger;
  /** Serve `/metrics`, `/health/live` and `/health/ready` on the gateway's port (services/gateway/src/main.ts; not in `muster start`, whose api serves them). */
  ops?: OpsEndpoints;
}

interface SessionInfo {
  id: number;
  mode: SessionMode;
  position: string | null;
  pending: number;
  bufferedAmount: number;
  topics: number;
}

export interface RunningGateway {
  /** The WebSocket endpoint, e.g. `ws://127.0.0.1:8081/ws`. */
  url: string;
  port: number;
  /** Counters and peaks since start: how many events were sent, the largest buffers seen. */
  stats(): Readonly<GatewayStats>;
  /** Open WebSocket connections. */
  openSockets(): number;
  sessions(): SessionInfo[];
  /**
   * Stops the gateway. By default every console gets a `closing` frame (1001, with its resume
   * position); `abrupt` cuts every socket without one, as a crash would.
   */
  close(options?: { abrupt?: boolean }): Promise<void>;
}

/** The commit-safe global log of PostgreSQL (DESIGN §3 guarantee 3), filtered to a subscription. */
export function postgresLogReader(db: Kysely<Database>): LogReader {
  return {
    readPage: (after, limit, rooms, incidents) => readGlobalLog(db, after, limit, { rooms, incidentIds: incidents, match: 'any' }),
    head: () => readHeadPosition(db),
  };
}

/** Sessions by room and by incident: the shared bus feed touches only the sessions that watch an event. */
class Topics implements TopicIndex {
  private readonly rooms = new Map<string, Set<Session>>();
  private readonly incidents = new Map<string, Set<Session>>();

  add(session: Session, kind: 'room' | 'incident', key: string): void {
    const map = kind === 'room' ? this.rooms : this.incidents;
    let set = map.get(key);
    if (!set) map.set(key, (set = new Set()));
    set.add(session);
  }

  remove(session: Session, kind: 'room' | 'incident', key: string): void {
    const map = kind === 'room' ? this.rooms : this.incidents;
    const set = map.get(key);
    if (!set) return;
    set.delete(session);
    if (set.size === 0) map.delete(key);
  }

  /** Each session once, even when it watches several of the event's rooms and its incident. */
  sessionsFor(event: EventEnvelope): Iterable<Session> {
    const groups: Set<Session>[] = [];
    for (const room of roomsOf(event)) {
      const sessions = this.rooms.get(room);
      if (sessions) groups.push(sessions);
    }
    const byIncident = this.incidents.get(incidentOf(event));
    if (byIncident) groups.push(byIncident);
    // The common case, one matching group, needs no copy.
    if (groups.length <= 1) return groups[0] ?? [];
    const union = new Set<Session>();
    for (const group of groups) for (const session of group) union.add(session);
    return union;
  }
}

/**
 * Starts the WebSocket gateway (DESIGN §2): consoles connect to `/ws`, subscribe to rooms and
 * incidents, and receive every event of them once and in log order, from PostgreSQL while behind
 * and then from the bus (guarantee 5). The gateway keeps no state that matters: a restart loses
 * nothing, consoles resume from their position. The caller owns `db` and `bus` and closes them.
 */
export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  const { db, bus } = options;
  const limits: GatewayLimits = { ...DEFAULT_LIMITS, ...definedOnly(options) };
  const logger = options.logger ?? pino({ level: 'silent' });
  const stats: GatewayStats = {
    connectionsAccepted: 0,
    eventsSent: 0,
    framesSent: 0,
    duplicatesDropped: 0,
    peakBufferedBytes: 0,
    peakCatchUpBuffer: 0,
    slowConsumersClosed: 0,
    invalidFrames: 0,
    catchUpPagesRead: 0,
    catchUpQueries: 0,
  };
  const topics = new Topics();
  const sessions = new Map<number, Session>();
  const sockets = new Set<WebSocket>();
  /** Open (or opening) sockets per user id, for maxSocketsPerUser. */
  const socketsByUser = new Map<string, number>();
  let nextId = 1;
  let stopping = false;

  const log = new SharedLogReader(options.log ?? postgresLogReader(db), limits.maxConcurrentReads);
  const currentStats = (): GatewayStats => ({ ...stats, catchUpPagesRead: log.counts.served, catchUpQueries: log.counts.issued });
  const batcher = new WriteBatcher();

  // One bus subscription per process, fanned out synchronously: sessions only ever buffer or write
  // without waiting, so one console can never hold up the feed of another. The event's position is
  // parsed and its frame serialized once here, not once per console.
  const subscription: LiveSubscription = await bus.subscribe((event) => {
    const delivery = liveDelivery(event);
    for (const session of topics.sessionsFor(event)) {
      try {
        session.onLive(delivery);
      } catch (error) {
        logger.error({ err: error, session: session.id }, 'session failed on a live event');
        session.close(1011, 'internal');
      }
    }
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: limits.maxPayload, perMessageDeflate: false });

  const tree = options.jurisdictions;
  const viewerFor = (identity: Identity): Viewer => ({
    actor: identity.actor,
    expiresAt: identity.expiresAt,
    // The same access module as the api's routes and the engine's policy (@muster/engine access.ts).
    mayWatchRoom: (room) => canReadJurisdiction(tree, identity.actor, room),
    async mayWatchIncident(incidentId) {
      const row = await db.selectFrom('stream').select(['snapshot', 'stream_type']).where('stream_id', '=', incidentId).executeTakeFirst();
      if (!row) return false;
      return canReadIncident(tree, identity.actor, incidentContextOf({ streamType: row.stream_type, state: row.snapshot }));
    },
    // The event says where the incident stood when it was recorded: its lead and the rooms following it.
    maySee: (event) => canSeeEvent(tree, identity.actor, { jurisdiction: event.meta.jurisdiction, rooms: roomsOf(event), streamType: event.streamType }),
  });

  wss.on('connection', (socket: WebSocket, _request: IncomingMessage, identity: Identity, transport: Corkable) => {
    const session = new Session({
      viewer: viewerFor(identity),
      id: nextId++,
      socket,
      log,
      index: topics,
      limits,
      stats,
      logger,
      transport,
      batcher,
      onClosed: (s) => {
        sessions.delete(s.id);
      },
    });
    sessions.set(session.id, session);
    if (feedHeldSince !== null) session.notify({ type: 'feed_held', since: feedHeldSince });
    sockets.add(socket);
    stats.connectionsAccepted++;
    socket.on('message', (data, isBinary) => {
      try {
        session.receive(data, isBinary);
      } catch (error) {
        // receive() answers bad input itself; reaching here is a bug, which must cost one console, not the process.
        logger.error({ err: error, session: session.id }, 'session failed on a client frame');
        session.close(1011, 'internal');
      }
    });
    socket.on('pong', () => session.markAlive());
    // ws reports protocol violations (oversized frame: 1009, bad opcode) here and closes the socket;
    // without a listener the error would take the whole process down.
    socket.on('error', (error) => logger.debug({ err: error, session: session.id }, 'socket error'));
    socket.on('close', () => {
      sockets.delete(socket);
      session.dispose();
    });
  });

  /** Who presents this token, if it is one the gateway accepts; refusals say why, as at the upgrade. */
  async function identify(token: string): Promise<Identity> {
    const identity = await options.verifier.verify(token);
    // Whatever verifier the gateway was given: a jurisdiction outside its tree watches nothing here.
    if (!tree.has(identity.actor.jurisdiction)) throw new UnauthorizedError("the token's jurisdiction is not served here");
    return identity;
  }

  /**
   * Liveness for anyone; the counters (connections, events sent, slow consoles) only for a valid
   * bearer token: they tell an outsider how busy the room is and whether a flood is working.
   */
  async function health(request: IncomingMessage): Promise<Record<string, unknown>> {
    if (request.headers.authorization === undefined) return { status: 'ok' };
    await identify(bearerToken(request.headers.authorization));
    return { status: 'ok', connections: sockets.size, stats: currentStats() };
  }

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    if (request.method === 'GET' && new URL(request.url ?? '/', 'http://gateway').pathname === '/health') {
      health(request).then(
        (body) => response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body)),
        (error: unknown) => {
          const message = error instanceof MusterError ? error.message : 'invalid token';
          response.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'unauthorized', message } }));
        },
      );
      return;
    }
    if (options.ops && handleOpsRequest(options.ops, request, response)) return;
    response.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'not_found', message: 'the live feed is at /ws' } }));
  });

  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const path = new URL(request.url ?? '/', 'http://gateway').pathname;
    if (path !== '/ws') return reject(socket, 404, 'Not Found');
    if (stopping) return reject(socket, 503, 'Service Unavailable');
    if (sockets.size >= limits.maxConnections) return reject(socket, 503, 'Service Unavailable');
    // The token is checked before the upgrade: a console without a valid one never gets a socket.
    void (async () => {
      let identity: Identity;
      try {
        identity = await identify(upgradeToken(request));
      } catch (error) {
        const message = error instanceof MusterError ? error.message : 'invalid token';
        return reject(socket, 401, 'Unauthorized', JSON.stringify({ error: { code: 'unauthorized', message } }));
      }
      // The gateway may have begun stopping while the token was checked: close() no longer sees this socket.
      if (stopping) return reject(socket, 503, 'Service Unavailable');
      // Counted from here, synchronously after the check, so concurrent upgrades of one user cannot all
      // pass it; released when the TCP socket closes, whether the WebSocket opened or the handshake failed.
      const userId = identity.actor.userId;
      const held = socketsByUser.get(userId) ?? 0;
      if (held >= limits.maxSocketsPerUser) {
        const message = `user ${userId} already holds ${held} live connections, the most allowed; close one first`;
        return reject(socket, 429, 'Too Many Requests', JSON.stringify({ error: { code: 'rate_limited', message } }));
      }
      socketsByUser.set(userId, held + 1);
      socket.once('close', () => {
        const left = (socketsByUser.get(userId) ?? 1) - 1;
        if (left > 0) socketsByUser.set(userId, left);
        else socketsByUser.delete(userId);
      });
      // The upgraded TCP socket goes along: the session corks it to batch frames (WriteBatcher).
      wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request, identity, socket));
    })();
  });

  // A transaction left open anywhere on the database server holds every newer event (the log is read
  // in commit-safe order): the consoles would show 实时 and receive nothing. The gateway looks for
  // such a hold itself, while consoles are connected, and tells them when it starts and ends.
  const feedHold = new TransactionHold();
  let feedHeldSince: string | null = null;
  let lookingForHold = false;
  const lookForHold = async (): Promise<void> => {
    if (lookingForHold || stopping) return;
    if (sessions.size === 0) {
      // Nobody to tell: the next console starts from what the log is then.
      feedHold.reset();
      feedHeldSince = null;
      return;
    }
    lookingForHold = true;
    try {
      const { held, horizon } = await logHorizon(db);
      const now = performance.now();
      if (feedHold.note(held, horizon, now) !== null && feedHeldSince !== null) {
        logger.info({ since: feedHeldSince }, 'live feed no longer held; consoles told');
        feedHeldSince = null;
        for (const session of sessions.values()) session.notify({ type: 'feed_resumed' });
      }
      if (feedHeldSince === null && feedHold.lasted(limits.feedHeldAfterMs, now)) {
        feedHeldSince = new Date(Date.now() - feedHold.heldFor(now)).toISOString();
        logger.warn({ since: feedHeldSince }, 'live feed held behind an open transaction on the database server; consoles told');
        for (const session of sessions.values()) session.notify({ type: 'feed_held', since: feedHeldSince });
      }
    } catch (error) {
      logger.debug({ err: error }, 'could not look at the log horizon');
    } finally {
      lookingForHold = false;
    }
  };
  const holdWatch = setInterval(() => void lookForHold(), limits.feedHoldCheckMs);
  holdWatch.unref();

  const heartbeat = setInterval(() => {
    for (const session of sessions.values()) session.beat();
  }, limits.heartbeatIntervalMs);
  heartbeat.unref();

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    // Port taken or not allowed: leave nothing running behind the failed start.
    clearInterval(heartbeat);
    clearInterval(holdWatch);
    await subscription.unsubscribe();
    throw error;
  }
  server.on('error', (error) => logger.error({ err: error }, 'http server error'));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('gateway is not listening on a TCP port');
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `ws://${host}:${address.port}/ws`;
  logger.info({ url }, 'gateway listening');

  return {
    url,
    port: address.port,
    stats: currentStats,
    openSockets: () => sockets.size,
    sessions: () => [...sessions.values()].map((s) => ({ id: s.id, ...s.state })),
    async close(closeOptions = {}) {
      if (stopping) return;
      stopping = true;
      clearInterval(heartbeat);
      clearInterval(holdWatch);
      await subscription.unsubscribe();
      const closed = [...sockets].map((socket) => new Promise<void>((resolve) => (socket.readyState === socket.CLOSED ? resolve() : socket.once('close', () => resolve()))));
      if (closeOptions.abrupt) for (const socket of sockets) socket.terminate();
      // Closing removes the session from the map; a Map iterator tolerates deleting the current entry.
      else for (const session of sessions.values()) session.close(WS_SESSION_CLOSE_CODE.going_away, 'going_away');
      await Promise.all(closed);
      wss.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      logger.info('gateway stopped');
    },
  };
}

function reject(socket: Duplex, status: number, text: string, body = ''): void {
  const type = body ? 'Content-Type: application/json\r\n' : '';
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\n${type}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}

/** Browsers cannot set headers on a WebSocket, so the token may also come as `?access_token=`. */
function upgradeToken(request: IncomingMessage): string {
  const header = request.headers.authorization;
  if (header) return bearerToken(header);
  const query = new URL(request.url ?? '/', 'http://gateway').searchParams.get('access_token');
  if (query) return query;
  throw new UnauthorizedError('missing token: send Authorization: Bearer <token> or ?access_token=');
}

/** Drops undefined option values so they do not override the defaults (exactOptionalPropertyTypes). */
function definedOnly(options: Partial<GatewayLimits>): Partial<GatewayLimits> {
  const keys = Object.keys(DEFAULT_LIMITS) as (keyof GatewayLimits)[];
  const out: Partial<GatewayLimits> = {};
  for (const key of keys) {
    const value = options[key];
    if (value !== undefined) out[key] = value;
  }
  return out;
}
