import { ValidationError } from '@muster/contracts';
import { createEngine } from '@muster/engine';
import { connect, GroupCommitEventStore, migrateToLatest } from '@muster/store-postgres';
import pino from 'pino';
import { timersEnv, type TimersEnv } from './config';
import { startTimers } from './timers';

async function main(): Promise<void> {
  let env: TimersEnv;
  try {
    env = timersEnv();
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    process.stderr.write(`timers: invalid environment\n${error.issues.map((i) => `  ${i.path}: ${i.message}`).join('\n')}\n`);
    process.exit(2);
  }
  const logger = pino({ name: 'timers', level: env.LOG_LEVEL });
  const db = connect({ connectionString: env.DATABASE_URL, maxConnections: env.DB_POOL_SIZE, applicationName: 'muster-timers' });
  let shutdown: () => Promise<void> = () => db.destroy();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      logger.info({ signal }, 'stopping');
      void shutdown()
        .then(() => process.exit(0))
        .catch((error: unknown) => {
          logger.error({ err: error }, 'unclean shutdown');
          process.exit(1);
        });
    });
  }
  await migrateToLatest(db);
  const engine = createEngine({ store: new GroupCommitEventStore(db) });
  const timers = startTimers({ db, engine, logger, pollMs: env.TIMERS_POLL_MS, batchSize: env.TIMERS_BATCH_SIZE });
  shutdown = async () => {
    await timers.stop();
    await db.destroy();
  };
  logger.info({ pollMs: env.TIMERS_POLL_MS, batchSize: env.TIMERS_BATCH_SIZE }, 'timers started');
}

await main();
