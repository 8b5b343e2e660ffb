import { describe, expect, it } from 'vitest';
import { decide, replay, type PersistedState } from '../aggregate';
import type { Actor } from '../shared';
import { expectAccepted, fixturesFromScripts, minuteClock, runCommands, type BodyOf, type Step as ScriptStep } from '../testing/decider-spec';
import { drillAggregate, drillViewerOf, drillViewFor, injectDeliveryFor, pendingDrillDeadlines, pendingInjectDeadlines } from './drill.machine';
import { DRILL_EVENT_FOR, DRILL_STATES, type DrillCommand, type DrillCommandType, type DrillContext, type DrillState } from './drill.types';

const T0 = Date.UTC(2026, 6, 1, 1, 0, 0);
const CONTROLLER: Actor = { userId: 'controller-city', roles: ['duty_officer'], jurisdiction: '441200' };
const PLAYER: Actor = { userId: 'duty-huaiji', roles: ['duty_officer'], jurisdiction: '441224' };
const TIMERS: Actor = { userId: 'muster-timers', roles: ['admin'], jurisdiction: '441200' };
const { iso, metaAt } = minuteClock(T0, CONTROLLER);
const AT = 100;

type Body = BodyOf<DrillCommand>;
type Step = ScriptStep<Body>;
const a = drillAggregate;
const ctx = (state: PersistedState): DrillContext => state.context as DrillContext;
const last = (states: readonly PersistedState[]): PersistedState => {
  const state = states.at(-1);
  if (state === undefined) throw new Error('no state');
  return state;
};
const run = (steps: readonly Step[]) => runCommands(a, steps, (step) => ({ ...step.body, meta: metaAt(step.at, step.by) }));

const PLAN: Body = {
  type: 'PlanDrill',
  drillId: 'drill-1',
  title: '怀集县山体滑坡双盲功能演练',
  kind: 'functional',
  doubleBlind: true,
  controller: '441200',
  participants: ['441224'],
  objectives: ['接报后 30 分钟内初报', '转移受威胁群众'],
  scenario: '暴雨引发冷坑镇山体滑坡，掩埋民房',
  planId: 'plan-landslide',
  scheduledStart: '2026-07-01T09:30:00+08:00',
  injects: [
    { injectId: 'i-1', kind: 'watchLogCall', dueAt: iso(10), content: '群众来电：冷坑镇后山有响声', expectedAction: '记录值班日志并核实' },
    { injectId: 'i-2', kind: 'sceneReport', dueAt: iso(200), content: '现场报告：2 户房屋被掩埋' },
    { injectId: 'i-3', kind: 'casualtyFigure', dueAt: iso(300), content: '失联人数升至 5 人' },
  ],
};
const PLANNED: Step[] = [{ body: PLAN, at: 1, by: CONTROLLER }];
const RUNNING: Step[] = [
  ...PLANNED,
  { body: { type: 'StartDrill' }, at: 5, by: CONTROLLER },
  { body: { type: 'LinkDrillIncident', incidentId: 'drill-inc-1' }, at: 6, by: CONTROLLER },
  { body: { type: 'DeadlinePassed', key: 'inject:i-1', dueAt: iso(10) }, at: 10, by: TIMERS },
];
const PAUSED: Step[] = [...RUNNING, { body: { type: 'PauseInjects', reason: '真实警情，暂停演练' }, at: 20, by: CONTROLLER }];
const HOT_WASH: Step[] = [...RUNNING, { body: { type: 'EndDrill' }, at: 50, by: CONTROLLER }];
const AAR: Body = {
  type: 'DraftAfterActionReport',
  capabilities: [{ capability: '信息报送', rating: 'S', strengths: ['初报及时'], improvements: ['续报缺伤亡数字'] }],
  correctiveActions: [{ actionId: 'ca-1', action: '修订续报模板', owner: '441224', deadline: iso(60 * 24 * 30) }],
};
const AAR_DRAFTED: Step[] = [...HOT_WASH, { body: AAR, at: 60, by: CONTROLLER }];
const CLOSED: Step[] = [...AAR_DRAFTED, { body: { type: 'CloseDrill' }, at: 70, by: CONTROLLER }];
const CANCELLED: Step[] = [...PLANNED, { body: { type: 'CancelDrill', reason: '防汛应急响应启动' }, at: 2, by: CONTROLLER }];

