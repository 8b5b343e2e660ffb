import { CONTACT_ROLES, DELIVERY_CHANNELS, WARNING_LEVELS } from '@muster/domain';
import { z } from 'zod';
import { ExerciseFilterSchema, JurisdictionCodeSchema } from './incident.schemas';

// ---- The last mile of warnings (issue 21): contacts, recipients, acknowledgement ----------------

const text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max);

const ContactRoleSchema = z.enum(CONTACT_ROLES).meta({ description: 'township_head 乡镇(街道)负责人, village_cadre 村(居)干部, reservoir_keeper 水库安全责任人, school_contact 学校联系人' });
const ChannelsSchema = z
  .array(z.enum(DELIVERY_CHANNELS))
  .min(1, 'must name at least one channel')
  .refine((channels) => new Set(channels).size === channels.length, { message: 'must not repeat a channel' })
  .meta({ description: 'in order of preference: sms, voice (call), app (in-app), loudspeaker (广播 record)' });
/** A township (GB/T 10114, 9 digits) or village (12 digits) code. */
const AreaCodeSchema = z.string().regex(/^\d{9}(\d{3})?$/, 'must be a 9-digit township or 12-digit village code');
const PhoneSchema = z.string().regex(/^\+?\d[\d -]{4,19}$/, 'must be a phone number (digits, spaces or -)');

/** A contact of the registry (通讯录): kept by the county it belongs to and the rooms above it. */
export const ContactSchema = z
  .strictObject({
    /** The county (GB/T 2260) whose registry holds the contact. */
    jurisdiction: z.string().regex(/^\d{6}$/, 'must be a 6-digit county code'),
    area: AreaCodeSchema,
    areaName: text(100),
    name: text(100),
    role: ContactRoleSchema,
    phone: PhoneSchema,
    channels: ChannelsSchema,
  })
  .meta({ id: 'Contact' });

export const ContactUpdateSchema = z
  .strictObject({ area: AreaCodeSchema.optional(), areaName: text(100).optional(), name: text(100).optional(), role: ContactRoleSchema.optional(), phone: PhoneSchema.optional(), channels: ChannelsSchema.optional() })
  .meta({ id: 'ContactUpdate' });

export const ContactListQuerySchema = z.strictObject({
  jurisdiction: JurisdictionCodeSchema.optional(),
  role: ContactRoleSchema.optional(),
  active: z.enum(['true', 'false', 'all']).default('true'),
});

export const ContactViewSchema = z
  .object({
    contactId: z.string(),
    jurisdiction: z.string(),
    jurisdictionName: z.string(),
    area: z.string(),
    areaName: z.string(),
    name: z.string(),
    role: ContactRoleSchema,
    phone: z.string(),
    channels: z.array(z.enum(DELIVERY_CHANNELS)),
    active: z.boolean(),
    updatedAt: z.string(),
  })
  .meta({ id: 'ContactView' });
export const ContactListSchema = z.object({ items: z.array(ContactViewSchema) }).meta({ id: 'ContactList' });
export const EmptyBodySchema = z.strictObject({});

const RecipientViewSchema = z
  .object({
    recipientId: z.string(),
    name: z.string(),
    role: ContactRoleSchema,
    phone: z.string(),
    area: z.string(),
    areaName: z.string(),
    channel: z.enum(DELIVERY_CHANNELS),
    state: z.enum(['queued', 'sent', 'delivered', 'acknowledged', 'overdue']),
    sentAt: z.string().nullable(),
    deliveredAt: z.string().nullable(),
    acknowledgedAt: z.string().nullable(),
    /** Acknowledged after the deadline. */
    late: z.boolean(),
    /** The duty room's call (人工通知), once recorded; `by` is the officer's user id (GET /people names them). */
    manual: z.object({ outcome: z.enum(['reached', 'unreachable']), note: z.string(), by: z.string(), at: z.string() }).nullable(),
  })
  .meta({ id: 'WarningRecipient' });
export const RecipientListSchema = z.object({ items: z.array(RecipientViewSchema) }).meta({ id: 'WarningRecipientList' });

/** The acknowledgement board (回执看板) of one warning. */
export const AckBoardSchema = z
  .object({
    warningId: z.string(),
    level: z.enum(WARNING_LEVELS),
    headline: z.string(),
    issuedAt: z.string().nullable(),
    /** null: nobody was on the list (or not issued yet). */
    ackDeadline: z.string().nullable(),
    deadlinePassed: z.boolean(),
    total: z.int(),
    sent: z.int(),
    delivered: z.int(),
    acknowledged: z.int(),
    /** Acknowledged before the deadline. */
    acknowledgedInTime: z.int(),
    byArea: z.array(z.object({ area: z.string(), areaName: z.string(), total: z.int(), acknowledged: z.int() })),
    notAcknowledged: z.array(RecipientViewSchema),
    /** Overdue recipients: open tasks (manual null) and those whose call was recorded. */
    manualTasks: z.array(RecipientViewSchema),
  })
  .meta({ id: 'AckBoard' });

/** What a recipient sees on the phone page of the link (no login). */
export const PublicAckViewSchema = z
  .object({
    headline: z.string(),
    level: z.enum(WARNING_LEVELS),
    areaDescription: z.string(),
    instruction: z.string(),
    issuerRoomName: z.string(),
    recipientName: z.string(),
    /** The warning is no longer in force (lifted or expired): nothing left to acknowledge. */
    over: z.boolean(),
    acknowledged: z.boolean(),
    acknowledgedAt: z.string().nullable(),
  })
  .meta({ id: 'PublicAckView' });
export const PublicAckAnswerSchema = z.object({ acknowledged: z.literal(true), acknowledgedAt: z.string() }).meta({ id: 'PublicAckAnswer' });

/** The warnings list: of a room (and below), real ones only unless asked (like /incidents). */
export const WarningListQuerySchema = z.strictObject({ jurisdiction: JurisdictionCodeSchema.optional(), exercise: ExerciseFilterSchema });
