import { describe, expect, it } from 'vitest';
import { decide, replay, type PersistedState, type ReplayableEvent } from '../aggregate';
import type { Actor, CommandMeta, EmittedEvent } from '../shared';
import {
  DeciderSpecification,
  fixturesFromScripts,
  fromFixtures,
  minuteClock,
  runCommands,
  type BodyOf,
  type PayloadOf as PayloadOfCommand,
  type Step as ScriptStep,
} from '../testing/decider-spec';
import { hazardAggregate, pendingHazardDeadlines, rectificationGaps } from './hazard.machine';
import { HAZARD_GRADING_RULES, TIP_OFF_REWARD_RULE, gradeHazard, tipOffReward } from './hazard.rules';
import { HAZARD_STATES, type HazardCommand, type HazardCommandType, type HazardContext, type HazardState, type RectificationPlan } from './hazard.types';

// ---------------------------------------------------------------------------------------------------
// Fixtures: a tip-off into Dinghu (441203), verified, graded 重大, rectified, accepted, written off.
// ---------------------------------------------------------------------------------------------------

const T0 = Date.UTC(2026, 6, 1, 6, 0, 0);
const COUNTY: Actor = { userId: 'duty-dinghu', roles: ['duty_officer'], jurisdiction: '441203' };
const CITY: Actor = { userId: 'duty-city', roles: ['duty_officer'], jurisdiction: '441200' };
const INTAKE: Actor = { userId: 'muster-tip-off-intake', roles: ['duty_officer'], jurisdiction: '441203' };
const TIMERS: Actor = { userId: 'muster-timers', roles: ['admin'], jurisdiction: '441203' };
const { iso, metaAt } = minuteClock(T0, COUNTY);
const AT = 1000;

const a = hazardAggregate;
type CommandBody = BodyOf<HazardCommand>;
type PayloadOf<K extends HazardCommandType> = PayloadOfCommand<HazardCommand, K>;
type Step = ScriptStep<CommandBody>;
const ctx = (state: PersistedState): HazardContext => state.context as HazardContext;
const run = (steps: readonly Step[]) => runCommands(a, steps, (step) => ({ ...step.body, meta: metaAt(step.at, step.by) }));

const PLAN: RectificationPlan = {
  objectives: '消除储罐区泄漏隐患',
  methods: '更换阀门、加装泄漏报警',
  funding: '企业自筹 20 万元',
  organisation: '厂长负责, 安全科实施',
  timeline: '30 日内完成',
  safetyMeasures: '停用储罐区, 制定泄漏应急预案',
};
const REPORT: PayloadOf<'ReportHazard'> = {
  hazardId: 'h-1',
  jurisdiction: '441203',
  upperJurisdiction: '441200',
  location: { jurisdiction: '441203001', address: '坑口街道某化工厂储罐区' },
  title: '储罐区阀门泄漏',
  description: '储罐区阀门锈蚀, 有刺激性气味',
  source: 'tip_off',
  tipOffId: 't-1',
};
const { tipOffId: _tipOffId, ...INSPECTED } = REPORT;
const ASSIGN: PayloadOf<'AssignRectification'> = { responsibleUnit: '某化工厂', measures: '更换阀门', deadline: iso(500), plan: PLAN, interimControls: ['储罐区停用', '设置警戒区'] };

