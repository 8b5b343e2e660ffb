import { connectEventBusWhenReachable, connectionFromEnv, natsProbe, type NatsEventBus } from '@muster/bus-nats';
import { runService, startOpsServer } from '@muster/service-runtime';
import { createMetricsRegistry, poolMetrics, relayMetrics } from '@muster/service-runtime/metrics';
import { connect, databaseProbe, migrateToLatest, poolUsage, relayLag } from '@muster/store-postgres';
import { relayEnv } from './config';
import { startRelay, type Relay } from './relay';

await runService('relay', relayEnv, async ({ env, logger, stopping, hold }) => {
  const db = hold(connect({ connectionString: env.DATABASE_URL, maxConnections: env.DB_POOL_SIZE, applicationName: `muster-relay:${env.RELAY_NAME}` }), (pool) => pool.destroy());
  const metrics = createMetricsRegistry();
  poolMetrics(metrics, 'relay', () => poolUsage(db));
  // The lag counts from what this relay has published while it leads (its checkpoint trails by up to 200 ms).
  const started: { relay?: Relay } = {};
  const observer = relayMetrics(metrics, () => relayLag(db, env.RELAY_NAME, { from: started.relay?.published() }), () => started.relay?.heldBackFor() ?? 0);
  let connected: NatsEventBus | null = null;
  // Metrics and health first: a relay waiting for its database or for NATS is seen waiting.
  if (env.METRICS_PORT !== undefined) {
    const ops = hold(await startOpsServer({ metrics, probes: [databaseProbe(db), natsProbe(() => connected)] }, { host: env.METRICS_HOST, port: env.METRICS_PORT }), (server) => server.close());
    logger.info({ url: `${ops.url}/metrics` }, 'relay serves metrics and health');
  }
  await migrateToLatest(db);
  const bus = await connectEventBusWhenReachable({ ...connectionFromEnv(env, `muster-relay:${env.RELAY_NAME}`), logger: logger.child({ component: 'bus' }), stopping });
  if (!bus) return;
  connected = bus;
  hold(bus, (b) => b.close());
  started.relay = hold(startRelay({ db, bus, name: env.RELAY_NAME, logger, batchSize: env.RELAY_BATCH_SIZE, idlePollMs: env.RELAY_POLL_MS, listen: 'pool', observer }), (r) => r.stop());
  logger.info({ stream: env.NATS_STREAM, subjectPrefix: env.NATS_SUBJECT_PREFIX, name: env.RELAY_NAME }, 'relay started');
});
