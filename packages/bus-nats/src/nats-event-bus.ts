import { EventEnvelopeSchema, type EventEnvelope } from '@muster/contracts';
import type { EventBus, LiveSubscription, PublishOptions } from '@muster/engine';
import { jetstream, jetstreamManager, type Consumer, type ConsumerMessages, type JetStreamClient, type JsMsg } from '@nats-io/jetstream';
import { connect, headers, type NatsConnection } from '@nats-io/transport-node';
import { silentLogger, type BusLogger } from './logger';
import { ensureEventStream, type EventStreamOptions } from './stream';
import { DEFAULT_SUBJECT_PREFIX, assertSubjectPrefix, eventSubjects, subjectFor } from './subjects';

/** Headers every published event carries, so consumers can route and deduplicate without parsing. */
export const MUSTER_HEADERS = {
  streamId: 'Muster-Stream-Id',
  version: 'Muster-Version',
  position: 'Muster-Position',
} as const;

export interface NatsEventBusOptions {
  connection: NatsConnection;
  /** The JetStream stream that binds `<subjectPrefix>.evt.>` (see ensureEventStream). */
  stream: string;
  subjectPrefix?: string;
  /** How long publish waits for the PubAck before failing; the relay retries. */
  publishTimeoutMs?: number;
  /**
   * Expiry of the consumer's pull requests; heartbeats run at half of it, so it bounds how long a
   * silently dead consumer goes unnoticed. At least 1000.
   */
  pullExpiresMs?: number;
  logger?: BusLogger;
  /** When true, close() also closes the connection (the bus made it). */
  ownsConnection?: boolean;
}

/** One decoder for every message, not a new one each (0.2–0.6 µs a message measured here). */
const utf8 = new TextDecoder();

