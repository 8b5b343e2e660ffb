import type { CommandMeta } from '../shared';
import type { LastMileDeliveries, Recipient } from './last-mile';

/**
 * A warning (预警, issue 21): drafted by a room, approved by whom the release rules allow for its level
 * and jurisdiction, issued, updated (续发/调整, a level change included), and lifted (解除) or expired at
 * its `expires`. Every issue, update and lift is one message, carried whole by its event, from which
 * both XML forms (GB/T 35965.1 and OASIS CAP 1.2) are generated. Stream type `warning`, stream
 * `warning:<warningId>`.
 */

/**
 * The four warning levels of the Emergency Response Law 2024 §63 (ref §1.1): 一级/二级/三级/四级 =
 * 红/橙/黄/蓝, level 1 (red) the highest.
 */
export const WARNING_LEVELS = ['red', 'orange', 'yellow', 'blue'] as const;
export type WarningLevel = (typeof WARNING_LEVELS)[number];

/** A drill's warnings are exercise messages: GB/T 35965.1 `Test`, CAP `Exercise`; never `Actual`. */
export const WARNING_STATUSES = ['actual', 'exercise'] as const;
export type WarningStatus = (typeof WARNING_STATUSES)[number];

/** CAP 1.2 `info.category` values (OASIS XSD, ref §3.1). */
export const CAP_CATEGORIES = ['Geo', 'Met', 'Safety', 'Security', 'Rescue', 'Fire', 'Health', 'Env', 'Transport', 'Infra', 'CBRNE', 'Other'] as const;
type CapCategory = (typeof CAP_CATEGORIES)[number];

/** Release channels as GB/T 35965.1 codes them (ref §1.6, `code`). */
export const WARNING_CHANNELS = ['SMS', 'LED', 'SPEAKER', 'TV', 'BROADCAST', 'WEB', 'PHONE', 'FAX'] as const;
type WarningChannel = (typeof WARNING_CHANNELS)[number];

/** A WGS-84 point. */
interface GeoPoint {
  lat: number;
  lon: number;
}

/** 可能影响的范围 (§64): the administrative areas it covers, as named, and optionally a polygon or circles. */
type WarningArea = {
  /** areaDesc: how the drafter names the area (the console fills it from the jurisdiction tree). */
  description: string;
  /** GB/T 2260 codes of the areas covered (GB geocode, CAP geocode). */
  jurisdictions: string[];
  /** A closed ring (first point = last, ≥ 4 points), CAP `polygon`. */
  polygon: GeoPoint[] | null;
  /** CAP `circle`: centre and radius in km. */
  circles: { centre: GeoPoint; radiusKm: number }[];
};

/** Texts of one language: CAP `event`, `headline`, `description` (警示事项), `instruction` (应当采取的措施). */
type WarningTexts = {
  event: string;
  headline: string;
  description: string;
  instruction: string;
};

/** What a warning says (§64: 类别、级别、起始时间、范围、警示事项、措施、发布单位、发布时间). */
export type WarningContent = {
  category: CapCategory;
  /** GB/T 35561 code of the kind of event (e.g. 11B03 rainstorm), when known. */
  eventCode: string | null;
  /** In zh-CN. */
  zh: WarningTexts;
  /** A second CAP info in English, when the drafter gives one. */
  en: WarningTexts | null;
  /** 起始时间: when the warned-of period begins (CAP onset); null: at release. */
  onset: string | null;
  /** When the warning lapses unless lifted first; the timers expire it then. */
  expires: string;
  channels: WarningChannel[];
  area: WarningArea;
};

/** 发布单位: the release agency, named and coded as GB/T 35965.1 identifiers need it. */
type WarningSender = {
  name: string;
  /** 3-digit GB/T 4657 agency code. */
  agencyCode: string;
};

const WARNING_MESSAGE_TYPES = ['Alert', 'Update', 'Cancel'] as const;
export type WarningMessageType = (typeof WARNING_MESSAGE_TYPES)[number];

