import { startApiServer } from '@muster/api';
import { connect, migrateToLatest } from '@muster/store-postgres';
import { Command } from 'commander';
import pino, { type Logger } from 'pino';
import { musterEnv, type MusterEnv } from './config';
import { startEmbeddedDatabase } from './embedded-database';

/** The database to use: DATABASE_URL when set, otherwise the embedded one under MUSTER_DATA_DIR. */
async function database(env: MusterEnv, logger: Logger): Promise<{ url: string; stop(): Promise<void> }> {
  if (env.DATABASE_URL) return { url: env.DATABASE_URL, stop: async () => undefined };
  return startEmbeddedDatabase(env.MUSTER_DATA_DIR, env.MUSTER_PG_PORT, logger);
}

const program = new Command('muster').description('Muster incident command engine');

program
  .command('start')
  .description('run every service in one process (embedded PostgreSQL when DATABASE_URL is not set)')
  .action(async () => {
    const env = musterEnv();
    const logger = pino({ level: env.LOG_LEVEL, name: 'muster' });
    const db = await database(env, logger);
    const api = await startApiServer({
      databaseUrl: db.url,
      host: env.HOST,
      port: env.PORT,
      logLevel: env.LOG_LEVEL,
      poolSize: env.DB_POOL_SIZE,
    });
    logger.info({ url: api.url, embeddedDatabase: !env.DATABASE_URL }, 'muster started');
    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'stopping');
      await api.close();
      await db.stop();
      process.exit(0);
    };
    process.once('SIGINT', () => void stop('SIGINT'));
    process.once('SIGTERM', () => void stop('SIGTERM'));
  });

program
  .command('migrate')
  .description('apply database migrations and exit')
  .action(async () => {
    const env = musterEnv();
    const logger = pino({ level: env.LOG_LEVEL, name: 'muster' });
    const target = await database(env, logger);
    const db = connect({ connectionString: target.url, maxConnections: 1 });
    try {
      const result = await migrateToLatest(db);
      for (const r of result.results ?? []) logger.info({ migration: r.migrationName, status: r.status }, 'migration');
      if (!result.results?.length) logger.info('database already up to date');
    } finally {
      await db.destroy();
      await target.stop();
    }
  });

await program.parseAsync(process.argv);
