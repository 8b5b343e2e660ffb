import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * A secret kept in a file of the data directory, readable by its owner only (mode 0600): read back
 * when it exists, generated on first use otherwise. The write is exclusive, so two processes
 * starting at once both end up with the one written first.
 */
export async function secretFile(file: string, generate: () => string): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch {
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, generate(), { mode: 0o600, flag: 'wx' }).catch(async () => undefined);
    return (await readFile(file, 'utf8')).trim();
  }
}
