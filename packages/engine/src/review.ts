import { isStreamType, replay, type PersistedState, type ReplayableEvent } from '@muster/domain';
import { AGGREGATES } from './aggregates';

/** A stored event as replay to a moment needs it. */
export interface ReviewEvent {
  streamId: string;
  streamType: string;
  version: number;
  type: string;
  data: Record<string, unknown>;
  meta: ReplayableEvent['meta'] & { recordedAt: string; occurredAt: string };
}

export interface StreamAt {
  streamId: string;
  streamType: string;
  /** The last version applied. */
  version: number;
  state: PersistedState;
  /**
   * By occurred time only: events that happened by T but could not be applied in that order (e.g. a
   * confirmation reported as happening before the verification it needs). Listed, never hidden.
   */
  unapplied: { version: number; type: string; occurredAt: string }[];
}

/**
 * The state of every stream of an incident at instant `at`, by replaying its events through the
 * domain's machines (issue 7):
 * - `recorded`: what the system knew at T, the events recorded by then. Recorded times grow with the
 *   version within a stream, so this is a prefix and equals the stream row as it was at T.
 * - `occurred`: what was true at T as later reported: the events that happened by T, in stream order,
 *   including those recorded afterwards. An event the machine refuses in that order is listed in
 *   `unapplied` rather than dropped silently.
 * Streams with no event by T are left out.
 */
export function stateAt(events: readonly ReviewEvent[], at: string, basis: 'recorded' | 'occurred'): StreamAt[] {
  const limit = Date.parse(at);
  const byStream = new Map<string, ReviewEvent[]>();
  for (const event of events) {
    const time = Date.parse(basis === 'recorded' ? event.meta.recordedAt : event.meta.occurredAt);
    if (time > limit) continue;
    const list = byStream.get(event.streamId) ?? [];
    list.push(event);
    byStream.set(event.streamId, list);
  }
  const result: StreamAt[] = [];
  for (const [streamId, list] of [...byStream].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const first = list[0];
    if (!first || !isStreamType(first.streamType)) continue;
    const { definition } = AGGREGATES[first.streamType];
    const ordered = [...list].sort((a, b) => a.version - b.version);
    if (basis === 'recorded') {
      result.push({ streamId, streamType: first.streamType, version: ordered[ordered.length - 1]?.version ?? 0, state: replay(definition, ordered), unapplied: [] });
      continue;
    }
    let state: PersistedState | undefined;
    let version = 0;
    const unapplied: StreamAt['unapplied'] = [];
    // Derived events come back with their primary one; group them so a refused primary takes them along.
    for (const event of ordered) {
      if (event.meta.derived) {
        if (unapplied.some((u) => u.version === event.version - 1)) unapplied.push({ version: event.version, type: event.type, occurredAt: event.meta.occurredAt });
        else version = event.version;
        continue;
      }
      try {
        state = replay(definition, [event], state);
        version = event.version;
      } catch {
        unapplied.push({ version: event.version, type: event.type, occurredAt: event.meta.occurredAt });
      }
    }
    if (state) result.push({ streamId, streamType: first.streamType, version, state, unapplied });
  }
  return result;
}
