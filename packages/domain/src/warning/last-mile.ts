import type { WarningLevel } from './warning.types';

/**
 * The last mile (最后一公里) of a warning, as pure folds: each recipient's delivery state from the facts
 * recorded about it, the acknowledgement board, and who must be called by hand once the deadline
 * passes. 粤条例 2025 §44 (ref §1.6): the authorities must make sure township, village and community
 * leaders have received and understood (收到并知晓) the warning. The warning machine keeps the folded
 * state (`LastMile`) in its context, one fact per command; `lastMileBoard` folds a whole list.
 */

/**
 * How long recipients have to acknowledge, by level. Unsourced: §44 asks for 收到并知晓 but sets no
 * time; a project convention, shorter for the higher levels, to be replaced by each room's rule.
 */
export const ACK_DEADLINE_MINUTES: Readonly<Record<WarningLevel, { minutes: number; source: string }>> = {
  red: { minutes: 15, source: 'unsourced: project convention (粤条例 2025 §44 sets no time limit, ref §1.6)' },
  orange: { minutes: 30, source: 'unsourced: project convention (粤条例 2025 §44 sets no time limit, ref §1.6)' },
  yellow: { minutes: 60, source: 'unsourced: project convention (粤条例 2025 §44 sets no time limit, ref §1.6)' },
  blue: { minutes: 120, source: 'unsourced: project convention (粤条例 2025 §44 sets no time limit, ref §1.6)' },
};

/** Someone the warning must reach: a township head, a village cadre, a reservoir or school contact. */
export interface Recipient {
  recipientId: string;
  name: string;
  role: string;
  /** GB/T 2260 / 10114 code of the area they answer for (the township). */
  area: string;
}

/** The duty room's call to an overdue recipient: reached (and so informed) or not. */
type ManualOutcome = { outcome: 'reached' | 'unreachable'; note: string; by: string; at: string };

/** What is recorded about delivery, in the order it happened. */
export type LastMileFact =
  | { type: 'Sent'; recipientId: string; channel: string; providerMessageId?: string; at: string }
  | { type: 'Delivered'; recipientId: string; at: string }
  | { type: 'Acknowledged'; recipientId: string; at: string }
  /** The acknowledgement deadline passed: whoever has not acknowledged is overdue. */
  | { type: 'AckDeadlinePassed'; at: string }
  /** The duty room called an overdue recipient: reached (and so informed) or not. */
  | ({ type: 'ManualOutcome'; recipientId: string } & Omit<ManualOutcome, 'by'> & { by?: string });

const DELIVERY_STATES = ['queued', 'sent', 'delivered', 'acknowledged', 'overdue'] as const;
type DeliveryState = (typeof DELIVERY_STATES)[number];

interface RecipientDelivery<R extends Recipient = Recipient> {
  recipient: R;
  state: DeliveryState;
  sentAt: string | null;
  /** The channel adapter's id of the message (a real provider's message id). */
  providerMessageId: string | null;
  deliveredAt: string | null;
  acknowledgedAt: string | null;
  /** Acknowledged after the deadline had passed. */
  late: boolean;
  /** The duty room's call, once made. */
  manual: ManualOutcome | null;
}

/** The folded last mile of one warning: its recipients' deliveries and whether the deadline passed. */
export interface LastMileDeliveries<R extends Recipient = Recipient> {
  deadlinePassed: boolean;
  recipients: RecipientDelivery<R>[];
}

interface LastMileBoard<R extends Recipient = Recipient> {
  total: number;
  sent: number;
  delivered: number;
  acknowledged: number;
  byArea: { area: string; total: number; acknowledged: number }[];
  /** Overdue recipients the duty room must still call (人工通知), in recipient order. */
  manualTasks: string[];
  recipients: RecipientDelivery<R>[];
}

function unreachable(fact: never): never {
  throw new Error(`last mile: unknown fact ${JSON.stringify(fact)}`);
}

