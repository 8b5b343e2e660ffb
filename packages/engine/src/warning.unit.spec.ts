import { ForbiddenError, IllegalTransitionError, NotFoundError, ValidationError } from '@muster/contracts';
import { warningStreamId, type Actor } from '@muster/domain';
import { describe, expect, it } from 'vitest';
import { lastMileActor, timersActor } from './authorization';
import { createEngine } from './engine';
import { InMemoryEventStore } from './in-memory-event-store';

const CITY = '441200';
const DINGHU = '441203';
const HUAIJI = '441224';
const actor = (userId: string, roles: Actor['roles'], jurisdiction: string): Actor => ({ userId, roles, jurisdiction });
const DINGHU_DUTY = actor('duty-dinghu', ['duty_officer'], DINGHU);
const DINGHU_LEADER = actor('leader-dinghu', ['leader'], DINGHU);
const CITY_LEADER = actor('leader-city', ['leader'], CITY);
const HUAIJI_LEADER = actor('leader-huaiji', ['leader'], HUAIJI);
const T0 = Date.UTC(2026, 6, 1, 6, 0, 0);
const at = (minute: number) => new Date(T0 + minute * 60_000).toISOString();

const CONTENT = {
  category: 'Met',
  eventCode: '11B03',
  zh: { event: '暴雨', headline: '鼎湖区暴雨黄色预警', description: '预计6小时内降雨量50毫米以上。', instruction: '转移低洼地带群众。' },
  expires: at(600),
  channels: ['SMS', 'SPEAKER'],
  area: { description: '鼎湖区', jurisdictions: [DINGHU] },
};

async function world() {
  const store = new InMemoryEventStore();
  let now = T0;
  let n = 0;
  const engine = createEngine({ store, clock: { now: () => new Date(now) }, ids: { newId: () => `id-${++n}` } });
  const send = (type: string, data: Record<string, unknown>, by: Actor, options: { system?: 'timers' | 'last-mile'; id?: string } = {}) =>
    engine.handle({ streamType: 'warning', streamId: warningStreamId(options.id ?? 'w-1'), type, data, actor: by, ...(options.system ? { system: options.system } : {}) });
  const draft = (data: Record<string, unknown> = {}, by: Actor = DINGHU_DUTY, id = 'w-1') =>
    send('DraftWarning', { level: 'yellow', sender: { name: '鼎湖区突发事件预警信息发布中心', agencyCode: '416' }, content: CONTENT, ...data }, by, { id });
  return {
    store,
    engine,
    send,
    draft,
    at: (minute: number) => {
      now = T0 + minute * 60_000;
    },
    deadlineEffects: () => store.effects.filter((e) => (e.kind === 'scheduleDeadline' && e.deadline.streamType === 'warning') || (e.kind === 'cancelDeadlines' && e.streamId?.startsWith('warning:'))),
  };
}

async function refusal(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a refusal');
}

