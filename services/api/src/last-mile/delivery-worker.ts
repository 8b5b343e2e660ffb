import { IllegalTransitionError, MusterError } from '@muster/contracts';
import { DELIVERY_CHANNELS, type DeliveryChannelName, type WarningContext } from '@muster/domain';
import { lastMileActor, type Engine } from '@muster/engine';
import { signAckLink } from '@muster/identity';
import { warningsWithQueuedDeliveries, type Database } from '@muster/store-postgres';
import { sql, type Kysely } from 'kysely';
import type { DeliveryChannel, DeliveryReceipt } from './channels';

export interface DeliveryWorkerOptions {
  db: Kysely<Database>;
  engine: Engine;
  channels: Readonly<Record<DeliveryChannelName, DeliveryChannel>>;
  /** The secret acknowledgement links are signed with (the api verifies them with the same). */
  secret: Uint8Array;
  /** Where the recipient's phone opens the link: `<linkBase>/<token>` (the console's ack page). */
  linkBase: string;
  clock?: { now(): Date };
  pollMs?: number;
  /** How long a recipient whose send failed waits before it is tried again (default 30 s). */
  retryDelayMs?: number;
  logger?: { warn(details: object, message: string): void; error(details: object, message: string): void } | undefined;
  /** false: no background loop; the caller drives it with `tick()`. */
  autoStart?: boolean;
}

export interface DeliveryWorker {
  /** Sends to every queued recipient now (when this process holds the worker lock); how many were sent. */
  tick(): Promise<number>;
  /** A channel's delivery report: recorded on the warning (WarningDelivered). */
  receive(receipt: DeliveryReceipt): Promise<void>;
  stop(): Promise<void>;
}

/** One process sends at a time, whichever holds this lock (api workers and several api processes alike). */
const WORKER_LOCK = 2_100_021;
const SENDS_IN_FLIGHT = 16;

/**
 * The delivery worker of the last mile (issue 21). Its outbox is the warnings themselves: the issue
 * fixes the recipients in the warning's state (committed with the issue), each one `queued` until a
 * `WarningSent` is recorded. The worker finds warnings with queued recipients, hands each message to
 * its channel and then records it sent. A crash after the issue loses nothing (the recipients are
 * still queued when any worker looks again); a crash between a send and its record sends that one
 * message again, with the same `reference` for the provider to deduplicate.
 */
