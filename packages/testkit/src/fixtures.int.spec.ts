import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { integrationTest, isolatedTest, specLabel } from './fixtures';
import { TEST_SERVER_URL, type TestDatabase } from './test-database';

/** The fixtures' own contract: one database per file, built once, the file's clock, dropped after the file. */

const T0 = Date.parse('2026-07-01T08:00:00.000Z');
const clock = { now: () => new Date(T0) };
integrationTest.override('clock', { scope: 'file' }, clock);

let bound: TestDatabase;
integrationTest.beforeAll(({ database }) => {
  bound = database;
});

async function databaseExists(name: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: TEST_SERVER_URL });
  await client.connect();
  try {
    return (await client.query('select 1 from pg_database where datname = $1', [name])).rowCount === 1;
  } finally {
    await client.end();
  }
}

const isolatedNames: string[] = [];

describe('integration fixtures', () => {
  it('name the database after the spec file', () => {
    expect(specLabel()).toBe('fixtures');
    expect(bound.name).toMatch(/^muster_t_fixtures_/);
  });

  integrationTest('hand the same database to every test and hook of the file, migrated', async ({ database }) => {
    expect(database).toBe(bound);
    expect(await databaseExists(database.name)).toBe(true);
    const events = await database.db.selectFrom('event').select('event_id').execute();
    expect(events).toEqual([]);
  });

  integrationTest('run the engine on that database with the clock the file gave', async ({ database, engine }) => {
    const actor = { userId: 'duty-dinghu', roles: ['duty_officer' as const], jurisdiction: '441203' };
    await engine.handle({ streamType: 'incident', streamId: 'fx-1', type: 'ReportIncident', data: { title: 'Flooding', leadJurisdiction: '441203' }, actor });
    const row = await database.db.selectFrom('event').select(['stream_id', 'recorded_at']).executeTakeFirstOrThrow();
    expect(row.stream_id).toBe('fx-1');
    expect(new Date(row.recorded_at).getTime()).toBe(T0);
  });

  integrationTest('give an in-process bus', async ({ bus }) => {
    const seen: string[] = [];
    const subscription = await bus.subscribe((event) => seen.push(event.eventId));
    await subscription.unsubscribe();
    expect(seen).toEqual([]);
  });

  isolatedTest('give each test of an isolated spec a database of its own', async ({ database }) => {
    isolatedNames.push(database.name);
    expect(database.name).not.toBe(bound.name);
    expect(await databaseExists(database.name)).toBe(true);
  });

  isolatedTest('and another one to the next test, the last one dropped when its test ended', async ({ database }) => {
    const previous = isolatedNames[0] ?? '';
    expect(previous).not.toBe(database.name);
    expect(await databaseExists(previous)).toBe(false);
    expect(await databaseExists(bound.name)).toBe(true);
  });
});
