import { parseOrThrow } from '@muster/contracts';
import { z } from 'zod';

const NatsUrlSchema = z.url({ protocol: /^(nats|tls|ws|wss)$/ });

/** Environment of the relay process, parsed like any other input (DESIGN §3 guarantee 8). */
export const RelayEnvSchema = z.object({
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }),
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
  /** Relays with one name share one checkpoint and take turns leading. */
  RELAY_NAME: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,100}$/)
    .default('main'),
  RELAY_BATCH_SIZE: z.coerce.number().int().min(1).max(10_000).default(256),
  RELAY_POLL_MS: z.coerce.number().int().min(1).max(60_000).default(25),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  // The leader holds one connection for its lock; a second serves migrations at start.
  DB_POOL_SIZE: z.coerce.number().int().min(2).max(50).default(4),
});
export type RelayEnv = z.infer<typeof RelayEnvSchema>;

export function relayEnv(env: NodeJS.ProcessEnv = process.env): RelayEnv {
  return parseOrThrow(RelayEnvSchema, env, ['env']);
}