const SCRIPTS = { none: [], planned: PLANNED, running: RUNNING, paused: PAUSED, hotWash: HOT_WASH, aarDrafted: AAR_DRAFTED, closed: CLOSED, cancelled: CANCELLED };
type Fixture = keyof typeof SCRIPTS;
const fixture = fixturesFromScripts(SCRIPTS, run);

/** A well-formed body of every command, valid against every fixture whose state takes the command. */
const BODIES: Record<DrillCommandType, Body> = {
  PlanDrill: PLAN,
  AddInject: { type: 'AddInject', inject: { injectId: 'i-live', kind: 'sensorAlarm', dueAt: iso(AT + 5), content: '雨量站报警：1 小时降雨 80 毫米' } },
  SkipInject: { type: 'SkipInject', injectId: 'i-2', reason: '已由参演单位自行发现' },
  StartDrill: { type: 'StartDrill' },
  LinkDrillIncident: { type: 'LinkDrillIncident', incidentId: 'drill-inc-2' },
  PauseInjects: { type: 'PauseInjects' },
  ResumeInjects: { type: 'ResumeInjects' },
  EndDrill: { type: 'EndDrill' },
  RecordObservation: { type: 'RecordObservation', objective: '接报后 30 分钟内初报', note: '初报用时 22 分钟' },
  RecordHotWash: { type: 'RecordHotWash', note: '现场与指挥部通信中断 10 分钟' },
  DraftAfterActionReport: AAR,
  CloseDrill: { type: 'CloseDrill' },
  CancelDrill: { type: 'CancelDrill', reason: '真实事件' },
  DeadlinePassed: { type: 'DeadlinePassed', key: 'inject:i-2', dueAt: iso(200) },
  CloseCorrectiveAction: { type: 'CloseCorrectiveAction', actionId: 'ca-1', closure: '续报模板已修订并下发' },
  MarkCorrectiveActionOverdue: { type: 'MarkCorrectiveActionOverdue', key: 'action:ca-1', dueAt: iso(60 * 24 * 30) },
};

/** The (state × command) table: where each command leads from each fixture; absent: refused. */
const TABLE: Record<Fixture, Partial<Record<DrillCommandType, DrillState>>> = {
  none: { PlanDrill: 'planned' },
  planned: { AddInject: 'planned', SkipInject: 'planned', StartDrill: 'running', CancelDrill: 'cancelled' },
  running: {
    AddInject: 'running',
    SkipInject: 'running',
    LinkDrillIncident: 'running',
    PauseInjects: 'running',
    DeadlinePassed: 'running',
    RecordObservation: 'running',
    EndDrill: 'hotWash',
  },
  // Paused: nothing is delivered and it cannot be paused twice; the rest as running.
  paused: { AddInject: 'running', SkipInject: 'running', LinkDrillIncident: 'running', ResumeInjects: 'running', RecordObservation: 'running', EndDrill: 'hotWash' },
  hotWash: { RecordObservation: 'hotWash', RecordHotWash: 'hotWash', DraftAfterActionReport: 'aarDrafted' },
  aarDrafted: { DraftAfterActionReport: 'aarDrafted', CloseDrill: 'closed', CloseCorrectiveAction: 'aarDrafted', MarkCorrectiveActionOverdue: 'aarDrafted' },
  // Closed: no more play nor redraft, but the improvement plan is tracked to closure.
  closed: { CloseCorrectiveAction: 'closed', MarkCorrectiveActionOverdue: 'closed' },
  cancelled: {},
};

const FIXTURE_STATE: Record<Fixture, DrillState> = {
  none: 'none',
  planned: 'planned',
  running: 'running',
  paused: 'running',
  hotWash: 'hotWash',
  aarDrafted: 'aarDrafted',
  closed: 'closed',
  cancelled: 'cancelled',
};

