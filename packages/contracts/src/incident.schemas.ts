import { INCIDENT_CATEGORIES, INCIDENT_STATES, INCIDENT_SUBTYPES, REPORT_CHANNELS, ROLES, SEVERITIES } from '@muster/domain';
import { z } from 'zod';

const text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max);

export const SeveritySchema = z.enum(SEVERITIES).meta({ description: 'I 特别重大 (highest) … IV 一般' });
export const CategorySchema = z.enum(INCIDENT_CATEGORIES);
export const RoleSchema = z.enum(ROLES);
const IncidentStateSchema = z.enum(INCIDENT_STATES);
/**
 * An administrative division code: six digits (GB/T 2260) for a province, city or county-level unit,
 * e.g. 441203 for 鼎湖区; nine (GB/T 10114: the county's code and three digits) for a township or
 * street (乡镇、街道), e.g. 441203100.
 */
export const JurisdictionCodeSchema = z.string().regex(/^(\d{6}|\d{9})$/, 'must be a 6-digit (GB/T 2260) or 9-digit (GB/T 10114) administrative code');
/**
 * The instants Muster takes from outside (bodies, query strings): from 2000-01-01 to 2100-12-31 UTC.
 * Anything else is a typo or an attack (year 0000 is no PostgreSQL date; 9999 plus a deadline
 * overflows the ISO format), so it is refused before it reaches the engine or PostgreSQL.
 */
export const TIME_RANGE = { earliest: '2000-01-01T00:00:00.000Z', latest: '2100-12-31T23:59:59.999Z' } as const;
/** The longest term of a deadline rule (a report due a year after the fact): see `minutes` in duty.schemas.ts. */
export const MAX_TERM_MINUTES = 366 * 24 * 60;

const EARLIEST_MS = Date.parse(TIME_RANGE.earliest);
const LATEST_MS = Date.parse(TIME_RANGE.latest);

/** An ISO 8601 instant with its offset (calendar days checked by zod), as an instant within [earliestMs, latestMs]. */
function isoTimeWithin(earliestMs: number, latestMs: number) {
  const message = `must be between ${new Date(earliestMs).toISOString()} and ${new Date(latestMs).toISOString()}`;
  return z.iso.datetime({ offset: true }).refine(
    (value) => {
      const at = Date.parse(value);
      return at >= earliestMs && at <= latestMs;
    },
    // Only a well-formed time is range-checked: one issue per field, not two.
    { message, when: (payload) => payload.issues.length === 0 },
  );
}

/** A time sent by a client: within TIME_RANGE. */
export const IsoTimeSchema = isoTimeWithin(EARLIEST_MS, LATEST_MS);
/**
 * A time the engine computes from accepted ones: a deadline is at most MAX_TERM_MINUTES after a time
 * within TIME_RANGE, so it can be that much later (and no later: nothing computed can overflow).
 */
export const ComputedTimeSchema = isoTimeWithin(EARLIEST_MS, LATEST_MS + MAX_TERM_MINUTES * 60_000);
/**
 * A user id as identity providers issue them (often dotted or an e-mail address). User ids never
 * travel in NATS subjects, so dots are allowed here.
 */
export const UserIdSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.@-]{0,199}$/, 'must be 1–200 letters, digits, _ . @ or -');

/** Ids travel in URLs and NATS subject tokens, so they hold no dots, spaces or wildcards. */
export const IdSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/, 'must be 1–100 letters, digits, _ or -');

export const LocationSchema = z.strictObject({
  description: text(500),
  lat: z.number().min(-90).max(90).optional(),
  lon: z.number().min(-180).max(180).optional(),
});

export const SubtypeSchema = z.enum(INCIDENT_SUBTYPES).meta({ description: 'A finer kind within the category (road_traffic, fire, …)' });
const figure = z.int().min(0).max(1_000_000_000_000);
const SuggestionFiguresSchema = z.strictObject({ dead: figure.optional(), injured: figure.optional(), economicLoss: figure.optional() });

