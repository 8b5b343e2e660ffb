import { readFile } from 'node:fs/promises';
import { UserDirectory, type UserRecord } from '@muster/identity';
import { runService } from '@muster/service-runtime';
import { apiEnv, loginLimitsFromEnv } from './config';
import { startApiServer } from './server';

await runService('api', apiEnv, async ({ env, onStop }) => {
  // The directory checks every record against its schema (a bad file stops the start, naming the field).
  const users = env.MUSTER_USERS_FILE ? new UserDirectory(JSON.parse(await readFile(env.MUSTER_USERS_FILE, 'utf8')) as UserRecord[]) : undefined;
  const api = await startApiServer({
    auth: {
      secret: env.MUSTER_JWT_SECRET ? new TextEncoder().encode(env.MUSTER_JWT_SECRET) : undefined,
      jwksUrl: env.MUSTER_JWKS_URL,
      users,
      tokenTtlSeconds: env.MUSTER_TOKEN_TTL,
      loginLimits: loginLimitsFromEnv(env),
    },
    databaseUrl: env.DATABASE_URL,
    host: env.HOST,
    port: env.PORT,
    logLevel: env.LOG_LEVEL,
    poolSize: env.DB_POOL_SIZE,
  });
  onStop(() => api.close());
});
