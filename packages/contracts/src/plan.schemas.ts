import { PLAN_KINDS, REVISION_SOURCES } from '@muster/domain';
import { z } from 'zod';
import { CategorySchema, IdSchema, IsoTimeSchema, JurisdictionCodeSchema } from './incident.schemas';

// ---- Plans (预案, issue 22): a plan per room and incident category, its versions and revision triggers ----

const text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max);

const PlanKindSchema = z.enum(PLAN_KINDS).meta({ description: 'overall 总体预案, special 专项预案, departmental 部门预案, grassroots 基层预案' });
const RevisionSourceSchema = z.enum(REVISION_SOURCES);

/** What one version of a plan says: who owns it, the measures per response level, when it is to be reviewed. */
const PlanVersionContentSchema = z.strictObject({
  /** 编制/牵头单位 and the person responsible for the plan. */
  owner: z.strictObject({ unit: text(200), person: text(100) }),
  summary: z.string().trim().max(10_000).default(''),
  /** 分级响应措施: what the room does at each response level, I (highest) to IV. */
  measures: z.strictObject({ I: text(10_000), II: text(10_000), III: text(10_000), IV: text(10_000) }),
  /** 评估/修订日期 the plan sets itself; null (or left out) when it sets none. */
  reviewBy: IsoTimeSchema.nullable().default(null),
  /** What changed in this version (修订说明). */
  note: z.string().trim().max(5000).default(''),
});

export const CreatePlanSchema = z
  .strictObject({
    planId: IdSchema.optional(),
    /** The room whose plan it is; only that room keeps it. */
    jurisdiction: JurisdictionCodeSchema,
    category: CategorySchema,
    kind: PlanKindSchema.default('special'),
    title: text(200),
    /** When the plan was last drilled before it was entered here (null: never). */
    lastDrilledAt: IsoTimeSchema.nullable().default(null),
    version: PlanVersionContentSchema,
  })
  .meta({ id: 'CreatePlan' });

export const PublishPlanVersionSchema = z
  .strictObject({
    /** The version the editor started from: another version published meanwhile is a 409. */
    basedOn: z.int().min(1).max(100_000),
    title: text(200).optional(),
    version: PlanVersionContentSchema,
  })
  .meta({ id: 'PublishPlanVersion' });

export const RequestPlanRevisionSchema = z
  .strictObject({
    source: RevisionSourceSchema,
    /** The drill, incident or change record that asks (its id or number). */
    ref: text(200),
    reason: text(2000),
    /** When it asked (default now): an AAR/IP's date. */
    at: IsoTimeSchema.optional(),
  })
  .meta({ id: 'RequestPlanRevision' });

export const RecordPlanDrillSchema = z
  .strictObject({
    /** The drill (its id or name). */
    ref: text(200),
    endedAt: IsoTimeSchema,
  })
  .meta({ id: 'RecordPlanDrill' });

export const ListPlansQuerySchema = z.strictObject({
  jurisdiction: JurisdictionCodeSchema.optional(),
  category: CategorySchema.optional(),
});

const PlanVersionViewSchema = z.object({
  version: z.number(),
  issuedAt: z.string(),
  issuedBy: z.string(),
  owner: z.object({ unit: z.string(), person: z.string() }),
  summary: z.string(),
  measures: z.object({ I: z.string(), II: z.string(), III: z.string(), IV: z.string() }),
  reviewBy: z.string().nullable(),
  note: z.string(),
});

const RevisionReasonSchema = z.discriminatedUnion('trigger', [
  z.object({ trigger: z.literal('reviewDate'), since: z.string() }),
  z.object({ trigger: z.literal('drillOverdue'), since: z.string(), intervalYears: z.number() }),
  z.object({ trigger: z.literal('revisionAsked'), source: RevisionSourceSchema, ref: z.string(), since: z.string(), reason: z.string() }),
]);

const PlanSummarySchema = z.object({
  planId: z.string(),
  jurisdiction: z.string(),
  category: CategorySchema,
  kind: PlanKindSchema,
  title: z.string(),
  current: PlanVersionViewSchema,
  lastDrilledAt: z.string().nullable(),
  /** 修订到期: a revision trigger fired since the current version was issued; `dueReasons` say which. */
  due: z.boolean(),
  dueReasons: z.array(RevisionReasonSchema),
});

export const PlanViewSchema = PlanSummarySchema.extend({
  createdAt: z.string(),
  createdBy: z.string(),
  /** Every version, newest first (the current one included). */
  versions: z.array(PlanVersionViewSchema),
  drills: z.array(z.object({ ref: z.string(), at: z.string(), recordedBy: z.string() })),
  revisionRequests: z.array(z.object({ source: RevisionSourceSchema, ref: z.string(), reason: z.string(), at: z.string(), recordedBy: z.string() })),
}).meta({ id: 'Plan' });

export const PlanListSchema = z.object({ items: z.array(PlanSummarySchema) }).meta({ id: 'PlanList' });

/** The plan in force for an incident's category and room (its own, else the nearest room above's); null when none. */
export const IncidentPlanSchema = z.object({ plan: PlanSummarySchema.nullable() }).meta({ id: 'IncidentPlan' });

export type PlanView = z.infer<typeof PlanViewSchema>;
export type PlanSummary = z.infer<typeof PlanSummarySchema>;
