import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { DeliveryChannelName, WarningLevel } from '@muster/domain';

/**
 * Delivery channels of the last mile (issue 21) behind ONE interface: SMS, voice call, in-app
 * message, loudspeaker broadcast record. A real provider (an SMS gateway, a voice-call platform, the
 * village loudspeaker system) plugs in as a `DeliveryChannel`: `send` hands the message over and
 * answers the provider's message id; the provider's delivery report comes back later, through
 * whatever transport it uses (an HTTP callback, a polled report), as a `DeliveryReceipt` handed to
 * the `ReceiptSink` the channel was given. `reference` is ours (warning and recipient): providers echo
 * such a field in their reports (e.g. an SMS gateway's out-id), and a provider that deduplicates by it
 * makes a re-send after a crash harmless.
 */
export interface DeliveryMessage {
  /** `<warningId>/<recipientId>`: unique per warning and recipient, echoed in receipts. */
  reference: string;
  to: { name: string; phone: string };
  level: WarningLevel;
  /** The whole text, the acknowledgement link included (for voice: read out, the link sent by SMS). */
  text: string;
  /** The signed acknowledgement link (收到并知晓, one tap). */
  ackUrl: string;
}

export interface DeliveryReceipt {
  channel: DeliveryChannelName;
  reference: string;
  providerMessageId: string;
  status: 'delivered' | 'failed';
  at: string;
}

export type ReceiptSink = (receipt: DeliveryReceipt) => Promise<void>;

export interface DeliveryChannel {
  readonly channel: DeliveryChannelName;
  /** Hands the message to the provider; rejects when it was not accepted (the worker tries again later). */
  send(message: DeliveryMessage): Promise<{ providerMessageId: string }>;
}

/**
 * The local adapter for tests and development: it records what it sent (nothing leaves the process;
 * with `outboxFile`, also one JSON line per message there, a dev outbox of what would have been sent)
 * and reports each message delivered through the sink right after, as a provider's report would.
 */
export class LocalDeliveryChannel implements DeliveryChannel {
  readonly sent: DeliveryMessage[] = [];
  private count = 0;

  constructor(
    readonly channel: DeliveryChannelName,
    private readonly receipts: { sink: ReceiptSink | null; now: () => Date } = { sink: null, now: () => new Date() },
    private readonly outboxFile: string | null = null,
  ) {}

  /** Where its delivery reports go (the delivery worker, once started). */
  reportTo(sink: ReceiptSink): void {
    this.receipts.sink = sink;
  }

  async send(message: DeliveryMessage): Promise<{ providerMessageId: string }> {
    this.sent.push(message);
    this.count += 1;
    const providerMessageId = `local-${this.channel}-${this.count}`;
    if (this.outboxFile !== null) {
      await mkdir(dirname(this.outboxFile), { recursive: true });
      await appendFile(this.outboxFile, `${JSON.stringify({ channel: this.channel, providerMessageId, ...message })}\n`);
    }
    const sink = this.receipts.sink;
    if (sink !== null) {
      // Reported after the send returned, as a provider's report arrives on its own.
      setImmediate(() => {
        void sink({ channel: this.channel, reference: message.reference, providerMessageId, status: 'delivered', at: this.receipts.now().toISOString() }).catch(() => undefined);
      });
    }
    return { providerMessageId };
  }
}

/** One local channel of each kind, for `muster start` and the tests; all writing to `outboxFile` when given. */
export function localChannels(outboxFile: string | null = null): Record<DeliveryChannelName, LocalDeliveryChannel> {
  const local = (channel: DeliveryChannelName) => new LocalDeliveryChannel(channel, { sink: null, now: () => new Date() }, outboxFile);
  return { sms: local('sms'), voice: local('voice'), app: local('app'), loudspeaker: local('loudspeaker') };
}