const COMMANDS = Object.keys(DRILL_EVENT_FOR) as DrillCommandType[];

describe('drill machine: the (state × command) table', () => {
  it('the fixtures cover every state', () => {
    expect(new Set(Object.values(FIXTURE_STATE))).toStrictEqual(new Set(DRILL_STATES));
    for (const [name, state] of Object.entries(FIXTURE_STATE)) expect(fixture(name as Fixture).value, name).toBe(state);
  });

  for (const name of Object.keys(TABLE) as Fixture[]) {
    for (const command of COMMANDS) {
      const to = TABLE[name][command];
      it(`${name} × ${command} → ${to ?? 'refused'}`, () => {
        const before = fixture(name);
        const d = decide(a, before, { ...BODIES[command], meta: metaAt(AT) });
        if (to === undefined) {
          expect(d.ok).toBe(false);
          return;
        }
        const accepted = expectAccepted(d);
        expect(accepted.state.value).toBe(to);
        expect(accepted.events.map((e) => e.type)).toStrictEqual([DRILL_EVENT_FOR[command]]);
      });
    }
  }
});

describe('drill machine: guards and what the context keeps', () => {
  const expectRefused = (name: Fixture, body: Body) => expect(decide(a, fixture(name), { ...body, meta: metaAt(AT) }).ok).toBe(false);

  it('a plan without participants, with the controller playing, without objectives or with duplicate inject ids is refused', () => {
    expectRefused('none', { ...PLAN, participants: [] });
    expectRefused('none', { ...PLAN, participants: ['441224', '441200'] });
    expectRefused('none', { ...PLAN, objectives: [] });
    const twice = { injectId: 'i-9', kind: 'sceneReport', dueAt: iso(9), content: '重复' } as const;
    expectRefused('none', { ...PLAN, injects: [twice, twice] });
    expectRefused('none', { ...PLAN, scheduledStart: '下周二' });
  });

  it('an inject id already used, a skip of a delivered inject, a link of an incident already linked, an empty note, an AAR without ratings are refused', () => {
    expectRefused('running', { type: 'AddInject', inject: { injectId: 'i-1', kind: 'sceneReport', dueAt: iso(AT), content: '重复' } });
    expectRefused('running', { type: 'SkipInject', injectId: 'i-1' });
    expectRefused('running', { type: 'LinkDrillIncident', incidentId: 'drill-inc-1' });
    expectRefused('running', { type: 'RecordObservation', objective: '接报后 30 分钟内初报', note: ' ' });
    // Against one of the drill's objectives only.
    expectRefused('running', { type: 'RecordObservation', objective: '接报', note: '初报用时 22 分钟' });
    expectRefused('hotWash', { ...AAR, capabilities: [] });
    expectRefused('hotWash', { ...AAR, correctiveActions: [{ actionId: 'ca-1', action: '修订', owner: '', deadline: iso(1000) }] });
    expectRefused('planned', { type: 'CancelDrill', reason: '' });
  });

  it('a firing of another time, of a skipped inject or a second firing of a delivered one delivers nothing', () => {
    expectRefused('running', { type: 'DeadlinePassed', key: 'inject:i-2', dueAt: iso(201) });
    expectRefused('running', { type: 'DeadlinePassed', key: 'inject:i-1', dueAt: iso(10) });
    const skipped = expectAccepted(decide(a, fixture('running'), { ...BODIES.SkipInject, meta: metaAt(AT) })).state;
    expect(decide(a, skipped, { ...BODIES.DeadlinePassed, meta: metaAt(AT + 1, TIMERS) }).ok).toBe(false);
  });

  it('the delivered inject names its drill incident and what the players receive, never what the controller expects', () => {
    const { events, states } = run(RUNNING);
    const delivered = events.find((e) => e.type === 'InjectDelivered');
    expect(delivered?.data).toStrictEqual({ key: 'inject:i-1', dueAt: iso(10), drillId: 'drill-1', injectId: 'i-1', kind: 'watchLogCall', incidentId: 'drill-inc-1', content: '群众来电：冷坑镇后山有响声' });
    expect(ctx(last(states)).injects.map((i) => [i.injectId, i.status, i.deliveredAt])).toStrictEqual([
      ['i-1', 'delivered', iso(10)],
      ['i-2', 'scheduled', null],
      ['i-3', 'scheduled', null],
    ]);
  });

  it('inject rows are pending only while the drill runs unpaused: none before StartEx, while paused, after EndEx', () => {
    expect(pendingInjectDeadlines(ctx(fixture('planned')))).toStrictEqual([]);
    expect(pendingInjectDeadlines(ctx(fixture('running')))).toStrictEqual([
      { key: 'inject:i-2', dueAt: iso(200) },
      { key: 'inject:i-3', dueAt: iso(300) },
    ]);
    expect(pendingInjectDeadlines(ctx(fixture('paused')))).toStrictEqual([]);
    const resumed = expectAccepted(decide(a, fixture('paused'), { type: 'ResumeInjects', meta: metaAt(AT) })).state;
    expect(pendingInjectDeadlines(ctx(resumed)).map((d) => d.key)).toStrictEqual(['inject:i-2', 'inject:i-3']);
    expect(pendingInjectDeadlines(ctx(fixture('hotWash')))).toStrictEqual([]);
  });

  it('the AAR/IP keeps P/S/M/U ratings, corrective actions with owner and deadline, and whether it asks for the plan’s revision', () => {
    expect(ctx(fixture('aarDrafted')).planRevision).toBeNull();
    const asking = expectAccepted(decide(a, fixture('hotWash'), { ...AAR, planRevision: '预案未规定夜间转移路线', meta: metaAt(AT) })).state;
    expect(ctx(asking).planRevision).toBe('预案未规定夜间转移路线');
    expect(ctx(fixture('aarDrafted'))).toMatchObject({ capabilities: [{ capability: '信息报送', rating: 'S' }], correctiveActions: [{ actionId: 'ca-1', owner: '441224', deadline: iso(60 * 24 * 30) }], aarDraftedAt: iso(60) });
  });

  it('replaying the stored events gives the same state', () => {
    const tracked: Step[] = [
      ...CLOSED,
      { body: BODIES.MarkCorrectiveActionOverdue, at: 60 * 24 * 30, by: TIMERS },
      { body: BODIES.CloseCorrectiveAction, at: 60 * 24 * 31, by: PLAYER },
    ];
    // No drill incident yet: the first inject's firing names the incident the timers opened; one without any names none.
    const opened: Step[] = [
      ...PLANNED,
      { body: { type: 'StartDrill' }, at: 5, by: CONTROLLER },
      { body: { type: 'DeadlinePassed', key: 'inject:i-1', dueAt: iso(10) }, at: 10, by: TIMERS },
      { body: { type: 'DeadlinePassed', key: 'inject:i-2', dueAt: iso(200), incidentId: 'drill-inc-9' }, at: 200, by: TIMERS },
    ];
    expect(ctx(last(run(opened).states)).incidents).toStrictEqual(['drill-inc-9']);
    for (const steps of [CLOSED, PAUSED, CANCELLED, tracked, opened]) {
      const { events, states } = run(steps);
      expect(replay(a, events)).toStrictEqual(last(states));
    }
  });
});

