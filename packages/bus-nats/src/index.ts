export { NatsEventBus, connectEventBus, decodeEvent, MUSTER_HEADERS } from './nats-event-bus';
export type { NatsEventBusOptions, ConnectEventBusOptions } from './nats-event-bus';
export { ensureEventStream, eventStreamConfig, DEFAULT_STREAM_NAME } from './stream';
export type { EventStreamOptions, EventStreamConfig } from './stream';
export { subjectFor, subjectToken, eventSubjects, jurisdictionSubjects, assertSubjectPrefix, DEFAULT_SUBJECT_PREFIX } from './subjects';
export type { BusLogger } from './logger';
export { silentLogger } from './logger';
export { NatsEnvShape, connectEventBusWhenReachable, connectionFromEnv } from './env';
export type { NatsEnv } from './env';
