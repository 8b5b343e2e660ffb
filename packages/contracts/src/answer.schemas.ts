import { z } from 'zod';
import { ERROR_CODES } from './errors';
import { ReportScoreSchema } from './duty.schemas';
import { ActorSchema, IncidentViewSchema, JurisdictionCodeSchema } from './incident.schemas';
import { PlanRulesSchema } from './plan-rules.schemas';

/**
 * What the api answers, route by route (the route catalog names one per route). They are checked by
 * the client as far as a console relies on them (loose objects: a field added later passes through)
 * and published in the OpenAPI document.
 */

/** The one error model of every refusal. */
export const ErrorBodySchema = z
  .object({
    error: z.object({
      code: z.enum(ERROR_CODES),
      message: z.string(),
      issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
      details: z.record(z.string(), z.unknown()).optional(),
    }),
  })
  .meta({ id: 'Error' });

export const HealthSchema = z.object({ status: z.literal('ok') }).meta({ id: 'Health' });
/**
 * `/health/ready`: whether this process can serve commands now (200) or not (503), each check with
 * what it found; `reasons` repeats the failed checks' details, empty when ready.
 */
export const ReadinessSchema = z
  .object({
    status: z.enum(['ok', 'unavailable']),
    reasons: z.array(z.string()),
    checks: z.array(z.object({ name: z.string(), ok: z.boolean(), detail: z.string() })),
  })
  .meta({ id: 'Readiness' });
export const OpenApiDocumentSchema = z.looseObject({ openapi: z.string(), paths: z.record(z.string(), z.unknown()) });

const PersonViewSchema = z.looseObject({ userId: z.string(), name: z.string(), unit: z.string().optional(), phone: z.string().optional() }).meta({ id: 'PersonView' });

export const LoginAnswerSchema = z
  .object({
    token: z.string(),
    expiresAt: z.string(),
    user: z.looseObject({ userId: z.string(), roles: z.array(z.string()), jurisdiction: z.string(), name: z.string().optional() }),
  })
  .meta({ id: 'LoginAnswer' });
export const MeSchema = ActorSchema.meta({ id: 'Me' });
export const JurisdictionSchema = z
  .looseObject({ code: z.string(), name: z.string(), nameEn: z.string().optional(), level: z.string().optional(), parent: z.string().nullable().optional() })
  .meta({ id: 'Jurisdiction' });
export const JurisdictionListSchema = z.object({ items: z.array(JurisdictionSchema) });
/** One person of the login directory, as the console's pickers show them (GET /people). */
const DirectoryPersonSchema = z
  .object({ userId: z.string(), name: z.string(), roles: z.array(z.string()), jurisdiction: z.string() })
  .meta({ id: 'DirectoryPerson' });
export const PeopleListSchema = z.object({ items: z.array(DirectoryPersonSchema) }).meta({ id: 'PeopleList' });
export const ConsoleConfigSchema = z
  .object({
    gateway: z.object({ port: z.int(), path: z.string() }),
    demoUsers: z.array(z.object({ username: z.string(), name: z.string(), roles: z.array(z.string()), jurisdiction: z.string() })),
  })
  .meta({ id: 'ConsoleConfig' });

const SceneReportViewSchema = z.looseObject({
  reportId: z.string(),
  dead: z.number().nullable().optional(),
  injured: z.number().nullable().optional(),
  missing: z.number().nullable().optional(),
  trapped: z.number().nullable().optional(),
  evacuated: z.number().nullable().optional(),
  sheltered: z.number().nullable().optional(),
  resourcesOnScene: z.string().optional(),
  objectives: z.string().optional(),
  needs: z.string().optional(),
});
/** The on-scene command structure (现场指挥) of an incident. */
export const SceneViewSchema = z
  .looseObject({
    incidentId: z.string(),
    state: z.string(),
    version: z.int(),
    commander: PersonViewSchema.nullable(),
    deputies: z.array(PersonViewSchema),
    // Timed transfers (issue 20): when an offer lapses and the effective time it proposes; when an accepted transfer takes effect.
    offers: z.array(z.looseObject({ offerId: z.string(), to: PersonViewSchema, expiresAt: z.string().nullable().optional(), effectiveAt: z.string().optional() })),
    pendingTransfer: z.looseObject({ offerId: z.string(), to: PersonViewSchema.optional(), effectiveAt: z.string().optional() }).nullable(),
    agencies: z.array(z.unknown()),
    commandPost: z.unknown().nullable(),
    latestReport: SceneReportViewSchema.nullable(),
  })
  .meta({ id: 'SceneView' });

