import { hazardStreamId, type Actor } from '@muster/domain';
import type { Engine } from '@muster/engine';
import { listDeadlines, PostgresEventStore } from '@muster/store-postgres';
import type { TestDatabase } from '@muster/testkit';
import { integrationTest } from '@muster/testkit/fixtures';
import { sql } from 'kysely';
import { afterAll, describe, expect } from 'vitest';
import { killTimersProcesses, started, startTimersProcess, until } from './timers-child';
import { deadlineCommandId } from './timers';

/**
 * Hazards (风险隐患, issue 24): an overdue 重大 rectification escalates one level (to the city) exactly
 * once, fired by a real timers process (src/main.ts, real clock) through the engine, even when the
 * process is killed with SIGKILL while the deadline falls due and two more processes run afterwards;
 * a rectification reported done in time never fires. Real PostgreSQL.
 */
const DINGHU = '441203';
const CITY = '441200';
const DUTY: Actor = { userId: 'duty-dinghu', roles: ['duty_officer'], jurisdiction: DINGHU };

let t: TestDatabase;
let engine: Engine;
let store: PostgresEventStore;

integrationTest.beforeAll(({ database, engine: fileEngine }) => {
  [t, engine] = [database, fileEngine];
  store = new PostgresEventStore(t.db);
});
afterAll(() => killTimersProcesses());

const inSeconds = (s: number) => new Date(Date.now() + s * 1_000).toISOString();
const send = (hazardId: string, type: string, data: Record<string, unknown>) => engine.handle({ streamType: 'hazard', streamId: hazardStreamId(hazardId), type, data, actor: DUTY });
const PLAN = { objectives: '消除泄漏', methods: '更换阀门', funding: '企业自筹', organisation: '厂长负责', timeline: '即日', safetyMeasures: '停用储罐区' };

/** A 重大 hazard of Dinghu's under rectification until `deadline`. */
async function underRectification(hazardId: string, deadline: string): Promise<void> {
  await send(hazardId, 'ReportHazard', { location: { jurisdiction: DINGHU, address: '坑口街道某化工厂' }, title: '储罐区泄漏', description: '阀门锈蚀', source: 'inspection' });
  await send(hazardId, 'VerifyHazard', {});
  await send(hazardId, 'GradeHazard', { criteria: ['requires_stoppage'] });
  await send(hazardId, 'AssignRectification', { responsibleUnit: '某化工厂', measures: '更换阀门', deadline, plan: PLAN, interimControls: ['储罐区停用'] });
}

const contextOf = async (hazardId: string) => (await store.loadStream(hazardStreamId(hazardId)))?.state.context as { overdue: boolean; escalations: { to: string }[] } | undefined;
const rowsOf = (hazardId: string) => listDeadlines(t.db, { incidentId: hazardStreamId(hazardId) });
async function escalations(hazardId: string) {
  const { rows } = await sql<{ command_id: string; occurred_at: string; escalated_to: string }>`
    select meta->>'commandId' as command_id, meta->>'occurredAt' as occurred_at, data->>'escalatedTo' as escalated_to from event
    where stream_id = ${hazardStreamId(hazardId)} and type = 'HazardDeadlinePassed' order by version`.execute(t.db);
  return rows;
}

describe('hazard escalation across a kill -9 of the timers process', () => {
  integrationTest('an overdue 重大 rectification that falls due while no timers process runs escalates exactly once after a restart; one reported in time never', async () => {
    const first = startTimersProcess(t.url);
    await started(first);
    const deadline = inSeconds(3);
    await underRectification('kill-h', deadline);
    await underRectification('done-h', deadline);
    expect((await rowsOf('kill-h')).map((r) => [r.key, r.dueAt, r.outcome])).toStrictEqual([['rectification', deadline, null]]);

    await first.kill('SIGKILL');
    await send('done-h', 'ReportRectification', { summary: '已整改' });
    await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(deadline) - Date.now()) + 500));
    expect((await contextOf('kill-h'))?.overdue).toBe(false);

    const second = startTimersProcess(t.url);
    await started(second);
    await until('the hazard to escalate', async () => ((await contextOf('kill-h'))?.overdue ? true : undefined));
    await until('its row to be marked fired', async () => ((await rowsOf('kill-h'))[0]?.outcome === 'fired' ? true : undefined));
    const third = startTimersProcess(t.url);
    await started(third);
    await underRectification('sentinel-h', inSeconds(2));
    await until('the sentinel to escalate', async () => ((await rowsOf('sentinel-h'))[0]?.outcome === 'fired' ? true : undefined));
    await second.kill('SIGTERM');
    await third.kill('SIGTERM');

    const [row] = await rowsOf('kill-h');
    const fired = await escalations('kill-h');
    expect(fired.map((e) => e.command_id)).toStrictEqual([deadlineCommandId(row?.deadlineId ?? '')]);
    expect(fired.map((e) => e.escalated_to)).toStrictEqual([CITY]);
    expect(Date.parse(fired[0]?.occurred_at ?? '')).toBe(Date.parse(deadline));
    expect((await contextOf('kill-h'))?.escalations.map((e) => e.to)).toStrictEqual([CITY]);
    expect((await rowsOf('done-h')).map((r) => r.outcome)).toStrictEqual(['cancelled']);
    expect(await escalations('done-h')).toStrictEqual([]);
    // A client cannot escalate one itself.
    await underRectification('client-h', inSeconds(60));
    await expect(send('client-h', 'DeadlinePassed', { key: 'rectification', dueAt: inSeconds(60) })).rejects.toMatchObject({ code: 'forbidden' });
  });
});
