import { readFile } from 'node:fs/promises';
import { UserDirectory, type UserRecord } from '@muster/identity';
import { apiEnv } from './config';
import { startApiServer } from './server';

const env = apiEnv();
const users = env.MUSTER_USERS_FILE ? new UserDirectory(JSON.parse(await readFile(env.MUSTER_USERS_FILE, 'utf8')) as UserRecord[]) : undefined;
const api = await startApiServer({
  auth: {
    secret: env.MUSTER_JWT_SECRET ? new TextEncoder().encode(env.MUSTER_JWT_SECRET) : undefined,
    jwksUrl: env.MUSTER_JWKS_URL,
    users,
    tokenTtlSeconds: env.MUSTER_TOKEN_TTL,
  },
  databaseUrl: env.DATABASE_URL,
  host: env.HOST,
  port: env.PORT,
  logLevel: env.LOG_LEVEL,
  poolSize: env.DB_POOL_SIZE,
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void api.close().then(() => process.exit(0)));
}
