export { buildApi } from './app';

export { startApiServer, verifierFor } from './server';
export type { ApiAuthOptions } from './server';
export { AuthEnvShape, loginLimitsFromEnv, RequestLimitsEnvShape } from './config';
export { relayLagProbe } from './readiness';
export type { ReadinessProbe } from './readiness';





