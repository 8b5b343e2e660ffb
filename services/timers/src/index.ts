export { startTimers } from './timers';