export const ResourceRequestViewSchema = z
  .looseObject({
    requestId: z.string(),
    state: z.string(),
    items: z.array(z.looseObject({ kind: z.string(), quantity: z.number(), priority: z.string().optional(), deliverTo: z.string().optional() })).optional(),
  })
  .meta({ id: 'ResourceRequestView' });
export const ResourceRequestListSchema = z.object({ items: z.array(ResourceRequestViewSchema) });

export const DepotViewSchema = z
  .object({
    depotId: z.string(),
    name: z.string(),
    jurisdiction: z.string(),
    location: z.string().nullable(),
    stock: z.array(z.object({ kind: z.string(), quantity: z.int(), returnable: z.boolean() })),
  })
  .meta({ id: 'DepotView' });
export const DepotListSchema = z.object({ items: z.array(DepotViewSchema) });
const TeamStatusViewSchema = z.enum(['available', 'assigned', 'out_of_service']);
export const TeamViewSchema = z
  .object({
    teamId: z.string(),
    name: z.string(),
    jurisdiction: z.string(),
    specialty: z.string().nullable(),
    status: TeamStatusViewSchema,
    incidentId: z.string().nullable(),
  })
  .meta({ id: 'TeamView' });
export const TeamListSchema = z.object({ items: z.array(TeamViewSchema) });
export const CreatedTeamSchema = z.looseObject({ teamId: z.string(), name: z.string(), jurisdiction: z.string(), status: TeamStatusViewSchema });
export const TeamStatusAnswerSchema = z.object({ teamId: z.string(), status: TeamStatusViewSchema });

export const ShiftViewSchema = z
  .object({
    shiftId: z.string(),
    jurisdiction: z.string(),
    post: z.enum(['leader', 'duty_officer']),
    officer: z.object({ userId: z.string(), name: z.string(), phone: z.string().nullable() }),
    startsAt: z.string(),
    endsAt: z.string(),
    createdBy: z.string(),
  })
  .meta({ id: 'ShiftView' });
export const ShiftListSchema = z.object({ items: z.array(ShiftViewSchema) });
export const OnDutySchema = z.object({ jurisdiction: z.string(), at: z.string(), items: z.array(ShiftViewSchema) });

/** A watch log entry as stored: the intake plus recorder, status and triage added by the server. */
export const WatchEntryViewSchema = z
  .looseObject({
    entryId: z.string(),
    jurisdiction: z.string(),
    channel: z.string(),
    receivedAt: z.string(),
    place: z.string(),
    course: z.string(),
    caller: z.looseObject({ name: z.string().optional(), phone: z.string().optional(), unit: z.string().optional() }),
    recorderName: z.string(),
    status: z.enum(['open', 'incident_created', 'attached', 'dismissed']),
    incidentId: z.string().nullable(),
  })
  .meta({ id: 'WatchEntryView' });
export const WatchEntryListSchema = z.object({ items: z.array(WatchEntryViewSchema) });
export const TriageAnswerSchema = z.object({ entry: WatchEntryViewSchema, incident: z.unknown().optional() });

/** One report a room owes or filed: who owes it to whom, when it is due, and what became of it. */
export const ReportItemViewSchema = z.looseObject({
  /** `<owing room>/<key>`. */
  id: z.string(),
  key: z.string(),
  kind: z.enum(['phone', 'initial', 'followUp', 'final', 'supplementary']),
  number: z.number().nullable(),
  from: z.string(),
  to: z.string(),
  dueAt: z.string().nullable(),
  firstDueAt: z.string().nullable(),
  submittedAt: z.string().nullable(),
  submittedBy: z.string().nullable(),
  firstSubmittedAt: z.string().nullable(),
  overdueAt: z.string().nullable(),
  receivedAt: z.string().nullable(),
  receivedBy: z.string().nullable(),
  directTo: z.string().nullable(),
  copiedTo: z.array(z.string()),
  missingFields: z.array(z.string()),
  returns: z.array(z.looseObject({ at: z.string(), by: z.string(), reason: z.string(), submittedAt: z.string().nullable() })),
});
const ReportLineViewSchema = z.looseObject({ from: z.string(), to: z.string(), role: z.enum(['lead', 'relay']), clockFrom: z.string(), since: z.string() });
/** The report obligation (信息报送) of an incident: the chain of rooms that owe, each report, and the pending deadlines. */
export const ReportsViewSchema = z
  .looseObject({
    state: z.string(),
    version: z.int(),
    lead: z.string().optional(),
    receivedAt: z.string().nullable().optional(),
    lines: z.array(ReportLineViewSchema).optional(),
    items: z.array(ReportItemViewSchema).optional(),
    terms: z.looseObject({ rule: z.string(), supplementaryWindowDays: z.number().nullable(), correctionWithinMinutes: z.number().nullable() }).nullable().optional(),
    deadlines: z.array(z.looseObject({ key: z.string(), dueAt: z.string() })),
  })
  .meta({ id: 'ReportsView' });