describe('drill machine: corrective actions tracked to closure', () => {
  const DUE = iso(60 * 24 * 30);
  const step = (state: PersistedState, body: Body, at: number, by: Actor = CONTROLLER) => decide(a, state, { ...body, meta: metaAt(at, by) });

  it('an owner that is not a room of the drill, or a repeated action id, is refused', () => {
    const expectRefused = (body: Body) => expect(step(fixture('hotWash'), body, AT).ok).toBe(false);
    expectRefused({ ...AAR, correctiveActions: [{ actionId: 'ca-1', action: '修订', owner: '441225', deadline: DUE }] });
    const twice = { actionId: 'ca-1', action: '修订', owner: '441224', deadline: DUE };
    expectRefused({ ...AAR, correctiveActions: [twice, twice] });
  });

  it('each open action holds a row at its deadline from the draft on; closing records who and when and removes the row', () => {
    expect(pendingDrillDeadlines(ctx(fixture('hotWash')))).toStrictEqual([]);
    expect(pendingDrillDeadlines(ctx(fixture('aarDrafted')))).toStrictEqual([
      { key: 'action:ca-1', dueAt: DUE, command: { type: 'MarkCorrectiveActionOverdue', data: { key: 'action:ca-1', dueAt: DUE } } },
    ]);
    const closed = expectAccepted(step(fixture('closed'), BODIES.CloseCorrectiveAction, 90, PLAYER));
    expect(ctx(closed.state).correctiveActions[0]).toMatchObject({ closedAt: iso(90), closedBy: PLAYER.userId, closure: '续报模板已修订并下发', overdueAt: null });
    expect(pendingDrillDeadlines(ctx(closed.state))).toStrictEqual([]);
    // Closed once: neither closed again nor marked overdue at its deadline.
    expect(step(closed.state, BODIES.CloseCorrectiveAction, 91).ok).toBe(false);
    expect(step(closed.state, BODIES.MarkCorrectiveActionOverdue, 92, TIMERS).ok).toBe(false);
  });

  it('an action past its deadline is marked overdue exactly once, naming its owner and the controller it escalates to', () => {
    const overdue = expectAccepted(step(fixture('closed'), BODIES.MarkCorrectiveActionOverdue, 60 * 24 * 30, TIMERS));
    expect(overdue.events).toStrictEqual([
      { type: 'CorrectiveActionOverdue', data: { key: 'action:ca-1', dueAt: DUE, drillId: 'drill-1', actionId: 'ca-1', owner: '441224', escalatedTo: '441200' } },
    ]);
    expect(pendingDrillDeadlines(ctx(overdue.state))).toStrictEqual([]);
    expect(step(overdue.state, BODIES.MarkCorrectiveActionOverdue, 60 * 24 * 30 + 1, TIMERS).ok).toBe(false);
    // Still open: its owner may close it late.
    expect(expectAccepted(step(overdue.state, BODIES.CloseCorrectiveAction, 60 * 24 * 31, PLAYER)).state.value).toBe('closed');
  });

  it('a redraft keeps what happened to an action; a new deadline gives it a new row', () => {
    const overdue = expectAccepted(step(fixture('aarDrafted'), BODIES.MarkCorrectiveActionOverdue, 60 * 24 * 30, TIMERS)).state;
    const same = expectAccepted(step(overdue, AAR, 60 * 24 * 30 + 5)).state;
    expect(ctx(same).correctiveActions[0]?.overdueAt).toBe(iso(60 * 24 * 30));
    const later = iso(60 * 24 * 60);
    const moved = expectAccepted(step(overdue, { ...AAR, correctiveActions: [{ actionId: 'ca-1', action: '修订续报模板', owner: '441224', deadline: later }] }, 60 * 24 * 30 + 5)).state;
    expect(pendingDrillDeadlines(ctx(moved)).map((d) => d.dueAt)).toStrictEqual([later]);
    const closed = expectAccepted(step(overdue, BODIES.CloseCorrectiveAction, 60 * 24 * 30 + 6)).state;
    // A closed action may not be dropped from the plan.
    expect(step(closed, { ...AAR, correctiveActions: [] }, 60 * 24 * 30 + 7).ok).toBe(false);
  });

  it('how an inject due now reaches the drill’s incidents: into its own incident only, a new one when the drill has none, nothing when not pending', () => {
    const running = ctx(fixture('running'));
    expect(injectDeliveryFor(running, 'inject:i-2')).toStrictEqual({ incidentId: 'drill-inc-1', details: { description: '现场报告：2 户房屋被掩埋' }, figures: null, reportId: 'inject-i-2', call: false });
    // Delivered, skipped, paused or unknown: nothing to deliver.
    expect(injectDeliveryFor(running, 'inject:i-1')).toBeNull();
    expect(injectDeliveryFor(ctx(fixture('paused')), 'inject:i-2')).toBeNull();
    expect(injectDeliveryFor(running, 'inject:nope')).toBeNull();
    // An incident the MSEL names that is not the drill's (a real one) is never the target.
    const aimed = expectAccepted(decide(a, fixture('running'), { type: 'AddInject', inject: { injectId: 'i-x', kind: 'sceneReport', dueAt: iso(AT), incidentId: 'real-1', content: '越界', figures: { dead: 1 } }, meta: metaAt(AT) })).state;
    expect(injectDeliveryFor(ctx(aimed), 'inject:i-x')).toMatchObject({ incidentId: 'drill-inc-1', figures: { dead: 1 } });
    const started = last(run([...PLANNED, { body: { type: 'StartDrill' }, at: 5, by: CONTROLLER }]).states);
    expect(injectDeliveryFor(ctx(started), 'inject:i-1')).toStrictEqual({
      open: { title: '群众来电：冷坑镇后山有响声', description: '群众来电：冷坑镇后山有响声', leadJurisdiction: '441224', source: 'phone', exercise: true },
      call: true,
    });
  });

  it('an inject the timers delivered into an incident they opened brings that incident into the drill', () => {
    const started = run([...PLANNED, { body: { type: 'StartDrill' }, at: 5, by: CONTROLLER }]).states;
    const delivered = expectAccepted(step(last(started), { type: 'DeadlinePassed', key: 'inject:i-1', dueAt: iso(10), incidentId: 'drill-inc-9' }, 10, TIMERS));
    expect(ctx(delivered.state).incidents).toStrictEqual(['drill-inc-9']);
    expect(ctx(delivered.state).injects[0]).toMatchObject({ status: 'delivered', incidentId: 'drill-inc-9' });
    expect(delivered.events[0]?.data).toMatchObject({ incidentId: 'drill-inc-9' });
  });
});

