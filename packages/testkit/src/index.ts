export { createTestDatabase, TEST_SERVER_URL } from './test-database';
export type { TestDatabase } from './test-database';
export { freePort } from './free-port';
