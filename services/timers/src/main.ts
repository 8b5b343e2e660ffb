import { createEngine } from '@muster/engine';
import { engineSettingsFromEnv, jurisdictionsFromEnv, runService } from '@muster/service-runtime';
import { connect, GroupCommitEventStore, migrateToLatest } from '@muster/store-postgres';
import { timersEnv } from './config';
import { startTimers } from './timers';

await runService('timers', timersEnv, async ({ env, logger, hold }) => {
  // The same tree and engine settings as the api's (the plan rules above all), so a deadline fires
  // under the rules that set it; a bad file stops the start before the database is touched.
  const settings = await engineSettingsFromEnv(env, await jurisdictionsFromEnv(env));
  const db = hold(connect({ connectionString: env.DATABASE_URL, maxConnections: env.DB_POOL_SIZE, applicationName: 'muster-timers' }), (pool) => pool.destroy());
  await migrateToLatest(db);
  const engine = createEngine({ store: new GroupCommitEventStore(db), ...settings });
  hold(startTimers({ db, engine, logger, pollMs: env.TIMERS_POLL_MS, batchSize: env.TIMERS_BATCH_SIZE }), (timers) => timers.stop());
  logger.info({ pollMs: env.TIMERS_POLL_MS, batchSize: env.TIMERS_BATCH_SIZE }, 'timers started');
});
