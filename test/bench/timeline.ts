/**
 * Timeline paging on a 100,000-event incident (issue 7): a measurement, not a timed test.
 * `pnpm exec tsx test/bench/timeline.ts` (BENCH_TIMELINE_EVENTS to change the size). Events are
 * inserted with one SQL statement (the engine's write path is measured by run.ts); the read path is
 * the api's `readTimeline`, first page, a page deep in the middle via the cursor, the last page, and
 * a filtered page (kind=command, a tenth of the events).
 */
import { readTimeline } from '@muster/store-postgres';
import { createTestDatabase } from '@muster/testkit';
import { sql } from 'kysely';

const events = Number(process.env['BENCH_TIMELINE_EVENTS'] ?? 100_000);
const t = await createTestDatabase('bench_timeline');
try {
  await sql`
    insert into event (event_id, stream_id, stream_type, version, type, data, meta, jurisdiction, incident_id, rooms, exercise, recorded_at)
    select gen_random_uuid(),
           case when g % 10 = 0 then 'scene:big' else 'big' end,
           case when g % 10 = 0 then 'scene' else 'incident' end,
           g, case when g % 10 = 0 then 'SceneReportPosted' else 'IncidentDetailsUpdated' end,
           jsonb_build_object('n', g),
           jsonb_build_object('actor', jsonb_build_object('userId', 'u-' || (g % 7), 'roles', jsonb_build_array('duty_officer'), 'jurisdiction', '441224'),
                              'occurredAt', to_char(timestamptz '2026-07-01' + g * interval '1 second', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                              'recordedAt', to_char(timestamptz '2026-07-01' + g * interval '1 second', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')),
           '441224', 'big', array['441224'], false, timestamptz '2026-07-01' + g * interval '1 second'
    from generate_series(1, ${events}) g`.execute(t.db);
  await sql`analyze event`.execute(t.db);

  async function time(label: string, run: () => Promise<unknown>): Promise<void> {
    await run();
    const samples: number[] = [];
    for (let i = 0; i < 20; i++) {
      const started = performance.now();
      await run();
      samples.push(performance.now() - started);
    }
    samples.sort((a, b) => a - b);
    process.stdout.write(`${label.padEnd(44)} p50 ${samples[10]?.toFixed(1)} ms  p95 ${samples[18]?.toFixed(1)} ms\n`);
  }

  // Cursors to the middle and the end, found by walking once (pages of 1,000).
  const cursors: string[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await readTimeline(t.db, { incidentId: 'big', limit: 1000, after });
    if (!page.next) break;
    cursors.push(page.next);
    after = page.next;
  }
  const middle = cursors[Math.floor(cursors.length / 2)];
  const end = cursors[cursors.length - 1];
  process.stdout.write(`timeline of ${events} events, ${cursors.length + 1} pages of 1,000\n`);
  await time('first page (100)', () => readTimeline(t.db, { incidentId: 'big', limit: 100 }));
  await time('middle page (100, cursor)', () => readTimeline(t.db, { incidentId: 'big', limit: 100, after: middle }));
  await time('last page (100, cursor)', () => readTimeline(t.db, { incidentId: 'big', limit: 100, after: end }));
  await time('first page (1000)', () => readTimeline(t.db, { incidentId: 'big', limit: 1000 }));
  await time('kind=scene, first page (100)', () => readTimeline(t.db, { incidentId: 'big', limit: 100, kinds: ['scene'] }));
  await time('actor=u-3, middle page (100, cursor)', () => readTimeline(t.db, { incidentId: 'big', limit: 100, actors: ['u-3'], after: middle }));
} finally {
  await t.drop();
}
