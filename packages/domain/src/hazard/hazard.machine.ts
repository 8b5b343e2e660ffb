import { assign, emit, setup } from 'xstate';
import { OVER_TAG, type AggregateDefinition } from '../aggregate';
import type { EmittedEvent } from '../shared';
import { gradeHazard, tipOffReward, TIP_OFF_REWARD_RULE } from './hazard.rules';
import {
  HAZARD_EVENT_FOR,
  HAZARD_RECTIFICATION_KEY,
  HAZARD_SUPERVISION_KEY,
  type HazardCommand,
  type HazardCommandType,
  type HazardContext,
  type RectificationPlan,
} from './hazard.types';

function as<T extends HazardCommandType>(event: HazardCommand, type: T): Extract<HazardCommand, { type: T }> {
  if (event.type !== type) throw new Error(`hazard machine: expected ${type}, got ${event.type}`);
  return event as Extract<HazardCommand, { type: T }>;
}

function payload(command: HazardCommand): Record<string, unknown> {
  const { type: _type, meta: _meta, ...data } = command;
  return data;
}

const instant = (iso: string): string => new Date(Date.parse(iso)).toISOString();
const ahead = (deadline: string, now: string): boolean => Date.parse(deadline) > Date.parse(now);

/** The six parts of a 重大 plan, each written (order 16 §15). */
const RECTIFICATION_PLAN_PARTS = ['objectives', 'methods', 'funding', 'organisation', 'timeline', 'safetyMeasures'] as const satisfies readonly (keyof RectificationPlan)[];

/**
 * What a rectification of a hazard of this grade still lacks (a 重大 one: its plan's six parts and
 * interim controls), as field paths; empty when nothing does.
 */
export function rectificationGaps(grade: HazardContext['grade'], plan: RectificationPlan | undefined, interimControls: readonly string[] | undefined): string[] {
  if (grade !== 'major') return [];
  const gaps: string[] = [];
  if (plan === undefined) gaps.push('plan');
  else for (const part of RECTIFICATION_PLAN_PARTS) if (plan[part].trim() === '') gaps.push(`plan.${part}`);
  if (!interimControls || interimControls.length === 0) gaps.push('interimControls');
  return gaps;
}

/** Being fixed: assigned, not accepted, and every report of done answered by a return (the current round unreported). */
function beingFixed(context: HazardContext): boolean {
  return context.rectification !== null && context.acceptedAt === null && context.rectificationReports.length === context.returns.length;
}

/**
 * The deadline rows the timers should hold, read from the context alone: the rectification's while
 * it is being fixed and not yet overdue, and the listed supervision's until it passes or the
 * rectification is accepted.
 */
export function pendingHazardDeadlines(context: HazardContext): { key: string; dueAt: string }[] {
  const rows: { key: string; dueAt: string }[] = [];
  if (beingFixed(context) && !context.overdue && context.rectification !== null) rows.push({ key: HAZARD_RECTIFICATION_KEY, dueAt: context.rectification.deadline });
  const listed = context.listedSupervision;
  if (listed !== null && listed.overdueAt === null && context.acceptedAt === null && context.dismissedAt === null) rows.push({ key: HAZARD_SUPERVISION_KEY, dueAt: listed.deadline });
  return rows;
}

const emptyContext: HazardContext = {
  hazardId: '',
  jurisdiction: '',
  upperJurisdiction: null,
  location: { jurisdiction: '', address: '' },
  title: '',
  description: '',
  source: 'inspection',
  inspectionId: null,
  tipOffId: null,
  attachments: [],
  reportedBy: '',
  reportedAt: '',
  verifiedAt: null,
  verifiedBy: null,
  dismissedAt: null,
  dismissReason: null,
  grade: null,
  grading: null,
  rectification: null,
  rectificationReports: [],
  returns: [],
  acceptedAt: null,
  acceptedBy: null,
  writtenOffAt: null,
  overdue: false,
  escalations: [],
  listedSupervision: null,
  findings: [],
  fine: null,
  reward: null,
  incidents: [],
  updatedAt: null,
};

const dueNow = (event: HazardCommand, key: string, dueAt: string | undefined): boolean =>
  event.type === 'DeadlinePassed' && event.key === key && dueAt !== undefined && Date.parse(event.dueAt) === Date.parse(dueAt);

