import { drillStreamId, type Actor, type DrillContext } from '@muster/domain';
import type { Engine } from '@muster/engine';
import { listDeadlines, PostgresEventStore } from '@muster/store-postgres';
import type { TestDatabase } from '@muster/testkit';
import { integrationTest } from '@muster/testkit/fixtures';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { killTimersProcesses, started, startTimersProcess, until } from './timers-child';
import { deadlineCommandId, startTimers } from './timers';

/**
 * A drill's injects (演练, issue 22) are deadline rows fired by the timers: each is put into the
 * drill's exercise incident through the ordinary incident command, then recorded on the drill,
 * exactly once — across a `kill -9` of a real timers process (src/main.ts, real clock) and across a
 * crash between the two commands; a paused drill delivers nothing until it is resumed. Real PostgreSQL.
 */
const CITY = '441200';
const HUAIJI = '441224';
const CONTROLLER: Actor = { userId: 'duty-city', roles: ['duty_officer'], jurisdiction: CITY };

let t: TestDatabase;
let engine: Engine;
let store: PostgresEventStore;

integrationTest.beforeAll(({ database, engine: fileEngine }) => {
  [t, engine] = [database, fileEngine];
  store = new PostgresEventStore(t.db);
});
afterAll(() => killTimersProcesses());

const inSeconds = (s: number) => new Date(Date.now() + s * 1_000).toISOString();
const send = (drillId: string, type: string, data: Record<string, unknown> = {}) => engine.handle({ streamType: 'drill', streamId: drillStreamId(drillId), type, data, actor: CONTROLLER });

/** A running drill of the city's, played by Huaiji, with its exercise incident and injects due at the times given. */
async function runningDrill(drillId: string, dues: readonly string[]): Promise<string> {
  await send(drillId, 'PlanDrill', {
    title: `演练 ${drillId}`,
    kind: 'functional',
    doubleBlind: true,
    participants: [HUAIJI],
    objectives: ['30 分钟内初报'],
    scenario: '山体滑坡',
    injects: dues.map((dueAt, i) => ({ injectId: `${drillId}-i${i + 1}`, kind: 'watchLogCall', dueAt, content: `${drillId} 第 ${i + 1} 条来电` })),
  });
  const incidentId = `${drillId}-inc`;
  await engine.handle({ streamType: 'incident', streamId: incidentId, type: 'ReportIncident', data: { title: `演练 ${drillId}`, leadJurisdiction: HUAIJI, exercise: true }, actor: CONTROLLER });
  await send(drillId, 'StartDrill');
  await send(drillId, 'LinkDrillIncident', { incidentId });
  return incidentId;
}

const contextOf = async (drillId: string) => (await store.loadStream(drillStreamId(drillId)))?.state.context as DrillContext | undefined;
const deliveredOf = async (drillId: string) => ((await contextOf(drillId))?.injects ?? []).filter((i) => i.status === 'delivered').map((i) => i.injectId);

/** The drill's InjectDelivered events and the details updates the timers made on its incident, with their command ids. */
async function recorded(drillId: string, incidentId: string) {
  const { rows: delivered } = await sql<{ inject_id: string; command_id: string; occurred_at: string }>`
    select data->>'injectId' as inject_id, meta->>'commandId' as command_id, meta->>'occurredAt' as occurred_at from event
    where stream_id = ${drillStreamId(drillId)} and type = 'InjectDelivered' order by version`.execute(t.db);
  const { rows: updates } = await sql<{ description: string; command_id: string }>`
    select data->>'description' as description, meta->>'commandId' as command_id from event
    where stream_id = ${incidentId} and type = 'IncidentDetailsUpdated' order by version`.execute(t.db);
  return { delivered, updates };
}

describe('drill injects across a kill -9 of the timers process', () => {
  it('each inject is delivered at its time exactly once; a paused drill delivers nothing until it is resumed', async () => {
    const first = startTimersProcess(t.url);
    await started(first);
    const pausedDues = [inSeconds(3), inSeconds(4)];
    const pausedIncident = await runningDrill('pause-d', pausedDues);
    await send('pause-d', 'PauseInjects', { reason: '真实警情' });
    expect((await listDeadlines(t.db, { incidentId: drillStreamId('pause-d') })).map((r) => r.outcome)).toStrictEqual(['cancelled', 'cancelled']);
    const dues = [inSeconds(2), inSeconds(7), inSeconds(9)];
    const incident = await runningDrill('kill-d', dues);
    await until('the first inject to be delivered', async () => ((await deliveredOf('kill-d')).length > 0 ? true : undefined));
    // Killed straight away: its row may not be marked yet, and the next two fall due with no process.
    await first.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(dues[2] ?? '') - Date.now()) + 500));
    expect(await deliveredOf('kill-d')).toStrictEqual(['kill-d-i1']);

    // Two processes from here on, racing for every row.
    const second = startTimersProcess(t.url);
    const third = startTimersProcess(t.url);
    await Promise.all([started(second), started(third)]);
    await until('every inject to be delivered', async () => ((await deliveredOf('kill-d')).length === 3 ? true : undefined));
    // Running and past their times, the paused drill's injects are not delivered.
    await until('the rows of the killed drill to be marked', async () =>
      (await listDeadlines(t.db, { incidentId: drillStreamId('kill-d') })).every((r) => r.outcome === 'fired') ? true : undefined,
    );
    expect(Date.now()).toBeGreaterThan(Date.parse(pausedDues[1] ?? ''));
    expect(await deliveredOf('pause-d')).toStrictEqual([]);

    // Resumed with two timers processes running: still once each.
    await send('pause-d', 'ResumeInjects');
    await until('the paused drill’s injects to be delivered', async () => ((await deliveredOf('pause-d')).length === 2 ? true : undefined));
    await until('its rows to be marked', async () => ((await listDeadlines(t.db, { incidentId: drillStreamId('pause-d') })).filter((r) => r.outcome === 'fired').length === 2 ? true : undefined));
    await second.kill('SIGTERM');
    await third.kill('SIGTERM');

    const rows = await listDeadlines(t.db, { incidentId: drillStreamId('kill-d') });
    const { delivered, updates } = await recorded('kill-d', incident);
    expect(delivered.map((e) => e.inject_id)).toStrictEqual(['kill-d-i1', 'kill-d-i2', 'kill-d-i3']);
    // Each from its own row, dated at its due time, its incident update under the same row's id.
    expect(delivered.map((e) => e.command_id)).toStrictEqual(rows.map((r) => deadlineCommandId(r.deadlineId)));
    expect(delivered.map((e) => Date.parse(e.occurred_at))).toStrictEqual(dues.map((d) => Date.parse(d)));
    expect(updates.map((u) => [u.description, u.command_id])).toStrictEqual(rows.map((r, i) => [`kill-d 第 ${i + 1} 条来电`, `${deadlineCommandId(r.deadlineId)}-details`]));

    // Each call also rang once in Huaiji's watch log, as a drill's.
    const { rows: calls } = await sql<{ entry_id: string; exercise: boolean; jurisdiction: string }>`
      select entry_id, exercise, jurisdiction from watch_entry where course like 'kill-d %' order by received_at`.execute(t.db);
    expect(calls).toStrictEqual(rows.map((r) => ({ entry_id: `inject-${r.deadlineId}`, exercise: true, jurisdiction: HUAIJI })));

    const paused = await recorded('pause-d', pausedIncident);
    expect(paused.delivered.map((e) => e.inject_id)).toStrictEqual(['pause-d-i1', 'pause-d-i2']);
    expect(paused.updates).toHaveLength(2);
  });
});

