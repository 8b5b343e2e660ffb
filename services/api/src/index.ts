export { buildApi } from './app';
export type { ApiDependencies } from './app';
export { startApiServer } from './server';
export type { ApiServerOptions, RunningApi } from './server';
export { apiEnv, ApiEnvSchema } from './config';
export type { ApiEnv } from './config';
export { toHttpError } from './http-errors';
