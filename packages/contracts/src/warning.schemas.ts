import { CAP_CATEGORIES, CONTACT_ROLES, DELIVERY_CHANNELS, WARNING_CHANNELS, WARNING_LEVELS, WARNING_STATUSES } from '@muster/domain';
import { z } from 'zod';
import { CommandOptionsSchema, ComputedTimeSchema, IdSchema, IsoTimeSchema, JurisdictionCodeSchema } from './incident.schemas';

const text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max);

// ---- Warnings (预警, issue 21) ------------------------------------------------------------------

/** A WGS-84 point, as CAP writes `lat,lon`. */
const GeoPointSchema = z.strictObject({ lat: z.number().min(-90).max(90), lon: z.number().min(-180).max(180) });

/** CAP `polygon` (ref §3.1): at least four points, the first repeated as the last. */
const PolygonSchema = z
  .array(GeoPointSchema)
  .min(4, 'must have at least 4 points (a closed ring)')
  .max(1000)
  .refine((points) => points.length < 4 || (points[0]?.lat === points.at(-1)?.lat && points[0]?.lon === points.at(-1)?.lon), {
    message: 'must end with its first point (a closed ring)',
  });

/** 可能影响的范围 (§64): the administrative areas covered, and optionally a polygon or circles. */
const WarningAreaSchema = z.strictObject({
  description: text(500),
  jurisdictions: z
    .array(JurisdictionCodeSchema)
    .min(1, 'must name at least one area')
    .max(200)
    .refine((codes) => new Set(codes).size === codes.length, { message: 'must not repeat a code' }),
  polygon: PolygonSchema.nullable().default(null),
  circles: z
    .array(z.strictObject({ centre: GeoPointSchema, radiusKm: z.number().positive().max(2000) }))
    .max(20)
    .default([]),
});

const WarningTextsSchema = z.strictObject({ event: text(100), headline: text(200), description: text(5000), instruction: text(5000) });

/** What a warning says (Emergency Response Law §64): texts in zh-CN, optionally in English, its area, times and channels. */
const WarningContentSchema = z.strictObject({
  category: z.enum(CAP_CATEGORIES),
  /** GB/T 35561 code of the kind of event, e.g. 11B03 (rainstorm). */
  eventCode: z
    .string()
    .regex(/^\d{2}[A-Z]\d{2}$/, 'must be a GB/T 35561 code such as 11B03')
    .nullable()
    .default(null),
  zh: WarningTextsSchema,
  en: WarningTextsSchema.nullable().default(null),
  onset: IsoTimeSchema.nullable().default(null),
  expires: IsoTimeSchema,
  channels: z
    .array(z.enum(WARNING_CHANNELS))
    .min(1, 'must name at least one release channel')
    .refine((channels) => new Set(channels).size === channels.length, { message: 'must not repeat a channel' }),
  area: WarningAreaSchema,
});

/** The roles of the contact registry a warning is sent to (all when not named). */
const RecipientRolesSchema = z
  .array(z.enum(CONTACT_ROLES))
  .min(1, 'must name at least one role')
  .refine((roles) => new Set(roles).size === roles.length, { message: 'must not repeat a role' });

/** A recipient as the api fixes it at issue from the registry (never sent by a client). */
const WarningRecipientSchema = z.strictObject({
  recipientId: IdSchema,
  name: text(100),
  role: z.enum(CONTACT_ROLES),
  area: z.string().regex(/^\d{9}(\d{3})?$/),
  areaName: text(100),
  phone: text(30),
  channel: z.enum(DELIVERY_CHANNELS),
});

/** A GB/T 35965.1 identifier slot the api hands out (never a client): Beijing-time second and sequence. */
const IdentifierSlotSchema = z.strictObject({ stamp: z.string().regex(/^\d{14}$/), sequence: z.int().min(0).max(9) });

const WarningLevelSchema = z.enum(WARNING_LEVELS).meta({ description: 'red 一级 (highest) … blue 四级 (§63)' });

/**
 * Payloads of the warning commands, by command type. The engine fills in `warningId` (from the
 * stream) and `jurisdiction` (the sender's room) of DraftWarning; DeadlinePassed comes from the timers.
 */
