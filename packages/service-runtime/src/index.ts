export { runService } from './run-service';

export { BaseEnvShape, EngineEnvShape, JurisdictionsEnvShape, MetricsEnvShape, engineSettingsFromEnv, jurisdictionsFromEnv, loadJurisdictions, loadRuleBook } from './env';
export { commandMetrics, createMetricsRegistry, deadlineMetrics, gatewayMetrics, groupCommitMetrics, poolMetrics, relayMetrics } from './metrics';
export type { MetricsRegistry } from './metrics';
export { readiness } from './readiness';
export type { ReadinessProbe } from './readiness';
export { handleOpsRequest, startOpsServer } from './ops-server';
export type { OpsEndpoints } from './ops-server';
