import { ConflictError, ForbiddenError, IllegalTransitionError, NotFoundError, ValidationError } from '@muster/contracts';
import { supervisionStreamId, type Actor } from '@muster/domain';
import { describe, expect, it } from 'vitest';
import { timersActor } from './authorization';
import { createEngine } from './engine';
import { InMemoryEventStore } from './in-memory-event-store';

const PROVINCE = '440000';
const CITY = '441200';
const DINGHU = '441203';
const GAOYAO = '441204';
const actor = (userId: string, roles: Actor['roles'], jurisdiction: string): Actor => ({ userId, roles, jurisdiction });
const DINGHU_DUTY = actor('duty-dinghu', ['duty_officer'], DINGHU);
const GAOYAO_DUTY = actor('duty-gaoyao', ['duty_officer'], GAOYAO);
const CITY_DUTY = actor('duty-city', ['duty_officer'], CITY);
const CITY_LEADER = actor('leader-city', ['leader'], CITY);
const PROVINCE_DUTY = actor('duty-gd', ['duty_officer'], PROVINCE);
const T0 = Date.UTC(2026, 6, 1, 6, 0, 0);
const at = (minute: number) => new Date(T0 + minute * 60_000).toISOString();

/** An engine on an in-memory store and a clock the test moves, with a Dinghu-led incident of the given severity. */
async function world(severity: 'I' | 'II' | 'III' | 'IV' | null = 'III') {
  const store = new InMemoryEventStore();
  let now = T0;
  let n = 0;
  const engine = createEngine({ store, clock: { now: () => new Date(now) }, ids: { newId: () => `id-${++n}` } });
  await engine.handle({
    streamType: 'incident',
    streamId: 'inc-1',
    type: 'ReportIncident',
    data: { title: 'Embankment breach', leadJurisdiction: DINGHU, ...(severity ? { severity } : {}) },
    actor: DINGHU_DUTY,
  });
  const incident = (type: string, data: Record<string, unknown>, by: Actor = DINGHU_DUTY) => engine.handle({ streamType: 'incident', streamId: 'inc-1', type, data, actor: by });
  const open = (data: Record<string, unknown> = {}, by: Actor = CITY_DUTY, id = 'sv-1') =>
    engine.handle({
      streamType: 'supervision',
      streamId: supervisionStreamId(id),
      type: 'OpenSupervision',
      data: { incidentId: 'inc-1', task: '组织转移下游群众', owner: { jurisdiction: DINGHU }, deadline: at(240), ...data },
      actor: by,
    });
  const send = (type: string, data: Record<string, unknown>, by: Actor, system?: 'timers', id = 'sv-1') =>
    engine.handle({ streamType: 'supervision', streamId: supervisionStreamId(id), type, data, actor: by, ...(system ? { system } : {}) });
  return {
    store,
    engine,
    incident,
    open,
    send,
    at: (minute: number) => {
      now = T0 + minute * 60_000;
    },
    deadlineEffects: () => store.effects.filter((e) => (e.kind === 'scheduleDeadline' && e.deadline.streamType === 'supervision') || (e.kind === 'cancelDeadlines' && e.streamId?.startsWith('supervision:'))),
  };
}

/** The error a promise rejects with, for assertions on its class and fields. */
async function refusal(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a refusal');
}

