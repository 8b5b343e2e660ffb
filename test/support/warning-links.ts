import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** One message the local delivery adapter of `muster start` handed over (a line of its outbox file). */
interface OutboxLine {
  reference: string;
  ackUrl: string;
}

/**
 * The acknowledgement link the delivery sent for a warning: read from the local adapter's outbox in
 * `muster start`'s data directory (`local-outbox.jsonl`, one JSON line per message sent), as a
 * recipient's phone would receive it. Waits until the delivery worker has sent one.
 */
export async function ackLinkOf(dataDir: string, warningId: string, timeoutMs: number): Promise<string> {
  const file = join(dataDir, 'local-outbox.jsonl');
  const until = Date.now() + timeoutMs;
  for (;;) {
    const text = await readFile(file, 'utf8').catch(() => '');
    const line = text
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as OutboxLine)
      .find((m) => m.reference.startsWith(`${warningId}/`));
    if (line) return line.ackUrl;
    if (Date.now() > until) throw new Error(`no message of warning ${warningId} in ${file} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
