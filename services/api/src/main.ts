import { apiEnv } from './config';
import { startApiServer } from './server';

const env = apiEnv();
const api = await startApiServer({
  databaseUrl: env.DATABASE_URL,
  host: env.HOST,
  port: env.PORT,
  logLevel: env.LOG_LEVEL,
  poolSize: env.DB_POOL_SIZE,
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void api.close().then(() => process.exit(0)));
}
