export { runService } from './run-service';

export { BaseEnvShape, EngineEnvShape, engineSettingsFromEnv, loadRuleBook } from './env';

