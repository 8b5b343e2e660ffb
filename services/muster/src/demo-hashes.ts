import { readFile, writeFile } from 'node:fs/promises';
import { hashPassword } from '@muster/identity';
import { z } from 'zod';

const KeptHashesSchema = z.record(z.string(), z.string().startsWith('scrypt$'));

/**
 * The demo users' password hashes, kept in the data directory (mode 0600, beside the token secret and
 * the database password): each is an scrypt hash of the user name, and hashing all ten again took a
 * noticeable part of every restart (issue 18). A file that cannot be read or parsed is ignored and
 * rewritten; a user without a kept hash is hashed now and kept.
 */
export async function keptDemoHashes<T>(file: string, build: (hashFor: (username: string) => Promise<string>) => Promise<T>): Promise<T> {
  const kept = await readFile(file, 'utf8')
    .then((text) => KeptHashesSchema.safeParse(JSON.parse(text)))
    .then((parsed) => (parsed.success ? parsed.data : {}))
    .catch(() => ({}));
  const hashes: Record<string, string> = { ...kept };
  let added = false;
  const result = await build(async (username) => {
    const known = hashes[username];
    if (known) return known;
    const made = await hashPassword(username);
    hashes[username] = made;
    added = true;
    return made;
  });
  if (added) await writeFile(file, `${JSON.stringify(hashes, null, 2)}\n`, { mode: 0o600 });
  return result;
}