/** Where one section of the rules in force comes from: a jurisdiction's file (or `*`, the defaults) and its version. */
const SectionSourceSchema = z.object({ jurisdiction: z.string(), version: z.string() });
/** GET /rules: the plan rules in force in a jurisdiction, every section present, each with its origin. */
export const RulesViewSchema = z
  .object({
    jurisdiction: JurisdictionCodeSchema,
    rules: PlanRulesSchema.required({ reporting: true, supplementary: true, responseAuthority: true, linkage: true, grading: true, upperRoomRights: true }).meta({
      id: 'PlanRulesInForce',
      description: 'Every section of the plan rules, each from the nearest file that has it',
    }),
    sources: z.object({
      reporting: SectionSourceSchema,
      supplementary: SectionSourceSchema,
      responseAuthority: SectionSourceSchema,
      linkage: SectionSourceSchema,
      grading: SectionSourceSchema,
      upperRoomRights: SectionSourceSchema,
    }),
  })
  .meta({ id: 'RulesView' });
export const ScoresAnswerSchema = z.object({ from: z.string(), to: z.string(), asOf: z.string(), items: z.array(ReportScoreSchema) }).meta({ id: 'Scores' });

export const TimelineEntrySchema = z
  .looseObject({
    eventId: z.string(),
    position: z.string(),
    streamId: z.string(),
    streamType: z.string(),
    version: z.int(),
    type: z.string(),
    occurredAt: z.string(),
    recordedAt: z.string(),
    actor: z.string(),
    actorJurisdiction: z.string(),
    jurisdiction: z.string(),
    data: z.record(z.string(), z.unknown()),
    correctedBy: z.array(z.unknown()),
  })
  .meta({ id: 'TimelineEntry' });
export const TimelinePageSchema = z.object({ items: z.array(TimelineEntrySchema), next: z.string().nullable() }).meta({ id: 'TimelinePage' });
export const TimelineExportSchema = z.object({ incidentId: z.string(), items: z.array(TimelineEntrySchema) });
export const StateAtViewSchema = z
  .looseObject({
    incidentId: z.string(),
    at: z.string(),
    basis: z.string(),
    incident: IncidentViewSchema.extend({ unapplied: z.unknown().optional() }).nullable(),
    scene: z.looseObject({ state: z.looseObject({ value: z.string(), context: z.record(z.string(), z.unknown()) }).optional() }).nullable(),
  })
  .meta({ id: 'StateAtView' });
const minutes = z.number().nullable();
export const MetricsSchema = z
  .looseObject({
    incidentId: z.string(),
    reportedAt: z.string().nullable(),
    minutesTo: z.record(z.string(), minutes),
    commanderTenures: z.array(z.looseObject({ commander: PersonViewSchema, kind: z.string(), from: z.string(), until: z.string().nullable(), minutes })),
    resourceLeadTimes: z.array(z.looseObject({ requestId: z.string(), state: z.string(), minutes })),
    reportLateness: z.array(z.looseObject({ key: z.string(), kind: z.string(), owedBy: z.string(), dueAt: z.string().nullable(), submittedAt: z.string().nullable(), minutesLate: minutes })),
    /** The linked warnings (issue 21): the first one's release, and the share acknowledged within each deadline. */
    warnings: z.looseObject({
      firstWarningAt: z.string().nullable(),
      shareAcknowledgedWithinDeadline: z.number().nullable(),
      items: z.array(z.looseObject({ warningId: z.string(), level: z.string(), issuedAt: z.string().nullable(), recipients: z.int(), acknowledged: z.int(), acknowledgedWithinDeadline: z.int(), shareAcknowledgedWithinDeadline: z.number().nullable() })),
    }),
  })
  .meta({ id: 'Metrics' });

/** Files the api answers as text (CSV with a BOM, printable HTML). */
export const TextFileSchema = z.string();
