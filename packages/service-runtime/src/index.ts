export { runService } from './run-service';

export { BaseEnvShape, EngineEnvShape, JurisdictionsEnvShape, engineSettingsFromEnv, jurisdictionsFromEnv, loadJurisdictions, loadRuleBook } from './env';

