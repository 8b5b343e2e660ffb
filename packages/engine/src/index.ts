export { createEngine } from './engine';
export type { Engine, EngineOptions, CommandEnvelope } from './engine';
export { StreamVersionConflict, systemClock, randomIds } from './ports';
export type { EventStore, StoredStream, StreamWrite, NewEvent, AppendOutcome, Clock, Ids, StoreEffect, DeadlineSpec, EventBus, LiveSubscription } from './ports';
export { commandPolicy, timersActor, TIMERS_USER_ID } from './authorization';
export type { Policy, AuthorizationRequest } from './authorization';
export { AGGREGATES, commandStreamId, reportStreamId } from './aggregates';
export type { AggregateRegistration, Reaction, ReactionEnv } from './aggregates';
export { InMemoryEventStore } from './in-memory-event-store';
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