const REPORTED: Step[] = [{ body: { type: 'ReportHazard', ...REPORT }, at: 1, by: INTAKE }];
const VERIFIED: Step[] = [...REPORTED, { body: { type: 'VerifyHazard', note: '现场核实属实' }, at: 2, by: COUNTY }];
const GRADED: Step[] = [...VERIFIED, { body: { type: 'GradeHazard', criteria: ['requires_stoppage'] }, at: 3, by: COUNTY }];
const GRADED_GENERAL: Step[] = [...VERIFIED, { body: { type: 'GradeHazard', criteria: ['fixable_at_once'] }, at: 3, by: COUNTY }];
const LIST: Step = { body: { type: 'ListForSupervision', deadline: iso(800), note: '市挂牌督办' }, at: 5, by: CITY };
const RECTIFYING: Step[] = [...GRADED, { body: { type: 'AssignRectification', ...ASSIGN }, at: 4, by: COUNTY }];
const OVERDUE: Step[] = [...RECTIFYING, { body: { type: 'DeadlinePassed', key: 'rectification', dueAt: iso(500) }, at: 501, by: TIMERS }];
const DONE: Step[] = [...RECTIFYING, { body: { type: 'ReportRectification', summary: '阀门已更换' }, at: 6, by: COUNTY }];
const RETURNED: Step[] = [...DONE, { body: { type: 'ReturnRectification', reason: '未加装报警器', deadline: iso(700) }, at: 7, by: COUNTY }];
const ACCEPTED: Step[] = [...DONE, { body: { type: 'AcceptRectification', note: '验收合格' }, at: 8, by: COUNTY }];
const WRITTEN_OFF: Step[] = [...ACCEPTED, { body: { type: 'WriteOffHazard' }, at: 9, by: COUNTY }];
const FINE: Step = { body: { type: 'RecordFine', amount: 100_000 }, at: 30, by: COUNTY };

const FIXTURE_STEPS = {
  none: [],
  reported: REPORTED,
  dismissed: [...REPORTED, { body: { type: 'DismissHazard', reason: '重复举报' }, at: 2, by: COUNTY }],
  verified: VERIFIED,
  verifiedFined: [...VERIFIED, FINE],
  graded: GRADED,
  gradedGeneral: GRADED_GENERAL,
  gradedFined: [...GRADED, FINE],
  gradedListed: [...GRADED, LIST],
  rectifying: RECTIFYING,
  rectifyingFined: [...RECTIFYING, FINE],
  listed: [...RECTIFYING, LIST],
  overdue: OVERDUE,
  returned: RETURNED,
  reportedDone: DONE,
  reportedDoneFined: [...DONE, FINE],
  reportedListed: [...DONE, LIST],
  accepted: ACCEPTED,
  acceptedFined: [...ACCEPTED, FINE],
  writtenOff: WRITTEN_OFF,
  writtenOffFined: [...WRITTEN_OFF, FINE],
} as const satisfies Record<string, readonly Step[]>;
type FixtureName = keyof typeof FIXTURE_STEPS;

const FIXTURE_STATE: Readonly<Record<FixtureName, HazardState>> = {
  none: 'none',
  reported: 'reported',
  dismissed: 'dismissed',
  verified: 'verified',
  verifiedFined: 'verified',
  graded: 'graded',
  gradedGeneral: 'graded',
  gradedFined: 'graded',
  gradedListed: 'graded',
  rectifying: 'rectifying',
  rectifyingFined: 'rectifying',
  listed: 'rectifying',
  overdue: 'rectifying',
  returned: 'rectifying',
  reportedDone: 'rectificationReported',
  reportedDoneFined: 'rectificationReported',
  reportedListed: 'rectificationReported',
  accepted: 'accepted',
  acceptedFined: 'accepted',
  writtenOff: 'writtenOff',
  writtenOffFined: 'writtenOff',
};
const CANONICAL: Readonly<Record<HazardState, FixtureName>> = {
  none: 'none',
  reported: 'reported',
  verified: 'verified',
  graded: 'graded',
  rectifying: 'rectifying',
  rectificationReported: 'reportedDone',
  accepted: 'accepted',
  writtenOff: 'writtenOff',
  dismissed: 'dismissed',
};
const fixture = fixturesFromScripts(FIXTURE_STEPS, run);

// ---------------------------------------------------------------------------------------------------
// The (state × command) table
// ---------------------------------------------------------------------------------------------------