/** Parses one stored message into an envelope, or says why it is not one. */
export function decodeEvent(data: Uint8Array): { ok: true; event: EventEnvelope } | { ok: false; reason: string } {
  let json: unknown;
  try {
    json = JSON.parse(utf8.decode(data));
  } catch (error) {
    return { ok: false, reason: `not JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
  const parsed = EventEnvelopeSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, reason: issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'not an event envelope' };
  }
  return { ok: true, event: parsed.data };
}

/**
 * The EventBus on NATS JetStream (DESIGN §2). Publishing stores the event in the stream under
 * `muster.evt.<jurisdiction>.<streamType>.<streamId>` with `Nats-Msg-Id` = event id, so a relay that
 * publishes an event twice (after a retry or a takeover) stores it once. Subscribing reads the stream
 * through an ordered consumer from the sequence after the stream's last one at subscribe time.
 */
export class NatsEventBus implements EventBus {
  readonly stream: string;
  readonly subjectPrefix: string;
  private readonly nc: NatsConnection;
  private readonly js: JetStreamClient;
  private readonly publishTimeoutMs: number;
  private readonly pullExpiresMs: number;
  private readonly logger: BusLogger;
  private readonly ownsConnection: boolean;
  private readonly subscriptions = new Set<NatsLiveSubscription>();
  private closed = false;

  constructor(options: NatsEventBusOptions) {
    this.nc = options.connection;
    this.stream = options.stream;
    this.subjectPrefix = assertSubjectPrefix(options.subjectPrefix ?? DEFAULT_SUBJECT_PREFIX);
    this.publishTimeoutMs = options.publishTimeoutMs ?? 5_000;
    this.pullExpiresMs = Math.max(1_000, options.pullExpiresMs ?? 10_000);
    this.logger = options.logger ?? silentLogger;
    this.ownsConnection = options.ownsConnection ?? false;
    this.js = jetstream(this.nc, { timeout: this.publishTimeoutMs });
  }

  get connection(): NatsConnection {
    return this.nc;
  }

  async publish(event: EventEnvelope, options: PublishOptions = {}): Promise<void> {
    if (this.closed) throw new Error('the event bus is closed');
    const h = headers();
    h.set(MUSTER_HEADERS.streamId, event.streamId);
    h.set(MUSTER_HEADERS.version, String(event.version));
    h.set(MUSTER_HEADERS.position, event.position);
    const ack = await this.js.publish(subjectFor(event, this.subjectPrefix), JSON.stringify(event), {
      msgID: event.eventId,
      headers: h,
      timeout: this.publishTimeoutMs,
      // A subject bound by some other stream would be a misconfiguration; fail instead of storing there.
      // `after`: Nats-Expected-Last-Msg-Id, so publishes in flight together are stored in order or not at all.
      expect: options.after === undefined ? { streamName: this.stream } : { streamName: this.stream, lastMsgID: options.after },
    });
    if (ack.duplicate) this.logger.debug({ eventId: event.eventId, seq: ack.seq }, 'duplicate publish absorbed by Nats-Msg-Id');
  }

  async subscribe(handler: (event: EventEnvelope) => void): Promise<LiveSubscription> {
    if (this.closed) throw new Error('the event bus is closed');
    // "From now on" is "after the stream's last message now"; starting at an explicit sequence (not
    // deliver policy `new`) also makes the consumer's cursor meaningful before its first message, so
    // a reset before any delivery resumes here instead of replaying the whole stream.
    const info = await (await this.js.streams.get(this.stream)).info(true);
    const subscription = new NatsLiveSubscription({
      js: this.js,
      nc: this.nc,
      stream: this.stream,
      filter: eventSubjects(this.subjectPrefix),
      nextSeq: info.state.last_seq + 1,
      pullExpiresMs: this.pullExpiresMs,
      logger: this.logger,
      handler,
      onClosed: (s) => this.subscriptions.delete(s),
    });
    await subscription.start();
    this.subscriptions.add(subscription);
    return subscription;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.subscriptions].map((s) => s.unsubscribe()));
    if (this.ownsConnection) await this.nc.close();
  }
}

interface SubscriptionOptions {
  js: JetStreamClient;
  nc: NatsConnection;
  stream: string;
  filter: string;
  nextSeq: number;
  pullExpiresMs: number;
  logger: BusLogger;
  handler: (event: EventEnvelope) => void;
  onClosed: (subscription: NatsLiveSubscription) => void;
}

/**
 * One live feed. The nats.js ordered consumer already recreates itself at the sequence after the
 * last one it delivered when it sees a gap, a missing consumer or a reconnect. It gives up only in
 * rare cases (e.g. 30 failed re-creations before any message); then this class starts a new one at
 * the same place, so the feed neither skips nor repeats while the subscription lives.
 */
class NatsLiveSubscription implements LiveSubscription {
  private nextSeq: number;
  private stopped = false;
  private consumer: Consumer | null = null;
  private messages: ConsumerMessages | null = null;
  private restartTimer: NodeJS.Timeout | null = null;
  private restarts = 0;
  private stallTimer: NodeJS.Timeout | null = null;
  /** nextSeq at the previous stall check: unchanged means nothing was delivered since. */
  private seqAtLastCheck = -1;
  private checkingStall = false;

  constructor(private readonly o: SubscriptionOptions) {
    this.nextSeq = o.nextSeq;
    // A watchdog of our own under nats.js's: a consumer can die with a cluster node without any
    // status reaching this client (after a reconnect nats.js 3.4 may neither reset the ordered
    // consumer nor report missed heartbeats), and the feed would then stall for good.
    this.stallTimer = setInterval(() => void this.replaceIfStalled(), o.pullExpiresMs);
    this.stallTimer.unref();
  }

  /**
   * Replaces the consumer when nothing was delivered for a whole check period while the stream holds
   * messages at or past the cursor: a live consumer would have delivered them. A quiet stream costs
   * one stream-info request per period.
   */
  private async replaceIfStalled(): Promise<void> {
    const messages = this.messages;
    if (this.stopped || this.checkingStall || !messages || this.o.nc.isClosed()) return;
    const progressed = this.nextSeq !== this.seqAtLastCheck;
    this.seqAtLastCheck = this.nextSeq;
    if (progressed) return;
    this.checkingStall = true;
    try {
      const info = await (await this.o.js.streams.get(this.o.stream)).info();
      if (info.state.last_seq >= this.nextSeq && this.messages === messages && this.nextSeq === this.seqAtLastCheck) {
        this.o.logger.warn({ stream: this.o.stream, nextSeq: this.nextSeq, lastSeq: info.state.last_seq }, 'live feed stalled behind the stream; replacing the consumer');
        await messages.close().catch(() => undefined);
      }
    } catch (error) {
      // No answer (NATS down, a leader election): the next period checks again.
      this.o.logger.debug({ err: error, stream: this.o.stream }, 'stall check failed');
    } finally {
      this.checkingStall = false;
    }
  }

  async start(): Promise<void> {
    const consumer = await this.o.js.consumers.get(this.o.stream, {
      opt_start_seq: this.nextSeq,
      filter_subjects: this.o.filter,
    });
    if (this.stopped) {
      await consumer.delete().catch(() => false);
      return;
    }
    const messages = await consumer.consume({ callback: (m) => this.deliver(m), expires: this.o.pullExpiresMs });
    this.consumer = consumer;
    this.messages = messages;
    void this.watchStatus(messages);
    void messages.closed().then((reason) => this.onConsumerClosed(reason));
  }

  private deliver(m: JsMsg): void {
    if (this.stopped) return;
    // A safety net under the ordered consumer: a message from before the cursor (a late delivery of a
    // consumer that was already replaced) would be a repeat, so it is dropped; the feed stays "once".
    if (m.seq < this.nextSeq) {
      this.o.logger.debug({ stream: this.o.stream, seq: m.seq, nextSeq: this.nextSeq }, 'dropping a repeated message');
      return;
    }
    if (m.seq > this.nextSeq) {
      this.o.logger.warn({ stream: this.o.stream, seq: m.seq, expected: this.nextSeq }, 'stream sequence jumped (messages deleted or expired?)');
    }
    this.nextSeq = m.seq + 1;
    this.restarts = 0;
    const decoded = decodeEvent(m.data);
    if (!decoded.ok) {
      // Guarantee 8: a payload that is not an envelope never reaches a console; it is reported and skipped.
      this.o.logger.warn({ stream: this.o.stream, seq: m.seq, subject: m.subject, reason: decoded.reason }, 'skipping a message that is not an event');
      return;
    }
    try {
      this.o.handler(decoded.event);
    } catch (error) {
      // A failing handler must not stop the feed for later events (the nats.js consume loop would end).
      this.o.logger.error({ err: error, eventId: decoded.event.eventId }, 'event handler threw');
    }
  }

  private async watchStatus(messages: ConsumerMessages): Promise<void> {
    for await (const s of messages.status()) {
      switch (s.type) {
        case 'heartbeats_missed':
          // The consumer is gone without a word: on a cluster, the node that held it died while this
          // connection's own node lives on, so nats.js sees no disconnect and keeps pulling from a
          // consumer that no longer exists (nats.js 3.4 never recreates it: the feed would stall
          // forever). Replace it at the cursor; deliver() drops anything a late message would repeat.
          this.o.logger.warn({ stream: this.o.stream, nextSeq: this.nextSeq, missed: s.count }, 'consumer heartbeats missed; replacing the consumer');
          if (this.messages === messages) await messages.close().catch(() => undefined);
          break;
        case 'reset':
        case 'ordered_consumer_recreated':
        case 'consumer_not_found':
        case 'stream_not_found':
        case 'consumer_deleted':
        case 'no_responders':
        case 'exceeded_limits':
          this.o.logger.debug({ stream: this.o.stream, status: s }, 'consumer status');
          break;
        case 'next':
        case 'heartbeat':
        case 'discard':
        case 'debug':
        case 'flow_control':
        case 'consumer_pinned':
        case 'consumer_unpinned':
          break;
        default: {
          const unexpected: never = s;
          this.o.logger.debug({ status: unexpected }, 'unknown consumer status');
        }
      }
    }
  }

  private onConsumerClosed(reason: void | Error): void {
    if (this.stopped) return;
    this.messages = null;
    if (this.o.nc.isClosed()) {
      this.o.logger.warn({ stream: this.o.stream }, 'connection closed; live subscription ended');
      this.stopped = true;
      if (this.stallTimer) clearInterval(this.stallTimer);
      this.o.onClosed(this);
      return;
    }
    this.o.logger.warn({ stream: this.o.stream, nextSeq: this.nextSeq, err: reason }, 'consumer ended; starting a new one where it left off');
    this.scheduleRestart();
  }

  private scheduleRestart(): void {
    const delay = Math.min(5_000, 100 * 2 ** Math.min(this.restarts, 6));
    this.restarts++;
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (this.stopped) return;
      this.start().catch((error: unknown) => {
        this.o.logger.warn({ err: error, stream: this.o.stream }, 'could not restart the consumer; retrying');
        if (!this.stopped) this.scheduleRestart();
      });
    }, delay);
  }

  async unsubscribe(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    if (this.stallTimer) clearInterval(this.stallTimer);
    this.o.onClosed(this);
    const messages = this.messages;
    const consumer = this.consumer;
    this.messages = null;
    this.consumer = null;
    if (messages) await messages.close();
    // The ordered consumer is ephemeral and would expire by itself; deleting it frees the server now.
    if (consumer && !this.o.nc.isClosed()) await consumer.delete().catch(() => false);
  }
}

/** Connection changes are what operators look at first when events stop flowing. */
async function logConnectionStatus(nc: NatsConnection, logger: BusLogger): Promise<void> {
  for await (const s of nc.status()) {
    switch (s.type) {
      case 'disconnect':
        logger.warn({ server: s.server }, 'nats disconnected');
        break;
      case 'reconnect':
        logger.info({ server: s.server }, 'nats reconnected');
        break;
      case 'error':
        logger.warn({ err: s.error }, 'nats server error');
        break;
      case 'staleConnection':
        logger.warn({}, 'nats connection stale');
        break;
      case 'slowConsumer':
        logger.warn({ subject: s.sub.getSubject(), pending: s.pending }, 'nats slow consumer');
        break;
      case 'ldm':
        logger.info({ server: s.server }, 'nats server entering lame duck mode');
        break;
      case 'reconnecting':
      case 'update':
      case 'ping':
      case 'forceReconnect':
      case 'close':
        logger.debug({ status: s.type }, 'nats connection');
        break;
      default: {
        const unexpected: never = s;
        logger.debug({ status: unexpected }, 'nats connection');
      }
    }
  }
}

export interface ConnectEventBusOptions extends Omit<NatsEventBusOptions, 'connection' | 'ownsConnection'> {
  /** One or more server URLs, e.g. `nats://127.0.0.1:4222`. */
  servers: string | string[];
  /** Client name shown by the server's monitoring. */
  name?: string;
  /** Create or update the stream before returning (the relay does; gateways may too). */
  ensureStream?: boolean | Omit<EventStreamOptions, 'name' | 'subjectPrefix'>;
  /** Keep retrying the first connection instead of failing when the server is not up yet. */
  waitOnFirstConnect?: boolean;
}

/**
 * Connects to NATS and returns a bus that owns the connection. The connection reconnects forever:
 * an outage of NATS must never end a relay or gateway (DESIGN §2: they catch up afterwards).
 */
export async function connectEventBus(options: ConnectEventBusOptions): Promise<NatsEventBus> {
  const logger = options.logger ?? silentLogger;
  const nc = await connect({
    servers: options.servers,
    name: options.name ?? 'muster',
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    waitOnFirstConnect: options.waitOnFirstConnect ?? false,
    // With traces on, every request (each JetStream publish is one) builds two Error objects and
    // their stack traces up front, in case it later times out: a quarter of the relay's CPU per event
    // at 64 clients (issue 18). A timeout still fails with TimeoutError; our logs carry the event.
    noAsyncTraces: true,
  });
  void logConnectionStatus(nc, logger);
  try {
    const prefix = options.subjectPrefix ?? DEFAULT_SUBJECT_PREFIX;
    if (options.ensureStream) {
      const jsm = await jetstreamManager(nc);
      const limits = typeof options.ensureStream === 'object' ? options.ensureStream : {};
      await ensureEventStream(jsm, { ...limits, name: options.stream, subjectPrefix: prefix });
    }
    return new NatsEventBus({ ...options, connection: nc, subjectPrefix: prefix, ownsConnection: true });
  } catch (error) {
    await nc.close();
    throw error;
  }
}
