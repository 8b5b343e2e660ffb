export { runService } from './run-service';
export { createLogger } from './logger';

export { BaseEnvShape, EngineEnvShape, JurisdictionsEnvShape, MetricsEnvShape, engineSettingsFromEnv, jurisdictionsFromEnv, loadJurisdictions, loadRuleBook } from './env';
// The metrics (prom-client) are `@muster/service-runtime/metrics`: a process that serves none (`muster token`) never loads them.
export { readiness } from './readiness';
export type { ReadinessProbe } from './readiness';
export { handleOpsRequest, startOpsServer } from './ops-server';
export type { OpsEndpoints } from './ops-server';
