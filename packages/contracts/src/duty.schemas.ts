import { REPORT_CHANNELS } from '@muster/domain';
import { z } from 'zod';
import {
  CategorySchema,
  CommandOptionsSchema,
  ComputedTimeSchema,
  ExerciseFilterSchema,
  IdSchema,
  UserIdSchema,
  IsoTimeSchema,
  JurisdictionCodeSchema,
  SeveritySchema,
  SubtypeSchema,
} from './incident.schemas';
import { REPORTING_TERM_FIELDS } from './plan-rules.schemas';

const text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max);
const count = z.int().min(0).max(10_000_000);

const ReportTermsSchema = z.strictObject({
  rule: z.string().min(1).max(100),
  ...REPORTING_TERM_FIELDS,
  supplementaryWindowDays: z.int().min(1).max(366).nullable(),
  supplementaryRule: z.string().min(1).max(100).nullable(),
});

const ChainSchema = z
  .array(z.strictObject({ from: JurisdictionCodeSchema, to: JurisdictionCodeSchema, role: z.enum(['lead', 'relay']) }))
  .max(10);

// ---- Report obligation commands ------------------------------------------------------------------

const ReportedLossesSchema = z.strictObject({
  dead: count.optional(),
  injured: count.optional(),
  missing: count.optional(),
  economicLoss: z.number().min(0).max(1e13).optional(),
});

/** The fields of a 初报 (reference §1.3): when, where and what are required; the rest count towards completeness. */
const InitialReportContentSchema = z.strictObject({
  receivedAt: IsoTimeSchema.optional(),
  source: text(500).optional(),
  occurredAt: IsoTimeSchema,
  place: text(500),
  nature: text(500),
  scope: text(2000).optional(),
  losses: ReportedLossesSchema.optional(),
  trend: text(2000).optional(),
  leadersOnSite: text(2000).optional(),
  measures: text(5000).optional(),
  requests: z.string().max(5000).optional(),
});

/** What every filing may carry: its own id, and 越级上报 to a room past the one above. */
const filing = {
  reportId: IdSchema.optional(),
  directTo: JurisdictionCodeSchema.optional().meta({ description: '越级上报: a room above the receiving room that gets the report directly; the rooms between get a copy' }),
};
/** Names one report of the obligation: its key and the room that owes it (default: the lead). */
const reportKey = z.string().regex(/^(phone|initial|final|followUp-[1-9]\d{0,3}|supplementary-[1-9]\d{0,3})$/, 'must be phone, initial, final, followUp-<n> or supplementary-<n>');

/** Payloads of the report obligation commands, by command type; the engine parses each one. */
export const REPORT_COMMAND_SCHEMAS = {
  OpenReportObligation: z.strictObject({
    incidentId: IdSchema,
    severity: SeveritySchema,
    category: CategorySchema.nullable(),
    subtype: z.string().max(100).nullable(),
    receivedAt: IsoTimeSchema,
    occurredAt: IsoTimeSchema.nullable(),
    confirmedAt: IsoTimeSchema,
    lead: JurisdictionCodeSchema,
    chain: ChainSchema,
    exercise: z.boolean(),
    terms: ReportTermsSchema,
  }),
  AdjustReportObligation: z.strictObject({
    severity: SeveritySchema,
    category: CategorySchema.nullable(),
    subtype: z.string().max(100).nullable(),
    terms: ReportTermsSchema,
    chain: ChainSchema,
  }),
  RechargeReportObligation: z.strictObject({ lead: JurisdictionCodeSchema, chain: ChainSchema, reason: z.string().max(2000) }),
  RequireFinalReport: z.strictObject({ liftedAt: IsoTimeSchema }),
  RecordPhoneReport: z.strictObject({ ...filing, recipient: text(200), summary: text(5000) }),
  SubmitInitialReport: z.strictObject({ ...filing, content: InitialReportContentSchema, signedBy: text(100) }),
  SubmitFollowUpReport: z.strictObject({ ...filing, progress: text(10_000), losses: ReportedLossesSchema.optional(), signedBy: text(100) }),
  SubmitFinalReport: z.strictObject({ ...filing, summary: text(20_000), losses: ReportedLossesSchema.optional(), signedBy: text(100) }),
  SubmitSupplementaryReport: z.strictObject({ ...filing, losses: ReportedLossesSchema, note: text(5000), signedBy: text(100) }),
  AcknowledgeReport: z.strictObject({ key: reportKey, from: JurisdictionCodeSchema.optional(), note: z.string().max(2000).optional() }),
  ReturnReport: z.strictObject({ key: reportKey, from: JurisdictionCodeSchema.optional(), reason: text(2000) }),
  // Sent by the timers with the deadline the engine computed, which may lie past TIME_RANGE.latest.
  DeadlinePassed: z.strictObject({ key: z.string().min(1).max(120), dueAt: ComputedTimeSchema }),
} as const;

/** What people send over HTTP; the other report commands come from the engine and the timers. */
export const REPORT_FILING_NAMES = [
  'RecordPhoneReport',
  'SubmitInitialReport',
  'SubmitFollowUpReport',
  'SubmitFinalReport',
  'SubmitSupplementaryReport',
  'AcknowledgeReport',
  'ReturnReport',
] as const;

export const ReportCommandRequestSchema = CommandOptionsSchema.extend({
  type: z.enum(REPORT_FILING_NAMES),
  data: z.record(z.string(), z.unknown()).optional(),
}).meta({ id: 'ReportCommandRequest', description: '`data` is checked against the schema of `type`' });

// ---- Duty roster (值班表) -------------------------------------------------------------------------

/** 带班领导 (leader on duty) and 值班员 (duty officer). */
const DUTY_POSTS = ['leader', 'duty_officer'] as const;

