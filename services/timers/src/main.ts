import { createEngine } from '@muster/engine';
import { engineSettingsFromEnv, jurisdictionsFromEnv, runService, startOpsServer } from '@muster/service-runtime';
import { commandMetrics, createMetricsRegistry, deadlineMetrics, groupCommitMetrics, poolMetrics } from '@muster/service-runtime/metrics';
import { connect, countDueDeadlines, databaseProbe, GroupCommitEventStore, migrateToLatest, poolUsage } from '@muster/store-postgres';
import { timersEnv } from './config';
import { startTimers } from './timers';

await runService('timers', timersEnv, async ({ env, logger, hold }) => {
  // The same tree and engine settings as the api's (the plan rules above all), so a deadline fires
  // under the rules that set it; a bad file stops the start before the database is touched.
  const settings = await engineSettingsFromEnv(env, await jurisdictionsFromEnv(env));
  const db = hold(connect({ connectionString: env.DATABASE_URL, maxConnections: env.DB_POOL_SIZE, applicationName: 'muster-timers' }), (pool) => pool.destroy());
  const metrics = createMetricsRegistry();
  poolMetrics(metrics, 'timers', () => poolUsage(db));
  const observer = deadlineMetrics(metrics, () => countDueDeadlines(db, new Date()));
  // Metrics and health first: timers waiting for their database are seen waiting. Not ready until
  // started: a database that answers while the migration still runs is not yet a service (a
  // supervisor or a test that took that for ready saw the timers exit when the database went away
  // mid-migration).
  let started = false;
  const startedProbe = { name: 'started', check: async () => ({ ok: started, detail: started ? 'started' : 'starting: migrating the database' }) };
  if (env.METRICS_PORT !== undefined) {
    const ops = hold(await startOpsServer({ metrics, probes: [databaseProbe(db), startedProbe] }, { host: env.METRICS_HOST, port: env.METRICS_PORT }), (server) => server.close());
    logger.info({ url: `${ops.url}/metrics` }, 'timers serve metrics and health');
  }
  await migrateToLatest(db);
  const engine = createEngine({ store: new GroupCommitEventStore(db, { onBatch: groupCommitMetrics(metrics) }), ...settings, observer: commandMetrics(metrics) });
  hold(startTimers({ db, engine, logger, pollMs: env.TIMERS_POLL_MS, batchSize: env.TIMERS_BATCH_SIZE, observer }), (timers) => timers.stop());
  started = true;
  logger.info({ pollMs: env.TIMERS_POLL_MS, batchSize: env.TIMERS_BATCH_SIZE }, 'timers started');
});
