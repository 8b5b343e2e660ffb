// Vitest's fixtures (integrationTest, isolatedTest) are imported from '@muster/testkit/fixtures': they
// need a running vitest, and this entry point is also used outside it (pnpm bench).
export { createTestDatabase } from './test-database';
export type { TestDatabase } from './test-database';
export { freePort } from './free-port';
export { TEST_JURISDICTIONS } from './jurisdictions';
export { eventBusContract, contractEvent, waitUntil } from './event-bus-contract';

export { TEST_NATS_URL, deleteTestStream, natsTestNames, startPrivateNatsServer } from './nats';
export type { PrivateNatsServer } from './nats';
export { startPrivatePostgres } from './private-postgres';
export type { PrivatePostgres } from './private-postgres';
export { TEST_JWT_SECRET, TEST_JWT_SECRET_TEXT, authHeader, testToken } from './tokens';
export { closingSteps } from './scenarios';
export { maskedTextFrame, openRawWebSocket, readServerFrames } from './raw-websocket';
