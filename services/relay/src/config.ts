import { parseOrThrow } from '@muster/contracts';
import { NatsEnvShape } from '@muster/bus-nats';
import { BaseEnvShape, MetricsEnvShape } from '@muster/service-runtime';
import { z } from 'zod';

/** Environment of the relay process, parsed like any other input (DESIGN §3 guarantee 8). */
const RelayEnvSchema = z.object({
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }),
  ...NatsEnvShape,
  /** Relays with one name share one checkpoint and take turns leading. */
  RELAY_NAME: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,100}$/)
    .default('main'),
  RELAY_BATCH_SIZE: z.coerce.number().int().min(1).max(10_000).default(256),
  // The fallback poll: the relay reads the log on each commit's NOTIFY and polls only when no LISTEN session is up.
  RELAY_POLL_MS: z.coerce.number().int().min(1).max(60_000).default(1_000),
  ...BaseEnvShape,
  ...MetricsEnvShape,
  // The leader holds one connection for its lock and one for LISTEN; migrations at start use one before.
  DB_POOL_SIZE: z.coerce.number().int().min(2).max(50).default(4),
});
export type RelayEnv = z.infer<typeof RelayEnvSchema>;

export function relayEnv(env: NodeJS.ProcessEnv = process.env): RelayEnv {
  return parseOrThrow(RelayEnvSchema, env, ['env']);
}
