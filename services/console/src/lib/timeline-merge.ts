import type { TimelineEntry } from '@muster/client';
import type { EventEnvelope } from '@muster/contracts';

/**
 * A timeline entry from an event frame: the frame carries the whole event, so the timeline grows
 * without a read. Corrections are the exception (they mark an earlier entry), see `useIncident`.
 */
export function timelineEntryOf(event: EventEnvelope): TimelineEntry {
  return {
    eventId: event.eventId,
    position: event.position,
    streamId: event.streamId,
    streamType: event.streamType,
    version: event.version,
    type: event.type,
    occurredAt: event.meta.occurredAt,
    recordedAt: event.meta.recordedAt,
    actor: event.meta.actor.userId,
    roles: event.meta.actor.roles,
    actorJurisdiction: event.meta.actor.jurisdiction,
    jurisdiction: event.meta.jurisdiction,
    data: event.data,
    correctedBy: [],
  };
}

/** Global log positions `"<txid>.<seq>"`, compared as numbers part by part. */
function comparePositions(a: string, b: string): number {
  const [at, as] = a.split('.').map(Number);
  const [bt, bs] = b.split('.').map(Number);
  return (at ?? 0) - (bt ?? 0) || (as ?? 0) - (bs ?? 0);
}

/** The timeline with `entry` in its place by log position; an entry already there is kept. */
export function withEntry(timeline: readonly TimelineEntry[], entry: TimelineEntry): TimelineEntry[] {
  if (timeline.some((e) => e.eventId === entry.eventId)) return [...timeline];
  return [...timeline, entry].sort((a, b) => comparePositions(a.position, b.position));
}

/**
 * A timeline read merged with what the feed added meanwhile: the read's entries win (they carry
 * their corrections), and an entry the feed brought after the read began is kept.
 */
export function mergeTimelines(read: readonly TimelineEntry[], current: readonly TimelineEntry[]): TimelineEntry[] {
  const known = new Set(read.map((e) => e.eventId));
  return [...read, ...current.filter((e) => !known.has(e.eventId))].sort((a, b) => comparePositions(a.position, b.position));
}

/** What one event asks of the view: the record read again, the timeline read again (a correction), or both. */
export function rereadFor(event: Pick<EventEnvelope, 'streamType'>): 'record' | 'timeline' {
  return event.streamType === 'correction' ? 'timeline' : 'record';
}