/**
 * One released message, whole: its event carries it, so both XML forms are pure functions of stored
 * events. `references` is the first issue (GB/T 35965.1: Update and Cancel reference the first issue)
 * and `supersedes` the message just before it (CAP: an Update references what it updates).
 */
export type WarningMessage = {
  warningId: string;
  /** GB/T 35965.1 identifier: area + agency + internal + extension code, Beijing time, sequence 0–9. */
  identifier: string;
  /** 14-digit sender code (area + agency + internal + extension). */
  senderCode: string;
  senderName: string;
  /** ISO 8601 instant of release. */
  sent: string;
  msgType: WarningMessageType;
  status: WarningStatus;
  level: WarningLevel;
  /** Update: the level before it (equal when the level did not change). */
  previousLevel: WarningLevel | null;
  /** Update: why (续发/调整); Cancel: why it is lifted (GB `note`). */
  reason: string | null;
  references: { identifier: string; sent: string } | null;
  supersedes: { identifier: string; sent: string } | null;
  incidents: string[];
  content: WarningContent;
};

type WarningMessageRef = { identifier: string; sent: string };

/** Whom a contact of the registry (通讯录) is: the roles a warning can be sent to (issue 21). */
export const CONTACT_ROLES = ['township_head', 'village_cadre', 'reservoir_keeper', 'school_contact'] as const;
export type ContactRole = (typeof CONTACT_ROLES)[number];

/** How a recipient is reached: the delivery channels behind one adapter interface. */
export const DELIVERY_CHANNELS = ['sms', 'voice', 'app', 'loudspeaker'] as const;
export type DeliveryChannelName = (typeof DELIVERY_CHANNELS)[number];

/** A recipient as fixed at issue: a contact of the registry, with the channel it is sent on. */
export interface WarningRecipient extends Recipient {
  role: ContactRole;
  areaName: string;
  phone: string;
  channel: DeliveryChannelName;
}

/** The last mile of an issued warning: its recipients, fixed at issue, and the acknowledgement deadline. */
type WarningLastMile = LastMileDeliveries<WarningRecipient> & {
  /** When unacknowledged recipients become manual tasks (issue + ACK_DEADLINE_MINUTES of the level). */
  ackDeadline: string;
  /** Recipients not yet sent to: the delivery worker's outbox (it looks for warnings with some). */
  queued: number;
};

/** A type, not an interface: a machine's context is also a plain record (PersistedState). */
export type WarningContext = {
  warningId: string;
  /** The issuing room (GB/T 2260), whose government releases it. */
  jurisdiction: string;
  status: WarningStatus;
  level: WarningLevel;
  sender: WarningSender;
  content: WarningContent;
  draftedBy: string;
  draftedAt: string | null;
  approval: { by: string; at: string; rule: string; source: string } | null;
  issuedAt: string | null;
  /** Every message released so far, oldest first (identifier and time). */
  messages: WarningMessageRef[];
  incidents: string[];
  liftedAt: string | null;
  liftReason: string | null;
  expiredAt: string | null;
  updatedAt: string | null;
  /** Recipients and their delivery, from the issue on; null before it or when nobody was on the list. */
  lastMile: WarningLastMile | null;
};

interface Cmd<T extends string> {
  type: T;
  meta: CommandMeta;
}

/**
 * A release's GB/T 35965.1 identifier slot (time and sequence), handed out by the api so that two
 * warnings of one room released in the same second never share an identifier; without one the
 * machine numbers the warning's own messages (unique within the warning only).
 */
type IdentifierSlotted = { identifierSlot?: { stamp: string; sequence: number } };

/** Drafts the warning; `warningId` comes from the stream id. */
type DraftWarning = Cmd<'DraftWarning'> & {
  warningId: string;
  jurisdiction: string;
  status: WarningStatus;
  level: WarningLevel;
  sender: WarningSender;
  content: WarningContent;
  incidents?: string[];
};
/** Changes a draft before approval (the whole content and level, as the drafter now has them). */
type ReviseWarningDraft = Cmd<'ReviseWarningDraft'> & { level: WarningLevel; content: WarningContent };
/** 审批: by a role the release rules allow for the warning's level and jurisdiction. */
type ApproveWarning = Cmd<'ApproveWarning'> & { note?: string };
/**
 * 发布: releases the approved warning (msgType Alert). `recipients` is the list the api built from
 * the contact registry by the warning's area and `recipientRoles`, fixed here.
 */
