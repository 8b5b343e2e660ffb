import cluster from 'node:cluster';
import { readFile } from 'node:fs/promises';
import { createEngine } from '@muster/engine';
import { UserDirectory, type UserRecord } from '@muster/identity';
import { engineSettingsFromEnv, jurisdictionsFromEnv, runService } from '@muster/service-runtime';
import { commandMetrics, createMetricsRegistry, groupCommitMetrics, poolMetrics, serveClusterMetrics } from '@muster/service-runtime/metrics';
import { connect, GroupCommitEventStore, migrateToLatest, poolUsage } from '@muster/store-postgres';
import { apiEnv, loginLimitsFromEnv } from './config';
import { startApiServer, verifierFor } from './server';
import { startApiWorkers, stopWhenPrimaryAsks } from './workers';

await runService('api', apiEnv, async ({ env, logger, hold }) => {
  // Configuration files first: a bad one stops the start (exit 2, naming the entry) before the database is touched.
  const jurisdictions = await jurisdictionsFromEnv(env);
  const settings = await engineSettingsFromEnv(env, jurisdictions);
  if (env.MUSTER_API_WORKERS > 1 && cluster.isPrimary) {
    // The primary only migrates (once, before any worker reads a table) and keeps the workers running.
    const db = connect({ connectionString: env.DATABASE_URL, maxConnections: 1, applicationName: 'muster-api-primary' });
    try {
      await migrateToLatest(db);
    } finally {
      await db.destroy();
    }
    // A scrape of any worker answers for all of them, summed here.
    serveClusterMetrics();
    hold(await startApiWorkers(env.MUSTER_API_WORKERS, logger), (workers) => workers.stop());
    return;
  }
  // The directory checks every record against its schema and the tree (a bad file stops the start, naming the field).
  const users = env.MUSTER_USERS_FILE
    ? new UserDirectory(JSON.parse(await readFile(env.MUSTER_USERS_FILE, 'utf8')) as UserRecord[], {
        knownJurisdiction: (code) => jurisdictions.has(code),
        source: 'env.MUSTER_USERS_FILE',
      })
    : undefined;
  const db = hold(connect({ connectionString: env.DATABASE_URL, maxConnections: env.DB_POOL_SIZE, applicationName: 'muster-api' }), (pool) => pool.destroy());
  // A worker's primary has migrated already.
  if (cluster.isPrimary) await migrateToLatest(db);
  else stopWhenPrimaryAsks();
  // One registry for the process, served at GET /metrics on the api's port; a worker's scrape answers for all workers.
  const metrics = createMetricsRegistry({ clusterWorker: !cluster.isPrimary });
  poolMetrics(metrics, 'api', () => poolUsage(db));
  // Commands of concurrent requests share transactions (group commit); each is acknowledged after its COMMIT.
  // A cluster worker shares its clients, so every stream, with the other workers: it checks a kept
  // stream's version before deciding on it (a stale copy cost a refused write and three round trips).
  const engine = createEngine({
    store: new GroupCommitEventStore(db, { onBatch: groupCommitMetrics(metrics) }),
    ...settings,
    observer: commandMetrics(metrics),
    checkKeptStreams: !cluster.isPrimary,
  });
  const auth = {
    secret: env.MUSTER_JWT_SECRET ? new TextEncoder().encode(env.MUSTER_JWT_SECRET) : undefined,
    jwksUrl: env.MUSTER_JWKS_URL,
    users,
    tokenTtlSeconds: env.MUSTER_TOKEN_TTL,
    loginLimits: loginLimitsFromEnv(env),
  };
  hold(
    await startApiServer({
      db,
      engine,
      jurisdictions,
      rules: settings.rules,
      verifier: verifierFor(auth, jurisdictions),
      logger,
      auth,
      host: env.HOST,
      port: env.PORT,
      limits: { maxBodyBytes: env.MUSTER_MAX_BODY_BYTES, maxJsonDepth: env.MUSTER_MAX_JSON_DEPTH, requestTimeoutMs: env.MUSTER_REQUEST_TIMEOUT_MS },
      metrics: { registry: metrics, token: env.MUSTER_METRICS_TOKEN },
    }),
    (api) => api.close(),
  );
});
