export { connect } from './connect';
export type { ConnectOptions } from './connect';
export type { Database } from './database';
export { migrateToLatest, migrateTo, MigrationFailed } from './migrate';
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
  findDepot,
  listDepots,
  createTeam,
  findTeam,
  setTeamStatus,
  listTeams,
} from './resources';
export type { DepotInput, DepotView, TeamInput, TeamView } from './resources';
export { listDeadlines, fireDueDeadlines, nextDueAt } from './deadlines';
export type { DueDeadline, FiringOutcome, FiringBatch, DeadlineView } from './deadlines';
export { reportScores } from './report-items';
export type { ReportScore, ScoreQuery } from './report-items';
export { createShift, listShifts, onDuty, createWatchEntry, getWatchEntry, listWatchEntries, triageWatchEntry } from './duty-watch';
export type { ShiftInput, ShiftView, WatchEntryInput, WatchEntryView, WatchFilter, WatchStatus, TriageDecision } from './duty-watch';
export { verifyHashChains, eventHash } from './hash-chain';
export type { VerifyReport, BrokenChain, ChainBreak, HashedEventContent } from './hash-chain';
export { readTimeline, readIncidentEvents, ENTRY_CORRECTED } from './timeline';
export type { TimelineEntry, TimelineFilter, TimelineCorrection } from './timeline';
export { GroupCommitEventStore } from './group-commit-event-store';
export type { GroupCommitOptions, GroupCommitStats } from './group-commit-event-store';
