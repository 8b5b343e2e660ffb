export { createEngine } from './engine';
export type { Engine, CommandEnvelope, StreamRef } from './engine';
export { StreamVersionConflict, systemClock, keyOf } from './ports';
export { answerFor, fingerprintOf } from './command-key';
export type { StoredCommand } from './command-key';
export type { EventStore, Peeked, StoredStream, StreamRecord, StreamWrite, AppendOutcome, Clock, StoreEffect, DeadlineSpec, EventBus, LiveSubscription, PublishOptions } from './ports';
export { lastMileActor, timersActor, TIMERS_USER_ID } from './authorization';

export { sceneStreamId, reportStreamId } from './aggregates';

export { openingOf } from './in-memory-event-store';
export { InProcessEventBus } from './in-process-event-bus';

export { stateAt } from './review';
export type { ReviewEvent } from './review';
export {
  canKeepDutyRecordsOf,
  canKeepInterviewsOf,
  canKeepReferenceDataOf,
  canReadIncident,
  canReadJurisdiction,
  canSeeEvent,
  incidentContextOf,
  jurisdictionsWithin,
} from './access';