interface Case<K extends HazardCommandType> {
  name: string;
  fixture: FixtureName;
  from: HazardState;
  command: K;
  payload: PayloadOf<K>;
  by?: Actor;
  guard: string | null;
  to: HazardState;
  events?: (meta: CommandMeta, before: HazardContext) => EmittedEvent[];
  changes: (meta: CommandMeta, before: HazardContext) => Partial<HazardContext>;
}
type AnyCase = { [K in HazardCommandType]: Case<K> }[HazardCommandType];
const metaOf = (c: AnyCase): CommandMeta => metaAt(AT, c.by ?? COUNTY);

const REWARD = { amount: 15_000, rule: TIP_OFF_REWARD_RULE.id, source: TIP_OFF_REWARD_RULE.source, tipOffId: 't-1' };

/** What every open state takes: a finding, a link, a fine and the reward's payment (after a fine). */
function sharedCases(from: HazardState, own: FixtureName, fined: FixtureName | null, finding: boolean): AnyCase[] {
  const cases: AnyCase[] = [
    {
      name: `${from}: an incident names it as its origin`,
      fixture: own,
      from,
      command: 'LinkHazardToIncident',
      payload: { incidentId: 'inc-9' },
      guard: 'newIncident',
      to: from,
      changes: (_m, b) => ({ incidents: [...b.incidents, 'inc-9'] }),
    },
  ];
  if (finding) {
    cases.push({
      name: `${from}: a later inspection records a finding`,
      fixture: own,
      from,
      command: 'RecordInspectionFinding',
      payload: { inspectionId: 'in-2', note: '复查仍有异味', attachments: [{ name: '照片1.jpg', ref: 'files/in-2/1.jpg' }] },
      guard: null,
      to: from,
      changes: (m, b) => ({ findings: [...b.findings, { inspectionId: 'in-2', note: '复查仍有异味', at: m.now, attachments: [{ name: '照片1.jpg', ref: 'files/in-2/1.jpg' }] }] }),
    });
  }
  if (fined !== null) {
    cases.push(
      {
        name: `${from}: a fine of ¥100,000 makes the first reporter's reward ¥15,000`,
        fixture: own,
        from,
        command: 'RecordFine',
        payload: { amount: 100_000 },
        guard: 'fineable',
        to: from,
        events: () => [{ type: 'HazardFineRecorded', data: { amount: 100_000, reward: 15_000, rule: TIP_OFF_REWARD_RULE.id, tipOffId: 't-1' } }],
        changes: (m) => ({ fine: { amount: 100_000, at: m.now }, reward: { ...REWARD, decidedAt: m.now, paidAt: null, paidAmount: null, reference: null } }),
      },
      {
        name: `${from}: the reward's payment is recorded`,
        fixture: fined,
        from,
        command: 'RecordRewardPayment',
        payload: { amount: 15_000, reference: '奖励发放凭证 2026-07' },
        guard: 'rewardDue',
        to: from,
        changes: (m, b) => ({ reward: b.reward && { ...b.reward, paidAt: m.now, paidAmount: 15_000, reference: '奖励发放凭证 2026-07' } }),
      },
    );
  }
  return cases;
}

const escalation = (b: HazardContext, dueAt: string): EmittedEvent[] => [
  { type: 'HazardDeadlinePassed', data: { key: 'rectification', dueAt, hazardId: b.hazardId, jurisdiction: b.jurisdiction, escalatedTo: b.upperJurisdiction } },
];
const supervisionLapse = (b: HazardContext): EmittedEvent[] => [
  { type: 'HazardDeadlinePassed', data: { key: 'listed-supervision', dueAt: iso(800), hazardId: b.hazardId, jurisdiction: b.jurisdiction } },
];
const listed = (m: CommandMeta) => ({ listedSupervision: { by: CITY.userId, jurisdiction: '441200', at: m.now, deadline: iso(AT + 600), note: '市挂牌督办' } });

