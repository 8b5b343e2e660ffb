import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ValidationError } from '@muster/contracts';
import { secretFile } from './secret-file';

/**
 * The HS256 secret: MUSTER_JWT_SECRET, or one generated on first start and kept beside the data so
 * that tokens survive restarts (mode 0600). `muster start` and `muster token` both take it from here,
 * so a token printed for a data directory is accepted by the server of that data directory.
 */
export async function tokenSecret(env: { MUSTER_JWT_SECRET?: string | undefined; MUSTER_DATA_DIR: string }): Promise<Uint8Array> {
  if (env.MUSTER_JWT_SECRET) return new TextEncoder().encode(env.MUSTER_JWT_SECRET);
  return new TextEncoder().encode(await secretFile(secretPath(env.MUSTER_DATA_DIR), () => randomBytes(48).toString('base64url')));
}

const secretPath = (dataDir: string): string => resolve(dataDir, 'jwt-secret');

/**
 * The secret a token is signed with, for `muster token`: as `tokenSecret`, but a missing secret file
 * is an error naming where it looked, unless `create` — a new secret there would sign a token no
 * running server accepts (the server of another data directory has its own), which is worse than no
 * token (issue 19).
 */
export async function existingTokenSecret(env: { MUSTER_JWT_SECRET?: string | undefined; MUSTER_DATA_DIR: string }, create: boolean): Promise<Uint8Array> {
  if (env.MUSTER_JWT_SECRET || create) return tokenSecret(env);
  const file = secretPath(env.MUSTER_DATA_DIR);
  const text = await readFile(file, 'utf8').catch(() => null);
  if (text === null || text.trim() === '') {
    throw new ValidationError([
      {
        path: 'env.MUSTER_DATA_DIR',
        message: `no token secret at ${file} (MUSTER_DATA_DIR=${env.MUSTER_DATA_DIR}, MUSTER_JWT_SECRET unset): start Muster once on this data directory, set MUSTER_JWT_SECRET as the server has it, or pass --create-secret to make a new one`,
      },
    ]);
  }
  return new TextEncoder().encode(text.trim());
}
