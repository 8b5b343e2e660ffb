import { parseOrThrow } from '@muster/contracts';
import { z } from 'zod';

/** Environment of the api process, parsed like any other input (DESIGN §3 guarantee 8). */
export const ApiEnvSchema = z.object({
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }),
  HOST: z.string().default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DB_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(20),
});
export type ApiEnv = z.infer<typeof ApiEnvSchema>;

export function apiEnv(env: NodeJS.ProcessEnv = process.env): ApiEnv {
  return parseOrThrow(ApiEnvSchema, env, ['env']);
}