const CASES: readonly AnyCase[] = [
  {
    name: 'none: a tip-off reports a hazard (the reporter known only by the tip-off id)',
    fixture: 'none',
    from: 'none',
    command: 'ReportHazard',
    payload: REPORT,
    by: INTAKE,
    guard: null,
    to: 'reported',
    changes: (m) => ({ ...REPORT, reportedBy: INTAKE.userId, reportedAt: m.now }),
  },
  {
    name: 'none: an inspection reports a hazard with a photo',
    fixture: 'none',
    from: 'none',
    command: 'ReportHazard',
    payload: { ...INSPECTED, source: 'inspection', inspectionId: 'in-1', attachments: [{ name: '现场.jpg', ref: 'files/in-1/a.jpg' }] },
    guard: null,
    to: 'reported',
    changes: (m) => ({
      ...REPORT,
      tipOffId: null,
      source: 'inspection',
      inspectionId: 'in-1',
      attachments: [{ name: '现场.jpg', ref: 'files/in-1/a.jpg' }],
      findings: [{ inspectionId: 'in-1', note: REPORT.description, at: m.now, attachments: [{ name: '现场.jpg', ref: 'files/in-1/a.jpg' }] }],
      reportedBy: COUNTY.userId,
      reportedAt: m.now,
    }),
  },
  { name: 'reported: verified on the spot', fixture: 'reported', from: 'reported', command: 'VerifyHazard', payload: { note: '属实' }, guard: null, to: 'verified', changes: (m) => ({ verifiedAt: m.now, verifiedBy: COUNTY.userId }) },
  {
    name: 'reported: dismissed (not a hazard, or a repeat)',
    fixture: 'reported',
    from: 'reported',
    command: 'DismissHazard',
    payload: { reason: '经核查不属实' },
    guard: null,
    to: 'dismissed',
    changes: (m) => ({ dismissedAt: m.now, dismissReason: '经核查不属实' }),
  },
  ...sharedCases('reported', 'reported', null, true),
  {
    name: 'verified: graded 重大 (needs a stoppage), by rule and source',
    fixture: 'verified',
    from: 'verified',
    command: 'GradeHazard',
    payload: { criteria: ['requires_stoppage'] },
    guard: 'graded',
    to: 'graded',
    events: () => [{ type: 'HazardGraded', data: { criteria: ['requires_stoppage'], grade: 'major', rule: 'order16-3-stoppage', source: HAZARD_GRADING_RULES[0]?.source } }],
    changes: (m) => ({ grade: 'major', grading: { rule: 'order16-3-stoppage', source: HAZARD_GRADING_RULES[0]?.source ?? '', criteria: ['requires_stoppage'], at: m.now, by: COUNTY.userId } }),
  },
  ...sharedCases('verified', 'verified', 'verifiedFined', true),
  {
    name: 'graded: re-graded 一般 before its rectification',
    fixture: 'graded',
    from: 'graded',
    command: 'GradeHazard',
    payload: { criteria: ['fixable_at_once'] },
    guard: 'graded',
    to: 'graded',
    events: () => [{ type: 'HazardGraded', data: { criteria: ['fixable_at_once'], grade: 'general', rule: 'order16-3-general', source: HAZARD_GRADING_RULES[2]?.source } }],
    changes: (m) => ({ grade: 'general', grading: { rule: 'order16-3-general', source: HAZARD_GRADING_RULES[2]?.source ?? '', criteria: ['fixable_at_once'], at: m.now, by: COUNTY.userId } }),
  },
  {
    name: 'graded: a 重大 rectification with its six-part plan and interim controls',
    fixture: 'graded',
    from: 'graded',
    command: 'AssignRectification',
    payload: { ...ASSIGN, deadline: iso(AT + 600) },
    guard: 'assignable',
    to: 'rectifying',
    changes: (m) => ({
      rectification: { responsibleUnit: '某化工厂', measures: '更换阀门', deadline: iso(AT + 600), plan: PLAN, interimControls: ['储罐区停用', '设置警戒区'], assignedAt: m.now, assignedBy: COUNTY.userId, round: 1 },
      overdue: false,
    }),
  },
  {
    name: 'graded: a 一般 rectification needs no plan',
    fixture: 'gradedGeneral',
    from: 'graded',
    command: 'AssignRectification',
    payload: { responsibleUnit: '某化工厂', measures: '立即更换阀门', deadline: iso(AT + 60) },
    guard: 'assignable',
    to: 'rectifying',
    changes: (m) => ({
      rectification: { responsibleUnit: '某化工厂', measures: '立即更换阀门', deadline: iso(AT + 60), plan: null, interimControls: [], assignedAt: m.now, assignedBy: COUNTY.userId, round: 1 },
      overdue: false,
    }),
  },
  {
    name: 'graded: the city lists it for supervision (挂牌督办)',
    fixture: 'graded',
    from: 'graded',
    command: 'ListForSupervision',
    payload: { deadline: iso(AT + 600), note: '市挂牌督办' },
    by: CITY,
    guard: 'listable',
    to: 'graded',
    changes: (m) => ({ listedSupervision: { ...listed(m).listedSupervision, overdueAt: null } }),
  },
  {
    name: 'graded: the listed supervision’s deadline passes',
    fixture: 'gradedListed',
    from: 'graded',
    command: 'DeadlinePassed',
    payload: { key: 'listed-supervision', dueAt: iso(800) },
    by: TIMERS,
    guard: 'supervisionDue',
    to: 'graded',
    events: (_m, b) => supervisionLapse(b),
    changes: (_m, b) => ({ listedSupervision: b.listedSupervision && { ...b.listedSupervision, overdueAt: iso(800) } }),
  },
  ...sharedCases('graded', 'graded', 'gradedFined', true),
  {
    name: 'rectifying: the unit reports it fixed',
    fixture: 'rectifying',
    from: 'rectifying',
    command: 'ReportRectification',
    payload: { summary: '阀门已更换', attachments: [{ name: '整改报告.pdf', ref: 'files/h-1/r1.pdf' }] },
    guard: null,
    to: 'rectificationReported',
    changes: (m) => ({ rectificationReports: [{ at: m.now, by: COUNTY.userId, summary: '阀门已更换', attachments: [{ name: '整改报告.pdf', ref: 'files/h-1/r1.pdf' }] }] }),
  },
  {
    name: 'rectifying: the city lists it for supervision',
    fixture: 'rectifying',
    from: 'rectifying',
    command: 'ListForSupervision',
    payload: { deadline: iso(AT + 600), note: '市挂牌督办' },
    by: CITY,
    guard: 'listable',
    to: 'rectifying',
    changes: (m) => ({ listedSupervision: { ...listed(m).listedSupervision, overdueAt: null } }),
  },
  {
    name: 'rectifying: the deadline passes unmet: overdue, escalated one level (to the city)',
    fixture: 'rectifying',
    from: 'rectifying',
    command: 'DeadlinePassed',
    payload: { key: 'rectification', dueAt: iso(500) },
    by: TIMERS,
    guard: 'rectificationDue',
    to: 'rectifying',
    events: (_m, b) => escalation(b, iso(500)),
    changes: () => ({ overdue: true, escalations: [{ to: '441200', at: iso(500), deadline: iso(500) }] }),
  },
  {
    name: 'rectifying (listed): the listed supervision’s deadline passes',
    fixture: 'listed',
    from: 'rectifying',
    command: 'DeadlinePassed',
    payload: { key: 'listed-supervision', dueAt: iso(800) },
    by: TIMERS,
    guard: 'supervisionDue',
    to: 'rectifying',
    events: (_m, b) => supervisionLapse(b),
    changes: (_m, b) => ({ listedSupervision: b.listedSupervision && { ...b.listedSupervision, overdueAt: iso(800) } }),
  },
  ...sharedCases('rectifying', 'rectifying', 'rectifyingFined', true),
  { name: 'rectificationReported: accepted on inspection (验收)', fixture: 'reportedDone', from: 'rectificationReported', command: 'AcceptRectification', payload: { note: '验收合格' }, guard: null, to: 'accepted', changes: (m) => ({ acceptedAt: m.now, acceptedBy: COUNTY.userId }) },
  {
    name: 'rectificationReported: returned, reopened under a new deadline',
    fixture: 'reportedDone',
    from: 'rectificationReported',
    command: 'ReturnRectification',
    payload: { reason: '未加装报警器', deadline: iso(AT + 300) },
    guard: 'newDeadlineAhead',
    to: 'rectifying',
    changes: (m, b) => ({
      rectification: b.rectification && { ...b.rectification, deadline: iso(AT + 300), round: 2 },
      returns: [{ at: m.now, by: COUNTY.userId, reason: '未加装报警器', previousDeadline: iso(500), deadline: iso(AT + 300) }],
      overdue: false,
    }),
  },
  {
    name: 'rectificationReported: the city lists it for supervision',
    fixture: 'reportedDone',
    from: 'rectificationReported',
    command: 'ListForSupervision',
    payload: { deadline: iso(AT + 600), note: '市挂牌督办' },
    by: CITY,
    guard: 'listable',
    to: 'rectificationReported',
    changes: (m) => ({ listedSupervision: { ...listed(m).listedSupervision, overdueAt: null } }),
  },
  {
    name: 'rectificationReported (listed): the listed supervision’s deadline passes',
    fixture: 'reportedListed',
    from: 'rectificationReported',
    command: 'DeadlinePassed',
    payload: { key: 'listed-supervision', dueAt: iso(800) },
    by: TIMERS,
    guard: 'supervisionDue',
    to: 'rectificationReported',
    events: (_m, b) => supervisionLapse(b),
    changes: (_m, b) => ({ listedSupervision: b.listedSupervision && { ...b.listedSupervision, overdueAt: iso(800) } }),
  },
  ...sharedCases('rectificationReported', 'reportedDone', 'reportedDoneFined', true),
  { name: 'accepted: written off (销号)', fixture: 'accepted', from: 'accepted', command: 'WriteOffHazard', payload: { note: '销号' }, guard: null, to: 'writtenOff', changes: (m) => ({ writtenOffAt: m.now }) },
  ...sharedCases('accepted', 'accepted', 'acceptedFined', true),
  ...sharedCases('writtenOff', 'writtenOff', 'writtenOffFined', false),
];

