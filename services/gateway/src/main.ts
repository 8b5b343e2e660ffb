import { connectEventBusWhenReachable, connectionFromEnv } from '@muster/bus-nats';
import { createTokenVerifier } from '@muster/identity';
import { runService } from '@muster/service-runtime';
import { connect } from '@muster/store-postgres';
import { gatewayEnv } from './config';
import { startGateway } from './gateway';

await runService('gateway', gatewayEnv, async ({ env, logger, stopping, onStop }) => {
  // The gateway only reads; it never migrates (the api and relay do), so it cannot race them.
  const db = connect({ connectionString: env.DATABASE_URL, maxConnections: env.DB_POOL_SIZE, applicationName: 'muster-gateway' });
  onStop(() => db.destroy());
  const bus = await connectEventBusWhenReachable({ ...connectionFromEnv(env, 'muster-gateway'), logger: logger.child({ component: 'bus' }), stopping });
  if (!bus) return;
  onStop(async () => {
    await bus.close();
    await db.destroy();
  });
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
  onStop(async () => {
    await gateway.close();
    await bus.close();
    await db.destroy();
  });
  logger.info({ url: gateway.url, stream: env.NATS_STREAM, subjectPrefix: env.NATS_SUBJECT_PREFIX }, 'gateway started');
});
