import type { MusterHttpClient } from '@muster/client';
import { signAckLink } from '@muster/identity';
import { TEST_JWT_SECRET } from '@muster/testkit';

/**
 * A recipient's acknowledgement link for a warning, once the delivery has sent to them: the first
 * recipient of the recipients answer (GET /warnings/:id/recipients) whose message went out, and the
 * link as the delivery worker of `muster start` signs it (the server's secret is the tests' one,
 * TEST_JWT_SECRET) and writes it into the SMS (`<api>/console/ack/<token>`). The local delivery
 * adapter keeps what it sent in the server's memory, out of the test process's reach.
 */
export async function ackLinkFor(base: string, room: MusterHttpClient, warningId: string, timeoutMs: number): Promise<{ link: string; name: string }> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const { items } = await room.call('warningRecipients', { params: { warningId } });
    const sent = items.find((r) => r.sentAt !== null);
    if (sent) {
      const token = await signAckLink({ warningId, recipientId: sent.recipientId }, { secret: TEST_JWT_SECRET, ttlSeconds: 3600 });
      return { link: `${base}/console/ack/${token}`, name: sent.name };
    }
    if (Date.now() > until) throw new Error(`warning ${warningId}: no recipient sent to within ${timeoutMs} ms (${items.length} recipients)`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
