export { connect } from './connect';
export type { ConnectOptions } from './connect';
export type { Database } from './database';
export { migrateToLatest, MigrationFailed } from './migrate';
export { PostgresEventStore } from './postgres-event-store';
export { readGlobalLog, readHeadPosition } from './global-log';
export type { LogFilter } from './global-log';
export { listIncidents, InvalidCursor } from './incident-queries';
export type { IncidentFilter } from './incident-queries';
export { incidentView } from './incident-projection';
export { loadCheckpoint, saveCheckpoint } from './relay-checkpoint';
export {
  listResourceRequests,
  createDepot,
  setStock,
  getDepot,
  createTeam,
  setTeamStatus,
  listTeams,
} from './resources';
export type { DepotInput, TeamInput } from './resources';