const spec = DeciderSpecification.for({
  aggregate: a,
  states: HAZARD_STATES,
  cases: CASES,
  metaOf,
  given: fromFixtures({ fixture: (c: AnyCase) => c.fixture, get: fixture, stateOf: FIXTURE_STATE, canonical: CANONICAL }),
});

describe('hazard machine: coverage of the (state × command) table', () => {
  spec.coverageTests({ statesName: 'HAZARD_STATES' });
});

describe('hazard machine: every legal transition', () => {
  spec.transitionTests({
    events: (c, meta) => c.events?.(meta, ctx(spec.startOf(c))) ?? [spec.primaryEvent(c)],
    changes: (c, meta, before) => c.changes(meta, ctx(before)),
  });
});

describe('hazard machine: decisions are pure', () => {
  spec.purityTests();
});

describe('hazard machine: commands not allowed in a state are rejected', () => {
  spec.rejectionTests({ meta: () => metaAt(AT), finalStates: ['dismissed'] });
});

describe('hazard machine: what the guards refuse', () => {
  const send = (state: PersistedState, command: CommandBody, by: Actor = COUNTY) => decide(a, state, { ...command, meta: metaAt(AT, by) });

  it('a 重大 rectification without its plan, a part of it or interim controls is refused; a 一般 one needs none', () => {
    const { plan: _plan, interimControls: _controls, ...bare } = ASSIGN;
    const ahead = { ...bare, deadline: iso(AT + 60) };
    expect(send(fixture('graded'), { type: 'AssignRectification', ...ahead }).ok).toBe(false);
    expect(send(fixture('graded'), { type: 'AssignRectification', ...ahead, plan: PLAN }).ok).toBe(false);
    expect(send(fixture('graded'), { type: 'AssignRectification', ...ahead, plan: { ...PLAN, funding: ' ' }, interimControls: ['停用'] }).ok).toBe(false);
    expect(send(fixture('graded'), { type: 'AssignRectification', ...ahead, plan: PLAN, interimControls: ['停用'] }).ok).toBe(true);
    expect(send(fixture('gradedGeneral'), { type: 'AssignRectification', ...ahead }).ok).toBe(true);
    expect(rectificationGaps('major', { ...PLAN, timeline: '' }, [])).toStrictEqual(['plan.timeline', 'interimControls']);
    expect(rectificationGaps('major', undefined, undefined)).toStrictEqual(['plan', 'interimControls']);
    expect(rectificationGaps('general', undefined, undefined)).toStrictEqual([]);
  });

  it('a deadline that has passed fixes nothing: assignment, return and listing refuse it', () => {
    expect(send(fixture('graded'), { type: 'AssignRectification', ...ASSIGN, deadline: iso(AT) }).ok).toBe(false);
    expect(send(fixture('reportedDone'), { type: 'ReturnRectification', reason: 'x', deadline: iso(AT - 1) }).ok).toBe(false);
    expect(send(fixture('graded'), { type: 'ListForSupervision', deadline: iso(AT), note: 'x' }, CITY).ok).toBe(false);
  });

  it('an overdue rectification escalates exactly once; a stale or foreign firing is refused', () => {
    const fire = (state: PersistedState, key: string, dueAt: string) => send(state, { type: 'DeadlinePassed', key, dueAt }, TIMERS);
    expect(fire(fixture('overdue'), 'rectification', iso(500)).ok).toBe(false);
    expect(fire(fixture('rectifying'), 'rectification', iso(499)).ok).toBe(false);
    expect(fire(fixture('rectifying'), 'other', iso(500)).ok).toBe(false);
    // Returned: the first deadline is stale, the new one fires.
    expect(fire(fixture('returned'), 'rectification', iso(500)).ok).toBe(false);
    expect(fire(fixture('returned'), 'rectification', iso(700)).ok).toBe(true);
    expect(ctx(fixture('overdue')).escalations).toStrictEqual([{ to: '441200', at: iso(500), deadline: iso(500) }]);
  });

  it('listed once; a fine once, only for a tip-off’s hazard; a reward paid once; an incident linked once', () => {
    expect(send(fixture('listed'), { type: 'ListForSupervision', deadline: iso(AT + 60), note: 'again' }, CITY).ok).toBe(false);
    expect(send(fixture('gradedFined'), { type: 'RecordFine', amount: 5 }).ok).toBe(false);
    const inspected = run([{ body: { type: 'ReportHazard', ...INSPECTED, source: 'inspection' }, at: 1, by: COUNTY }, VERIFIED[1] as Step]).states.at(-1);
    if (!inspected) throw new Error('no state');
    expect(send(inspected, { type: 'RecordFine', amount: 100_000 }).ok).toBe(false);
    expect(send(fixture('graded'), { type: 'RecordRewardPayment', amount: 1, reference: 'x' }).ok).toBe(false);
    const paid = send(fixture('gradedFined'), { type: 'RecordRewardPayment', amount: 15_000, reference: 'r' });
    if (!paid.ok) throw new Error('payment refused');
    expect(send(paid.state, { type: 'RecordRewardPayment', amount: 15_000, reference: 'r' }).ok).toBe(false);
    const linked = send(fixture('graded'), { type: 'LinkHazardToIncident', incidentId: 'inc-1' });
    if (!linked.ok) throw new Error('link refused');
    expect(send(linked.state, { type: 'LinkHazardToIncident', incidentId: 'inc-1' }).ok).toBe(false);
  });

  it('a written-off hazard takes no new finding; a dismissed one takes nothing', () => {
    expect(send(fixture('writtenOff'), { type: 'RecordInspectionFinding', inspectionId: 'in-3', note: 'x' })).toStrictEqual({
      ok: false,
      state: 'writtenOff',
      allowed: ['LinkHazardToIncident', 'RecordFine', 'RecordRewardPayment'],
    });
  });
});