export const DutyShiftSchema = z
  .strictObject({
    shiftId: IdSchema.optional(),
    jurisdiction: JurisdictionCodeSchema,
    post: z.enum(DUTY_POSTS),
    officer: z.strictObject({ userId: UserIdSchema, name: text(100), phone: z.string().max(50).optional() }),
    startsAt: IsoTimeSchema,
    endsAt: IsoTimeSchema,
  })
  .superRefine((shift, ctx) => {
    if (Date.parse(shift.endsAt) <= Date.parse(shift.startsAt)) ctx.addIssue({ code: 'custom', path: ['endsAt'], message: 'must be after startsAt' });
  })
  .meta({ id: 'DutyShift' });

export const ListShiftsQuerySchema = z
  .strictObject({ jurisdiction: JurisdictionCodeSchema, from: IsoTimeSchema.optional(), to: IsoTimeSchema.optional() })
  .meta({ id: 'ListShiftsQuery' });
export const OnDutyQuerySchema = z.strictObject({ jurisdiction: JurisdictionCodeSchema, at: IsoTimeSchema.optional() });

// ---- Watch log (值班记录): intake from every channel ---------------------------------------------

const WATCH_STATUSES = ['open', 'incident_created', 'attached', 'dismissed'] as const;
/** Channels where a person is on the other end: the log must name them and how to call them back. */
const PERSON_CHANNELS: readonly string[] = ['phone', 'informant', 'public', 'unit'];

/** One intake record with what the Zhaoqing notice asks the phone log to hold (reference §1.4). */
export const WatchEntrySchema = z
  .strictObject({
    entryId: IdSchema.optional(),
    jurisdiction: JurisdictionCodeSchema,
    channel: z.enum(REPORT_CHANNELS),
    /** When the report came in (the call, the post, the sensor alarm). */
    receivedAt: IsoTimeSchema,
    /** When and where it happened. */
    occurredAt: IsoTimeSchema.optional(),
    place: text(500),
    /** Cause, course, measures taken, result, impact and trend, as told. */
    cause: z.string().max(5000).optional(),
    course: text(10_000),
    measures: z.string().max(5000).optional(),
    result: z.string().max(5000).optional(),
    impact: z.string().max(5000).optional(),
    trend: z.string().max(5000).optional(),
    /** Whom the caller already told: leaders or units, and when. */
    informed: z.array(z.strictObject({ whom: text(200), at: IsoTimeSchema.optional() })).max(50).default([]),
    caller: z.strictObject({
      unit: z.string().max(200).optional(),
      name: z.string().trim().max(100).optional(),
      post: z.string().max(100).optional(),
      phone: z.string().max(50).optional(),
    }),
    /** The recorder's name as signed in the log; the recorder's user id and the time come from the server. */
    recorderName: text(100),
  })
  .superRefine((entry, ctx) => {
    if (!PERSON_CHANNELS.includes(entry.channel)) return;
    if (!entry.caller.name) ctx.addIssue({ code: 'custom', path: ['caller', 'name'], message: `is required for a ${entry.channel} report` });
    if (!entry.caller.phone) ctx.addIssue({ code: 'custom', path: ['caller', 'phone'], message: `is required for a ${entry.channel} report` });
  })
  .meta({ id: 'WatchEntry' });

export const TriageSchema = z
  .discriminatedUnion('action', [
    z.strictObject({
      action: z.literal('create_incident'),
      incidentId: IdSchema.optional(),
      incident: z.strictObject({
        title: text(200),
        description: z.string().max(10_000).optional(),
        category: CategorySchema.optional(),
        subtype: SubtypeSchema.optional(),
        severity: SeveritySchema.optional(),
        exercise: z.boolean().optional(),
      }),
    }),
    z.strictObject({ action: z.literal('attach'), incidentId: IdSchema }),
    z.strictObject({ action: z.literal('dismiss'), reason: text(2000) }),
  ])
  .meta({ id: 'Triage' });

export const ListWatchQuerySchema = z.strictObject({
  jurisdiction: JurisdictionCodeSchema,
  status: z.enum(WATCH_STATUSES).optional(),
  from: IsoTimeSchema.optional(),
  to: IsoTimeSchema.optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
  /** Real calls only (default), a drill's calls only (`true`), or both (`all`). */
  exercise: ExerciseFilterSchema,
});

// ---- Timeliness scores (考核通报) ------------------------------------------------------------------

export const ScoresQuerySchema = z
  .strictObject({ from: IsoTimeSchema, to: IsoTimeSchema, jurisdiction: JurisdictionCodeSchema.optional() })
  .superRefine((q, ctx) => {
    if (Date.parse(q.to) <= Date.parse(q.from)) ctx.addIssue({ code: 'custom', path: ['to'], message: 'must be after from' });
  });

export const ReportScoreSchema = z
  .object({
    jurisdiction: z.string(),
    /** Reports due in the period whose deadline has passed, or that were filed. */
    assessed: z.int(),
    onTime: z.int(),
    late: z.int(),
    /** Due, deadline passed, never filed. */
    missing: z.int(),
    /** onTime / assessed; null when nothing was assessed. */
    onTimeRate: z.number().nullable(),
    /** Over the late ones, in minutes. */
    meanLatenessMinutes: z.number().nullable(),
    worstLatenessMinutes: z.number().nullable(),
    /** Reports filed in the period (数量), with or without a deadline. */
    filed: z.int(),
    /** Filed reports holding every required field (内容完整), and their share. */
    complete: z.int(),
    completenessRate: z.number().nullable(),
    /** Times reports of the period were sent back for correction (退回). */
    returned: z.int(),
  })
  .meta({ id: 'ReportScore' });

