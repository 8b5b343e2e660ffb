import { createEngine } from '@muster/engine';
import { runService } from '@muster/service-runtime';
import { connect, GroupCommitEventStore, migrateToLatest } from '@muster/store-postgres';
import { timersEnv } from './config';
import { startTimers } from './timers';

await runService('timers', timersEnv, async ({ env, logger, onStop }) => {
  const db = connect({ connectionString: env.DATABASE_URL, maxConnections: env.DB_POOL_SIZE, applicationName: 'muster-timers' });
  onStop(() => db.destroy());
  await migrateToLatest(db);
  const engine = createEngine({ store: new GroupCommitEventStore(db) });
  const timers = startTimers({ db, engine, logger, pollMs: env.TIMERS_POLL_MS, batchSize: env.TIMERS_BATCH_SIZE });
  onStop(async () => {
    await timers.stop();
    await db.destroy();
  });
  logger.info({ pollMs: env.TIMERS_POLL_MS, batchSize: env.TIMERS_BATCH_SIZE }, 'timers started');
});
