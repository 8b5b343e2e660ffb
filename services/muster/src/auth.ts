import { mkdir, readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { loginLimitsFromEnv, type ApiAuthOptions } from '@muster/api';
import { demoDirectory, UserDirectory, UsersFileSchema } from '@muster/identity';
import { parseOrThrow } from '@muster/contracts';
import type { MusterEnv } from './config';
import { keptDemoHashes } from './demo-hashes';
import { tokenSecret } from './token-secret';

/**
 * Logins and token checks. `knownJurisdiction` is the served tree's `has`: configured users of a room
 * outside it stop the start, demo users of such a room are left out.
 */
export async function authOptions(env: MusterEnv, knownJurisdiction: (code: string) => boolean): Promise<ApiAuthOptions & { demo: boolean }> {
  const demo = env.MUSTER_DEMO_USERS === undefined ? !env.DATABASE_URL : env.MUSTER_DEMO_USERS === 'true';
  const users = env.MUSTER_USERS_FILE
    ? new UserDirectory(parseOrThrow(UsersFileSchema, JSON.parse(await readFile(env.MUSTER_USERS_FILE, 'utf8')), ['MUSTER_USERS_FILE']), {
        knownJurisdiction,
        source: 'MUSTER_USERS_FILE',
      })
    : demo
      ? await demoUsers(env, knownJurisdiction)
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

/** The demo directory, with the password hashes of an earlier start of the same data directory. */
async function demoUsers(env: MusterEnv, knownJurisdiction: (code: string) => boolean): Promise<UserDirectory> {
  await mkdir(resolve(env.MUSTER_DATA_DIR), { recursive: true });
  return keptDemoHashes(resolve(env.MUSTER_DATA_DIR, 'demo-password-hashes.json'), (hashFor) => demoDirectory(knownJurisdiction, hashFor));
}