describe('drill view: the controller’s view is hidden from double-blind participants until EndEx', () => {
  it('a double-blind participant sees neither scenario, objectives, start time nor undelivered injects while the drill runs', () => {
    const running = fixture('running');
    const seen = drillViewFor(ctx(running), 'running', 'participant');
    expect(seen).toMatchObject({ title: '', scenario: '', objectives: [], planId: null, scheduledStart: null });
    expect(drillViewFor(ctx(running), 'running', 'controller').planId).toBe('plan-landslide');
    expect(seen.injects.map((i) => [i.injectId, i.expectedAction])).toStrictEqual([['i-1', null]]);
    expect(drillViewFor(ctx(running), 'running', 'controller').injects).toHaveLength(3);
  });

  it('a participant of a drill that is not double-blind knows the scenario but not the MSEL ahead', () => {
    const open = last(run([{ body: { ...PLAN, doubleBlind: false }, at: 1, by: CONTROLLER }, ...RUNNING.slice(1)]).states);
    const seen = drillViewFor(ctx(open), 'running', 'participant');
    expect(seen.scenario).toBe('暴雨引发冷坑镇山体滑坡，掩埋民房');
    expect(seen.injects.map((i) => i.injectId)).toStrictEqual(['i-1']);
  });

  it('a double-blind drill comes without notice: its players do not know of it before StartEx; other rooms never', () => {
    expect(drillViewerOf(ctx(fixture('planned')), '441224')).toBeNull();
    expect(drillViewerOf(ctx(fixture('planned')), '441200')).toBe('controller');
    expect(drillViewerOf(ctx(fixture('running')), '441224')).toBe('participant');
    expect(drillViewerOf(ctx(fixture('running')), '441203')).toBeNull();
    expect(drillViewerOf(ctx(fixture('cancelled')), '441224')).toBeNull();
    const announced = last(run([{ body: { ...PLAN, doubleBlind: false }, at: 1, by: CONTROLLER }]).states);
    expect(drillViewerOf(ctx(announced), '441224')).toBe('participant');
  });

  it('after EndEx every participant sees the whole drill', () => {
    const ended = fixture('hotWash');
    expect(drillViewFor(ctx(ended), 'hotWash', 'participant')).toStrictEqual(ctx(ended));
    expect(PLAYER.jurisdiction).toBe(ctx(ended).participants[0]);
  });
});