describe('engine: warnings belong to their room', () => {
  it('the county drafts (the engine fills its room), its leader approves, the duty officer issues; the expiry row is scheduled under the warning', async () => {
    const w = await world();
    expect(await w.draft()).toMatchObject({ streamId: 'warning:w-1', streamType: 'warning', state: 'draft', version: 1 });
    expect((await w.engine.load('warning', 'warning:w-1')).state.context).toMatchObject({ warningId: 'w-1', jurisdiction: DINGHU, status: 'actual', level: 'yellow' });
    await w.send('ApproveWarning', {}, DINGHU_LEADER);
    expect(await w.send('IssueWarning', {}, DINGHU_DUTY)).toMatchObject({ state: 'issued', version: 3 });
    expect(w.deadlineEffects().at(-1)).toStrictEqual({
      kind: 'scheduleDeadline',
      deadline: { streamType: 'warning', streamId: 'warning:w-1', incidentId: 'warning:w-1', jurisdiction: DINGHU, key: 'expires', dueAt: at(600), command: { type: 'DeadlinePassed', data: { key: 'expires', dueAt: at(600) } } },
    });
    // Its events are filed under the room, keyed by the warning itself.
    const events = await w.store.readStream('warning:w-1');
    expect(events.map((e) => [e.type, e.meta.jurisdiction, e.meta.rooms, e.meta.incidentId, e.meta.exercise])).toEqual([
      ['WarningDrafted', DINGHU, [DINGHU], 'warning:w-1', false],
      ['WarningApproved', DINGHU, [DINGHU], 'warning:w-1', false],
      ['WarningIssued', DINGHU, [DINGHU], 'warning:w-1', false],
    ]);
  });

  it('a drill warning files its events as exercise', async () => {
    const w = await world();
    await w.draft({ status: 'exercise' });
    const [drafted] = await w.store.readStream('warning:w-1');
    expect(drafted?.meta.exercise).toBe(true);
  });

  it('a duty officer may not approve (403); a leader of the city above may see it but not approve it (403); another county does not see it (404)', async () => {
    const w = await world();
    await w.draft();
    expect(await refusal(w.send('ApproveWarning', {}, DINGHU_DUTY))).toBeInstanceOf(ForbiddenError);
    expect(await refusal(w.send('ApproveWarning', {}, CITY_LEADER))).toBeInstanceOf(ForbiddenError);
    expect(await refusal(w.send('ApproveWarning', {}, HUAIJI_LEADER))).toBeInstanceOf(NotFoundError);
    expect(await w.send('ApproveWarning', {}, DINGHU_LEADER)).toMatchObject({ state: 'approved' });
  });

  it('a draft naming an area outside the room, or a bad payload, is a 400 naming the field; nothing is stored', async () => {
    const w = await world();
    const outside = await refusal(w.draft({ content: { ...CONTENT, area: { description: '怀集县', jurisdictions: [HUAIJI] } } }));
    expect(outside).toBeInstanceOf(ValidationError);
    expect((outside as ValidationError).issues[0]?.path).toBe('data.content.area.jurisdictions.0');
    expect(await refusal(w.draft({ level: 'purple' }))).toBeInstanceOf(ValidationError);
    expect(await w.store.readStream('warning:w-1')).toEqual([]);
  });

  it('an update raises the level with its reason and moves the expiry row; a lift cancels it', async () => {
    const w = await world();
    await w.draft();
    await w.send('ApproveWarning', {}, DINGHU_LEADER);
    await w.send('IssueWarning', {}, DINGHU_DUTY);
    w.at(60);
    expect(await w.send('UpdateWarning', { reason: '雨势加强', level: 'orange', content: { ...CONTENT, expires: at(900) } }, DINGHU_LEADER)).toMatchObject({ state: 'updated' });
    expect(w.deadlineEffects().slice(-2)).toStrictEqual([
      { kind: 'cancelDeadlines', incidentId: 'warning:w-1', streamId: 'warning:w-1', keep: [{ key: 'expires', dueAt: at(900) }] },
      expect.objectContaining({ kind: 'scheduleDeadline', deadline: expect.objectContaining({ dueAt: at(900) }) }),
    ]);
    w.at(120);
    expect(await w.send('LiftWarning', { reason: '险情解除' }, DINGHU_LEADER)).toMatchObject({ state: 'lifted' });
    expect(w.deadlineEffects().at(-1)).toStrictEqual({ kind: 'cancelDeadlines', incidentId: 'warning:w-1', streamId: 'warning:w-1', keep: [] });
  });

  it('only the timers expire a warning, once; a client sending the same is refused', async () => {
    const w = await world();
    await w.draft();
    await w.send('ApproveWarning', {}, DINGHU_LEADER);
    await w.send('IssueWarning', {}, DINGHU_DUTY);
    w.at(600);
    expect(await refusal(w.send('DeadlinePassed', { key: 'expires', dueAt: at(600) }, DINGHU_LEADER))).toBeInstanceOf(ForbiddenError);
    expect(await w.send('DeadlinePassed', { key: 'expires', dueAt: at(600) }, timersActor(DINGHU), { system: 'timers' })).toMatchObject({ state: 'expired' });
    expect(await refusal(w.send('DeadlinePassed', { key: 'expires', dueAt: at(600) }, timersActor(DINGHU), { system: 'timers' }))).toBeInstanceOf(IllegalTransitionError);
  });
});

describe('engine: the last mile of a warning (issue 21)', () => {
  const RECIPIENT = { recipientId: 'ct-1', name: '沙浦镇负责人', role: 'township_head', area: '441203101', areaName: '沙浦镇', phone: '13800000001', channel: 'sms' };

  it("only the last-mile caller records sent, delivered and acknowledged; the room's staff record calls; the ack row is scheduled and cancelled with the lift", async () => {
    const w = await world();
    w.at(1);
    await w.draft();
    await w.send('ApproveWarning', {}, DINGHU_LEADER);
    w.at(3);
    await w.send('IssueWarning', { recipients: [RECIPIENT] }, DINGHU_DUTY);
    expect(w.deadlineEffects().filter((e) => e.kind === 'scheduleDeadline').map((e) => (e.kind === 'scheduleDeadline' ? [e.deadline.key, e.deadline.dueAt] : []))).toContainEqual(['ack', at(63)]);
    // A user, even the room's leader or an admin, cannot claim a delivery or an acknowledgement; nor can the timers.
    for (const [by, system] of [[DINGHU_LEADER, undefined], [actor('admin-dinghu', ['admin'], DINGHU), undefined], [lastMileActor(DINGHU), undefined], [timersActor(DINGHU), 'timers']] as const) {
      expect(await refusal(w.send('AcknowledgeWarning', { recipientId: 'ct-1' }, by, system ? { system } : {}))).toBeInstanceOf(ForbiddenError);
    }
    const acked = await w.send('AcknowledgeWarning', { recipientId: 'ct-1' }, lastMileActor(DINGHU), { system: 'last-mile' });
    expect(acked.events.map((e) => e.type)).toStrictEqual(['WarningAcknowledged']);
    // A call is the issuing room's: the city's leader above it may not record one.
    expect(await refusal(w.send('RecordManualOutcome', { recipientId: 'ct-1', outcome: 'reached', note: '' }, CITY_LEADER))).toBeInstanceOf(ForbiddenError);
    // Nobody is overdue before the deadline: a call is refused by the machine.
    expect(await refusal(w.send('RecordManualOutcome', { recipientId: 'ct-1', outcome: 'reached', note: '' }, DINGHU_DUTY))).toBeInstanceOf(IllegalTransitionError);
    w.at(10);
    await w.send('LiftWarning', { reason: '险情解除' }, DINGHU_LEADER);
    const last = w.deadlineEffects().at(-1);
    expect(last).toMatchObject({ kind: 'cancelDeadlines', streamId: 'warning:w-1', keep: [] });
  });
});

