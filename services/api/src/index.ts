export { buildApi } from './app';

export { startApiServer, verifierFor } from './server';
export type { ApiAuthOptions } from './server';
export { AuthEnvShape, loginLimitsFromEnv, MetricsTokenEnvShape, RequestLimitsEnvShape } from './config';
export { relayLagProbe } from './readiness';