describe('hazard deadlines', () => {
  it('holds the rectification deadline while it is being fixed and not overdue, and the listed one until accepted', () => {
    expect(pendingHazardDeadlines(ctx(fixture('graded')))).toStrictEqual([]);
    expect(pendingHazardDeadlines(ctx(fixture('rectifying')))).toStrictEqual([{ key: 'rectification', dueAt: iso(500) }]);
    expect(pendingHazardDeadlines(ctx(fixture('overdue')))).toStrictEqual([]);
    expect(pendingHazardDeadlines(ctx(fixture('reportedDone')))).toStrictEqual([]);
    expect(pendingHazardDeadlines(ctx(fixture('returned')))).toStrictEqual([{ key: 'rectification', dueAt: iso(700) }]);
    expect(pendingHazardDeadlines(ctx(fixture('listed')))).toStrictEqual([
      { key: 'rectification', dueAt: iso(500) },
      { key: 'listed-supervision', dueAt: iso(800) },
    ]);
    expect(pendingHazardDeadlines(ctx(fixture('gradedListed')))).toStrictEqual([{ key: 'listed-supervision', dueAt: iso(800) }]);
    expect(pendingHazardDeadlines(ctx(fixture('reportedListed')))).toStrictEqual([{ key: 'listed-supervision', dueAt: iso(800) }]);
    expect(pendingHazardDeadlines(ctx(fixture('accepted')))).toStrictEqual([]);
  });
});

