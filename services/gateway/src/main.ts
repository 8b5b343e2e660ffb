import { createTokenVerifier } from '@muster/identity';
import { connectEventBusWhenReachable } from '@muster/bus-nats';
import { ValidationError } from '@muster/contracts';
import { connect } from '@muster/store-postgres';
import pino from 'pino';
import { gatewayEnv, type GatewayEnv } from './config';
import { startGateway } from './gateway';


async function main(): Promise<void> {
  let env: GatewayEnv;
  try {
    env = gatewayEnv();
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    process.stderr.write(`gateway: invalid environment\n${error.issues.map((i) => `  ${i.path}: ${i.message}`).join('\n')}\n`);
    process.exit(2);
  }
  const logger = pino({ name: 'gateway', level: env.LOG_LEVEL });
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

  // The gateway only reads; it never migrates (the api and relay do), so it cannot race them.
  const db = connect({ connectionString: env.DATABASE_URL, maxConnections: env.DB_POOL_SIZE, applicationName: 'muster-gateway' });
  shutdown = () => db.destroy();
  const bus = await connectEventBusWhenReachable({
    servers: env.NATS_URL,
    name: 'muster-gateway',
    stream: env.NATS_STREAM,
    subjectPrefix: env.NATS_SUBJECT_PREFIX,
    // Creates the stream when missing, so a gateway can subscribe before the first relay has run.
    ensureStream: true,
    logger: logger.child({ component: 'bus' }),
    stopping: () => stopping,
  });
  if (!bus) return;
  shutdown = async () => {
    await bus.close();
    await db.destroy();
  };
  const gateway = await startGateway({
    db,
    bus,
    verifier: env.MUSTER_JWKS_URL
      ? createTokenVerifier({ jwksUrl: env.MUSTER_JWKS_URL })
      : createTokenVerifier({ secret: new TextEncoder().encode(env.MUSTER_JWT_SECRET ?? '') }),
    host: env.HOST,
    port: env.PORT,
    logger,
    maxBufferedBytes: env.GATEWAY_MAX_BUFFERED_BYTES,
    catchUpBufferLimit: env.GATEWAY_CATCH_UP_BUFFER,
    maxConnections: env.GATEWAY_MAX_CONNECTIONS,
    closeGraceMs: env.GATEWAY_CLOSE_GRACE_MS,
  });
  shutdown = async () => {
    await gateway.close();
    await bus.close();
    await db.destroy();
  };
  logger.info({ url: gateway.url, stream: env.NATS_STREAM, subjectPrefix: env.NATS_SUBJECT_PREFIX }, 'gateway started');
}

await main();
