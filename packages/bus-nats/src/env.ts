import { z } from 'zod';
import { connectEventBus, type ConnectEventBusOptions, type NatsEventBus } from './nats-event-bus';
import { silentLogger } from './logger';

const NatsUrlSchema = z.url({ protocol: /^(nats|tls|ws|wss)$/ });

/**
 * The NATS settings every process on the bus shares (relay, gateway): they must name the same
 * stream and subject prefix. Spread into a service's environment schema.
 */
export const NatsEnvShape = {
  /** One server URL or several separated by commas (a cluster). */
  NATS_URL: z
    .string()
    .transform((value) =>
      value
        .split(',')
        .map((url) => url.trim())
        .filter((url) => url.length > 0),
    )
    .pipe(z.array(NatsUrlSchema).min(1, 'at least one NATS server URL')),
  NATS_SUBJECT_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/, 'subject tokens of letters, digits, _ or - joined by dots')
    .default('muster'),
  NATS_STREAM: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,200}$/, 'letters, digits, _ or -')
    .default('MUSTER_EVENTS'),
  /**
   * Copies of the stream JetStream keeps (1, or 3 on a three-node cluster: infra/nats/cluster.conf).
   * Every process on the bus must give the same number: each brings the stream to its own setting at start.
   */
  NATS_STREAM_REPLICAS: z.coerce.number().int().min(1).max(5).default(1),
};

export type NatsEnv = { NATS_URL: string[]; NATS_SUBJECT_PREFIX: string; NATS_STREAM: string; NATS_STREAM_REPLICAS: number };

/**
 * How a service connects, from its NatsEnvShape variables. The stream is created when missing, so a
 * gateway can subscribe before the first relay has run, and either may start first.
 */
export function connectionFromEnv(env: NatsEnv, name: string): ConnectEventBusOptions {
  return { servers: env.NATS_URL, name, stream: env.NATS_STREAM, subjectPrefix: env.NATS_SUBJECT_PREFIX, ensureStream: { replicas: env.NATS_STREAM_REPLICAS } };
}

/**
 * Connects, retrying with backoff while NATS is unreachable instead of failing: a service started
 * during an outage begins as soon as NATS is back. Null when `stopping()` turns true first.
 */
export async function connectEventBusWhenReachable(options: ConnectEventBusOptions & { stopping: () => boolean }): Promise<NatsEventBus | null> {
  const logger = options.logger ?? silentLogger;
  const { stopping, ...connectOptions } = options;
  for (let attempt = 0; !stopping(); attempt++) {
    try {
      return await connectEventBus(connectOptions);
    } catch (error) {
      if (attempt === 0) logger.warn({ err: error, servers: options.servers }, 'NATS not reachable yet; retrying');
      await new Promise((r) => setTimeout(r, Math.min(5_000, 200 * 2 ** Math.min(attempt, 5))));
    }
  }
  return null;
}
