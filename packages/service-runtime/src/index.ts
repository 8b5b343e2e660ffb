export { runService } from './run-service';
export type { ServiceContext } from './run-service';
