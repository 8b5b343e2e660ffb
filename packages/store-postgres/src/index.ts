export { connect, databaseProbe, poolUsage } from './connect';

export type { Database } from './database';
export { migrateToLatest, pendingMigrations } from './migrate';
export { PostgresEventStore } from './postgres-event-store';
export { readGlobalLog, readHeadPosition } from './global-log';

export { listIncidents, InvalidCursor } from './incident-queries';

export { incidentView } from './incident-projection';
export { loadCheckpoint, relayLag, saveCheckpoint } from './relay-checkpoint';
export {
  listResourceRequests,
  createDepot,
  setStock,
  getDepot,
  findDepot,
  listDepots,
  createTeam,
  findTeam,
  setTeamStatus,
  listTeams,
} from './resources';
export type { DepotView, TeamView } from './resources';
export { countDueDeadlines, listDeadlines, fireDueDeadlines } from './deadlines';
export type { DueDeadline, FiringOutcome, FiringBatch } from './deadlines';
export { reportScores } from './report-items';
export type { ReportScore } from './report-items';
export { createShift, listShifts, onDuty, createWatchEntry, getWatchEntry, listWatchEntries, triageWatchEntry } from './duty-watch';
export type { WatchEntryView, TriageDecision } from './duty-watch';
export { verifyHashChains } from './hash-chain';
export { createInterview, listInterviews } from './interviews';
export { contactsCovering, createContact, findContact, listContacts, updateContact, type ContactRecord } from './contacts';
export { listSupervisionItems } from './supervision';
export { linkedWarningStreams, listWarningStreams, reserveWarningIdentifier, warningReleaseEvents, warningsWithQueuedDeliveries } from './warnings';
export type { StoredWarning } from './warnings';

export { readTimeline, readIncidentEvents, readStreamsWithEvents, ENTRY_CORRECTED } from './timeline';
export type { TimelineEntry, StreamWithEvents } from './timeline';
export { GroupCommitEventStore } from './group-commit-event-store';
export type { GroupCommitStats } from './group-commit-event-store';
export { listenForEvents, eventsBehindHorizon } from './event-notifications';
export type { EventListener } from './event-notifications';
