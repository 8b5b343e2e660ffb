export { startTimers, deadlineCommandId } from './timers';
export type { Timers, TimersOptions, TimersStats } from './timers';
export { timersEnv, TimersEnvSchema } from './config';
export type { TimersEnv } from './config';