describe('engine: opening a supervision item', () => {
  it('the city opens one on a III county-led incident: the engine records the supervising room and severity, and schedules its deadline', async () => {
    const w = await world('III');
    const result = await w.open({ owner: { jurisdiction: DINGHU, person: '王副区长' } });
    expect(result).toMatchObject({ streamId: 'supervision:sv-1', streamType: 'supervision', state: 'open', version: 1 });
    const item = (await w.engine.load('supervision', 'supervision:sv-1')).state.context;
    expect(item).toMatchObject({ supervisionId: 'sv-1', incidentId: 'inc-1', supervisingJurisdiction: CITY, severity: 'III', owner: { jurisdiction: DINGHU, person: '王副区长' }, deadline: at(240) });
    expect(w.deadlineEffects()).toStrictEqual([
      { kind: 'cancelDeadlines', incidentId: 'inc-1', streamId: 'supervision:sv-1', keep: [{ key: 'deadline', dueAt: at(240) }] },
      {
        kind: 'scheduleDeadline',
        deadline: {
          streamType: 'supervision',
          streamId: 'supervision:sv-1',
          incidentId: 'inc-1',
          jurisdiction: DINGHU,
          key: 'deadline',
          dueAt: at(240),
          command: { type: 'DeadlinePassed', data: { key: 'deadline', dueAt: at(240) } },
        },
      },
    ]);
    // Filed under the lead, followed by the incident's rooms and the supervising room.
    const opened = w.store.log.find((e) => e.type === 'SupervisionOpened');
    expect(opened?.meta).toMatchObject({ jurisdiction: DINGHU, incidentId: 'inc-1' });
    expect(opened?.meta.rooms).toEqual(expect.arrayContaining([DINGHU, CITY]));
  });

  it('the province, above the city, may supervise a county incident too, and follows its item live', async () => {
    const w = await world('II');
    await w.open({}, PROVINCE_DUTY);
    const opened = w.store.log.find((e) => e.type === 'SupervisionOpened');
    expect(opened?.meta.rooms).toContain(PROVINCE);
    expect(opened?.data).toMatchObject({ supervisingJurisdiction: PROVINCE });
  });

  it.each([
    ['IV', 'of severity IV'],
    [null, 'not graded'],
  ] as const)('an incident %s is refused with 409 and a message that says why, nothing stored', async (severity, what) => {
    const w = await world(severity);
    const before = w.store.log.length;
    const error = await refusal(w.open());
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as ConflictError).message).toBe(`督办 (supervision) is for incidents of severity III or above; incident inc-1 is ${what}`);
    expect(w.store.log.length).toBe(before);
  });

  it('a room that is not above the lead gets 403: the lead itself, a neighbour, an admin or a responder of the city', async () => {
    const w = await world('III');
    for (const by of [DINGHU_DUTY, actor('admin-city', ['admin'], CITY), actor('resp-city', ['responder'], CITY)]) {
      expect(await refusal(w.open({}, by)), by.userId).toBeInstanceOf(ForbiddenError);
    }
    // A neighbour cannot see the incident at all: the same 404 as for no incident.
    expect(await refusal(w.open({}, GAOYAO_DUTY))).toBeInstanceOf(NotFoundError);
  });

  it('the owner must be the lead or a supporting room below the supervising room (400 naming data.owner.jurisdiction)', async () => {
    const w = await world('III');
    for (const owner of [GAOYAO, CITY, '449999']) {
      const error = await refusal(w.open({ owner: { jurisdiction: owner } }));
      expect(error, owner).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues.map((i) => i.path)).toStrictEqual(['data.owner.jurisdiction']);
    }
    await w.incident('AddSupportingJurisdiction', { jurisdiction: GAOYAO }, CITY_DUTY);
    expect(await w.open({ owner: { jurisdiction: GAOYAO } })).toMatchObject({ state: 'open' });
  });

  it('the deadline must lie ahead and within 90 days (400 naming data.deadline)', async () => {
    const w = await world('III');
    w.at(10);
    for (const deadline of [at(10), at(5), at(10 + 90 * 24 * 60 + 1)]) {
      const error = await refusal(w.open({ deadline }));
      expect(error, deadline).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues.map((i) => i.path)).toStrictEqual(['data.deadline']);
    }
  });

  it('an id in use is refused for everyone alike', async () => {
    const w = await world('III');
    await w.open();
    expect(await refusal(w.open({}, PROVINCE_DUTY))).toBeInstanceOf(ConflictError);
  });
});

