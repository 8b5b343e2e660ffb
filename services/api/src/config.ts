import { DEFAULT_MAX_JSON_DEPTH, parseOrThrow } from '@muster/contracts';
import { BaseEnvShape, EngineEnvShape } from '@muster/service-runtime';
import { z } from 'zod';
import type { LoginLimitOptions } from './login-throttle';

/** Identity settings shared by the api, the gateway and `muster start`. */
export const AuthEnvShape = {
  /** HS256 secret for tokens (at least 32 characters). */
  MUSTER_JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  /** JWKS of an identity provider whose tokens are accepted instead. */
  MUSTER_JWKS_URL: z.url().optional(),
  /** JSON file of users who log in with a password: [{ username, name, passwordHash, roles, jurisdiction }]. */
  MUSTER_USERS_FILE: z.string().min(1).optional(),
  MUSTER_TOKEN_TTL: z.coerce.number().int().min(60).max(7 * 24 * 3600).default(12 * 3600),
  /** Failed password logins per user name within the window before POST /auth/login answers 429 (default 5). */
  MUSTER_LOGIN_MAX_PER_USER: z.coerce.number().int().min(1).max(1_000_000).optional(),
  /** Failed password logins per client address within the window (default 20). */
  MUSTER_LOGIN_MAX_PER_ADDRESS: z.coerce.number().int().min(1).max(1_000_000).optional(),
  /** The window, in seconds from the first failure (default 900). */
  MUSTER_LOGIN_WINDOW_SECONDS: z.coerce.number().int().min(1).max(7 * 24 * 3600).optional(),
};

/** The failed-login limits of an environment parsed with AuthEnvShape, as the api's option. */
export function loginLimitsFromEnv(env: { MUSTER_LOGIN_MAX_PER_USER?: number | undefined; MUSTER_LOGIN_MAX_PER_ADDRESS?: number | undefined; MUSTER_LOGIN_WINDOW_SECONDS?: number | undefined }): LoginLimitOptions {
  return { maxPerUser: env.MUSTER_LOGIN_MAX_PER_USER, maxPerAddress: env.MUSTER_LOGIN_MAX_PER_ADDRESS, windowSeconds: env.MUSTER_LOGIN_WINDOW_SECONDS };
}

/** Limits on request bodies (issue 14): larger ones are a 413, deeper ones a 400 naming where. */
export const RequestLimitsEnvShape = {
  MUSTER_MAX_BODY_BYTES: z.coerce.number().int().min(1024).max(64 * 1024 * 1024).default(256 * 1024),
  MUSTER_MAX_JSON_DEPTH: z.coerce.number().int().min(4).max(1000).default(DEFAULT_MAX_JSON_DEPTH),
  /** Time to receive a whole request (headers and body); a slower one gets 408 and its connection closed. */
  MUSTER_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
};

/** Who may scrape GET /metrics of the api (and of `muster start`). */
export const MetricsTokenEnvShape = {
  /** Unset: /metrics is open, like /health (scrape it on a trusted network); set: a scrape sends it as a bearer token. */
  MUSTER_METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
};

/** Environment of the api process, parsed like any other input (DESIGN §3 guarantee 8). */
const ApiEnvSchema = z.object({
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }),
  HOST: z.string().default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  ...BaseEnvShape,
  DB_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(20),
  /**
   * api processes serving the port (node:cluster); each has its own pool of DB_POOL_SIZE. One per
   * core lets the api use the machine; 1 (the default) runs no cluster at all.
   */
  MUSTER_API_WORKERS: z.coerce.number().int().min(1).max(64).default(1),
  ...AuthEnvShape,
  ...EngineEnvShape,
  ...RequestLimitsEnvShape,
  ...MetricsTokenEnvShape,
});
export type ApiEnv = z.infer<typeof ApiEnvSchema>;

export function apiEnv(env: NodeJS.ProcessEnv = process.env): ApiEnv {
  return parseOrThrow(ApiEnvSchema, env, ['env']);
}