describe('hazard rules (data with their sources)', () => {
  it('grades by order 16 §3: any 重大 criterion makes it 重大; fixable at once is 一般; none names no grade', () => {
    expect(gradeHazard(['requires_stoppage'])?.grade).toBe('major');
    expect(gradeHazard(['external_factors'])?.grade).toBe('major');
    expect(gradeHazard(['fixable_at_once'])?.grade).toBe('general');
    expect(gradeHazard(['fixable_at_once', 'external_factors'])?.id).toBe('order16-3-external');
    expect(gradeHazard([])).toBeNull();
    for (const rule of HAZARD_GRADING_RULES) expect(rule.source).toMatch(/安监总局令第16号/);
  });

  it('rewards 15 % of the fine, at least ¥3,000 and at most ¥300,000 (举报奖励办法 2018)', () => {
    expect(tipOffReward(100_000)).toBe(15_000);
    expect(tipOffReward(10_000)).toBe(3_000);
    expect(tipOffReward(20_000)).toBe(3_000);
    expect(tipOffReward(20_001)).toBe(3_000);
    expect(tipOffReward(2_000_000)).toBe(300_000);
    expect(tipOffReward(3_000_000)).toBe(300_000);
    expect(tipOffReward(1_000_000)).toBe(150_000);
    expect(TIP_OFF_REWARD_RULE.source).toMatch(/15%.*3000.*30万/);
  });
});

describe('hazard replay', () => {
  it.each(Object.keys(FIXTURE_STEPS) as FixtureName[])('fixture %s replays to the state decide() produced', (name) => {
    const { states, events, ends } = run(FIXTURE_STEPS[name]);
    const stored = JSON.parse(JSON.stringify(events)) as ReplayableEvent[];
    ends.forEach((end, i) => expect(replay(a, stored.slice(0, end)), `after ${i}`).toStrictEqual(states[i]));
  });
});
