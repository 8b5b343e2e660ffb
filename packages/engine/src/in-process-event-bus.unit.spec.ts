import { contractEvent, eventBusContract, waitUntil } from '@muster/testkit';
import { describe, expect, it } from 'vitest';
import { InProcessEventBus } from './in-process-event-bus';

eventBusContract('InProcessEventBus', () => new InProcessEventBus(), { quietMs: 20 });

describe('InProcessEventBus', () => {
  it('forgets an event id after the duplicate window, as JetStream does', async () => {
    let now = Date.parse('2026-11-30T10:00:00Z');
    const bus = new InProcessEventBus({ duplicateWindowMs: 1_000, clock: { now: () => new Date(now) } });
    const got: string[] = [];
    await bus.subscribe((e) => got.push(e.eventId));
    const event = contractEvent('inc-window', 1);
    await bus.publish(event);
    now += 999;
    await bus.publish(event);
    now += 2;
    await bus.publish(event);
    await waitUntil(() => got.length >= 2, 1_000, 'two deliveries');
    expect(got).toEqual([event.eventId, event.eventId]);
    await bus.close();
  });

  it('delivers to every subscriber in order even when a handler publishes', async () => {
    const bus = new InProcessEventBus();
    const first = contractEvent('inc-reentrant', 1);
    const second = contractEvent('inc-reentrant', 2);
    const a: string[] = [];
    const b: string[] = [];
    await bus.subscribe((e) => {
      a.push(e.eventId);
      if (e.eventId === first.eventId) void bus.publish(second);
    });
    await bus.subscribe((e) => b.push(e.eventId));
    await bus.publish(first);
    await waitUntil(() => a.length === 2 && b.length === 2, 1_000, 'both events at both subscribers');
    expect(a).toEqual([first.eventId, second.eventId]);
    expect(b).toEqual([first.eventId, second.eventId]);
    await bus.close();
  });

  it('hands subscribers a frozen copy, so one cannot change what another sees', async () => {
    const bus = new InProcessEventBus({ onHandlerError: () => undefined });
    const seen: unknown[] = [];
    await bus.subscribe((e) => {
      (e.data as Record<string, unknown>)['title'] = 'changed';
    });
    await bus.subscribe((e) => seen.push(e.data['title']));
    const event = contractEvent('inc-frozen', 1, { data: { title: 'original' } });
    await bus.publish(event);
    event.data['title'] = 'changed by the publisher afterwards';
    await waitUntil(() => seen.length === 1, 1_000, 'delivery');
    expect(seen).toEqual(['original']);
    await bus.close();
  });

  it('reports a handler failure to onHandlerError', async () => {
    const errors: unknown[] = [];
    const bus = new InProcessEventBus({ onHandlerError: (error) => errors.push(error) });
    await bus.subscribe(() => {
      throw new Error('boom');
    });
    await bus.publish(contractEvent('inc-err', 1));
    await waitUntil(() => errors.length === 1, 1_000, 'the error report');
    expect(String(errors[0])).toContain('boom');
    await bus.close();
  });
});
