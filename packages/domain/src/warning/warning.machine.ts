import { assign, emit, setup } from 'xstate';
import { OVER_TAG, type AggregateDefinition } from '../aggregate';
import type { Actor, EmittedEvent } from '../shared';
import { ACK_DEADLINE_MINUTES, applyLastMileFact, boardOf, factApplies, queuedDeliveries, type LastMileFact } from './last-mile';
import { senderCodeOf, warningApprovalRuleFor, warningIdentifier, type WarningApprovalRule } from './warning.rules';
import {
  WARNING_ACK_DEADLINE_EVENT,
  WARNING_ACK_KEY,
  WARNING_EVENT_FOR,
  WARNING_EXPIRY_KEY,
  type WarningCommand,
  type WarningCommandType,
  type WarningContent,
  type WarningContext,
  type WarningLevel,
  type WarningMessage,
  type WarningMessageType,
} from './warning.types';

function as<T extends WarningCommandType>(event: WarningCommand, type: T): Extract<WarningCommand, { type: T }> {
  if (event.type !== type) throw new Error(`warning machine: expected ${type}, got ${event.type}`);
  return event as Extract<WarningCommand, { type: T }>;
}

function payload(command: WarningCommand): Record<string, unknown> {
  const { type: _type, meta: _meta, ...data } = command;
  return data;
}

/** One spelling of an instant, whatever offset it was sent with. */
const instant = (iso: string): string => new Date(Date.parse(iso)).toISOString();
const withInstants = (content: WarningContent): WarningContent => ({ ...content, expires: instant(content.expires), onset: content.onset === null ? null : instant(content.onset) });
const expiresAfter = (content: WarningContent, now: string): boolean => Date.parse(content.expires) > Date.parse(now);

/**
 * Whether `actor` may approve (or re-release: update, lift) a warning of `level` of room
 * `jurisdiction` under the release rules; the rule that allows it, else null.
 */
export function approvalBy(actor: Actor, jurisdiction: string, level: WarningLevel): WarningApprovalRule | null {
  const rule = warningApprovalRuleFor(jurisdiction, level);
  if (rule === null) return null;
  const roomFits = rule.approverRoom === 'issuing' && actor.jurisdiction === jurisdiction;
  return roomFits && actor.roles.some((role) => rule.approverRoles.includes(role)) ? rule : null;
}

/**
 * The rows the timers should hold: the warning's `expires` while it is in force (issued or updated),
 * and its acknowledgement deadline while that has not passed; none before release or once it was
 * lifted or expired (a lifted warning asks nobody to acknowledge it any more).
 */
export function pendingWarningDeadlines(context: WarningContext): { key: string; dueAt: string }[] {
  if (context.issuedAt === null || context.liftedAt !== null || context.expiredAt !== null) return [];
  const expiry = { key: WARNING_EXPIRY_KEY, dueAt: context.content.expires };
  const mile = context.lastMile;
  return mile === null || mile.deadlinePassed ? [expiry] : [expiry, { key: WARNING_ACK_KEY, dueAt: mile.ackDeadline }];
}

const isPending = (context: WarningContext, key: string, dueAt: string): boolean =>
  pendingWarningDeadlines(context).some((pending) => pending.key === key && Date.parse(pending.dueAt) === Date.parse(dueAt));

/** The last-mile fact a command records, or null for a command that is not one. */
function lastMileFactOf(event: WarningCommand): LastMileFact | null {
  const at = event.meta.now;
  switch (event.type) {
    case 'RecordWarningSent':
      return { type: 'Sent', recipientId: event.recipientId, channel: event.channel, providerMessageId: event.providerMessageId, at };
    case 'RecordWarningDelivered':
      return { type: 'Delivered', recipientId: event.recipientId, at };
    case 'AcknowledgeWarning':
      return { type: 'Acknowledged', recipientId: event.recipientId, at };
    case 'RecordManualOutcome':
      return { type: 'ManualOutcome', recipientId: event.recipientId, outcome: event.outcome, note: event.note, by: event.meta.actor.userId, at };
    case 'DeadlinePassed':
      return event.key === WARNING_ACK_KEY ? { type: 'AckDeadlinePassed', at: event.dueAt } : null;
    default:
      return null;
  }
}

/**
 * What a last-mile event tells the consoles besides its command: the board's counts after it (the
 * live "x/y acknowledged", the recipient's township), and at the deadline who became a manual task.
 */
