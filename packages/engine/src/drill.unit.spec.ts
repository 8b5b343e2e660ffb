import { drillStreamId, type Actor } from '@muster/domain';
import { describe, expect, it } from 'vitest';
import { timersActor } from './authorization';
import { createEngine, type CommandEnvelope } from './engine';
import { InMemoryEventStore } from './in-memory-event-store';

/**
 * The drill as an engine stream (演练, issue 22): who sees it (its controller and participants only;
 * a double-blind drill's players from StartEx on), who may send what, the deadline rows it keeps, and
 * the timers' right to put an inject into an incident — an exercise incident's only.
 */
const PROVINCE = '440000';
const CITY = '441200';
const HUAIJI = '441224';
const DINGHU = '441203';
const actor = (userId: string, roles: Actor['roles'], jurisdiction: string): Actor => ({ userId, roles, jurisdiction });
const CITY_DUTY = actor('duty-city', ['duty_officer'], CITY);
const CITY_ADMIN = actor('admin-city', ['admin'], CITY);
const HUAIJI_DUTY = actor('duty-huaiji', ['duty_officer'], HUAIJI);
const DINGHU_DUTY = actor('duty-dinghu', ['duty_officer'], DINGHU);
const PROVINCE_DUTY = actor('duty-gd', ['duty_officer'], PROVINCE);
const TIMERS = timersActor(CITY);
const T0 = Date.UTC(2026, 6, 1, 1, 0, 0);
const at = (minute: number) => new Date(T0 + minute * 60_000).toISOString();

const PLAN = {
  title: '怀集县双盲演练',
  kind: 'functional',
  doubleBlind: true,
  participants: [HUAIJI],
  objectives: ['30 分钟内初报'],
  scenario: '山体滑坡',
  injects: [
    { injectId: 'i-1', kind: 'watchLogCall', dueAt: at(10), content: '来电' },
    { injectId: 'i-2', kind: 'sceneReport', dueAt: at(20), content: '现场报告' },
  ],
};

function world() {
  const store = new InMemoryEventStore();
  let n = 0;
  const engine = createEngine({ store, clock: { now: () => new Date(T0) }, ids: { newId: () => `id-${++n}` } });
  const send = (type: string, data: Record<string, unknown>, by: Actor, extra: Partial<CommandEnvelope> = {}) =>
    engine.handle({ streamType: 'drill', streamId: drillStreamId('d1'), type, data, actor: by, ...extra });
  const rows = () =>
    store.effects.flatMap((e) => (e.kind === 'scheduleDeadline' && e.deadline.streamType === 'drill' ? [[e.deadline.key, e.deadline.jurisdiction, e.deadline.incidentId]] : []));
  return { store, engine, send, rows };
}
const codeOf = async (p: Promise<unknown>) => (await p.then(() => 'ok').catch((e: { code?: string }) => e.code ?? 'error')) as string;

describe('drill stream: access', () => {
  it('its controller is the sender’s room; participants must lie below it', async () => {
    const { send, engine } = world();
    await expect(send('PlanDrill', { ...PLAN, participants: [PROVINCE] }, CITY_DUTY)).rejects.toMatchObject({ code: 'validation', issues: [{ path: 'data.participants.0' }] });
    // Admins do not run drills: a room's staff does.
    expect(await codeOf(send('PlanDrill', PLAN, CITY_ADMIN))).toBe('forbidden');
    await send('PlanDrill', PLAN, CITY_DUTY);
    expect((await engine.load('drill', drillStreamId('d1'))).state.context.controller).toBe(CITY);
  });

  it('other rooms, the province above the controller included, and a double-blind drill’s players before StartEx get 404', async () => {
    const { send } = world();
    await send('PlanDrill', PLAN, CITY_DUTY);
    for (const outsider of [DINGHU_DUTY, PROVINCE_DUTY, HUAIJI_DUTY]) expect(await codeOf(send('RecordHotWash', { note: 'x' }, outsider))).toBe('not_found');
    await send('StartDrill', {}, CITY_DUTY);
    // Started: the player knows the drill, but steers nothing.
    for (const type of ['PauseInjects', 'EndDrill', 'StartDrill']) expect(await codeOf(send(type, {}, HUAIJI_DUTY))).toBe('forbidden');
    for (const outsider of [DINGHU_DUTY, PROVINCE_DUTY]) expect(await codeOf(send('PauseInjects', {}, outsider))).toBe('not_found');
  });

  it('only the timers deliver an inject or mark an action overdue', async () => {
    const { send } = world();
    await send('PlanDrill', PLAN, CITY_DUTY);
    await send('StartDrill', {}, CITY_DUTY);
    expect(await codeOf(send('DeadlinePassed', { key: 'inject:i-1', dueAt: at(10) }, CITY_DUTY))).toBe('forbidden');
    // A token that merely carries the timers' identity is not the timers process.
    expect(await codeOf(send('DeadlinePassed', { key: 'inject:i-1', dueAt: at(10) }, TIMERS))).toBe('forbidden');
    expect(await codeOf(send('DeadlinePassed', { key: 'inject:i-1', dueAt: at(10) }, TIMERS, { system: 'timers' }))).toBe('ok');
  });
});

describe('drill stream: deadline rows', () => {
  it('inject rows from StartEx, cancelled by a pause, scheduled again on resume; filed under the drill for the controller', async () => {
    const { send, rows, store } = world();
    await send('PlanDrill', PLAN, CITY_DUTY);
    expect(rows()).toStrictEqual([]);
    await send('StartDrill', {}, CITY_DUTY);
    expect(rows()).toStrictEqual([
      ['inject:i-1', CITY, 'drill:d1'],
      ['inject:i-2', CITY, 'drill:d1'],
    ]);
    const before = store.effects.length;
    await send('PauseInjects', {}, CITY_DUTY);
    expect(store.effects.slice(before)).toStrictEqual([{ kind: 'cancelDeadlines', incidentId: 'drill:d1', streamId: 'drill:d1', keep: [] }]);
  });
});

describe('the timers’ right to put an inject into an incident', () => {
  it('an exercise incident takes it; a real one refuses it, and the timers cannot open a real one', async () => {
    const { engine } = world();
    const incident = (id: string, exercise: boolean) =>
      engine.handle({ streamType: 'incident', streamId: id, type: 'ReportIncident', data: { title: id, leadJurisdiction: HUAIJI, exercise }, actor: HUAIJI_DUTY });
    await incident('drill-inc', true);
    await incident('real-inc', false);
    const update = (id: string) =>
      engine.handle({ streamType: 'incident', streamId: id, type: 'UpdateIncidentDetails', data: { description: '来电' }, actor: TIMERS, system: 'timers' });
    expect(await codeOf(update('drill-inc'))).toBe('ok');
    expect(await codeOf(update('real-inc'))).toBe('forbidden');
    const open = (exercise: boolean) =>
      engine.handle({ streamType: 'incident', streamId: `opened-${String(exercise)}`, type: 'ReportIncident', data: { title: '来电', leadJurisdiction: HUAIJI, exercise }, actor: TIMERS, system: 'timers' });
    expect(await codeOf(open(true))).toBe('ok');
    expect(await codeOf(open(false))).toBe('forbidden');
    // The same admin identity without the system caller reports into a county as any city admin may (属地管理).
    expect(await codeOf(engine.handle({ streamType: 'incident', streamId: 'admin-real', type: 'ReportIncident', data: { title: '来电', leadJurisdiction: HUAIJI }, actor: TIMERS }))).toBe('ok');
  });
});