export function startDeliveryWorker(options: DeliveryWorkerOptions): DeliveryWorker {
  const { db, engine, channels, logger } = options;
  const clock = options.clock ?? { now: () => new Date() };
  let stopped = false;
  let running: Promise<number> | null = null;

  async function record(warning: WarningContext, type: 'RecordWarningSent' | 'RecordWarningDelivered', data: Record<string, unknown>, commandId: string): Promise<void> {
    try {
      await engine.handle({ streamType: 'warning', streamId: `warning:${warning.warningId}`, type, data, actor: lastMileActor(warning.jurisdiction), system: 'last-mile', commandId });
    } catch (error) {
      // Recorded already, or the warning is over (lifted, expired): nothing more to record.
      if (!(error instanceof IllegalTransitionError)) throw error;
    }
  }

  /** References whose send failed, and when they may be tried again (a provider that refuses is not asked every second). */
  const retryAfter = new Map<string, number>();

  async function sendOne(warning: WarningContext, recipientId: string): Promise<boolean> {
    const reference = `${warning.warningId}/${recipientId}`;
    if ((retryAfter.get(reference) ?? 0) > Date.now()) return false;
    try {
      return await sendNow(warning, recipientId);
    } catch (error) {
      retryAfter.set(reference, Date.now() + (options.retryDelayMs ?? 30_000));
      throw error;
    }
  }

  async function sendNow(warning: WarningContext, recipientId: string): Promise<boolean> {
    const delivery = warning.lastMile?.recipients.find((d) => d.recipient.recipientId === recipientId);
    if (!delivery) return false;
    const { recipient } = delivery;
    const channelName = DELIVERY_CHANNELS.includes(recipient.channel) ? recipient.channel : 'sms';
    // Valid until a day after the warning lapses: an acknowledgement after that tells nobody anything.
    const ttlSeconds = Math.max(3600, Math.ceil((Date.parse(warning.content.expires) - clock.now().getTime()) / 1000) + 24 * 3600);
    const token = await signAckLink({ warningId: warning.warningId, recipientId }, { secret: options.secret, ttlSeconds, now: clock.now() });
    const ackUrl = `${options.linkBase}/${token}`;
    const text = `【${warning.sender.name}】${warning.content.zh.headline}。${warning.content.zh.instruction} 收到请点此确认：${ackUrl}`;
    const { providerMessageId } = await channels[channelName].send({ reference: `${warning.warningId}/${recipientId}`, to: { name: recipient.name, phone: recipient.phone }, level: warning.level, text, ackUrl });
    await record(warning, 'RecordWarningSent', { recipientId, channel: channelName, providerMessageId }, `sent-${recipientId}`);
    return true;
  }

  async function sendQueued(): Promise<number> {
    let sent = 0;
    for (const stream of await warningsWithQueuedDeliveries(db, 20)) {
      const warning = stream.state.context;
      const queued = (warning.lastMile?.recipients ?? []).filter((d) => d.sentAt === null).map((d) => d.recipient.recipientId);
      for (let i = 0; i < queued.length && !stopped; i += SENDS_IN_FLIGHT) {
        const results = await Promise.allSettled(queued.slice(i, i + SENDS_IN_FLIGHT).map((id) => sendOne(warning, id)));
        for (const r of results) {
          if (r.status === 'fulfilled' && r.value) sent += 1;
          // A refused send stays queued: the next tick tries it again.
          else if (r.status === 'rejected') logger?.warn({ err: r.reason, warningId: warning.warningId }, 'warning delivery failed; retried on the next tick');
        }
      }
    }
    return sent;
  }

  async function tickOnce(): Promise<number> {
    return db.transaction().execute(async (trx) => {
      const { rows } = await sql<{ got: boolean }>`select pg_try_advisory_xact_lock(${WORKER_LOCK}) as got`.execute(trx);
      return rows[0]?.got ? sendQueued() : 0;
    });
  }

  function tick(): Promise<number> {
    // One tick at a time in this process; a tick asked for meanwhile joins the running one.
    running ??= tickOnce().finally(() => {
      running = null;
    });
    return running;
  }

  async function receive(receipt: DeliveryReceipt): Promise<void> {
    if (receipt.status !== 'delivered') {
      logger?.warn({ receipt }, 'a channel reported a warning message undelivered');
      return;
    }
    const [warningId, recipientId] = receipt.reference.split('/');
    if (!warningId || !recipientId) return;
    const stream = await engine.tryLoad('warning', `warning:${warningId}`);
    if (!stream) return;
    try {
      await record(stream.state.context, 'RecordWarningDelivered', { recipientId }, `delivered-${recipientId}`);
    } catch (error) {
      if (!(error instanceof MusterError)) throw error;
      logger?.warn({ err: error, receipt }, 'a delivery receipt was not recorded');
    }
  }

  let loop: Promise<void> | null = null;
  // The pause between ticks ends at once on stop: a process shutting down must not serve a second
  // longer with its database already going (muster start stops the api's HTTP after the worker).
  let wake: (() => void) | null = null;
  if (options.autoStart !== false) {
    loop = (async () => {
      while (!stopped) {
        try {
          await tick();
        } catch (error) {
          logger?.error({ err: error }, 'warning delivery tick failed');
        }
        if (stopped) break;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, options.pollMs ?? 1000);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = null;
      }
    })();
  }

  return {
    tick,
    receive,
    async stop() {
      stopped = true;
      wake?.();
      await running?.catch(() => undefined);
      await loop;
    },
  };
}