type IssueWarning = Cmd<'IssueWarning'> & IdentifierSlotted & { recipientRoles?: ContactRole[]; recipients?: WarningRecipient[] };
/** The delivery worker sent the warning to a recipient on a channel (the adapter's message id). */
type RecordWarningSent = Cmd<'RecordWarningSent'> & { recipientId: string; channel: DeliveryChannelName; providerMessageId: string };
/** A channel's delivery receipt came back for a recipient. */
type RecordWarningDelivered = Cmd<'RecordWarningDelivered'> & { recipientId: string };
/** 收到并知晓: the recipient tapped the signed link. */
type AcknowledgeWarning = Cmd<'AcknowledgeWarning'> & { recipientId: string };
/** 人工通知: a duty officer called an overdue recipient. */
type RecordManualOutcome = Cmd<'RecordManualOutcome'> & { recipientId: string; outcome: 'reached' | 'unreachable'; note: string };
/** 续发/调整 (§70): new level, texts, area or expiry, with the reason (msgType Update). */
type UpdateWarning = Cmd<'UpdateWarning'> & IdentifierSlotted & { reason: string; level: WarningLevel; content: WarningContent };
/** 解除 (§70): the danger is gone (msgType Cancel, the reason in `note`). */
type LiftWarning = Cmd<'LiftWarning'> & IdentifierSlotted & { reason: string };
/** Links the warning to an incident (CAP `incidents`). */
type LinkWarningToIncident = Cmd<'LinkWarningToIncident'> & { incidentId: string };
/** Sent by the timers service when the warning's `expires` row falls due. */
type DeadlinePassed = Cmd<'DeadlinePassed'> & { key: string; dueAt: string };

export type WarningCommand =
  | DraftWarning
  | ReviseWarningDraft
  | ApproveWarning
  | IssueWarning
  | UpdateWarning
  | LiftWarning
  | LinkWarningToIncident
  | DeadlinePassed
  | RecordWarningSent
  | RecordWarningDelivered
  | AcknowledgeWarning
  | RecordManualOutcome;
export type WarningCommandType = WarningCommand['type'];

export const WARNING_STATES = ['none', 'draft', 'approved', 'issued', 'updated', 'lifted', 'expired'] as const;
export type WarningState = (typeof WARNING_STATES)[number];

export const WARNING_EVENT_FOR = {
  DraftWarning: 'WarningDrafted',
  ReviseWarningDraft: 'WarningDraftRevised',
  ApproveWarning: 'WarningApproved',
  IssueWarning: 'WarningIssued',
  UpdateWarning: 'WarningUpdated',
  LiftWarning: 'WarningLifted',
  LinkWarningToIncident: 'WarningLinkedToIncident',
  /** The expiry; the acknowledgement deadline's firing records WarningAckDeadlinePassed instead. */
  DeadlinePassed: 'WarningExpired',
  RecordWarningSent: 'WarningSent',
  RecordWarningDelivered: 'WarningDelivered',
  AcknowledgeWarning: 'WarningAcknowledged',
  RecordManualOutcome: 'WarningManualOutcomeRecorded',
} as const satisfies Record<WarningCommandType, string>;

/** The event of the acknowledgement deadline's firing (a DeadlinePassed with WARNING_ACK_KEY). */
export const WARNING_ACK_DEADLINE_EVENT = 'WarningAckDeadlinePassed';

/** The key of a warning's expiry row. */
export const WARNING_EXPIRY_KEY = 'expires';
/** The key of its acknowledgement deadline row (last mile). */
export const WARNING_ACK_KEY = 'ack';

/** Warning X is the stream `warning:X`. */
export function warningStreamId(warningId: string): string {
  return `warning:${warningId}`;
}
