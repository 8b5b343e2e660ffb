export { createTestDatabase } from './test-database';
export type { TestDatabase } from './test-database';
export { freePort } from './free-port';
export { eventBusContract, contractEvent, waitUntil } from './event-bus-contract';

export { TEST_NATS_URL, natsTestNames, startPrivateNatsServer } from './nats';
export type { PrivateNatsServer } from './nats';
export { TEST_JWT_SECRET, TEST_JWT_SECRET_TEXT, authHeader, testToken } from './tokens';
export { integrationTest, isolatedTest } from './fixtures';
export { closingSteps } from './scenarios';
export { maskedTextFrame, openRawWebSocket, readServerFrames } from './raw-websocket';
