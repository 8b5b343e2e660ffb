import { connectEventBusWhenReachable, connectionFromEnv, natsProbe } from '@muster/bus-nats';
import { createTokenVerifier } from '@muster/identity';
import { jurisdictionsFromEnv, runService } from '@muster/service-runtime';
import { createMetricsRegistry, gatewayMetrics, poolMetrics } from '@muster/service-runtime/metrics';
import { connect, databaseProbe, poolUsage } from '@muster/store-postgres';
import { gatewayEnv } from './config';
import { startGateway } from './gateway';

await runService('gateway', gatewayEnv, async ({ env, logger, stopping, hold }) => {
  // Tokens of jurisdictions outside the served tree are refused at the upgrade (401); a bad file stops the start.
  const jurisdictions = await jurisdictionsFromEnv(env);
  // The gateway only reads; it never migrates (the api and relay do), so it cannot race them.
  const db = hold(connect({ connectionString: env.DATABASE_URL, maxConnections: env.DB_POOL_SIZE, applicationName: 'muster-gateway' }), (pool) => pool.destroy());
  const metrics = createMetricsRegistry();
  poolMetrics(metrics, 'gateway', () => poolUsage(db));
  const bus = await connectEventBusWhenReachable({ ...connectionFromEnv(env, 'muster-gateway'), logger: logger.child({ component: 'bus' }), stopping });
  if (!bus) return;
  hold(bus, (b) => b.close());
  const knownJurisdiction = (code: string) => jurisdictions.has(code);
  const gateway = hold(await startGateway({
    db,
    bus,
    jurisdictions,
    verifier: env.MUSTER_JWKS_URL
      ? createTokenVerifier({ jwksUrl: env.MUSTER_JWKS_URL, knownJurisdiction })
      : createTokenVerifier({ secret: new TextEncoder().encode(env.MUSTER_JWT_SECRET ?? ''), knownJurisdiction }),
    host: env.HOST,
    port: env.PORT,
    logger,
    maxBufferedBytes: env.GATEWAY_MAX_BUFFERED_BYTES,
    catchUpBufferLimit: env.GATEWAY_CATCH_UP_BUFFER,
    maxConnections: env.GATEWAY_MAX_CONNECTIONS,
    maxSocketsPerUser: env.GATEWAY_MAX_SOCKETS_PER_USER,
    closeGraceMs: env.GATEWAY_CLOSE_GRACE_MS,
    // /metrics and /health/live|ready on the gateway's own port.
    ops: { metrics, probes: [databaseProbe(db), natsProbe(() => bus)] },
  }), (g) => g.close());
  gatewayMetrics(metrics, () => ({ sockets: gateway.openSockets(), framesSent: gateway.stats().framesSent, slowConsumersClosed: gateway.stats().slowConsumersClosed }));
  logger.info({ url: gateway.url, stream: env.NATS_STREAM, subjectPrefix: env.NATS_SUBJECT_PREFIX }, 'gateway started');
});
