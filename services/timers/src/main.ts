import { createEngine } from '@muster/engine';
import { engineSettingsFromEnv, runService } from '@muster/service-runtime';
import { connect, GroupCommitEventStore, migrateToLatest } from '@muster/store-postgres';
import { timersEnv } from './config';
import { startTimers } from './timers';

await runService('timers', timersEnv, async ({ env, logger, hold }) => {
  const db = hold(connect({ connectionString: env.DATABASE_URL, maxConnections: env.DB_POOL_SIZE, applicationName: 'muster-timers' }), (pool) => pool.destroy());
  await migrateToLatest(db);
  // The same engine settings as the api's (the reporting rule table above all), so a deadline fires under the rules that set it.
  const engine = createEngine({ store: new GroupCommitEventStore(db), ...(await engineSettingsFromEnv(env)) });
  hold(startTimers({ db, engine, logger, pollMs: env.TIMERS_POLL_MS, batchSize: env.TIMERS_BATCH_SIZE }), (timers) => timers.stop());
  logger.info({ pollMs: env.TIMERS_POLL_MS, batchSize: env.TIMERS_BATCH_SIZE }, 'timers started');
});
