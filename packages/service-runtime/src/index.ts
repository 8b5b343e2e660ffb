export { runService } from './run-service';

export { BaseEnvShape, EngineEnvShape, engineSettingsFromEnv } from './env';

