import type { WarningLevel } from './warning.types';

/**
 * The last mile (最后一公里) of a warning, as pure folds: each recipient's delivery state from the facts
 * recorded about it, the acknowledgement board, and who must be called by hand once the deadline
 * passes. 粤条例 2025 §44 (ref §1.6): the authorities must make sure township, village and community
 * leaders have received and understood (收到并知晓) the warning.
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

/** What is recorded about delivery, in the order it happened. */
export type LastMileFact =
  | { type: 'Sent'; recipientId: string; channel: string; at: string }
  | { type: 'Delivered'; recipientId: string; at: string }
  | { type: 'Acknowledged'; recipientId: string; at: string }
  /** The acknowledgement deadline passed: whoever has not acknowledged is overdue. */
  | { type: 'AckDeadlinePassed'; at: string }
  /** The duty room called an overdue recipient: reached (and so informed) or not. */
  | { type: 'ManualOutcome'; recipientId: string; outcome: 'reached' | 'unreachable'; note: string; at: string };

const DELIVERY_STATES = ['queued', 'sent', 'delivered', 'acknowledged', 'overdue'] as const;
type DeliveryState = (typeof DELIVERY_STATES)[number];

interface RecipientDelivery {
  recipient: Recipient;
  state: DeliveryState;
  sentAt: string | null;
  deliveredAt: string | null;
  acknowledgedAt: string | null;
  /** Acknowledged after the deadline had passed. */
  late: boolean;
  /** The duty room's call, once made. */
  manual: { outcome: 'reached' | 'unreachable'; note: string; at: string } | null;
}

interface LastMileBoard {
  total: number;
  acknowledged: number;
  byArea: { area: string; total: number; acknowledged: number }[];
  /** Overdue recipients the duty room must still call (人工通知), in recipient order. */
  manualTasks: string[];
  recipients: RecipientDelivery[];
}

function unreachable(fact: never): never {
  throw new Error(`last mile: unknown fact ${JSON.stringify(fact)}`);
}

/** Folds the facts into each recipient's delivery and the board the duty room watches. */
export function lastMileBoard(recipients: readonly Recipient[], facts: readonly LastMileFact[]): LastMileBoard {
  const deliveries = new Map<string, RecipientDelivery>(
    recipients.map((recipient) => [recipient.recipientId, { recipient, state: 'queued', sentAt: null, deliveredAt: null, acknowledgedAt: null, late: false, manual: null }]),
  );
  let deadlinePassed = false;
  for (const fact of facts) {
    if (fact.type === 'AckDeadlinePassed') {
      deadlinePassed = true;
      for (const d of deliveries.values()) if (d.state !== 'acknowledged') d.state = 'overdue';
      continue;
    }
    const d = deliveries.get(fact.recipientId);
    // A fact about someone not on the list changes nothing on it.
    if (d === undefined) continue;
    switch (fact.type) {
      case 'Sent':
        if (d.state === 'queued') d.state = 'sent';
        d.sentAt ??= fact.at;
        break;
      case 'Delivered':
        if (d.state === 'queued' || d.state === 'sent') d.state = 'delivered';
        d.deliveredAt ??= fact.at;
        break;
      case 'Acknowledged':
        if (d.acknowledgedAt === null) {
          d.acknowledgedAt = fact.at;
          d.late = deadlinePassed;
        }
        d.state = 'acknowledged';
        break;
      case 'ManualOutcome':
        if (d.state === 'overdue') d.manual = { outcome: fact.outcome, note: fact.note, at: fact.at };
        break;
      default:
        unreachable(fact);
    }
  }
  const all = [...deliveries.values()];
  const areas = [...new Set(recipients.map((r) => r.area))];
  return {
    total: all.length,
    acknowledged: all.filter((d) => d.state === 'acknowledged').length,
    byArea: areas.map((area) => {
      const inArea = all.filter((d) => d.recipient.area === area);
      return { area, total: inArea.length, acknowledged: inArea.filter((d) => d.state === 'acknowledged').length };
    }),
    manualTasks: all.filter((d) => d.state === 'overdue' && d.manual === null).map((d) => d.recipient.recipientId),
    recipients: all,
  };
}