/** Every recipient queued: nothing sent yet. */
export function queuedDeliveries<R extends Recipient>(recipients: readonly R[]): LastMileDeliveries<R> {
  return {
    deadlinePassed: false,
    recipients: recipients.map((recipient) => ({ recipient, state: 'queued', sentAt: null, providerMessageId: null, deliveredAt: null, acknowledgedAt: null, late: false, manual: null })),
  };
}

/**
 * Whether `fact` changes anything: a second acknowledgement, a receipt for someone not on the list or
 * a call to someone not overdue changes nothing (the machine refuses such a command, so it records no
 * event).
 */
export function factApplies(mile: LastMileDeliveries, fact: LastMileFact): boolean {
  if (fact.type === 'AckDeadlinePassed') return !mile.deadlinePassed;
  const d = mile.recipients.find((r) => r.recipient.recipientId === fact.recipientId);
  if (d === undefined) return false;
  switch (fact.type) {
    case 'Sent':
      return d.sentAt === null;
    case 'Delivered':
      return d.deliveredAt === null;
    case 'Acknowledged':
      return d.acknowledgedAt === null;
    case 'ManualOutcome':
      // Called again after an unanswered call: the later outcome stands.
      return d.state === 'overdue' && d.manual?.outcome !== 'reached';
    default:
      return unreachable(fact);
  }
}

/** One fact folded in (a new value; the old one is untouched). */
export function applyLastMileFact<R extends Recipient>(mile: LastMileDeliveries<R>, fact: LastMileFact): LastMileDeliveries<R> {
  if (fact.type === 'AckDeadlinePassed') {
    return { deadlinePassed: true, recipients: mile.recipients.map((d) => (d.state === 'acknowledged' ? d : { ...d, state: 'overdue' })) };
  }
  const recipients = mile.recipients.map((before) => {
    if (before.recipient.recipientId !== fact.recipientId) return before;
    const d = { ...before };
    switch (fact.type) {
      case 'Sent':
        if (d.state === 'queued') d.state = 'sent';
        d.sentAt ??= fact.at;
        d.providerMessageId ??= fact.providerMessageId ?? null;
        break;
      case 'Delivered':
        if (d.state === 'queued' || d.state === 'sent') d.state = 'delivered';
        d.deliveredAt ??= fact.at;
        break;
      case 'Acknowledged':
        if (d.acknowledgedAt === null) {
          d.acknowledgedAt = fact.at;
          d.late = mile.deadlinePassed;
        }
        d.state = 'acknowledged';
        break;
      case 'ManualOutcome':
        if (d.state === 'overdue') d.manual = { outcome: fact.outcome, note: fact.note, by: fact.by ?? '', at: fact.at };
        break;
      default:
        unreachable(fact);
    }
    return d;
  });
  return { deadlinePassed: mile.deadlinePassed, recipients };
}

/** The board of folded deliveries: counts, by area, and the manual tasks still open. */
export function boardOf<R extends Recipient>(mile: LastMileDeliveries<R>): LastMileBoard<R> {
  const all = mile.recipients;
  const areas = [...new Set(all.map((d) => d.recipient.area))];
  return {
    total: all.length,
    sent: all.filter((d) => d.sentAt !== null).length,
    delivered: all.filter((d) => d.deliveredAt !== null).length,
    acknowledged: all.filter((d) => d.state === 'acknowledged').length,
    byArea: areas.map((area) => {
      const inArea = all.filter((d) => d.recipient.area === area);
      return { area, total: inArea.length, acknowledged: inArea.filter((d) => d.state === 'acknowledged').length };
    }),
    manualTasks: all.filter((d) => d.state === 'overdue' && d.manual === null).map((d) => d.recipient.recipientId),
    recipients: all,
  };
}

/** Folds the facts into each recipient's delivery and the board the duty room watches. */
export function lastMileBoard<R extends Recipient>(recipients: readonly R[], facts: readonly LastMileFact[]): LastMileBoard<R> {
  return boardOf(facts.reduce((mile, fact) => applyLastMileFact(mile, fact), queuedDeliveries(recipients)));
}
