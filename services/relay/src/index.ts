export { startRelay } from './relay';
export type { Relay, RelayOptions, RelayStatus } from './relay';
export { relayEnv, RelayEnvSchema } from './config';
export type { RelayEnv } from './config';
