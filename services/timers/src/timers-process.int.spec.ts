import type { Actor } from '@muster/domain';
import type { Engine } from '@muster/engine';
import { listDeadlines } from '@muster/store-postgres';
import { type TestDatabase } from '@muster/testkit';
import { integrationTest } from '@muster/testkit/fixtures';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { killTimersProcesses, startTimersProcess, until } from './timers-child';
import { deadlineCommandId } from './timers';

const COUNTY_DUTY: Actor = { userId: 'duty-dinghu', roles: ['duty_officer'], jurisdiction: '441203' };

let t: TestDatabase;
let engine: Engine;

integrationTest.beforeAll(({ database, engine: fileEngine }) => {
  [t, engine] = [database, fileEngine];
});
afterAll(killTimersProcesses);

/** Phone reports: the county's to the city and the city's to the province (III reaches the province). */
const phoneRows = async () => (await listDeadlines(t.db)).filter((d) => d.key.endsWith('/phone'));

describe('timers process killed while deadlines fall due', () => {
  it('kill -9, then another process: the missed deadlines fire, none lost, none twice', async () => {
    const first = startTimersProcess(t.url);
    await until('the first timers process to start', async () => (first.output().includes('timers started') ? true : undefined));

    // Twelve level III incidents whose phone deadlines fall due one every 400 ms from a second from now
    // (the county's and the city's at the same moment: both count from 接报).
    const start = Date.now();
    const incidents = Array.from({ length: 12 }, (_, i) => `kill-${i}`);
    for (const [i, id] of incidents.entries()) {
      const send = (type: string, data: Record<string, unknown>, occurredAt?: string) =>
        engine.handle({ streamType: 'incident', streamId: id, type, data, actor: COUNTY_DUTY, ...(occurredAt ? { occurredAt } : {}) });
      // It happened before it was confirmed (half an hour ago): no command may claim a time before the incident's record.
      // 接报 half an hour ago, a little later for each: their phone reports fall due one after another.
      const receivedAt = new Date(start - 30 * 60_000 + 1_000 + i * 400).toISOString();
      await send('ReportIncident', { title: `Flash flood ${i}`, leadJurisdiction: '441203', receivedAt }, new Date(start - 31 * 60_000).toISOString());
      await send('BeginVerification', {});
      await send('ConfirmIncident', { severity: 'III' }, new Date(start - 30 * 60_000 + 1_000 + i * 400).toISOString());
    }
    expect(await phoneRows()).toHaveLength(24);

    const firedBeforeKill = await until('a few deadlines to fire', async () => {
      const fired = (await phoneRows()).filter((d) => d.outcome === 'fired').length;
      return fired >= 3 ? fired : undefined;
    });
    await first.kill('SIGKILL');
    expect(firedBeforeKill).toBeLessThan(24);
    // More fall due while no timers process runs.
    await new Promise((r) => setTimeout(r, 1_500));

    const second = startTimersProcess(t.url);
    await until('every phone deadline to fire', async () => ((await phoneRows()).every((d) => d.outcome === 'fired') ? true : undefined), 45_000);
    await second.kill('SIGTERM');

    const rows = await phoneRows();
    const { rows: overdue } = await sql<{ stream_id: string; command_id: string }>`
      select stream_id, meta->>'commandId' as command_id from event where type = 'ReportOverdue' and data->>'key' like '%/phone'`.execute(t.db);
    // None lost: every incident's phone report is overdue. None twice: one event per deadline.
    expect(overdue.map((e) => e.stream_id).sort()).toStrictEqual(incidents.flatMap((id) => [`report:${id}`, `report:${id}`]).sort());
    expect(overdue.map((e) => e.command_id).sort()).toStrictEqual(rows.map((d) => deadlineCommandId(d.deadlineId)).sort());
    const { rows: commands } = await sql<{ n: number }>`select count(*)::int as n from command where command_id like 'deadline-%'`.execute(t.db);
    expect(commands[0]?.n).toBe(24);
    // The initial written reports are due in 30 minutes or more: nothing fired them early.
    expect((await listDeadlines(t.db)).filter((d) => d.key.endsWith('/initial')).every((d) => d.outcome === null)).toBe(true);
  });
});
