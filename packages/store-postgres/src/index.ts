export { connect, databaseProbe, poolUsage } from './connect';

export type { Database } from './database';
export { migrateToLatest, pendingMigrations } from './migrate';
export { PostgresEventStore } from './postgres-event-store';
export { readGlobalLog, readGlobalLogAhead, readHeadPosition } from './global-log';
export { logHorizon, oldestOpenTransaction, TransactionHold } from './open-transactions';
export type { OpenTransaction } from './open-transactions';

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
export { createShift, listShifts, onDuty, createWatchEntry, getWatchEntry, listWatchEntries, logInjectedCall, triageWatchEntry } from './duty-watch';
export type { WatchEntryView, TriageDecision } from './duty-watch';
export { verifyHashChains } from './hash-chain';
export { createInterview, listInterviews } from './interviews';
export { contactsCovering, createContact, findContact, listContacts, updateContact, type ContactRecord } from './contacts';
export { listSupervisionItems } from './supervision';
export { linkedWarningStreams, listWarningStreams, reserveWarningIdentifier, warningReleaseEvents, warningsWithQueuedDeliveries } from './warnings';
export type { StoredWarning } from './warnings';
// Drills (演练, issue 22)
export { listDrillStreams, readDrillFeed } from './drills';

export { readTimeline, readIncidentEvents, readStreamsWithEvents, ENTRY_CORRECTED } from './timeline';
export type { TimelineEntry, StreamWithEvents } from './timeline';
export { GroupCommitEventStore } from './group-commit-event-store';
export type { GroupCommitStats } from './group-commit-event-store';
export { listenForEvents } from './event-notifications';
export type { EventListener } from './event-notifications';
export { findTipOffReporter, hazardEvents, hazardsLinkedTo, listHazardStreams, listInspections, removeTipOffReporter, saveInspection, saveTipOffReporter } from './hazards';
export type { StoredHazard } from './hazards';
export { createPlan, findPlan, listPlans, markPlan, planInForceFor, publishPlanVersion } from './plans';

// Registries of teams, experts, shelters and depots (issue 23).
export { registerEntry, registerAll, countAllStock, changeEntry, findEntry, listEntries, storedAvailability, availabilityFromLog, rebuildAvailability } from './registries';
export type { RegistryChange, RegistryEntryView, FiledUnder } from './registries';