/** What every hazard still open takes: a later inspection's finding, and a link to an incident that came of it. */
const FINDING = { RecordInspectionFinding: { actions: ['finding', 'record', 'touch'] } } as const;
const LINK = { LinkHazardToIncident: { guard: 'newIncident', actions: ['link', 'record', 'touch'] } } as const;

export const hazardMachine = setup({
  types: { context: {} as HazardContext, events: {} as HazardCommand, emitted: {} as EmittedEvent },
  guards: {
    graded: ({ event }) => event.type === 'GradeHazard' && gradeHazard(event.criteria) !== null,
    // A deadline that passed before it was set fixes nothing; a 重大 hazard needs its plan and interim controls.
    assignable: ({ context, event }) =>
      event.type === 'AssignRectification' && ahead(event.deadline, event.meta.now) && rectificationGaps(context.grade, event.plan, event.interimControls).length === 0,
    newDeadlineAhead: ({ event }) => event.type === 'ReturnRectification' && ahead(event.deadline, event.meta.now),
    listable: ({ context, event }) => event.type === 'ListForSupervision' && context.listedSupervision === null && ahead(event.deadline, event.meta.now),
    // Only the deadline the hazard holds now counts: a stale firing (a deadline since moved) is refused.
    rectificationDue: ({ context, event }) => !context.overdue && dueNow(event, HAZARD_RECTIFICATION_KEY, context.rectification?.deadline),
    supervisionDue: ({ context, event }) => context.listedSupervision?.overdueAt === null && dueNow(event, HAZARD_SUPERVISION_KEY, context.listedSupervision.deadline),
    // The reward follows a fine once, and only for a hazard a tip-off revealed.
    fineable: ({ context, event }) => event.type === 'RecordFine' && context.fine === null && context.tipOffId !== null,
    rewardDue: ({ context, event }) => event.type === 'RecordRewardPayment' && context.reward !== null && context.reward.paidAt === null,
    newIncident: ({ context, event }) => event.type === 'LinkHazardToIncident' && !context.incidents.includes(event.incidentId),
  },
  actions: {
    record: emit(({ event }) => ({ type: HAZARD_EVENT_FOR[event.type], data: payload(event) })),
    recordGrade: emit(({ event }) => {
      const rule = gradeHazard(as(event, 'GradeHazard').criteria);
      return { type: HAZARD_EVENT_FOR[event.type], data: { ...payload(event), grade: rule?.grade ?? null, rule: rule?.id ?? null, source: rule?.source ?? null } };
    }),
    recordEscalation: emit(({ context, event }) => ({
      type: HAZARD_EVENT_FOR[event.type],
      data: { ...payload(event), hazardId: context.hazardId, jurisdiction: context.jurisdiction, escalatedTo: context.upperJurisdiction },
    })),
    recordSupervisionOverdue: emit(({ context, event }) => ({ type: HAZARD_EVENT_FOR[event.type], data: { ...payload(event), hazardId: context.hazardId, jurisdiction: context.jurisdiction } })),
    recordFine: emit(({ context, event }) => {
      const { amount } = as(event, 'RecordFine');
      return { type: HAZARD_EVENT_FOR[event.type], data: { amount, reward: tipOffReward(amount), rule: TIP_OFF_REWARD_RULE.id, tipOffId: context.tipOffId } };
    }),
    touch: assign({ updatedAt: ({ event }) => event.meta.now }),
    report: assign(({ event }) => {
      const c = as(event, 'ReportHazard');
      return {
        ...emptyContext,
        hazardId: c.hazardId,
        jurisdiction: c.jurisdiction,
        upperJurisdiction: c.upperJurisdiction,
        location: c.location,
        title: c.title,
        description: c.description,
        source: c.source,
        inspectionId: c.inspectionId ?? null,
        tipOffId: c.tipOffId ?? null,
        attachments: c.attachments ?? [],
        findings: c.inspectionId === undefined ? [] : [{ inspectionId: c.inspectionId, note: c.description, at: c.meta.now, attachments: c.attachments ?? [] }],
        reportedBy: c.meta.actor.userId,
        reportedAt: c.meta.now,
      };
    }),
    verify: assign(({ event }) => ({ verifiedAt: event.meta.now, verifiedBy: event.meta.actor.userId })),
    dismiss: assign(({ event }) => ({ dismissedAt: event.meta.now, dismissReason: as(event, 'DismissHazard').reason })),
    grade: assign(({ event }) => {
      const c = as(event, 'GradeHazard');
      const rule = gradeHazard(c.criteria);
      if (rule === null) throw new Error('hazard machine: graded without a rule (guarded)');
      return { grade: rule.grade, grading: { rule: rule.id, source: rule.source, criteria: c.criteria, at: c.meta.now, by: c.meta.actor.userId } };
    }),
    assignRectification: assign(({ event }) => {
      const c = as(event, 'AssignRectification');
      return {
        rectification: {
          responsibleUnit: c.responsibleUnit,
          measures: c.measures,
          deadline: instant(c.deadline),
          plan: c.plan ?? null,
          interimControls: c.interimControls ?? [],
          assignedAt: c.meta.now,
          assignedBy: c.meta.actor.userId,
          round: 1,
        },
        overdue: false,
      };
    }),
    reportRectification: assign(({ context, event }) => {
      const c = as(event, 'ReportRectification');
      return { rectificationReports: [...context.rectificationReports, { at: c.meta.now, by: c.meta.actor.userId, summary: c.summary, attachments: c.attachments ?? [] }] };
    }),
    accept: assign(({ event }) => ({ acceptedAt: event.meta.now, acceptedBy: event.meta.actor.userId })),
    // 退回: it reopens under a new deadline, which the timers hold again; an escalation already made stays on record.
    returnRectification: assign(({ context, event }) => {
      const c = as(event, 'ReturnRectification');
      const current = context.rectification;
      if (current === null) throw new Error('hazard machine: a return without a rectification');
      const deadline = instant(c.deadline);
      return {
        rectification: { ...current, deadline, round: current.round + 1 },
        returns: [...context.returns, { at: c.meta.now, by: c.meta.actor.userId, reason: c.reason, previousDeadline: current.deadline, deadline }],
        overdue: false,
      };
    }),
    writeOff: assign({ writtenOffAt: ({ event }) => event.meta.now }),
    list: assign(({ event }) => {
      const c = as(event, 'ListForSupervision');
      return { listedSupervision: { by: c.meta.actor.userId, jurisdiction: c.meta.actor.jurisdiction, at: c.meta.now, deadline: instant(c.deadline), note: c.note, overdueAt: null } };
    }),
    escalate: assign(({ context, event }) => {
      const { dueAt } = as(event, 'DeadlinePassed');
      const to = context.upperJurisdiction;
      return { overdue: true, escalations: to === null ? context.escalations : [...context.escalations, { to, at: instant(dueAt), deadline: instant(dueAt) }] };
    }),
    supervisionOverdue: assign(({ context, event }) => {
      const listed = context.listedSupervision;
      return listed === null ? {} : { listedSupervision: { ...listed, overdueAt: instant(as(event, 'DeadlinePassed').dueAt) } };
    }),
    finding: assign(({ context, event }) => {
      const c = as(event, 'RecordInspectionFinding');
      return { findings: [...context.findings, { inspectionId: c.inspectionId, note: c.note, at: c.meta.now, attachments: c.attachments ?? [] }] };
    }),
    fine: assign(({ context, event }) => {
      const { amount, meta } = as(event, 'RecordFine');
      const tipOffId = context.tipOffId ?? '';
      return {
        fine: { amount, at: meta.now },
        reward: { amount: tipOffReward(amount), rule: TIP_OFF_REWARD_RULE.id, source: TIP_OFF_REWARD_RULE.source, tipOffId, decidedAt: meta.now, paidAt: null, paidAmount: null, reference: null },
      };
    }),
    payReward: assign(({ context, event }) => {
      const c = as(event, 'RecordRewardPayment');
      return context.reward === null ? {} : { reward: { ...context.reward, paidAt: c.meta.now, paidAmount: c.amount, reference: c.reference } };
    }),
    link: assign(({ context, event }) => ({ incidents: [...context.incidents, as(event, 'LinkHazardToIncident').incidentId] })),
  },
}).createMachine({
  id: 'hazard',
  initial: 'none',
  context: emptyContext,
  states: {
    none: { on: { ReportHazard: { target: 'reported', actions: ['report', 'record', 'touch'] } } },
    // 待核实: the tip-off intake queue, or an inspector's report awaiting its check.
    reported: {
      on: {
        ...FINDING,
        ...LINK,
        VerifyHazard: { target: 'verified', actions: ['verify', 'record', 'touch'] },
        DismissHazard: { target: 'dismissed', actions: ['dismiss', 'record', 'touch'] },
      },
    },
    // 已核实: awaiting its grade.
    verified: {
      on: {
        ...FINDING,
        ...LINK,
        GradeHazard: { guard: 'graded', target: 'graded', actions: ['grade', 'recordGrade', 'touch'] },
        RecordFine: { guard: 'fineable', actions: ['fine', 'recordFine', 'touch'] },
        RecordRewardPayment: { guard: 'rewardDue', actions: ['payReward', 'record', 'touch'] },
      },
    },
    // 已定级: graded, awaiting its rectification (a grade may still be revised).
    graded: {
      on: {
        ...FINDING,
        ...LINK,
        GradeHazard: { guard: 'graded', actions: ['grade', 'recordGrade', 'touch'] },
        AssignRectification: { guard: 'assignable', target: 'rectifying', actions: ['assignRectification', 'record', 'touch'] },
        ListForSupervision: { guard: 'listable', actions: ['list', 'record', 'touch'] },
        DeadlinePassed: { guard: 'supervisionDue', actions: ['supervisionOverdue', 'recordSupervisionOverdue', 'touch'] },
        RecordFine: { guard: 'fineable', actions: ['fine', 'recordFine', 'touch'] },
        RecordRewardPayment: { guard: 'rewardDue', actions: ['payReward', 'record', 'touch'] },
      },
    },
    // 整改中: under its deadline; overdue once it passes (escalated one level).
    rectifying: {
      on: {
        ...FINDING,
        ...LINK,
        ReportRectification: { target: 'rectificationReported', actions: ['reportRectification', 'record', 'touch'] },
        ListForSupervision: { guard: 'listable', actions: ['list', 'record', 'touch'] },
        DeadlinePassed: [
          { guard: 'rectificationDue', actions: ['escalate', 'recordEscalation', 'touch'] },
          { guard: 'supervisionDue', actions: ['supervisionOverdue', 'recordSupervisionOverdue', 'touch'] },
        ],
        RecordFine: { guard: 'fineable', actions: ['fine', 'recordFine', 'touch'] },
        RecordRewardPayment: { guard: 'rewardDue', actions: ['payReward', 'record', 'touch'] },
      },
    },
    // 已报整改完成: awaiting acceptance on inspection (验收).
    rectificationReported: {
      on: {
        ...FINDING,
        ...LINK,
        AcceptRectification: { target: 'accepted', actions: ['accept', 'record', 'touch'] },
        ReturnRectification: { guard: 'newDeadlineAhead', target: 'rectifying', actions: ['returnRectification', 'record', 'touch'] },
        ListForSupervision: { guard: 'listable', actions: ['list', 'record', 'touch'] },
        DeadlinePassed: { guard: 'supervisionDue', actions: ['supervisionOverdue', 'recordSupervisionOverdue', 'touch'] },
        RecordFine: { guard: 'fineable', actions: ['fine', 'recordFine', 'touch'] },
        RecordRewardPayment: { guard: 'rewardDue', actions: ['payReward', 'record', 'touch'] },
      },
    },
    // 已验收: awaiting 销号.
    accepted: {
      on: {
        ...FINDING,
        ...LINK,
        WriteOffHazard: { target: 'writtenOff', actions: ['writeOff', 'record', 'touch'] },
        RecordFine: { guard: 'fineable', actions: ['fine', 'recordFine', 'touch'] },
        RecordRewardPayment: { guard: 'rewardDue', actions: ['payReward', 'record', 'touch'] },
      },
    },
    // 已销号: closed, yet not final (nor tagged over): an incident may still name it, a reward still be paid.
    writtenOff: {
      on: {
        ...LINK,
        RecordFine: { guard: 'fineable', actions: ['fine', 'recordFine', 'touch'] },
        RecordRewardPayment: { guard: 'rewardDue', actions: ['payReward', 'record', 'touch'] },
      },
    },
    // 不予立案: not a hazard (or a repeat of a known one).
    dismissed: { type: 'final', tags: [OVER_TAG] },
  },
});

export const hazardAggregate: AggregateDefinition<typeof hazardMachine> = {
  streamType: 'hazard',
  machine: hazardMachine,
  eventFor: HAZARD_EVENT_FOR,
};
