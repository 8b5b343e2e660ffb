// vitest reads a fixture's dependencies from its first parameter and requires an object pattern
// there, so a fixture that needs none must write `({}, …)`.
/* oxlint-disable no-empty-pattern */
import { basename } from 'node:path';
import { createEngine, InProcessEventBus, systemClock, type Clock, type Engine } from '@muster/engine';
import { PostgresEventStore } from '@muster/store-postgres';
import { expect, test } from 'vitest';
import { TEST_JURISDICTIONS } from './jurisdictions';
import { createTestDatabase, type TestDatabase } from './test-database';

/**
 * The running spec file's name without `.int.spec.ts` (`gateway.int.spec.ts` → `gateway`), for the
 * names of what the file gets of its own. Read when a fixture is built, while vitest runs the file.
 */
export function specLabel(): string {
  return basename(expect.getState().testPath ?? 'spec').replace(/(\.(int|unit))?\.spec\.ts$/, '');
}

async function databaseFor(onCleanup: (cleanup: () => Promise<void>) => void, migrate = true): Promise<TestDatabase> {
  const database = await createTestDatabase(specLabel(), { migrate });
  onCleanup(() => database.drop());
  return database;
}

const engineOn = (database: TestDatabase, clock: Clock): Engine => createEngine({ store: new PostgresEventStore(database.db), clock, jurisdictions: TEST_JURISDICTIONS });

/**
 * The setup integration specs share, as vitest fixtures (DESIGN §7: a database per test file). All
 * are file-scoped: built the first time a test or a `beforeAll` of this test API asks for one, torn
 * down after the file's last test (after its own `afterAll` hooks), in reverse order of building.
 *
 * - `clock`: the engine's clock; the system clock unless the file says
 *   `integrationTest.override('clock', { scope: 'file' }, clock)` with a clock it moves itself.
 * - `migrate`: whether `database` comes migrated to the latest schema (true unless overridden, for a
 *   spec that migrates step by step itself).
 * - `database`: a fresh database of the file's own on the shared PostgreSQL, dropped at the end.
 * - `engine`: the engine on that database (PostgresEventStore), reading `clock`.
 * - `bus`: an in-process event bus, closed at the end.
 *
 * Specs keep `it` and `describe` from vitest (oxlint's vitest rules do not follow a re-exported `it`,
 * oxc issue 26675) and take the fixtures in `integrationTest.beforeAll(({ database, engine }) => …)`,
 * binding the module-level handles their helpers use.
 */
export const integrationTest = test
  .extend('clock', { scope: 'file' }, (): Clock => systemClock)
  .extend('migrate', { scope: 'file' }, (): boolean => true)
  .extend('database', { scope: 'file' }, async ({ migrate }, { onCleanup }) => databaseFor(onCleanup, migrate))
  .extend('engine', { scope: 'file' }, ({ database, clock }) => engineOn(database, clock))
  .extend('bus', { scope: 'file' }, ({}, { onCleanup }) => {
    const bus = new InProcessEventBus();
    onCleanup(() => bus.close());
    return bus;
  });

/**
 * `clock`, `database` and `engine` built anew for every test (take them in `beforeEach`): for specs
 * whose tests each need an empty log, such as counting "exactly once" over all of it.
 */
export const isolatedTest = test
  .extend('clock', (): Clock => systemClock)
  .extend('database', async ({}, { onCleanup }) => databaseFor(onCleanup))
  .extend('engine', ({ database, clock }) => engineOn(database, clock));
