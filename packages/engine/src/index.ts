export { createEngine, DEFAULT_MAX_CLOCK_SKEW_MS, DEFAULT_MAX_REPORT_BACKDATE_MS } from './engine';
export type { Engine, EngineOptions, CommandEnvelope } from './engine';
export { StreamVersionConflict, systemClock, randomIds, keyOf } from './ports';
export { answerFor, commandKey, reactionKey, scopeOf, fingerprintOf, SYSTEM_CALLERS } from './command-key';
export type { StoredCommand, SystemCaller, FingerprintInput } from './command-key';
export type { EventStore, StoredStream, StreamRecord, StreamWrite, NewEvent, AppendOutcome, Clock, Ids, StoreEffect, DeadlineSpec, EventBus, LiveSubscription } from './ports';
export { commandPolicy, timersActor, TIMERS_USER_ID } from './authorization';
export type { Policy, AuthorizationRequest } from './authorization';
export { AGGREGATES, sceneStreamId, reportStreamId } from './aggregates';
export type { AggregateRegistration, Reaction, ReactionEnv } from './aggregates';
export { InMemoryEventStore, openingOf } from './in-memory-event-store';
export { InProcessEventBus } from './in-process-event-bus';
export type { InProcessEventBusOptions } from './in-process-event-bus';
export { stateAt } from './review';
export type { ReviewEvent, StreamAt } from './review';
export {
  KEEPER_ROLES,
  ROOM_ROLES,
  canKeepDutyRecordsOf,
  canKeepReferenceDataOf,
  canReadIncident,
  canReadJurisdiction,
  canSeeEvent,
  isRoomKeeper,
  isRoomStaff,
  incidentContextOf,
  jurisdictionsWithin,
} from './access';
