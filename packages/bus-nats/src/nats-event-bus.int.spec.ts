import type { EventEnvelope } from '@muster/contracts';
import { TEST_NATS_URL, contractEvent, eventBusContract, natsTestNames, startPrivateNatsServer, waitUntil, type PrivateNatsServer } from '@muster/testkit';
import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BusLogger } from './logger';
import { connectEventBus, MUSTER_HEADERS } from './nats-event-bus';
import { ensureEventStream } from './stream';
import { subjectFor } from './subjects';

const { stream, subjectPrefix } = natsTestNames('bus');
let admin: NatsConnection;
let jsm: JetStreamManager;

beforeAll(async () => {
  admin = await connect({ servers: TEST_NATS_URL });
  jsm = await jetstreamManager(admin);
  await ensureEventStream(jsm, { name: stream, subjectPrefix });
});
afterAll(async () => {
  await jsm?.streams.delete(stream).catch(() => false);
  await admin?.close();
});

eventBusContract('NatsEventBus on JetStream', () => connectEventBus({ servers: TEST_NATS_URL, stream, subjectPrefix }));

function recordingLogger(): BusLogger & { warnings: string[] } {
  const warnings: string[] = [];
  return {
    warnings,
    debug: () => undefined,
    info: () => undefined,
    warn: (obj, msg) => warnings.push(`${msg} ${JSON.stringify(obj)}`),
    error: (obj, msg) => warnings.push(`${msg} ${JSON.stringify(obj)}`),
  };
}

describe('NatsEventBus', () => {
  it('stores each event under its subject with Nats-Msg-Id and the Muster headers', async () => {
    const bus = await connectEventBus({ servers: TEST_NATS_URL, stream, subjectPrefix });
    const event = contractEvent('inc-headers', 7);
    await bus.publish(event);
    const subject = subjectFor(event, subjectPrefix);
    expect(subject).toBe(`${subjectPrefix}.evt.441203.incident.inc-headers`);
    const stored = await jsm.streams.getMessage(stream, { last_by_subj: subject });
    expect(stored?.header.get('Nats-Msg-Id')).toBe(event.eventId);
    expect(stored?.header.get(MUSTER_HEADERS.streamId)).toBe('inc-headers');
    expect(stored?.header.get(MUSTER_HEADERS.version)).toBe('7');
    expect(stored?.header.get(MUSTER_HEADERS.position)).toBe(event.position);
    expect(stored?.json<EventEnvelope>()).toEqual(event);
    await bus.close();
  });

  it('ensureEventStream is idempotent and applies new limits to an existing stream', async () => {
    const again = await ensureEventStream(jsm, { name: stream, subjectPrefix });
    expect(again.config.storage).toBe('file');
    expect(again.config.subjects).toEqual([`${subjectPrefix}.evt.>`]);
    expect(again.config.duplicate_window).toBe(120_000_000_000);
    const changed = await ensureEventStream(jsm, { name: stream, subjectPrefix, maxAgeMs: 60 * 60 * 1000 });
    expect(changed.config.max_age).toBe(3_600_000_000_000);
    await ensureEventStream(jsm, { name: stream, subjectPrefix });
  });

  it('skips (and logs) a message that is not an event envelope instead of failing', async () => {
    const logger = recordingLogger();
    const bus = await connectEventBus({ servers: TEST_NATS_URL, stream, subjectPrefix, logger });
    const got: EventEnvelope[] = [];
    const subscription = await bus.subscribe((e) => got.push(e));
    const js = jetstream(admin);
    await js.publish(`${subjectPrefix}.evt.441203.incident.bad`, 'not json at all');
    await js.publish(`${subjectPrefix}.evt.441203.incident.bad`, JSON.stringify({ eventId: 'x', version: 0 }));
    const good = contractEvent('inc-after-bad', 1);
    await bus.publish(good);
    await waitUntil(() => got.length >= 1, 5_000, 'the good event');
    expect(got).toEqual([good]);
    expect(logger.warnings.filter((w) => w.startsWith('skipping a message that is not an event'))).toHaveLength(2);
    await subscription.unsubscribe();
    await bus.close();
  });

  it('rejects a publish to a subject no stream binds, rather than losing it silently', async () => {
    const bus = await connectEventBus({ servers: TEST_NATS_URL, stream, subjectPrefix: `${subjectPrefix}_unbound`, publishTimeoutMs: 1_000 });
    // No stream answers on the subject: nats.js reports it as no responders / JetStream not enabled.
    await expect(bus.publish(contractEvent('inc-nowhere', 1))).rejects.toThrow(/no responders|not enabled|timeout/i);
    await bus.close();
  });
});

describe('NatsEventBus across a NATS restart (private nats-server)', () => {
  let server: PrivateNatsServer;
  beforeAll(async () => {
    server = await startPrivateNatsServer();
  });
  afterAll(async () => server?.dispose());

  it('fails publishes while NATS is down, and the live feed continues after the restart with no gap and no repeat', async () => {
    const names = natsTestNames('restart');
    const publisher = await connectEventBus({ servers: server.url, ...names, ensureStream: true, publishTimeoutMs: 500 });
    const consumerBus = await connectEventBus({ servers: server.url, ...names, pullExpiresMs: 2_000 });
    const got: EventEnvelope[] = [];
    await consumerBus.subscribe((e) => got.push(e));

    const before = Array.from({ length: 20 }, (_, i) => contractEvent('inc-restart', i + 1));
    for (const event of before) await publisher.publish(event);
    await waitUntil(() => got.length === before.length, 5_000, 'events before the outage');
    // A subscriber that has not received anything when its consumer is lost must resume at "now",
    // not replay the stream from the start.
    const lateGot: EventEnvelope[] = [];
    await consumerBus.subscribe((e) => lateGot.push(e));

    await server.stop();
    await expect(publisher.publish(contractEvent('inc-restart', 99))).rejects.toThrow(/timeout|disconnect|closed/i);
    await server.start();

    const after = Array.from({ length: 20 }, (_, i) => contractEvent('inc-restart', before.length + i + 1));
    for (const event of after) {
      // The client reconnects by itself; until it has, a publish fails and is simply retried.
      for (;;) {
        try {
          await publisher.publish(event);
          break;
        } catch {
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    }
    await waitUntil(() => got.length >= before.length + after.length && lateGot.length >= after.length, 20_000, 'events after the restart');
    await new Promise((r) => setTimeout(r, 200));
    expect(got.map((e) => e.version)).toEqual([...before, ...after].map((e) => e.version));
    expect(lateGot.map((e) => e.version)).toEqual(after.map((e) => e.version));
    await consumerBus.close();
    await publisher.close();
  }, 60_000);
});