describe('drill injects across a crash between delivering and recording', () => {
  /** The engine as the timers use it, failing once on the drill's own command: before it commits, or after. */
  function crashingOnce(drillId: string, when: 'before' | 'after'): Engine {
    let armed = true;
    return {
      ...engine,
      async handle(command) {
        if (armed && command.streamId === drillStreamId(drillId) && command.system === 'timers') {
          armed = false;
          if (when === 'after') await engine.handle(command);
          throw new Error(`the timers process died ${when} the drill recorded the inject`);
        }
        return engine.handle(command);
      },
    };
  }

  it.each(['before', 'after'] as const)('a crash %s the drill records it: the next scan delivers nothing twice', async (when) => {
    const drillId = `crash-${when}`;
    const due = inSeconds(-1);
    const incident = await runningDrill(drillId, [due]);
    const timers = startTimers({ db: t.db, engine: crashingOnce(drillId, when), autoStart: false });
    await timers.tick();
    const [row] = await listDeadlines(t.db, { incidentId: drillStreamId(drillId) });
    // The failure leaves the row pending for another scan, whatever got committed.
    expect(row).toMatchObject({ outcome: null, attempts: 1 });
    expect(await deliveredOf(drillId)).toStrictEqual(when === 'after' ? [`${drillId}-i1`] : []);
    await timers.tick();
    expect((await listDeadlines(t.db, { incidentId: drillStreamId(drillId) }))[0]).toMatchObject({ outcome: 'fired' });
    const { delivered, updates } = await recorded(drillId, incident);
    expect(delivered.map((e) => e.command_id)).toStrictEqual([deadlineCommandId(row?.deadlineId ?? '')]);
    expect(updates.map((u) => u.command_id)).toStrictEqual([`${deadlineCommandId(row?.deadlineId ?? '')}-details`]);
    expect((await contextOf(drillId))?.injects[0]).toMatchObject({ status: 'delivered', incidentId: incident });
  });

  it('an inject before any drill incident opens one in the first participant’s room, once, and the drill takes it in', async () => {
    const drillId = 'crash-open';
    await send(drillId, 'PlanDrill', {
      title: '无预设事件的演练',
      kind: 'tabletop',
      doubleBlind: false,
      participants: [HUAIJI],
      objectives: ['接报'],
      scenario: '传感器报警',
      injects: [{ injectId: 'open-1', kind: 'sensorAlarm', dueAt: inSeconds(-1), content: '水位站报警：超警戒 0.5 米' }],
    });
    await send(drillId, 'StartDrill');
    const timers = startTimers({ db: t.db, engine: crashingOnce(drillId, 'before'), autoStart: false });
    await timers.tick();
    await timers.tick();
    const [row] = await listDeadlines(t.db, { incidentId: drillStreamId(drillId) });
    const opened = `dri-${row?.deadlineId ?? ''}`;
    expect((await contextOf(drillId))?.incidents).toStrictEqual([opened]);
    const incident = (await store.loadStream(opened))?.state.context;
    expect(incident).toMatchObject({ exercise: true, leadJurisdiction: HUAIJI, source: 'sensor', description: '水位站报警：超警戒 0.5 米' });
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from event where stream_id = ${opened} and type = 'IncidentReported'`.execute(t.db);
    expect(rows[0]?.n).toBe(1);
    // Opened before the drill lists it, it carries the drill's id from its first event on (its deadline row names the drill).
    const { rows: ids } = await sql<{ type: string; drill_id: string | null }>`select type, meta->>'drillId' as drill_id from event where incident_id = ${opened} order by version`.execute(t.db);
    expect(ids.length).toBeGreaterThan(0);
    expect(ids.filter((e) => e.drill_id !== drillId)).toStrictEqual([]);
  });
});