function lastMileFigures(context: WarningContext, fact: LastMileFact): Record<string, unknown> {
  const mile = context.lastMile;
  if (mile === null) return {};
  const board = boardOf(mile);
  const counts = { total: board.total, sent: board.sent, delivered: board.delivered, acknowledged: board.acknowledged };
  if (fact.type === 'AckDeadlinePassed') return { ...counts, overdue: board.manualTasks };
  const recipient = mile.recipients.find((d) => d.recipient.recipientId === fact.recipientId)?.recipient;
  const area = board.byArea.find((a) => a.area === recipient?.area);
  return { ...counts, area: recipient?.area ?? null, areaName: recipient?.areaName ?? null, areaTotal: area?.total ?? 0, areaAcknowledged: area?.acknowledged ?? 0 };
}

/** The message a release records: its identifier is the context's last message, written just before. */
function messageOf(context: WarningContext, msgType: WarningMessageType, previousLevel: WarningLevel | null, reason: string | null): WarningMessage {
  const { messages } = context;
  const own = messages[messages.length - 1];
  if (own === undefined) throw new Error('warning machine: a release without its message');
  const first = messages[0] ?? null;
  const before = messages[messages.length - 2] ?? null;
  return {
    warningId: context.warningId,
    identifier: own.identifier,
    senderCode: senderCodeOf(context.jurisdiction, context.sender.agencyCode),
    senderName: context.sender.name,
    sent: own.sent,
    msgType,
    status: context.status,
    level: context.level,
    previousLevel,
    reason,
    references: msgType === 'Alert' ? null : first,
    supersedes: msgType === 'Alert' ? null : before,
    incidents: context.incidents,
    content: context.content,
  };
}

const emptyContent: WarningContent = {
  category: 'Other',
  eventCode: null,
  zh: { event: '', headline: '', description: '', instruction: '' },
  en: null,
  onset: null,
  expires: '',
  channels: [],
  area: { description: '', jurisdictions: [], polygon: null, circles: [] },
};

const emptyContext: WarningContext = {
  warningId: '',
  jurisdiction: '',
  status: 'actual',
  level: 'blue',
  sender: { name: '', agencyCode: '' },
  content: emptyContent,
  draftedBy: '',
  draftedAt: null,
  approval: null,
  issuedAt: null,
  messages: [],
  incidents: [],
  liftedAt: null,
  liftReason: null,
  expiredAt: null,
  updatedAt: null,
  lastMile: null,
};

