import { connectEventBusWhenReachable, connectionFromEnv } from '@muster/bus-nats';
import { runService } from '@muster/service-runtime';
import { connect, migrateToLatest } from '@muster/store-postgres';
import { relayEnv } from './config';
import { startRelay } from './relay';

await runService('relay', relayEnv, async ({ env, logger, stopping, hold }) => {
  const db = hold(connect({ connectionString: env.DATABASE_URL, maxConnections: env.DB_POOL_SIZE, applicationName: `muster-relay:${env.RELAY_NAME}` }), (pool) => pool.destroy());
  await migrateToLatest(db);
  const bus = await connectEventBusWhenReachable({ ...connectionFromEnv(env, `muster-relay:${env.RELAY_NAME}`), logger: logger.child({ component: 'bus' }), stopping });
  if (!bus) return;
  hold(bus, (b) => b.close());
  hold(startRelay({ db, bus, name: env.RELAY_NAME, logger, batchSize: env.RELAY_BATCH_SIZE, idlePollMs: env.RELAY_POLL_MS, listen: 'pool' }), (relay) => relay.stop());
  logger.info({ stream: env.NATS_STREAM, subjectPrefix: env.NATS_SUBJECT_PREFIX, name: env.RELAY_NAME }, 'relay started');
});
