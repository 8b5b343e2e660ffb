export { startRelay } from './relay';
export type { Relay } from './relay';


