import { CAPABILITY_RATINGS, DRILL_KINDS, DRILL_STATES, INCIDENT_CATEGORIES, INCIDENT_SUBTYPES, INJECT_KINDS } from '@muster/domain';
import { z } from 'zod';
import { CommandOptionsSchema, ComputedTimeSchema, IdSchema, IsoTimeSchema, JurisdictionCodeSchema, LocationSchema } from './incident.schemas';

const text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max);
const figure = z.int().min(0).max(1_000_000).optional();

// ---- Drills (演练, issue 22) --------------------------------------------------------------------

/** An inject of the MSEL: what reaches the players when, as a call, a scene report, an alarm or a figure. */
const InjectSchema = z.strictObject({
  injectId: IdSchema,
  kind: z.enum(INJECT_KINDS),
  dueAt: IsoTimeSchema,
  /** The drill incident it goes into; absent: the drill's first incident (or a new one if it has none). */
  incidentId: IdSchema.optional(),
  content: text(2000),
  /** What the controller expects the players to do; never shown to them. */
  expectedAction: text(2000).optional(),
  /** The figures of a scene report or a rising casualty figure. */
  figures: z.strictObject({ dead: figure, injured: figure, missing: figure, trapped: figure, evacuated: figure }).optional(),
});

const CapabilitySchema = z.strictObject({
  capability: text(200),
  rating: z.enum(CAPABILITY_RATINGS).meta({ description: 'HSEEP: P performed without challenges, S with some, M with major challenges, U unable to be performed' }),
  strengths: z.array(text(2000)).max(50),
  improvements: z.array(text(2000)).max(50),
});

const CorrectiveActionSchema = z.strictObject({
  actionId: IdSchema,
  action: text(2000),
  /** The room that owes it: the controller or a participant. */
  owner: JurisdictionCodeSchema,
  deadline: IsoTimeSchema,
});

const codes = z
  .array(JurisdictionCodeSchema)
  .min(1, 'must name at least one room')
  .max(20)
  .refine((list) => new Set(list).size === list.length, { message: 'must not repeat a room' });

/**
 * Payloads of the drill commands, by command type. The engine fills in `drillId` (from the stream)
 * and `controller` (the sender's room) of PlanDrill; DeadlinePassed and MarkCorrectiveActionOverdue
 * come from the timers.
 */
export const DRILL_COMMAND_SCHEMAS = {
  PlanDrill: z.strictObject({
    title: text(200),
    kind: z.enum(DRILL_KINDS),
    /** 双盲: the participants are told neither time nor scenario until the drill ends. */
    doubleBlind: z.boolean(),
    participants: codes,
    objectives: z.array(text(500)).min(1, 'must state at least one objective').max(30),
    scenario: text(10_000),
    /** The plan (预案) the drill exercises: its id in the plan library. */
    planId: IdSchema.optional(),
    scheduledStart: IsoTimeSchema.optional(),
    injects: z.array(InjectSchema).max(200).optional(),
  }),
  AddInject: z.strictObject({ inject: InjectSchema }),
  SkipInject: z.strictObject({ injectId: IdSchema, reason: z.string().max(2000).optional() }),
  StartDrill: z.strictObject({}),
  LinkDrillIncident: z.strictObject({ incidentId: IdSchema }),
  PauseInjects: z.strictObject({ reason: z.string().max(2000).optional() }),
  ResumeInjects: z.strictObject({}),
  EndDrill: z.strictObject({}),
  RecordObservation: z.strictObject({ objective: text(500), note: text(5000) }),
  RecordHotWash: z.strictObject({ note: text(5000) }),
  DraftAfterActionReport: z.strictObject({
    capabilities: z.array(CapabilitySchema).min(1, 'must rate at least one capability').max(50),
    correctiveActions: z.array(CorrectiveActionSchema).max(100),
    /** Why the drilled plan must be revised (修编), when the AAR/IP asks for it. */
    planRevision: text(2000).optional(),
  }),
  CloseDrill: z.strictObject({}),
  CancelDrill: z.strictObject({ reason: text(2000) }),
  DeadlinePassed: z.strictObject({ key: z.string().min(1).max(120), dueAt: ComputedTimeSchema, incidentId: IdSchema.optional() }),
  CloseCorrectiveAction: z.strictObject({ actionId: IdSchema, closure: text(5000) }),
  MarkCorrectiveActionOverdue: z.strictObject({ key: z.string().min(1).max(120), dueAt: ComputedTimeSchema }),
} as const;