/** Payload of ReportIncident, the command that opens an incident stream (POST /incidents). */
export const ReportIncidentSchema = z.strictObject({
  title: text(200),
  description: z.string().max(10_000).optional(),
  category: CategorySchema.optional(),
  subtype: SubtypeSchema.optional(),
  severity: SeveritySchema.optional(),
  /** 接报: when the room received the first report (the watch log's receipt); kept between occurredAt and now. */
  receivedAt: IsoTimeSchema.optional(),
  leadJurisdiction: JurisdictionCodeSchema,
  location: LocationSchema.optional(),
  source: z.enum(REPORT_CHANNELS).optional(),
  exercise: z.boolean().optional(),
});

/** Payloads of the commands sent to an existing incident, by command type. */
export const INCIDENT_COMMAND_SCHEMAS = {
  BeginVerification: z.strictObject({ note: z.string().max(2000).optional() }),
  ConfirmIncident: z.strictObject({
    category: CategorySchema.optional(),
    subtype: SubtypeSchema.optional(),
    severity: SeveritySchema.optional(),
    note: z.string().max(2000).optional(),
  }),
  DismissIncident: z.strictObject({ reason: text(2000) }),
  BeginInitialHandling: z.strictObject({ measures: text(5000) }),
  ActivateResponse: z.strictObject({
    level: SeveritySchema,
    matters: z.string().max(5000).optional(),
    measures: text(5000),
    expectedDuration: z.string().max(200).optional(),
  }),
  ChangeResponseLevel: z.strictObject({ level: SeveritySchema, reason: text(2000) }),
  ClassifyIncident: z.strictObject({
    category: CategorySchema,
    subtype: SubtypeSchema.optional(),
    severity: SeveritySchema,
    reason: z.string().max(2000).optional(),
  }),
  UpdateIncidentDetails: z.strictObject({
    title: text(200).optional(),
    description: z.string().max(10_000).optional(),
    location: LocationSchema.optional(),
  }),
  DeclareControlled: z.strictObject({ summary: z.string().max(5000).optional() }),
  LiftResponse: z.strictObject({ reason: z.string().max(2000).optional() }),
  BeginRecovery: z.strictObject({ plan: z.string().max(10_000).optional() }),
  BeginReview: z.strictObject({ note: z.string().max(2000).optional() }),
  CloseIncident: z.strictObject({ summary: text(10_000) }),
  LinkRoom: z.strictObject({ jurisdiction: JurisdictionCodeSchema, reason: z.string().max(2000).optional() }),
  UnlinkRoom: z.strictObject({ jurisdiction: JurisdictionCodeSchema, reason: z.string().max(2000).optional() }),
  RaiseLead: z.strictObject({
    reason: text(2000),
    to: JurisdictionCodeSchema.optional().meta({ description: 'The room above the lead that takes it; default the level directly above' }),
  }),
  HandBackLead: z.strictObject({ reason: text(2000) }),
  DeclineLead: z.strictObject({ reason: text(2000) }),
  AddSupportingJurisdiction: z.strictObject({ jurisdiction: JurisdictionCodeSchema, reason: z.string().max(2000).optional() }),
  RemoveSupportingJurisdiction: z.strictObject({ jurisdiction: JurisdictionCodeSchema, reason: z.string().max(2000).optional() }),
  // The engine sends this itself when scene figures reach a grading threshold; refused for every person.
  SuggestSeverity: z.strictObject({
    severity: SeveritySchema,
    rule: text(200),
    source: text(2000),
    figures: SuggestionFiguresSchema,
    reportId: IdSchema.optional(),
  }),
  ConfirmSuggestedSeverity: z.strictObject({}),
  DismissSuggestedSeverity: z.strictObject({ reason: text(2000) }),
} as const;

export type IncidentCommandName = keyof typeof INCIDENT_COMMAND_SCHEMAS;
const INCIDENT_COMMAND_NAMES = Object.keys(INCIDENT_COMMAND_SCHEMAS) as IncidentCommandName[];

/** Fields every command request may carry besides its payload. */
export const CommandOptionsSchema = z.strictObject({
  commandId: IdSchema.optional().meta({ description: 'Idempotency key: a retry with the same id returns the first answer' }),
  expectedVersion: z.int().min(0).optional().meta({ description: 'Optimistic concurrency: fail with 409 unless the stream is at this version' }),
  occurredAt: IsoTimeSchema.optional().meta({ description: 'When it happened, as reported; defaults to the server time' }),
});

