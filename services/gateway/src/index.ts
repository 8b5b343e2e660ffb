export { startGateway, postgresLogReader, DEFAULT_LIMITS } from './gateway';
export type { GatewayOptions, GatewayLimits, RunningGateway, SessionInfo } from './gateway';
export type { GatewayStats, SessionMode, LogReader } from './session';
export { gatewayEnv, GatewayEnvSchema } from './config';
export type { GatewayEnv } from './config';
