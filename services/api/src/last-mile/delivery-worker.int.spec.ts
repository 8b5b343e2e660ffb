import type { Actor, DeliveryChannelName } from '@muster/domain';
import { TEST_JWT_SECRET } from '@muster/testkit';
import type { FastifyInstance } from 'fastify';
import { describe, expect } from 'vitest';
import { actorRequests, apiTest } from '../test-fixtures';
import { LocalDeliveryChannel, type DeliveryChannel, type DeliveryMessage } from './channels';
import { startDeliveryWorker, type DeliveryWorkerOptions } from './delivery-worker';

/**
 * The delivery worker's outbox is the warning's own state (issue 21): what was not recorded sent is
 * sent by the next worker that looks, a refused send is tried again, and two workers at once never
 * both send one message.
 */

const DINGHU = '441203';
const duty: Actor = { userId: 'duty-dinghu', roles: ['duty_officer'], jurisdiction: DINGHU };
const leader: Actor = { userId: 'leader-dinghu', roles: ['leader'], jurisdiction: DINGHU };
const T0 = Date.UTC(2026, 6, 1, 6, 0, 0);
const clock = { now: () => new Date(T0 + 3 * 60_000) };

let app: FastifyInstance;
let options: Pick<DeliveryWorkerOptions, 'db' | 'engine'>;
apiTest.override('clock', { scope: 'file' }, clock);
apiTest.override('apiOptions', { scope: 'file' }, { clock });
apiTest.beforeAll(({ database, api, engine }) => {
  app = api;
  options = { db: database.db, engine };
});
const { ok } = actorRequests(() => app);

/** A provider that takes every message but answers with an error for the first `failing` references it sees (down, or a crash before its answer was handled). */
class FlakyChannel implements DeliveryChannel {
  readonly taken: DeliveryMessage[] = [];
  constructor(
    readonly channel: DeliveryChannelName,
    private readonly fails: (message: DeliveryMessage) => boolean,
  ) {}
  async send(message: DeliveryMessage): Promise<{ providerMessageId: string }> {
    this.taken.push(message);
    if (this.fails(message)) throw new Error('provider answered 503');
    return { providerMessageId: `flaky-${this.taken.length}` };
  }
}

const channelsOf = (sms: DeliveryChannel) => ({ sms, voice: new LocalDeliveryChannel('voice'), app: new LocalDeliveryChannel('app'), loudspeaker: new LocalDeliveryChannel('loudspeaker') });

async function issueTo(warningId: string, township: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const c = await ok<{ contactId: string }>(duty, 'POST', '/contacts', { jurisdiction: DINGHU, area: township, areaName: '沙浦镇', name: `沙浦镇联系人${i}`, role: 'village_cadre', phone: `1370000${String(i).padStart(4, '0')}`, channels: ['sms'] });
    ids.push(c.contactId);
  }
  await ok(duty, 'POST', '/warnings', {
    warningId,
    data: {
      level: 'orange',
      sender: { name: '鼎湖区突发事件预警信息发布中心', agencyCode: '416' },
      content: { category: 'Met', zh: { event: '暴雨', headline: '沙浦镇暴雨橙色预警', description: '强降雨', instruction: '转移群众' }, expires: new Date(T0 + 600 * 60_000).toISOString(), channels: ['SMS'], area: { description: '沙浦镇', jurisdictions: [township] } },
    },
  });
  await ok(leader, 'POST', `/warnings/${warningId}/commands`, { type: 'ApproveWarning' });
  await ok(duty, 'POST', `/warnings/${warningId}/commands`, { type: 'IssueWarning', data: { recipientRoles: ['village_cadre'] } });
  return ids;
}

const queued = async (warningId: string) => (await ok<{ items: { recipientId: string; state: string }[] }>(duty, 'GET', `/warnings/${warningId}/recipients`)).items.filter((r) => r.state === 'queued').map((r) => r.recipientId);

describe('the delivery worker: durable, at least once, never twice at once', () => {
  apiTest('a refused send stays queued and the next worker (after a restart) sends it, with the same reference; nothing is lost', async () => {
    const ids = await issueTo('w-flaky', '441203101', 10);
    const down = new Set(ids.slice(0, 4).map((id) => `w-flaky/${id}`));
    const first = new FlakyChannel('sms', (m) => down.has(m.reference));
    const workerA = startDeliveryWorker({ ...options, channels: channelsOf(first), secret: TEST_JWT_SECRET, linkBase: 'https://muster.test/console/ack', clock, autoStart: false });
    expect(await workerA.tick()).toBe(6);
    expect(new Set(await queued('w-flaky'))).toStrictEqual(new Set(ids.slice(0, 4)));
    // A provider that refused is not asked again at once (30 s by default).
    expect(await workerA.tick()).toBe(0);
    expect(first.taken).toHaveLength(10);
    // The process goes away; a new one (nothing in memory) finds the rest in the warning's state.
    await workerA.stop();
    const second = new LocalDeliveryChannel('sms');
    const workerB = startDeliveryWorker({ ...options, channels: channelsOf(second), secret: TEST_JWT_SECRET, linkBase: 'https://muster.test/console/ack', clock, autoStart: false });
    expect(await workerB.tick()).toBe(4);
    expect(await queued('w-flaky')).toStrictEqual([]);
    expect(new Set(second.sent.map((m) => m.reference))).toStrictEqual(down);
    // Each of the four went to the provider twice, under the one reference it deduplicates by.
    expect(first.taken.filter((m) => down.has(m.reference))).toHaveLength(4);
    expect(await workerB.tick()).toBe(0);
    await workerB.stop();
  });

  apiTest('two workers ticking at once: each recipient is sent exactly once', async () => {
    await issueTo('w-race', '441203102', 20);
    const [a, b] = [new LocalDeliveryChannel('sms'), new LocalDeliveryChannel('sms')];
    const workers = [a, b].map((sms) => startDeliveryWorker({ ...options, channels: channelsOf(sms), secret: TEST_JWT_SECRET, linkBase: 'https://muster.test/console/ack', clock, autoStart: false }));
    const counts = await Promise.all(workers.map((w) => w.tick()));
    const references = [...a.sent, ...b.sent].map((m) => m.reference).filter((r) => r.startsWith('w-race/'));
    expect(references).toHaveLength(20);
    expect(new Set(references).size).toBe(20);
    expect(counts.reduce((n, c) => n + c, 0)).toBe(20);
    expect(await queued('w-race')).toStrictEqual([]);
    await Promise.all(workers.map((w) => w.stop()));
  });

  apiTest('a warning lifted before its messages went out is sent to nobody', async () => {
    await issueTo('w-gone', '441203103', 3);
    await ok(leader, 'POST', '/warnings/w-gone/commands', { type: 'LiftWarning', data: { reason: '误报' } });
    const sms = new LocalDeliveryChannel('sms');
    const worker = startDeliveryWorker({ ...options, channels: channelsOf(sms), secret: TEST_JWT_SECRET, linkBase: 'https://muster.test/console/ack', clock, autoStart: false });
    expect(await worker.tick()).toBe(0);
    expect(sms.sent.filter((m) => m.reference.startsWith('w-gone/'))).toStrictEqual([]);
    await worker.stop();
  });
});
