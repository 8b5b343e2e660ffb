export { buildApi } from './app';
export type { ApiDependencies, ConsoleOptions } from './app';
export { startApiServer, verifierFor } from './server';
export type { ApiServerOptions, RunningApi, ApiAuthOptions } from './server';
export { apiEnv, ApiEnvSchema, AuthEnvShape, loginLimitsFromEnv, RequestLimitsEnvShape } from './config';
export { DEFAULT_LOGIN_LIMITS } from './login-throttle';
export type { LoginLimits, LoginLimitOptions } from './login-throttle';
export type { ApiEnv } from './config';
export { toHttpError } from './http-errors';