describe('engine: working a supervision item', () => {
  it('the owner reports, the supervising room closes; each side only its own commands', async () => {
    const w = await world('III');
    await w.open();
    expect(await refusal(w.send('ReportSupervisionProgress', { note: 'x' }, CITY_DUTY))).toBeInstanceOf(ForbiddenError);
    await w.send('ReportSupervisionProgress', { note: '已转移 120 人' }, DINGHU_DUTY);
    await w.send('ReportSupervisionDone', { evidence: { text: '全部转移', references: ['名单'] } }, DINGHU_DUTY);
    // Reported done: the deadline row goes.
    expect(w.deadlineEffects().at(-1)).toStrictEqual({ kind: 'cancelDeadlines', incidentId: 'inc-1', streamId: 'supervision:sv-1', keep: [] });
    expect(await refusal(w.send('CloseSupervision', {}, DINGHU_DUTY))).toBeInstanceOf(ForbiddenError);
    // Another officer of the supervising room closes it.
    expect(await w.send('CloseSupervision', { note: '同意' }, CITY_LEADER)).toMatchObject({ state: 'closed' });
    expect(await refusal(w.send('ReportSupervisionProgress', { note: 'x' }, DINGHU_DUTY))).toBeInstanceOf(IllegalTransitionError);
  });

  it('a return reopens the item with its new deadline; a past one is a 400 naming data.deadline', async () => {
    const w = await world('III');
    await w.open();
    await w.send('ReportSupervisionDone', { evidence: { text: 'done' } }, DINGHU_DUTY);
    w.at(30);
    const error = await refusal(w.send('ReturnSupervision', { reason: '缺名单', deadline: at(20) }, CITY_DUTY));
    expect((error as ValidationError).issues.map((i) => i.path)).toStrictEqual(['data.deadline']);
    expect(await w.send('ReturnSupervision', { reason: '缺名单', deadline: at(300) }, CITY_DUTY)).toMatchObject({ state: 'open' });
    expect(w.deadlineEffects().at(-1)).toMatchObject({ kind: 'scheduleDeadline', deadline: { dueAt: at(300) } });
  });

  it('only the timers mark it overdue, and the escalation goes to the supervising room', async () => {
    const w = await world('III');
    await w.open();
    w.at(241);
    const fire = { key: 'deadline', dueAt: at(240) };
    // A client, even one with the timers' user id and the admin role, is not the timers.
    expect(await refusal(w.send('DeadlinePassed', fire, CITY_DUTY))).toBeInstanceOf(ForbiddenError);
    expect(await refusal(w.send('DeadlinePassed', fire, timersActor(DINGHU)))).toBeInstanceOf(ForbiddenError);
    const result = await w.send('DeadlinePassed', fire, timersActor(DINGHU), 'timers');
    expect(result.events.map((e) => e.type)).toStrictEqual(['SupervisionOverdue', 'SupervisionEscalated']);
    const escalated = w.store.log.find((e) => e.type === 'SupervisionEscalated');
    expect(escalated?.data).toMatchObject({ escalationLevel: 1, to: { jurisdiction: CITY, role: 'leader' } });
    expect(escalated?.meta).toMatchObject({ derived: true });
    // Fired again (a retry after a crash with another id): refused, never a second escalation.
    expect(await refusal(w.send('DeadlinePassed', fire, timersActor(DINGHU), 'timers'))).toBeInstanceOf(IllegalTransitionError);
    expect(w.store.log.filter((e) => e.type === 'SupervisionEscalated')).toHaveLength(1);
  });

  it('a supervision item of another incident is not found by a room that cannot see it', async () => {
    const w = await world('III');
    await w.open();
    const error = await refusal(w.send('ReportSupervisionProgress', { note: 'x' }, GAOYAO_DUTY));
    expect(error).toBeInstanceOf(NotFoundError);
    expect(await refusal(w.send('ReportSupervisionProgress', { note: 'x' }, GAOYAO_DUTY, undefined, 'sv-none'))).toStrictEqual(
      new NotFoundError('supervision', 'supervision:sv-none'),
    );
    expect((error as NotFoundError).message).toBe('supervision supervision:sv-1 does not exist');
  });
});
