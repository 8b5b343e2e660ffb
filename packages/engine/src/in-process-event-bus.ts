import type { EventEnvelope } from '@muster/contracts';
import { systemClock, type Clock, type EventBus, type LiveSubscription, type PublishOptions } from './ports';

export interface InProcessEventBusOptions {
  /**
   * How long an event id is remembered to absorb a second publish of the same event, like
   * JetStream's duplicate window. The relay re-publishes at most one batch after a restart or a
   * takeover, so two minutes is ample.
   */
  duplicateWindowMs?: number;
  clock?: Clock;
  /** Told about handler failures; a failing handler never stops delivery to it or to others. */
  onHandlerError?: (error: unknown, event: EventEnvelope) => void;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

class InProcessSubscription implements LiveSubscription {
  private readonly queue: EventEnvelope[] = [];
  private draining = false;
  private stopped = false;

  constructor(
    private readonly handler: (event: EventEnvelope) => void,
    private readonly onHandlerError: (error: unknown, event: EventEnvelope) => void,
    private readonly onStop: (subscription: InProcessSubscription) => void,
  ) {}

  enqueue(event: EventEnvelope): void {
    if (this.stopped) return;
    this.queue.push(event);
    if (this.draining) return;
    this.draining = true;
    // Delivery is deferred to a microtask rather than run inside publish: a handler that publishes
    // (or a slow one) must not interleave with the publisher's loop, or a second subscriber could see
    // a later event before an earlier one. Each subscription drains its own queue in publish order.
    queueMicrotask(() => this.drain());
  }

  private drain(): void {
    for (let event = this.queue.shift(); event && !this.stopped; event = this.queue.shift()) {
      try {
        this.handler(event);
      } catch (error) {
        this.onHandlerError(error, event);
      }
    }
    this.draining = false;
  }

  async unsubscribe(): Promise<void> {
    this.stopped = true;
    this.queue.length = 0;
    this.onStop(this);
  }
}

/**
 * The EventBus of the embedded mode (no NATS): relay and gateways in one process. Like JetStream it
 * stores (here: accepts) an event once per event id within a window, delivers to each subscriber in
 * publish order, and gives a new subscriber only what is published after it subscribed. Nothing is
 * kept beyond that: gateways catch up from PostgreSQL (DESIGN §2), exactly as after a NATS outage.
 */
export class InProcessEventBus implements EventBus {
  private readonly subscriptions = new Set<InProcessSubscription>();
  /** eventId → time it was first accepted; Map order is acceptance order, so expiry prunes the front. */
  private readonly seen = new Map<string, number>();
  private readonly duplicateWindowMs: number;
  /** The id of the event accepted last, for `PublishOptions.after`. */
  private lastAccepted: string | undefined;
  private readonly clock: Clock;
  private readonly onHandlerError: (error: unknown, event: EventEnvelope) => void;
  private closed = false;

  constructor(options: InProcessEventBusOptions = {}) {
    this.duplicateWindowMs = options.duplicateWindowMs ?? 2 * 60 * 1000;
    this.clock = options.clock ?? systemClock;
    this.onHandlerError = options.onHandlerError ?? (() => undefined);
  }

  async publish(event: EventEnvelope, options: PublishOptions = {}): Promise<void> {
    if (this.closed) throw new Error('the event bus is closed');
    const now = this.clock.now().getTime();
    this.forgetBefore(now - this.duplicateWindowMs);
    // As JetStream: a duplicate is absorbed before the expectation is checked.
    if (this.seen.has(event.eventId)) return;
    if (options.after !== undefined && options.after !== this.lastAccepted) {
      throw new Error(`publish of ${event.eventId} expected ${options.after} to be the last event stored, not ${this.lastAccepted ?? 'none'}`);
    }
    this.seen.set(event.eventId, now);
    this.lastAccepted = event.eventId;
    // A frozen copy: the publisher may reuse its object, and no subscriber can change what the others
    // see (over NATS each subscriber parses its own copy; here they share one).
    const frozen = deepFreeze(structuredClone(event));
    for (const subscription of this.subscriptions) subscription.enqueue(frozen);
  }

  async subscribe(handler: (event: EventEnvelope) => void): Promise<LiveSubscription> {
    if (this.closed) throw new Error('the event bus is closed');
    const subscription = new InProcessSubscription(handler, this.onHandlerError, (s) => this.subscriptions.delete(s));
    this.subscriptions.add(subscription);
    return subscription;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.subscriptions].map((s) => s.unsubscribe()));
    this.seen.clear();
  }

  private forgetBefore(cutoff: number): void {
    for (const [eventId, acceptedAt] of this.seen) {
      if (acceptedAt > cutoff) break;
      this.seen.delete(eventId);
    }
  }
}