/** What people send to a planned drill; planning and starting have their own routes, the timers send the rest. */
const DRILL_FILING_NAMES = [
  'AddInject',
  'SkipInject',
  'LinkDrillIncident',
  'PauseInjects',
  'ResumeInjects',
  'EndDrill',
  'RecordObservation',
  'RecordHotWash',
  'DraftAfterActionReport',
  'CloseDrill',
  'CancelDrill',
  'CloseCorrectiveAction',
] as const;

export const DRILL_FILINGS = Object.fromEntries(DRILL_FILING_NAMES.map((name) => [name, DRILL_COMMAND_SCHEMAS[name]]));

export const PlanDrillRequestSchema = CommandOptionsSchema.extend({
  drillId: IdSchema.optional(),
  data: DRILL_COMMAND_SCHEMAS.PlanDrill,
}).meta({ id: 'PlanDrillRequest' });

/**
 * StartEx: the drill's incidents are attached (exercise incidents the controller can see) and/or one
 * is opened (reported with `exercise: true` into a participant's room); the injects' clock starts.
 */
export const StartDrillRequestSchema = z
  .strictObject({
    commandId: IdSchema.optional(),
    attach: z
      .array(IdSchema)
      .max(20)
      .refine((ids) => new Set(ids).size === ids.length, { message: 'must not repeat an incident' })
      .optional(),
    open: z
      .strictObject({
        title: text(200),
        leadJurisdiction: JurisdictionCodeSchema,
        description: z.string().max(10_000).optional(),
        category: z.enum(INCIDENT_CATEGORIES).optional(),
        subtype: z.enum(INCIDENT_SUBTYPES).optional(),
        location: LocationSchema.optional(),
      })
      .optional(),
  })
  .meta({ id: 'StartDrillRequest' });

export const DrillCommandRequestSchema = CommandOptionsSchema.extend({
  type: z.enum(DRILL_FILING_NAMES),
  data: z.record(z.string(), z.unknown()).optional(),
}).meta({ id: 'DrillCommandRequest', description: '`data` is checked against the schema of `type`' });

export const DrillFeedQuerySchema = z.strictObject({
  /** The last position read (an item's `position`): only what came after it. */
  after: z
    .string()
    .regex(/^\d{1,20}\.\d{1,20}$/, 'must be a position of an earlier item')
    .optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(500),
});

export const DrillViewSchema = z
  .looseObject({
    drillId: z.string(),
    state: z.enum(DRILL_STATES),
    version: z.int(),
    /** How the caller's room takes part: its controller (导调) or a participant. */
    role: z.enum(['controller', 'participant']),
    title: z.string(),
    kind: z.enum(DRILL_KINDS),
    doubleBlind: z.boolean(),
    controller: z.string(),
    participants: z.array(z.string()),
    incidents: z.array(z.string()),
    injects: z.array(z.looseObject({ injectId: z.string(), kind: z.enum(INJECT_KINDS), status: z.enum(['scheduled', 'delivered', 'skipped']) })),
    injectsPaused: z.boolean(),
    correctiveActions: z.array(z.looseObject({ actionId: z.string(), owner: z.string(), deadline: z.string(), closedAt: z.string().nullable(), overdueAt: z.string().nullable() })),
  })
  .meta({ id: 'Drill' });
export const DrillListSchema = z.object({ items: z.array(DrillViewSchema) }).meta({ id: 'DrillList' });

export const StartDrillAnswerSchema = z
  .object({ drill: z.looseObject({ streamId: z.string(), version: z.int(), state: z.string() }), incidents: z.array(z.string()) })
  .meta({ id: 'StartDrillAnswer' });

/** One entry of the controller's feed: an inject delivered, a participant's response, or the drill's own steps. */
const DrillFeedItemSchema = z.object({
  position: z.string(),
  /** inject: the drill records an inject delivered; delivery: what the timers put into an incident; response: a participant's command on a drill incident; control: the controller's steps. */
  kind: z.enum(['inject', 'delivery', 'response', 'control']),
  streamId: z.string(),
  streamType: z.string(),
  incidentId: z.string().nullable(),
  type: z.string(),
  recordedAt: z.string(),
  occurredAt: z.string(),
  actor: z.string(),
  actorJurisdiction: z.string(),
  data: z.record(z.string(), z.unknown()),
});
export const DrillFeedSchema = z.object({ items: z.array(DrillFeedItemSchema), next: z.string().nullable() }).meta({ id: 'DrillFeed' });
