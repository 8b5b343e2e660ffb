/**
 * The gateway tells its consoles when their live feed is held: a transaction left open anywhere on
 * the database server holds every event committed after it began (the log is read in commit-safe
 * order), and without a word the consoles would show 实时 and receive nothing. On a PostgreSQL server
 * of the test's own: the horizon is the whole server's, and other test files' transactions on the
 * shared one would hold the feed too.
 */
import { createEngine, InProcessEventBus, type Engine } from '@muster/engine';
import { connect, PostgresEventStore } from '@muster/store-postgres';
import { createTestDatabase, startPrivatePostgres, TEST_JURISDICTIONS, testToken, type PrivatePostgres, type TestDatabase } from '@muster/testkit';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type RunningGateway } from './gateway';
import { startTestRelay, TestConsole, type TestRelay } from './test-harness';
import { testVerifier } from './test-fixtures';

const ROOM = '441203';
const actor = { userId: 'duty-hold', roles: ['duty_officer' as const], jurisdiction: ROOM };
const HELD_AFTER_MS = 300;

let server: PrivatePostgres;
let t: TestDatabase;
let engine: Engine;
let bus: InProcessEventBus;
let relay: TestRelay;
let gateway: RunningGateway;
const consoles: TestConsole[] = [];

beforeAll(async () => {
  server = await startPrivatePostgres();
  t = await createTestDatabase('feed_hold', { serverUrl: server.url() });
  engine = createEngine({ store: new PostgresEventStore(t.db), jurisdictions: TEST_JURISDICTIONS });
  bus = new InProcessEventBus();
  relay = startTestRelay(t.db, bus);
  gateway = await startGateway({ db: t.db, bus, jurisdictions: TEST_JURISDICTIONS, verifier: testVerifier, heartbeatIntervalMs: 60_000, feedHeldAfterMs: HELD_AFTER_MS, feedHoldCheckMs: 50 });
}, 120_000);

afterAll(async () => {
  await Promise.all(consoles.map((c) => c.close()));
  await gateway?.close({ abrupt: true });
  await relay?.stop();
  await bus?.close();
  await t?.drop();
  await server?.dispose();
});

async function liveConsole(): Promise<TestConsole> {
  const console = await TestConsole.open(gateway.url, { token: await testToken(actor) });
  consoles.push(console);
  console.send({ type: 'subscribe', rooms: [ROOM] });
  await console.waitFor((c) => c.of('caught_up').length === 1, 'caught up');
  return console;
}

const report = (incidentId: string) => engine.handle({ streamType: 'incident', streamId: incidentId, type: 'ReportIncident', data: { title: incidentId, leadJurisdiction: ROOM }, actor });

describe('gateway: a live feed held by an open transaction', () => {
  it('a transaction left open in another database: every console is told feed_held (one that connects meanwhile at once), then feed_resumed when it ends, and the held event arrives', async () => {
    const first = await liveConsole();
    await report('before-hold');
    await first.waitFor((c) => c.events.length === 1, 'the event before the hold');

    // A forgotten BEGIN in psql, in another database of the server.
    const other = connect({ connectionString: server.url('postgres'), maxConnections: 1, applicationName: 'forgotten-begin' });
    const forgotten = await other.startTransaction().execute();
    try {
      await sql`select pg_current_xact_id()`.execute(forgotten);
      await report('held');
      await first.waitFor((c) => c.of('feed_held').length === 1, 'feed_held', 10_000);
      expect(first.events.map((e) => e.streamId), 'the held event does not pass').toEqual(['before-hold']);
      const since = first.of('feed_held')[0]?.since ?? '';
      expect(Date.parse(since)).toBeLessThanOrEqual(Date.now() - HELD_AFTER_MS);

      const late = await liveConsole();
      await late.waitFor((c) => c.of('feed_held').length === 1, 'feed_held for a console that connects during the hold', 5_000);
      expect(late.of('feed_held')[0]?.since).toBe(since);
    } finally {
      await forgotten.commit().execute();
      await other.destroy();
    }
    await first.waitFor((c) => c.of('feed_resumed').length === 1 && c.events.length === 2, 'feed_resumed and the held event', 10_000);
    expect(first.events.map((e) => e.streamId)).toEqual(['before-hold', 'held']);
    expect(first.of('feed_held'), 'told once').toHaveLength(1);
    expect(first.invalid).toEqual([]);
  });
});
