import { parseOrThrow } from '@muster/contracts';
import { NatsEnvShape } from '@muster/bus-nats';
import { BaseEnvShape, JurisdictionsEnvShape } from '@muster/service-runtime';
import { z } from 'zod';

/**
 * Environment of the gateway process, parsed like any other input (DESIGN §3 guarantee 8). The NATS
 * settings are the relay's (services/relay/src/config.ts): both must name the same stream and prefix.
 */
const GatewayEnvSchema = z.object({
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }),
  ...NatsEnvShape,
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8081),
  ...BaseEnvShape,
  ...JurisdictionsEnvShape,
  /** Catch-up reads only; each console in catch-up holds one connection for one query at a time. */
  DB_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  /** Bytes waiting to be written to one console before it is closed as a slow consumer. */
  GATEWAY_MAX_BUFFERED_BYTES: z.coerce.number().int().min(16 * 1024).max(64 * 1024 * 1024).default(1024 * 1024),
  /** Live events held for one console while it catches up from PostgreSQL. */
  GATEWAY_CATCH_UP_BUFFER: z.coerce.number().int().min(10).max(1_000_000).default(10_000),
  GATEWAY_MAX_CONNECTIONS: z.coerce.number().int().min(1).default(10_000),
  /** Open sockets one user (token subject) may hold at once; more are refused at the upgrade with HTTP 429. */
  GATEWAY_MAX_SOCKETS_PER_USER: z.coerce.number().int().min(1).max(100_000).default(8),
  /** How long a closed console may take to read its backlog and the closing frame before it is cut off. */
  GATEWAY_CLOSE_GRACE_MS: z.coerce.number().int().min(100).max(600_000).default(5_000),
  /** HS256 secret shared with the api (tokens from its login or `muster token`). */
  MUSTER_JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  /** Or the JWKS of an identity provider. One of the two is required. */
  MUSTER_JWKS_URL: z.url().optional(),
}).refine((env) => env.MUSTER_JWT_SECRET !== undefined || env.MUSTER_JWKS_URL !== undefined, {
  message: 'set MUSTER_JWT_SECRET or MUSTER_JWKS_URL: the gateway checks every console token',
  path: ['MUSTER_JWT_SECRET'],
});
export type GatewayEnv = z.infer<typeof GatewayEnvSchema>;

export function gatewayEnv(env: NodeJS.ProcessEnv = process.env): GatewayEnv {
  return parseOrThrow(GatewayEnvSchema, env, ['env']);
}
