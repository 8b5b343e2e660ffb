export { buildApi } from './app';
export type { ApiDependencies } from './app';
export { startApiServer, verifierFor } from './server';
export type { ApiServerOptions, RunningApi, ApiAuthOptions } from './server';
export { apiEnv, ApiEnvSchema, AuthEnvShape } from './config';
export type { ApiEnv } from './config';
export { toHttpError } from './http-errors';
