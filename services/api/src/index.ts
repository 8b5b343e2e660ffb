export { buildApi } from './app';
export type { ApiDependencies, ConsoleOptions } from './app';
export { startApiServer, verifierFor } from './server';
export type { ApiServerOptions, RunningApi, ApiAuthOptions } from './server';
export { apiEnv, ApiEnvSchema, AuthEnvShape, ReportRulesEnvShape } from './config';
export type { ApiEnv } from './config';
export { toHttpError } from './http-errors';
export { loadReportRules } from './report-rules';

