export { createEngine } from './engine';
export type { Engine, EngineOptions, CommandEnvelope } from './engine';
export { StreamVersionConflict, systemClock, randomIds } from './ports';
export type { EventStore, StoredStream, StreamWrite, NewEvent, AppendOutcome, Clock, Ids, EventBus, LiveSubscription } from './ports';
export { baselinePolicy } from './authorization';
export type { Policy, AuthorizationRequest } from './authorization';
export { AGGREGATES } from './aggregates';
export type { AggregateRegistration } from './aggregates';
export { InMemoryEventStore } from './in-memory-event-store';
