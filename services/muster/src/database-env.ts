import { parseOrThrow } from '@muster/contracts';
import { BaseEnvShape } from '@muster/service-runtime';
import { z } from 'zod';

/** Which database Muster runs on: part of the whole environment (config.ts), and all a start needs to begin. */
export const DatabaseEnvShape = {
  /** An existing PostgreSQL; without it Muster runs its own embedded PostgreSQL under MUSTER_DATA_DIR. */
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  MUSTER_DATA_DIR: z.string().min(1).default('.muster'),
  /** Port of the embedded PostgreSQL (loopback only). */
  MUSTER_PG_PORT: z.coerce.number().int().min(1).max(65535).default(54329),
};

const DatabaseEnvSchema = z.object({ ...DatabaseEnvShape, ...BaseEnvShape });
export type DatabaseEnv = z.infer<typeof DatabaseEnvSchema>;

/**
 * Parsed before the rest of the environment, whose schema imports the api: `muster start` starts the
 * embedded PostgreSQL (a process of its own) first and loads every service's modules meanwhile
 * (issue 18). The whole environment is still parsed before anything is served.
 */
export function databaseEnv(env: NodeJS.ProcessEnv = process.env): DatabaseEnv {
  return parseOrThrow(DatabaseEnvSchema, env, ['env']);
}
