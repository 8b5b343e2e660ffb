export { NatsEventBus, connectEventBus, decodeEvent } from './nats-event-bus';

export { ensureEventStream } from './stream';




export { NatsEnvShape, connectEventBusWhenReachable, connectionFromEnv } from './env';

export { natsProbe } from './readiness';
