import type { EventEnvelope } from '@muster/contracts';
import type { EventBus, LiveSubscription } from '@muster/engine';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

export interface EventBusContractOptions {
  /** How long to wait for an expected delivery. */
  deliveryTimeoutMs?: number;
  /** How long to keep listening before concluding that nothing more arrives. */
  quietMs?: number;
}

let positionCounter = 0;

/** An event envelope as the relay would publish it; positions increase across calls. */
export function contractEvent(streamId: string, version: number, overrides: Partial<EventEnvelope> = {}): EventEnvelope {
  positionCounter++;
  const now = new Date().toISOString();
  return {
    eventId: crypto.randomUUID(),
    streamId,
    streamType: 'incident',
    version,
    position: `${1000 + positionCounter}.${positionCounter}`,
    type: 'IncidentDetailsUpdated',
    data: { title: `${streamId} v${version}` },
    meta: {
      commandId: crypto.randomUUID(),
      actor: { userId: 'duty-1', roles: ['duty_officer'], jurisdiction: '441203' },
      occurredAt: now,
      recordedAt: now,
      jurisdiction: '441203',
      exercise: false,
    },
    ...overrides,
  };
}

/** Polls until `done()` holds; fails with `what` after `timeoutMs`. */
export async function waitUntil(done: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * The behaviour every EventBus must have (engine/ports.ts), run against each implementation: JetStream
 * in bus-nats and the in-process bus of the embedded mode. The gateway is written against these
 * guarantees only, so a bus that passes here can carry it.
 *
 * `makeBus` is called before each test and the bus closed after it; a NATS bus should use a stream
 * and subject prefix of its own test file.
 */
export function eventBusContract(name: string, makeBus: () => Promise<EventBus> | EventBus, options: EventBusContractOptions = {}): void {
  const timeout = options.deliveryTimeoutMs ?? 5_000;
  const quiet = options.quietMs ?? 150;

  describe(`EventBus contract: ${name}`, () => {
    let bus: EventBus;
    const subscriptions: LiveSubscription[] = [];

    async function collect(into: EventEnvelope[] = []): Promise<{ events: EventEnvelope[]; subscription: LiveSubscription }> {
      const subscription = await bus.subscribe((event) => into.push(event));
      subscriptions.push(subscription);
      return { events: into, subscription };
    }

    beforeEach(async () => {
      bus = await makeBus();
    });
    afterEach(async () => {
      await Promise.all(subscriptions.splice(0).map((s) => s.unsubscribe()));
      await bus.close();
    });

    it('delivers published events to a subscriber in publish order', async () => {
      const { events } = await collect();
      const sent = [contractEvent('inc-a', 1), contractEvent('inc-a', 2), contractEvent('inc-b', 1)];
      for (const event of sent) await bus.publish(event);
      await waitUntil(() => events.length >= sent.length, timeout, 'three events');
      await sleep(quiet);
      expect(events).toEqual(sent);
    });

    it('absorbs a second publish of the same event id', async () => {
      const { events } = await collect();
      const first = contractEvent('inc-dup', 1);
      const second = contractEvent('inc-dup', 2);
      await bus.publish(first);
      await bus.publish(first);
      await bus.publish(second);
      await bus.publish({ ...first });
      await waitUntil(() => events.length >= 2, timeout, 'two events');
      await sleep(quiet);
      expect(events.map((e) => e.eventId)).toEqual([first.eventId, second.eventId]);
    });

    it('with `after`, stores an event only right behind the named one, so publishes in flight together keep their order', async () => {
      const { events } = await collect();
      const [a, b, c, d] = [contractEvent('inc-after', 1), contractEvent('inc-after', 2), contractEvent('inc-after', 3), contractEvent('inc-after', 4)];
      await bus.publish(a);
      // In flight together, each naming its predecessor: the relay's pipeline.
      await Promise.all([bus.publish(b, { after: a.eventId }), bus.publish(c, { after: b.eventId })]);
      // d names an event that is not the last stored (c is): refused, nothing stored.
      await expect(bus.publish(d, { after: a.eventId })).rejects.toThrow(/last/i);
      // A duplicate is absorbed before its expectation is looked at: a relay re-publishing after a failure goes on.
      await bus.publish(b, { after: a.eventId });
      await bus.publish(d, { after: c.eventId });
      await waitUntil(() => events.length >= 4, timeout, 'four events');
      await sleep(quiet);
      expect(events.map((e) => e.eventId)).toEqual([a, b, c, d].map((e) => e.eventId));
    });

    it('gives a subscriber only events published after it subscribed', async () => {
      await bus.publish(contractEvent('inc-early', 1));
      await bus.publish(contractEvent('inc-early', 2));
      const { events } = await collect();
      const later = contractEvent('inc-early', 3);
      await bus.publish(later);
      await waitUntil(() => events.length >= 1, timeout, 'the later event');
      await sleep(quiet);
      expect(events).toEqual([later]);
    });

    it('stops delivering to a subscription once unsubscribe resolves, and keeps delivering to others', async () => {
      const a = await collect();
      const b = await collect();
      const e1 = contractEvent('inc-unsub', 1);
      await bus.publish(e1);
      await waitUntil(() => a.events.length === 1 && b.events.length === 1, timeout, 'both subscribers to get e1');
      await a.subscription.unsubscribe();
      const rest = [contractEvent('inc-unsub', 2), contractEvent('inc-unsub', 3)];
      for (const event of rest) await bus.publish(event);
      await waitUntil(() => b.events.length === 3, timeout, 'the remaining subscriber to get e2 and e3');
      await sleep(quiet);
      expect(a.events).toEqual([e1]);
      expect(b.events).toEqual([e1, ...rest]);
    });

    it('keeps publish order across many events and streams, for every subscriber', async () => {
      const a = await collect();
      const b = await collect();
      const sent: EventEnvelope[] = [];
      const versions = new Map<string, number>();
      for (let i = 0; i < 300; i++) {
        const streamId = `inc-many-${i % 7}`;
        const version = (versions.get(streamId) ?? 0) + 1;
        versions.set(streamId, version);
        sent.push(contractEvent(streamId, version));
      }
      for (const event of sent) await bus.publish(event);
      await waitUntil(() => a.events.length >= sent.length && b.events.length >= sent.length, timeout * 2, 'all 300 events');
      await sleep(quiet);
      expect(a.events.map((e) => e.eventId)).toEqual(sent.map((e) => e.eventId));
      expect(b.events.map((e) => e.eventId)).toEqual(sent.map((e) => e.eventId));
    });

    it('keeps delivering after a handler throws', async () => {
      const received: EventEnvelope[] = [];
      const subscription = await bus.subscribe((event) => {
        received.push(event);
        if (received.length === 1) throw new Error('handler failure on purpose');
      });
      subscriptions.push(subscription);
      const sent = [contractEvent('inc-throw', 1), contractEvent('inc-throw', 2)];
      for (const event of sent) await bus.publish(event);
      await waitUntil(() => received.length >= 2, timeout, 'the event after the failing one');
      expect(received).toEqual(sent);
    });

    it('refuses to publish once closed', async () => {
      await bus.close();
      await expect(bus.publish(contractEvent('inc-closed', 1))).rejects.toThrow(/closed/);
    });
  });
}
