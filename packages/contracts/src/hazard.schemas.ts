import { HAZARD_CRITERIA, HAZARD_GRADES, HAZARD_SOURCES, HAZARD_STATES } from '@muster/domain';
import { z } from 'zod';
import { CommandOptionsSchema, ComputedTimeSchema, IdSchema, IsoTimeSchema, JurisdictionCodeSchema } from './incident.schemas';

const text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max);

// ---- Hazards (风险隐患, issue 24) ------------------------------------------------------------------

/** A photo or file attached by reference: its name and where it is kept (a URL or a document number). */
const AttachmentSchema = z.strictObject({ name: text(200), ref: text(1000) });
const AttachmentsSchema = z.array(AttachmentSchema).max(50);

/** Map-free: the jurisdiction (county or township) from the tree, and the address. */
const HazardLocationSchema = z.strictObject({ jurisdiction: JurisdictionCodeSchema, address: text(500) });

/** The six parts of a 重大 rectification plan (安监总局令第16号 §15). */
const RectificationPlanSchema = z.strictObject({
  objectives: text(5000).meta({ description: '目标和任务' }),
  methods: text(5000).meta({ description: '方法和措施' }),
  funding: text(5000).meta({ description: '经费和物资' }),
  organisation: text(5000).meta({ description: '机构和人员' }),
  timeline: text(5000).meta({ description: '时限和要求' }),
  safetyMeasures: text(5000).meta({ description: '安全措施和应急预案' }),
});

/** Yuan, whole. */
const YuanSchema = z.int().min(0).max(1_000_000_000);

/**
 * Payloads of the hazard commands. The engine fills in `hazardId` (from the stream), `jurisdiction`
 * (the county of the location) and `upperJurisdiction` of ReportHazard; DeadlinePassed comes from the
 * timers. A tip-off's ReportHazard is sent by the public form's route, never by a person.
 */
export const HAZARD_COMMAND_SCHEMAS = {
  ReportHazard: z.strictObject({
    location: HazardLocationSchema,
    title: text(200),
    description: text(5000),
    source: z.enum(HAZARD_SOURCES),
    inspectionId: IdSchema.optional(),
    tipOffId: IdSchema.optional(),
    attachments: AttachmentsSchema.optional(),
  }),
  VerifyHazard: z.strictObject({ note: z.string().max(2000).optional() }),
  DismissHazard: z.strictObject({ reason: text(2000) }),
  GradeHazard: z.strictObject({
    criteria: z
      .array(z.enum(HAZARD_CRITERIA))
      .min(1, 'must name at least one criterion')
      .max(HAZARD_CRITERIA.length)
      .refine((c) => new Set(c).size === c.length, { message: 'must not repeat a criterion' }),
  }),
  AssignRectification: z.strictObject({
    responsibleUnit: text(200),
    measures: text(5000),
    deadline: IsoTimeSchema,
    plan: RectificationPlanSchema.optional(),
    interimControls: z.array(text(1000)).max(50).optional(),
  }),
  ReportRectification: z.strictObject({ summary: text(5000), attachments: AttachmentsSchema.optional() }),
  AcceptRectification: z.strictObject({ note: z.string().max(2000).optional() }),
  ReturnRectification: z.strictObject({ reason: text(2000), deadline: IsoTimeSchema }),
  WriteOffHazard: z.strictObject({ note: z.string().max(2000).optional() }),
  ListForSupervision: z.strictObject({ deadline: IsoTimeSchema, note: text(2000) }),
  RecordInspectionFinding: z.strictObject({ inspectionId: IdSchema, note: text(5000), attachments: AttachmentsSchema.optional() }),
  RecordFine: z.strictObject({ amount: YuanSchema.min(1) }),
  RecordRewardPayment: z.strictObject({ amount: YuanSchema.min(1), reference: text(200) }),
  LinkHazardToIncident: z.strictObject({ incidentId: IdSchema }),
  DeadlinePassed: z.strictObject({ key: z.string().min(1).max(100), dueAt: ComputedTimeSchema }),
} as const;

/** What people send to a reported hazard (the report has its own routes; DeadlinePassed is the timers'). */
const HAZARD_FILING_NAMES = [
  'VerifyHazard',
  'DismissHazard',
  'GradeHazard',
  'AssignRectification',
  'ReportRectification',
  'AcceptRectification',
  'ReturnRectification',
  'WriteOffHazard',
  'ListForSupervision',
  'RecordInspectionFinding',
  'RecordFine',
  'RecordRewardPayment',
  'LinkHazardToIncident',
] as const;

export const HAZARD_FILINGS = Object.fromEntries(HAZARD_FILING_NAMES.map((name) => [name, HAZARD_COMMAND_SCHEMAS[name]]));

/** A hazard found by a self-check (or by an inspection outside a recorded one): the room reports it. */
export const CreateHazardRequestSchema = CommandOptionsSchema.extend({
  hazardId: IdSchema.optional(),
  data: HAZARD_COMMAND_SCHEMAS.ReportHazard.omit({ source: true, inspectionId: true, tipOffId: true }).extend({ source: z.enum(['inspection', 'self_check']) }),
}).meta({ id: 'CreateHazardRequest' });

export const HazardCommandRequestSchema = CommandOptionsSchema.extend({
  type: z.enum(HAZARD_FILING_NAMES),
  data: z.record(z.string(), z.unknown()).optional(),
}).meta({ id: 'HazardCommandRequest', description: '`data` is checked against the schema of `type`' });