export const WARNING_COMMAND_SCHEMAS = {
  DraftWarning: z.strictObject({
    status: z.enum(WARNING_STATUSES).default('actual'),
    level: WarningLevelSchema,
    /** 发布单位 and its 3-digit GB/T 4657 agency code (GB/T 35965.1 identifiers). */
    sender: z.strictObject({ name: text(200), agencyCode: z.string().regex(/^\d{3}$/, 'must be a 3-digit GB/T 4657 agency code') }),
    content: WarningContentSchema,
    incidents: z.array(IdSchema).max(50).optional(),
  }),
  ReviseWarningDraft: z.strictObject({ level: WarningLevelSchema, content: WarningContentSchema }),
  ApproveWarning: z.strictObject({ note: z.string().max(2000).optional() }),
  IssueWarning: z.strictObject({ recipientRoles: RecipientRolesSchema.optional(), recipients: z.array(WarningRecipientSchema).max(5000).optional(), identifierSlot: IdentifierSlotSchema.optional() }),
  /** 续发/调整: the reason is required, a level change included (§70). */
  UpdateWarning: z.strictObject({ reason: text(2000), level: WarningLevelSchema, content: WarningContentSchema, identifierSlot: IdentifierSlotSchema.optional() }),
  /** 解除: the reason goes into the GB/T 35965.1 `note`. */
  LiftWarning: z.strictObject({ reason: text(2000), identifierSlot: IdentifierSlotSchema.optional() }),
  LinkWarningToIncident: z.strictObject({ incidentId: IdSchema }),
  DeadlinePassed: z.strictObject({ key: z.string().min(1).max(100), dueAt: ComputedTimeSchema }),
  // The last mile (issue 21): the delivery worker, the signed ack link and the duty room.
  RecordWarningSent: z.strictObject({ recipientId: IdSchema, channel: z.enum(DELIVERY_CHANNELS), providerMessageId: text(200) }),
  RecordWarningDelivered: z.strictObject({ recipientId: IdSchema }),
  AcknowledgeWarning: z.strictObject({ recipientId: IdSchema }),
  /** 人工通知: what the duty officer's call came to. */
  RecordManualOutcome: z.strictObject({ recipientId: IdSchema, outcome: z.enum(['reached', 'unreachable']), note: z.string().trim().max(2000).default('') }),
} as const;

/** What people send to a drafted warning; the draft has its own route and DeadlinePassed comes from the timers. */
const WARNING_FILING_NAMES = ['ReviseWarningDraft', 'ApproveWarning', 'IssueWarning', 'UpdateWarning', 'LiftWarning', 'LinkWarningToIncident', 'RecordManualOutcome'] as const;

/** IssueWarning as people send it: the roles to send to; the api builds the recipients from the registry. */
export const IssueWarningFilingSchema = z.strictObject({ recipientRoles: RecipientRolesSchema.optional() });

/** What people send: never an identifier slot (the api hands those out) nor the recipients (it builds them). */
const FILING_OVERRIDES: Partial<Record<(typeof WARNING_FILING_NAMES)[number], z.ZodType>> = {
  IssueWarning: IssueWarningFilingSchema,
  UpdateWarning: WARNING_COMMAND_SCHEMAS.UpdateWarning.omit({ identifierSlot: true }),
  LiftWarning: WARNING_COMMAND_SCHEMAS.LiftWarning.omit({ identifierSlot: true }),
};

export const WARNING_FILINGS = Object.fromEntries(WARNING_FILING_NAMES.map((name) => [name, FILING_OVERRIDES[name] ?? WARNING_COMMAND_SCHEMAS[name]]));

export const CreateWarningRequestSchema = CommandOptionsSchema.extend({
  warningId: IdSchema.optional(),
  data: WARNING_COMMAND_SCHEMAS.DraftWarning,
}).meta({ id: 'CreateWarningRequest' });

export const WarningCommandRequestSchema = CommandOptionsSchema.extend({
  type: z.enum(WARNING_FILING_NAMES),
  data: z.record(z.string(), z.unknown()).optional(),
}).meta({ id: 'WarningCommandRequest', description: '`data` is checked against the schema of `type`' });

/** Which released message of a warning (1: the first issue); the latest when absent. */
export const WarningMessageQuerySchema = z.strictObject({ message: z.coerce.number().int().min(1).max(10_000).optional() });

export const WarningViewSchema = z
  .looseObject({
    warningId: z.string(),
    state: z.enum(['draft', 'approved', 'issued', 'updated', 'lifted', 'expired']),
    version: z.int(),
    jurisdiction: z.string(),
    status: z.enum(WARNING_STATUSES),
    level: WarningLevelSchema,
    content: z.looseObject({ expires: z.string() }),
    approval: z.object({ by: z.string(), at: z.string(), rule: z.string(), source: z.string() }).nullable(),
    issuedAt: z.string().nullable(),
    liftedAt: z.string().nullable(),
    expiredAt: z.string().nullable(),
    incidents: z.array(z.string()),
    /** Every released message, oldest first (its CAP and GB forms: ?message=n). */
    messages: z.array(z.object({ identifier: z.string(), sent: z.string() })),
    /** The last mile in figures (issue 21); null before the issue or with nobody on the list. */
    ack: z
      .object({ total: z.int(), acknowledged: z.int(), ackDeadline: z.string(), deadlinePassed: z.boolean(), openManualTasks: z.int() })
      .nullable(),
  })
  .meta({ id: 'Warning' });
export const WarningListSchema = z.object({ items: z.array(WarningViewSchema) }).meta({ id: 'WarningList' });

/** One row of a jurisdiction's public CAP index. */
export const CapIndexSchema = z
  .object({
    jurisdiction: z.string(),
    items: z.array(
      z.object({
        identifier: z.string(),
        sender: z.string(),
        sent: z.string(),
        status: z.string(),
        msgType: z.string(),
        colour: z.string(),
        severity: z.string(),
        event: z.string(),
        headline: z.string(),
        areaDesc: z.string(),
        geocodes: z.array(z.string()),
        expires: z.string(),
        capUrl: z.string(),
        gbUrl: z.string(),
      }),
    ),
  })
  .meta({ id: 'CapIndex' });