export const warningMachine = setup({
  types: { context: {} as WarningContext, events: {} as WarningCommand, emitted: {} as EmittedEvent },
  guards: {
    // A warning that would lapse before it is released warns nobody.
    expiresAhead: ({ context, event }) => {
      if (event.type === 'DraftWarning' || event.type === 'ReviseWarningDraft') return expiresAfter(event.content, event.meta.now);
      return expiresAfter(context.content, event.meta.now);
    },
    // 粤府办〔2008〕19号: approved by the government of its level before release (WARNING_APPROVAL_RULES).
    approver: ({ context, event }) => approvalBy(event.meta.actor, context.jurisdiction, context.level) !== null && expiresAfter(context.content, event.meta.now),
    // An update is a new release: approved as one, at the level it sets, and still in force after it.
    updateApproved: ({ context, event }) =>
      event.type === 'UpdateWarning' && approvalBy(event.meta.actor, context.jurisdiction, event.level) !== null && expiresAfter(event.content, event.meta.now),
    liftApproved: ({ context, event }) => approvalBy(event.meta.actor, context.jurisdiction, context.level) !== null,
    newIncident: ({ context, event }) => event.type === 'LinkWarningToIncident' && !context.incidents.includes(event.incidentId),
    // Only the expiry the warning holds now counts: a stale firing (expiry moved by an update) is refused.
    expiryCurrent: ({ context, event }) => event.type === 'DeadlinePassed' && event.key === WARNING_EXPIRY_KEY && isPending(context, event.key, event.dueAt),
    ackDeadlineCurrent: ({ context, event }) => event.type === 'DeadlinePassed' && event.key === WARNING_ACK_KEY && isPending(context, event.key, event.dueAt),
    // A fact that changes nothing (a second tap, someone not on the list) is refused: no event.
    lastMileFact: ({ context, event }) => {
      const fact = lastMileFactOf(event);
      return context.lastMile !== null && fact !== null && factApplies(context.lastMile, fact);
    },
  },
  actions: {
    record: emit(({ event }) => ({ type: WARNING_EVENT_FOR[event.type], data: payload(event) })),
    recordRelease: emit(({ context, event }) => {
      const type = WARNING_EVENT_FOR[event.type];
      switch (event.type) {
        case 'IssueWarning':
          return { type, data: { ...payload(event), message: messageOf(context, 'Alert', null, null) } };
        case 'UpdateWarning': {
          // Recorded before `update` applies, so the context still holds the level it changes from.
          const updated = { ...context, level: event.level, content: withInstants(event.content) };
          return { type, data: { ...payload(event), message: messageOf(updated, 'Update', context.level, event.reason) } };
        }
        case 'LiftWarning':
          return { type, data: { reason: event.reason, message: messageOf(context, 'Cancel', null, event.reason) } };
        default:
          throw new Error(`warning machine: ${event.type} releases no message`);
      }
    }),
    // Recorded after `applyFact`, so the figures are the board's after the fact.
    recordLastMile: emit(({ context, event }) => {
      const fact = lastMileFactOf(event);
      if (fact === null) throw new Error(`warning machine: ${event.type} is no last-mile fact`);
      const type = fact.type === 'AckDeadlinePassed' ? WARNING_ACK_DEADLINE_EVENT : WARNING_EVENT_FOR[event.type];
      return { type, data: { ...payload(event), ...lastMileFigures(context, fact) } };
    }),
    recordExpiry: emit(({ context, event }) => ({ type: WARNING_EVENT_FOR[event.type], data: { ...payload(event), warningId: context.warningId, jurisdiction: context.jurisdiction } })),
    touch: assign({ updatedAt: ({ event }) => event.meta.now }),
    draft: assign(({ event }) => {
      const c = as(event, 'DraftWarning');
      return {
        ...emptyContext,
        warningId: c.warningId,
        jurisdiction: c.jurisdiction,
        status: c.status,
        level: c.level,
        sender: c.sender,
        content: withInstants(c.content),
        incidents: c.incidents ?? [],
        draftedBy: c.meta.actor.userId,
        draftedAt: c.meta.now,
      };
    }),
    revise: assign(({ event }) => {
      const c = as(event, 'ReviseWarningDraft');
      return { level: c.level, content: withInstants(c.content) };
    }),
    approve: assign(({ context, event }) => {
      const rule = approvalBy(event.meta.actor, context.jurisdiction, context.level);
      return { approval: rule === null ? null : { by: event.meta.actor.userId, at: event.meta.now, rule: rule.id, source: rule.source } };
    }),
    // Writes the next message's identifier and time; the release's event then carries the message whole.
    nextMessage: assign(({ context, event }) => {
      const sent = event.meta.now;
      const senderCode = senderCodeOf(context.jurisdiction, context.sender.agencyCode);
      const slot = event.type === 'IssueWarning' || event.type === 'UpdateWarning' || event.type === 'LiftWarning' ? event.identifierSlot : undefined;
      const identifier = slot === undefined ? warningIdentifier(senderCode, sent, context.messages.length) : `${senderCode}_${slot.stamp}_${slot.sequence}`;
      return { messages: [...context.messages, { identifier, sent }] };
    }),
    // The recipients are fixed at issue; each must acknowledge within the level's time (ACK_DEADLINE_MINUTES).
    issue: assign(({ context, event }) => {
      const recipients = as(event, 'IssueWarning').recipients ?? [];
      const ackDeadline = new Date(Date.parse(event.meta.now) + ACK_DEADLINE_MINUTES[context.level].minutes * 60_000).toISOString();
      return { issuedAt: event.meta.now, lastMile: recipients.length === 0 ? null : { ...queuedDeliveries(recipients), ackDeadline, queued: recipients.length } };
    }),
    applyFact: assign(({ context, event }) => {
      const fact = lastMileFactOf(event);
      if (context.lastMile === null || fact === null) return {};
      const mile = applyLastMileFact(context.lastMile, fact);
      return { lastMile: { ...context.lastMile, ...mile, queued: mile.recipients.filter((d) => d.sentAt === null).length } };
    }),
    update: assign(({ event }) => {
      const c = as(event, 'UpdateWarning');
      return { level: c.level, content: withInstants(c.content) };
    }),
    lift: assign(({ event }) => ({ liftedAt: event.meta.now, liftReason: as(event, 'LiftWarning').reason })),
    link: assign(({ context, event }) => ({ incidents: [...context.incidents, as(event, 'LinkWarningToIncident').incidentId] })),
    expire: assign({ expiredAt: ({ event }) => instant(as(event, 'DeadlinePassed').dueAt) }),
  },
}).createMachine({
  id: 'warning',
  initial: 'none',
  context: emptyContext,
  states: {
    none: { on: { DraftWarning: { guard: 'expiresAhead', target: 'draft', actions: ['draft', 'touch', 'record'] } } },
    // 草稿: the drafting room may still change it; the approver signs it (审批).
    draft: {
      on: {
        ReviseWarningDraft: { guard: 'expiresAhead', actions: ['revise', 'touch', 'record'] },
        ApproveWarning: { guard: 'approver', target: 'approved', actions: ['approve', 'touch', 'record'] },
        LinkWarningToIncident: { guard: 'newIncident', actions: ['link', 'touch', 'record'] },
      },
    },
    // 已审批: ready for release as approved.
    approved: {
      on: {
        IssueWarning: { guard: 'expiresAhead', target: 'issued', actions: ['issue', 'nextMessage', 'touch', 'recordRelease'] },
        LinkWarningToIncident: { guard: 'newIncident', actions: ['link', 'touch', 'record'] },
      },
    },
    // 已发布 (预警期): in force until lifted or expired.
    issued: {
      on: {
        UpdateWarning: { guard: 'updateApproved', target: 'updated', actions: ['nextMessage', 'recordRelease', 'update', 'touch'] },
        LiftWarning: { guard: 'liftApproved', target: 'lifted', actions: ['lift', 'nextMessage', 'touch', 'recordRelease'] },
        LinkWarningToIncident: { guard: 'newIncident', actions: ['link', 'touch', 'record'] },
        RecordWarningSent: { guard: 'lastMileFact', actions: ['applyFact', 'touch', 'recordLastMile'] },
        RecordWarningDelivered: { guard: 'lastMileFact', actions: ['applyFact', 'touch', 'recordLastMile'] },
        AcknowledgeWarning: { guard: 'lastMileFact', actions: ['applyFact', 'touch', 'recordLastMile'] },
        RecordManualOutcome: { guard: 'lastMileFact', actions: ['applyFact', 'touch', 'recordLastMile'] },
        DeadlinePassed: [
          { guard: 'expiryCurrent', target: 'expired', actions: ['expire', 'touch', 'recordExpiry'] },
          { guard: 'ackDeadlineCurrent', actions: ['applyFact', 'touch', 'recordLastMile'] },
        ],
      },
    },
    // 已调整/续发: in force, as last updated.
    updated: {
      on: {
        UpdateWarning: { guard: 'updateApproved', actions: ['nextMessage', 'recordRelease', 'update', 'touch'] },
        LiftWarning: { guard: 'liftApproved', target: 'lifted', actions: ['lift', 'nextMessage', 'touch', 'recordRelease'] },
        LinkWarningToIncident: { guard: 'newIncident', actions: ['link', 'touch', 'record'] },
        RecordWarningSent: { guard: 'lastMileFact', actions: ['applyFact', 'touch', 'recordLastMile'] },
        RecordWarningDelivered: { guard: 'lastMileFact', actions: ['applyFact', 'touch', 'recordLastMile'] },
        AcknowledgeWarning: { guard: 'lastMileFact', actions: ['applyFact', 'touch', 'recordLastMile'] },
        RecordManualOutcome: { guard: 'lastMileFact', actions: ['applyFact', 'touch', 'recordLastMile'] },
        DeadlinePassed: [
          { guard: 'expiryCurrent', target: 'expired', actions: ['expire', 'touch', 'recordExpiry'] },
          { guard: 'ackDeadlineCurrent', actions: ['applyFact', 'touch', 'recordLastMile'] },
        ],
      },
    },
    // 已解除
    lifted: { type: 'final', tags: [OVER_TAG] },
    // 已过期: `expires` passed while in force; the timers closed it.
    expired: { type: 'final', tags: [OVER_TAG] },
  },
});

export const warningAggregate: AggregateDefinition<typeof warningMachine> = {
  streamType: 'warning',
  machine: warningMachine,
  eventFor: WARNING_EVENT_FOR,
};