const booleanQuery = z.enum(['true', 'false']).transform((v) => v === 'true');

/** Filters of the register: grade, state, overdue, jurisdiction (the room and those below it), source, listed. */
export const HazardListQuerySchema = z.strictObject({
  jurisdiction: JurisdictionCodeSchema.optional(),
  grade: z.enum(HAZARD_GRADES).optional(),
  state: z.enum(HAZARD_STATES).optional(),
  overdue: booleanQuery.optional(),
  source: z.enum(HAZARD_SOURCES).optional(),
  /** Only those listed for supervision (挂牌督办) or escalated to the caller's room. */
  supervision: booleanQuery.optional(),
});

export const HazardViewSchema = z
  .looseObject({
    hazardId: z.string(),
    state: z.enum(HAZARD_STATES),
    version: z.int(),
    jurisdiction: z.string(),
    location: z.object({ jurisdiction: z.string(), address: z.string() }),
    title: z.string(),
    source: z.enum(HAZARD_SOURCES),
    grade: z.enum(HAZARD_GRADES).nullable(),
    overdue: z.boolean(),
    tipOffId: z.string().nullable(),
    description: z.string(),
    reportedAt: z.string(),
    rectification: z.looseObject({ responsibleUnit: z.string(), measures: z.string(), deadline: z.string(), round: z.int() }).nullable(),
    listedSupervision: z.looseObject({ jurisdiction: z.string(), deadline: z.string(), note: z.string(), overdueAt: z.string().nullable() }).nullable(),
    escalations: z.array(z.looseObject({ to: z.string(), at: z.string() })),
    incidents: z.array(z.string()),
    fine: z.looseObject({ amount: z.number() }).nullable(),
    reward: z.looseObject({ amount: z.number(), paidAt: z.string().nullable(), paidAmount: z.number().nullable() }).nullable(),
  })
  .meta({ id: 'Hazard' });
export const HazardListSchema = z.object({ items: z.array(HazardViewSchema) }).meta({ id: 'HazardList' });

/** One entry of a hazard's history: what happened, when, by whom (a person's name, never a reporter's identity). */
export const HazardHistorySchema = z
  .object({ items: z.array(z.object({ type: z.string(), version: z.int(), recordedAt: z.string(), actor: z.string(), data: z.record(z.string(), z.unknown()) })) })
  .meta({ id: 'HazardHistory' });

/** The hazards an incident came from, each with its history up to the incident's report. */
export const IncidentHazardsSchema = z
  .object({ items: z.array(z.object({ hazard: HazardViewSchema, history: HazardHistorySchema.shape.items })) })
  .meta({ id: 'IncidentHazards' });

// ---- Tip-offs (举报) ------------------------------------------------------------------------------

/** 举报人: the reporter's identity, kept apart from the hazard (TIP_OFF_IDENTITY_RULE says who reads it). */
const ReporterSchema = z.strictObject({
  name: text(100),
  phone: z.string().trim().regex(/^[0-9+\- ]{5,30}$/, 'must be a phone number (digits, +, - or spaces)'),
  idNumber: z
    .string()
    .trim()
    .regex(/^\d{17}[\dXx]$/, 'must be an 18-character resident identity number')
    .optional(),
  address: z.string().trim().max(500).optional(),
});

/** The public tip-off form (no login): where, what, and who reports it. */
export const TipOffFormSchema = z
  .strictObject({
    location: HazardLocationSchema,
    title: text(200),
    description: text(5000),
    attachments: AttachmentsSchema.optional(),
    reporter: ReporterSchema,
  })
  .meta({ id: 'TipOffForm' });

export const TipOffReceiptSchema = z.object({ tipOffId: z.string(), receivedAt: z.string() }).meta({ id: 'TipOffReceipt' });

export const TipOffReporterSchema = z
  .object({ tipOffId: z.string(), hazardId: z.string(), receivedAt: z.string(), reporter: z.object({ name: z.string(), phone: z.string(), idNumber: z.string().nullable(), address: z.string().nullable() }), rule: z.string() })
  .meta({ id: 'TipOffReporter' });

// ---- Inspections (明查暗访) -------------------------------------------------------------------------

const INSPECTION_KINDS = ['planned', 'unannounced'] as const;

/** A finding: a new hazard (location, title, description) or an existing one (hazardId) it updates. */
const FindingSchema = z.union([
  z.strictObject({ hazardId: IdSchema, note: text(5000), attachments: AttachmentsSchema.optional() }),
  z.strictObject({ location: HazardLocationSchema, title: text(200), description: text(5000), attachments: AttachmentsSchema.optional() }),
]);

export const InspectionSchema = z
  .strictObject({
    jurisdiction: JurisdictionCodeSchema,
    kind: z.enum(INSPECTION_KINDS),
    /** The unit or place inspected. */
    subject: text(200),
    inspectedAt: IsoTimeSchema,
    inspectors: z.array(text(100)).min(1).max(50),
    findings: z.array(FindingSchema).max(100),
    attachments: AttachmentsSchema.optional(),
  })
  .meta({ id: 'Inspection' });

export const InspectionViewSchema = z
  .looseObject({ inspectionId: z.string(), jurisdiction: z.string(), kind: z.enum(INSPECTION_KINDS), subject: z.string(), inspectedAt: z.string(), hazards: z.array(z.string()) })
  .meta({ id: 'InspectionView' });
export const InspectionListSchema = z.object({ items: z.array(InspectionViewSchema) }).meta({ id: 'InspectionList' });
