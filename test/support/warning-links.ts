import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** One message the local delivery channels of `muster start` handed over (a line of their dev outbox). */
interface OutboxLine {
  reference: string;
  to: { name: string; phone: string };
  ackUrl: string;
}

/**
 * The acknowledgement link the delivery sent for a warning, as a recipient's phone receives it: read
 * from the dev outbox of `muster start` (`<MUSTER_DATA_DIR>/local-outbox.jsonl`, one JSON line per
 * message its local channels sent), with the recipient's name. Waits until the delivery worker has
 * sent one of the warning's messages.
 */
export async function ackLinkOf(dataDir: string, warningId: string, timeoutMs: number): Promise<{ link: string; name: string }> {
  const file = join(dataDir, 'local-outbox.jsonl');
  const until = Date.now() + timeoutMs;
  for (;;) {
    const text = await readFile(file, 'utf8').catch(() => '');
    const sent = text
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as OutboxLine)
      .find((m) => m.reference.startsWith(`${warningId}/`));
    if (sent) return { link: sent.ackUrl, name: sent.to.name };
    if (Date.now() > until) throw new Error(`no message of warning ${warningId} in ${file} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
