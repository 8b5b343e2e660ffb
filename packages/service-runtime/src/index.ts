export { runService } from './run-service';
export type { ServiceContext } from './run-service';
export { BaseEnvShape, EngineEnvShape, engineSettingsFromEnv, loadReportRules } from './env';
export type { EngineSettings } from './env';
