import { connectEventBusWhenReachable } from '@muster/bus-nats';
import { ValidationError } from '@muster/contracts';
import { connect, migrateToLatest } from '@muster/store-postgres';
import pino from 'pino';
import { relayEnv, type RelayEnv } from './config';
import { startRelay } from './relay';


async function main(): Promise<void> {
  let env: RelayEnv;
  try {
    env = relayEnv();
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    process.stderr.write(`relay: invalid environment\n${error.issues.map((i) => `  ${i.path}: ${i.message}`).join('\n')}\n`);
    process.exit(2);
  }
  const logger = pino({ name: 'relay', level: env.LOG_LEVEL });
  let stopping = false;
  let shutdown: () => Promise<void> = async () => undefined;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      logger.info({ signal }, 'stopping');
      stopping = true;
      void shutdown()
        .then(() => process.exit(0))
        .catch((error: unknown) => {
          logger.error({ err: error }, 'unclean shutdown');
          process.exit(1);
        });
    });
  }

  const db = connect({ connectionString: env.DATABASE_URL, maxConnections: env.DB_POOL_SIZE, applicationName: `muster-relay:${env.RELAY_NAME}` });
  shutdown = () => db.destroy();
  await migrateToLatest(db);
  const bus = await connectEventBusWhenReachable({
    servers: env.NATS_URL,
    name: `muster-relay:${env.RELAY_NAME}`,
    stream: env.NATS_STREAM,
    subjectPrefix: env.NATS_SUBJECT_PREFIX,
    // Creates the stream when missing, so a gateway can subscribe before the first relay has run.
    ensureStream: true,
    logger: logger.child({ component: 'bus' }),
    stopping: () => stopping,
  });
  if (!bus) return;
  const relay = startRelay({ db, bus, name: env.RELAY_NAME, logger, batchSize: env.RELAY_BATCH_SIZE, idlePollMs: env.RELAY_POLL_MS });
  shutdown = async () => {
    await relay.stop();
    await bus.close();
    await db.destroy();
  };
  logger.info({ stream: env.NATS_STREAM, subjectPrefix: env.NATS_SUBJECT_PREFIX, name: env.RELAY_NAME }, 'relay started');
}

await main();
