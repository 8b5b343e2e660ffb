import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalDeliveryChannel, localChannels, type DeliveryMessage, type DeliveryReceipt } from './channels';

const message = (n: number): DeliveryMessage => ({
  reference: `w-1/ct-${n}`,
  to: { name: `联系人${n}`, phone: `1380000000${n}` },
  level: 'yellow',
  text: '【鼎湖区突发事件预警信息发布中心】鼎湖区暴雨黄色预警。收到请点此确认：https://muster.test/console/ack/t',
  ackUrl: 'https://muster.test/console/ack/t',
});

describe('the local delivery channel (the adapter tests and `muster start` use)', () => {
  it('records what it sent, answers a distinct provider id per message, and reports each delivered after the send returned', async () => {
    const receipts: DeliveryReceipt[] = [];
    const at = new Date('2026-07-01T06:04:00Z');
    const sms = new LocalDeliveryChannel('sms', { sink: null, now: () => at });
    sms.reportTo(async (receipt) => {
      receipts.push(receipt);
    });
    const first = await sms.send(message(1));
    const second = await sms.send(message(2));
    expect(first.providerMessageId).not.toBe(second.providerMessageId);
    expect(sms.sent.map((m) => m.reference)).toStrictEqual(['w-1/ct-1', 'w-1/ct-2']);
    // Not yet: a provider's report comes after its answer.
    expect(receipts).toStrictEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(receipts).toStrictEqual([
      { channel: 'sms', reference: 'w-1/ct-1', providerMessageId: first.providerMessageId, status: 'delivered', at: at.toISOString() },
      { channel: 'sms', reference: 'w-1/ct-2', providerMessageId: second.providerMessageId, status: 'delivered', at: at.toISOString() },
    ]);
  });

  it('without a sink it only records; a failing sink does not fail the send', async () => {
    const voice = new LocalDeliveryChannel('voice');
    await voice.send(message(3));
    expect(voice.sent).toHaveLength(1);
    voice.reportTo(async () => {
      throw new Error('receipt store down');
    });
    await expect(voice.send(message(4))).resolves.toMatchObject({ providerMessageId: 'local-voice-2' });
    await new Promise((resolve) => setImmediate(resolve));
  });

  it('with an outbox file (muster start), it appends each message as one JSON line, creating the directory', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'muster-outbox-'));
    try {
      const file = join(dir, 'data', 'local-outbox.jsonl');
      const channels = localChannels(file);
      await channels.sms.send(message(5));
      await channels.loudspeaker.send(message(6));
      const lines = (await readFile(file, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(lines).toStrictEqual([
        { channel: 'sms', providerMessageId: 'local-sms-1', ...message(5) },
        { channel: 'loudspeaker', providerMessageId: 'local-loudspeaker-1', ...message(6) },
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('one channel of each kind', () => {
    expect(Object.entries(localChannels()).map(([name, channel]) => [name, channel.channel])).toStrictEqual([
      ['sms', 'sms'],
      ['voice', 'voice'],
      ['app', 'app'],
      ['loudspeaker', 'loudspeaker'],
    ]);
  });
});