export const CreateIncidentRequestSchema = CommandOptionsSchema.extend({
  incidentId: IdSchema.optional(),
  data: ReportIncidentSchema,
}).meta({ id: 'CreateIncidentRequest' });

export const IncidentCommandRequestSchema = CommandOptionsSchema.extend({
  type: z.enum(INCIDENT_COMMAND_NAMES),
  data: z.record(z.string(), z.unknown()).optional(),
}).meta({ id: 'IncidentCommandRequest', description: '`data` is checked against the schema of `type`' });

/**
 * Which incidents a list or board shows by their drill flag (演练): `false` (the default) real ones
 * only, so that a drill never reads as a real incident; `true` drills only; `all` both.
 */
export const ExerciseFilterSchema = z.enum(['false', 'true', 'all']).default('false');

export const ListIncidentsQuerySchema = z.strictObject({
  state: IncidentStateSchema.optional(),
  severity: SeveritySchema.optional(),
  jurisdiction: JurisdictionCodeSchema.optional(),
  exercise: ExerciseFilterSchema,
  limit: z.coerce.number().int().min(1).max(500).optional(),
  after: z.string().max(200).optional(),
});

export const CommandResultSchema = z
  .object({
    streamId: z.string(),
    streamType: z.string(),
    version: z.int(),
    state: z.string(),
    events: z.array(z.object({ eventId: z.string(), type: z.string(), version: z.int() })),
  })
  .meta({ id: 'CommandResult' });
export type CommandResult = z.infer<typeof CommandResultSchema>;

export const IncidentViewSchema = z
  .object({
    incidentId: z.string(),
    version: z.int(),
    state: IncidentStateSchema,
    title: z.string(),
    description: z.string(),
    category: CategorySchema.nullable(),
    subtype: SubtypeSchema.nullable(),
    severity: SeveritySchema.nullable(),
    responseLevel: SeveritySchema.nullable(),
    leadJurisdiction: z.string(),
    upperJurisdiction: z.string().nullable(),
    linkedJurisdictions: z.array(z.string()),
    supportingJurisdictions: z.array(z.string()),
    leadPrompt: z
      .object({ jurisdiction: z.string(), severity: SeveritySchema, rule: z.string(), at: z.string() })
      .nullable()
      .optional()
      .meta({ description: 'The room above the lead the linkage rules prompt to take the lead (II and I: the province); absent on rows written before it existed' }),
    suggestedSeverity: z
      .object({
        severity: SeveritySchema,
        rule: z.string(),
        source: z.string(),
        figures: z.object({ dead: z.int().optional(), injured: z.int().optional(), economicLoss: z.int().optional() }),
        reportId: z.string().optional(),
        at: z.string(),
      })
      .nullable()
      .optional()
      .meta({ description: 'A reclassification the grading rules suggest from the scene figures, pending confirmation or dismissal' }),
    location: LocationSchema.nullable(),
    exercise: z.boolean(),
    reportedAt: z.string().nullable(),
    /** 接报: when the first room learned of it; the reporting deadlines run from here. */
    receivedAt: z.string().nullable(),
    occurredAt: z.string().nullable(),
    confirmedAt: z.string().nullable(),
    responseActivatedAt: z.string().nullable(),
    controlledAt: z.string().nullable(),
    liftedAt: z.string().nullable(),
    closedAt: z.string().nullable(),
    updatedAt: z.string().nullable(),
  })
  .meta({ id: 'Incident' });
export type IncidentView = z.infer<typeof IncidentViewSchema>;

export const IncidentListSchema = z
  .object({ items: z.array(IncidentViewSchema), next: z.string().nullable() })
  .meta({ id: 'IncidentList' });

export const ActorSchema = z.strictObject({
  userId: UserIdSchema,
  roles: z.array(RoleSchema).min(1),
  jurisdiction: JurisdictionCodeSchema,
});

export const LoginSchema = z.strictObject({ username: z.string().min(1).max(100), password: z.string().min(1).max(200) }).meta({ id: 'Login' });
