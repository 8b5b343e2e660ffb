import { z } from 'zod';
import { EventEnvelopeSchema } from './envelope';
import { ERROR_CODES, WS_CLOSE_CODE } from './errors';
import { IdSchema, JurisdictionCodeSchema } from './incident.schemas';
import { isPosition } from './position';

/**
 * Frames of the live feed between a console and the gateway (`/ws`), DESIGN §2 and §3 guarantee 5.
 *
 * A connection has one subscription (a set of rooms and a set of incidents) and one position: the
 * global log position of the last event the gateway sent it. Every frame a client sends is parsed by
 * `ClientFrameSchema` (guarantee 8); every frame the gateway sends matches `ServerFrameSchema`.
 */

/** A global log position `"<txid>.<seq>"`; `"0.0"` is before everything. */
export const PositionSchema = z.string().max(41).refine(isPosition, 'must be a log position "<txid>.<seq>"');

/**
 * One frame may name at most this many rooms and this many incidents. The gateway also bounds the
 * total per connection; a console that watches more should watch a room instead.
 */
export const MAX_TOPICS_PER_FRAME = 100;

const topics = {
  /**
   * Jurisdiction rooms: every event carried to the room, i.e. whose `meta.rooms` (lead, linked and
   * supporting jurisdictions) holds the code, or whose `meta.jurisdiction` is the code when the event
   * has no `meta.rooms`.
   */
  rooms: z.array(JurisdictionCodeSchema).max(MAX_TOPICS_PER_FRAME).optional(),
  /** Incidents: every event of the incident, `meta.incidentId` (or the stream id): its own stream and its command and request streams. */
  incidents: z.array(IdSchema).max(MAX_TOPICS_PER_FRAME).optional(),
};

/**
 * Adds rooms and incidents to the connection's subscription. With `after`, the connection's position
 * becomes `after`: the gateway sends every matching event after it, from PostgreSQL while behind and
 * then live, each once and in log order. Without `after`, the first subscribe of a connection starts
 * at the head of the log (live only); a later one keeps the connection's position.
 */
export const SubscribeFrameSchema = z.strictObject({
  type: z.literal('subscribe'),
  ...topics,
  after: PositionSchema.optional(),
  /**
   * Whether the connection's rooms carry drill (演练) events too: off until a subscribe says `true`
   * (the last subscribe that names it wins), so a room's feed is the real record. A watched incident
   * always carries its own events, drill or not.
   */
  drills: z.boolean().optional(),
});

/** Removes rooms and incidents from the subscription; the position is kept. */
const UnsubscribeFrameSchema = z.strictObject({
  type: z.literal('unsubscribe'),
  ...topics,
});

/** Application-level heartbeat for clients that cannot see WebSocket pings (browsers); answered by `pong`. */
const PingFrameSchema = z.strictObject({ type: z.literal('ping') });

export const ClientFrameSchema = z.discriminatedUnion('type', [SubscribeFrameSchema, UnsubscribeFrameSchema, PingFrameSchema]);
export type SubscribeFrame = z.infer<typeof SubscribeFrameSchema>;
export type UnsubscribeFrame = z.infer<typeof UnsubscribeFrameSchema>;
export type ClientFrame = z.infer<typeof ClientFrameSchema>;

/** One event of the subscription; `position` equals `event.position` and only ever grows on a connection. */
const EventFrameSchema = z.strictObject({
  type: z.literal('event'),
  position: PositionSchema,
  event: EventEnvelopeSchema,
});

/**
 * The connection has received everything of its subscription that was committed when catch-up
 * ended and is now live. `position` is the connection's position (last event sent, or where it started).
 * A subscribe that arrives during a catch-up restarts it: only the last one ends in `caught_up`.
 */
const CaughtUpFrameSchema = z.strictObject({
  type: z.literal('caught_up'),
  position: PositionSchema,
});

/** A client frame was refused; the connection stays open unless a `closing` frame follows. */
const ErrorFrameSchema = z.strictObject({
  type: z.literal('error'),
  code: z.enum(ERROR_CODES),
  message: z.string(),
  issues: z.array(z.strictObject({ path: z.string(), message: z.string() })).optional(),
});

/**
 * Sent just before the gateway closes the connection: reconnect and subscribe with
 * `after: resumeFrom` to lose nothing. `code` is the WebSocket close code that follows.
 */
const ClosingFrameSchema = z.strictObject({
  type: z.literal('closing'),
  code: z.int().min(1000).max(4999),
  reason: z.string(),
  resumeFrom: PositionSchema,
});

const PongFrameSchema = z.strictObject({ type: z.literal('pong') });

/**
 * The live feed is held: events committed since `since` (ISO time) cannot be delivered yet, because
 * a transaction older than them is still open on the PostgreSQL server (any database of it) and the
 * log is read in commit-safe order. Commands are still accepted and stored. Sent to every console
 * once a hold has lasted the gateway's threshold, and at connection while one lasts; `feed_resumed`
 * when it ends, after which the held events arrive as usual.
 */
const FeedHeldFrameSchema = z.strictObject({
  type: z.literal('feed_held'),
  since: z.iso.datetime(),
});

const FeedResumedFrameSchema = z.strictObject({ type: z.literal('feed_resumed') });

export const ServerFrameSchema = z.discriminatedUnion('type', [
  EventFrameSchema,
  CaughtUpFrameSchema,
  ErrorFrameSchema,
  ClosingFrameSchema,
  PongFrameSchema,
  FeedHeldFrameSchema,
  FeedResumedFrameSchema,
]);
export type ServerFrame = z.infer<typeof ServerFrameSchema>;

/**
 * Close codes of the live feed that are about the session rather than a refused request (those are
 * `WS_CLOSE_CODE` in errors.ts). Each is preceded by a `closing` frame carrying the resume position.
 */
export const WS_SESSION_CLOSE_CODE = {
  /**
   * The console did not read fast enough: more bytes were waiting to be written to it than the
   * gateway's bound, or more live events arrived during its catch-up than it buffers. Reconnecting
   * from `resumeFrom` is safe: the missed events are read from PostgreSQL. (408: it timed out reading.)
   */
  slow_consumer: 4408,
  /** The gateway is shutting down; reconnect (to any gateway) and resume. Standard "going away". */
  going_away: 1001,
} as const;

/**
 * Close codes after which reconnecting with the same frames cannot succeed: the client sent something
 * the gateway will never accept, or is not allowed to watch. A client stops instead of retrying.
 */
export const WS_PERMANENT_CLOSE_CODES: readonly number[] = [
  WS_CLOSE_CODE.malformed,
  WS_CLOSE_CODE.validation,
  WS_CLOSE_CODE.unauthorized,
  WS_CLOSE_CODE.forbidden,
  WS_CLOSE_CODE.payload_too_large,
  WS_CLOSE_CODE.unsupported_media_type,
];
