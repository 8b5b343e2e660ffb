import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { secretFile } from './secret-file';

/**
 * The HS256 secret: MUSTER_JWT_SECRET, or one generated on first start and kept beside the data so
 * that tokens survive restarts (mode 0600). `muster start` and `muster token` both take it from here,
 * so a token printed for a data directory is accepted by the server of that data directory.
 */
export async function tokenSecret(env: { MUSTER_JWT_SECRET?: string | undefined; MUSTER_DATA_DIR: string }): Promise<Uint8Array> {
  if (env.MUSTER_JWT_SECRET) return new TextEncoder().encode(env.MUSTER_JWT_SECRET);
  return new TextEncoder().encode(await secretFile(resolve(env.MUSTER_DATA_DIR, 'jwt-secret'), () => randomBytes(48).toString('base64url')));
}
