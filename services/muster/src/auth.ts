import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { loginLimitsFromEnv, type ApiAuthOptions } from '@muster/api';
import { demoDirectory, UserDirectory, UsersFileSchema } from '@muster/identity';
import { parseOrThrow } from '@muster/contracts';
import type { MusterEnv } from './config';

/**
 * The HS256 secret: MUSTER_JWT_SECRET, or one generated on first start and kept beside the data so
 * that tokens survive restarts (mode 0600).
 */
export async function tokenSecret(env: MusterEnv): Promise<Uint8Array> {
  if (env.MUSTER_JWT_SECRET) return new TextEncoder().encode(env.MUSTER_JWT_SECRET);
  const file = resolve(env.MUSTER_DATA_DIR, 'jwt-secret');
  try {
    return new TextEncoder().encode((await readFile(file, 'utf8')).trim());
  } catch {
    const secret = randomBytes(48).toString('base64url');
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, secret, { mode: 0o600, flag: 'wx' }).catch(async () => undefined);
    return new TextEncoder().encode((await readFile(file, 'utf8')).trim());
  }
}

export async function authOptions(env: MusterEnv): Promise<ApiAuthOptions & { demo: boolean }> {
  const demo = env.MUSTER_DEMO_USERS === undefined ? !env.DATABASE_URL : env.MUSTER_DEMO_USERS === 'true';
  const users = env.MUSTER_USERS_FILE
    ? new UserDirectory(parseOrThrow(UsersFileSchema, JSON.parse(await readFile(env.MUSTER_USERS_FILE, 'utf8')), ['MUSTER_USERS_FILE']))
    : demo
      ? await demoDirectory()
      : undefined;
  return {
    secret: await tokenSecret(env),
    jwksUrl: env.MUSTER_JWKS_URL,
    users,
    tokenTtlSeconds: env.MUSTER_TOKEN_TTL,
    loginLimits: loginLimitsFromEnv(env),
    demo: demo && !env.MUSTER_USERS_FILE,
  };
}
