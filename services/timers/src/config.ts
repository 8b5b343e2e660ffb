import { parseOrThrow } from '@muster/contracts';
import { BaseEnvShape, EngineEnvShape, MetricsEnvShape } from '@muster/service-runtime';
import { z } from 'zod';

/** Environment of the timers process, parsed like any other input (DESIGN §3 guarantee 8). */
const TimersEnvSchema = z.object({
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }),
  /** Pause between scans when nothing more is due. */
  TIMERS_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(1_000),
  /** Deadlines claimed per transaction. */
  TIMERS_BATCH_SIZE: z.coerce.number().int().min(1).max(1_000).default(50),
  ...BaseEnvShape,
  ...MetricsEnvShape,
  ...EngineEnvShape,
  // One connection holds a batch's claim, another runs the commands it fires.
  DB_POOL_SIZE: z.coerce.number().int().min(2).max(50).default(4),
});
export type TimersEnv = z.infer<typeof TimersEnvSchema>;

export function timersEnv(env: NodeJS.ProcessEnv = process.env): TimersEnv {
  return parseOrThrow(TimersEnvSchema, env, ['env']);
}
