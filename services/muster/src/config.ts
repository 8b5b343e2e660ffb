import { parseOrThrow } from '@muster/contracts';
import { AuthEnvShape, MetricsTokenEnvShape, RequestLimitsEnvShape } from '@muster/api';
import { BaseEnvShape, EngineEnvShape } from '@muster/service-runtime';
import { z } from 'zod';
import { DatabaseEnvShape } from './database-env';

/** Environment of `muster start` and the other commands, parsed like any other input. */
const MusterEnvSchema = z.object({
  ...DatabaseEnvShape,
  HOST: z.string().default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  ...BaseEnvShape,
  /** The one pool of the process: the api, the relay, the gateway and the timers share it. */
  DB_POOL_SIZE: z.coerce.number().int().min(2).max(200).default(20),
  ...AuthEnvShape,
  ...EngineEnvShape,
  ...RequestLimitsEnvShape,
  ...MetricsTokenEnvShape,
  /** Port of the live WebSocket feed (the gateway), at ws://HOST:GATEWAY_PORT/ws. */
  GATEWAY_PORT: z.coerce.number().int().min(0).max(65535).default(8081),
  /** Open live-feed sockets one user may hold at once (the gateway's GATEWAY_MAX_SOCKETS_PER_USER). */
  GATEWAY_MAX_SOCKETS_PER_USER: z.coerce.number().int().min(1).max(100_000).default(8),
  /** NATS with JetStream; without it relay and gateway share an in-process bus. */
  NATS_URL: z.string().min(1).optional(),
  NATS_STREAM: z.string().regex(/^[A-Za-z0-9_-]{1,200}$/).default('MUSTER_EVENTS'),
  NATS_SUBJECT_PREFIX: z.string().regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/).default('muster'),
  /** Copies of the stream on a NATS cluster (the same number as the relay's and gateway's). */
  NATS_STREAM_REPLICAS: z.coerce.number().int().min(1).max(5).default(1),
  /** `/health/ready` fails while the oldest event the relay has not published is older than this. */
  MUSTER_READY_RELAY_LAG_MS: z.coerce.number().int().min(100).max(3_600_000).default(30_000),
  /** Seed the demo logins (password = user name); on by default with the embedded database. */
  MUSTER_DEMO_USERS: z.enum(['true', 'false']).optional(),
  /** The built web console (services/console/dist by default); served at /console/ when it exists. */
  MUSTER_CONSOLE_DIR: z.string().min(1).optional(),
});
export type MusterEnv = z.infer<typeof MusterEnvSchema>;

export function musterEnv(env: NodeJS.ProcessEnv = process.env): MusterEnv {
  return parseOrThrow(MusterEnvSchema, env, ['env']);
}
