import { warningStreamId, type Actor } from '@muster/domain';
import type { Engine } from '@muster/engine';
import { listDeadlines, PostgresEventStore } from '@muster/store-postgres';
import type { TestDatabase } from '@muster/testkit';
import { integrationTest } from '@muster/testkit/fixtures';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { killTimersProcesses, started, startTimersProcess, until } from './timers-child';
import { deadlineCommandId } from './timers';

/**
 * Warnings (预警, issue 21) expire at their `expires`: a deadline row fired by a real timers process
 * (src/main.ts, real clock) through the engine, exactly once, even when the process is killed with
 * SIGKILL while the row falls due; a lifted warning's row never fires. Real PostgreSQL.
 */
const DINGHU = '441203';
const DUTY: Actor = { userId: 'duty-dinghu', roles: ['duty_officer'], jurisdiction: DINGHU };
const LEADER: Actor = { userId: 'leader-dinghu', roles: ['leader'], jurisdiction: DINGHU };

let t: TestDatabase;
let engine: Engine;
let store: PostgresEventStore;

integrationTest.beforeAll(({ database, engine: fileEngine }) => {
  [t, engine] = [database, fileEngine];
  store = new PostgresEventStore(t.db);
});
afterAll(() => killTimersProcesses());

const inSeconds = (s: number) => new Date(Date.now() + s * 1_000).toISOString();
const send = (warningId: string, type: string, data: Record<string, unknown>, actor: Actor) => engine.handle({ streamType: 'warning', streamId: warningStreamId(warningId), type, data, actor });

/** A yellow warning of Dinghu's, approved and issued, that expires at `expires`. */
async function issued(warningId: string, expires: string): Promise<void> {
  await send(
    warningId,
    'DraftWarning',
    {
      level: 'yellow',
      sender: { name: '鼎湖区突发事件预警信息发布中心', agencyCode: '416' },
      content: { category: 'Met', zh: { event: '暴雨', headline: '鼎湖区暴雨黄色预警', description: '强降雨', instruction: '注意防范' }, expires, channels: ['SMS'], area: { description: '鼎湖区', jurisdictions: [DINGHU] } },
    },
    DUTY,
  );
  await send(warningId, 'ApproveWarning', {}, LEADER);
  await send(warningId, 'IssueWarning', {}, DUTY);
}

const stateOf = async (warningId: string) => (await store.loadStream(warningStreamId(warningId)))?.state.value;
const rowsOf = (warningId: string) => listDeadlines(t.db, { incidentId: warningStreamId(warningId) });
async function expiredEvents(warningId: string) {
  const { rows } = await sql<{ command_id: string; occurred_at: string }>`
    select meta->>'commandId' as command_id, meta->>'occurredAt' as occurred_at from event
    where stream_id = ${warningStreamId(warningId)} and type = 'WarningExpired' order by version`.execute(t.db);
  return rows;
}

describe('warning expiry across a kill -9 of the timers process', () => {
  it('an expiry that falls due while no timers process runs fires exactly once after a restart; a lifted warning never', async () => {
    const first = startTimersProcess(t.url);
    await started(first);
    const expires = inSeconds(3);
    await issued('kill-w', expires);
    await issued('lift-w', expires);
    expect((await rowsOf('kill-w')).map((r) => [r.key, r.dueAt, r.outcome])).toStrictEqual([['expires', expires, null]]);

    await first.kill('SIGKILL');
    await send('lift-w', 'LiftWarning', { reason: '险情解除' }, LEADER);
    // It falls due while no timers process runs: nothing happens by itself.
    await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(expires) - Date.now()) + 500));
    expect(await stateOf('kill-w')).toBe('issued');

    const second = startTimersProcess(t.url);
    await started(second);
    await until('the warning to expire', async () => ((await stateOf('kill-w')) === 'expired' ? true : undefined));
    await until('its row to be marked fired', async () => ((await rowsOf('kill-w'))[0]?.outcome === 'fired' ? true : undefined));
    // A third process changes nothing; a sentinel due after it shows it has scanned past the fired row.
    const third = startTimersProcess(t.url);
    await started(third);
    await issued('sentinel-w', inSeconds(2));
    await until('the sentinel to expire', async () => ((await rowsOf('sentinel-w'))[0]?.outcome === 'fired' ? true : undefined));
    await second.kill('SIGTERM');
    await third.kill('SIGTERM');

    const [row] = await rowsOf('kill-w');
    const expired = await expiredEvents('kill-w');
    expect(expired.map((e) => e.command_id)).toStrictEqual([deadlineCommandId(row?.deadlineId ?? '')]);
    // The fact is the lapse at `expires`; the timers only noticed it.
    expect(Date.parse(expired[0]?.occurred_at ?? '')).toBe(Date.parse(expires));
    expect((await store.loadStream(warningStreamId('kill-w')))?.state.context['expiredAt']).toBe(expires);
    expect(await stateOf('lift-w')).toBe('lifted');
    expect((await rowsOf('lift-w')).map((r) => r.outcome)).toStrictEqual(['cancelled']);
    expect(await expiredEvents('lift-w')).toStrictEqual([]);
    // A client cannot expire one itself.
    await issued('client-w', inSeconds(60));
    await expect(send('client-w', 'DeadlinePassed', { key: 'expires', dueAt: inSeconds(60) }, LEADER)).rejects.toMatchObject({ code: 'forbidden' });
  });
});
