import type { TimelineEntry } from '@muster/client';

/**
 * The review's timeline filters: which lane (the stream an entry belongs to), which room or person
 * acted, and between which instants. Pure, so tests can check it without a browser; the filter
 * runs on the timeline already read, so switching it costs no round trip.
 */

/** The lanes of the record, in the order an incident runs (the chart's rows). */
export const LANES = ['incident', 'scene', 'resourceRequest', 'report', 'correction', 'supervision'] as const;
type Lane = (typeof LANES)[number];

export interface TimelineFilter {
  /** A lane, or '' for every lane. */
  lane: Lane | '';
  /** The acting room's code, or '' for every room. */
  room: string;
  /** The acting person's user id (kept in the select's value, never shown), or '' for everyone. */
  person: string;
  /** ISO instants, either end open when null; `to` is exclusive, as the api's timeline query has it. */
  from: string | null;
  to: string | null;
}

export const NO_FILTER: TimelineFilter = { lane: '', room: '', person: '', from: null, to: null };

export function isLane(value: string): value is Lane {
  return (LANES as readonly string[]).includes(value);
}

type Filtered = Pick<TimelineEntry, 'streamType' | 'actor' | 'actorJurisdiction' | 'recordedAt'>;

/** The entries the filter lets through, in their order. */
export function filterTimeline<E extends Filtered>(entries: readonly E[], filter: TimelineFilter): E[] {
  const from = filter.from === null ? null : Date.parse(filter.from);
  const to = filter.to === null ? null : Date.parse(filter.to);
  return entries.filter((e) => {
    if (filter.lane !== '' && e.streamType !== filter.lane) return false;
    if (filter.room !== '' && e.actorJurisdiction !== filter.room) return false;
    if (filter.person !== '' && e.actor !== filter.person) return false;
    const at = Date.parse(e.recordedAt);
    if (from !== null && !Number.isNaN(from) && at < from) return false;
    if (to !== null && !Number.isNaN(to) && at >= to) return false;
    return true;
  });
}

/** Whether any part of the filter is set (the screen then says how many entries it hides). */
export function isFiltered(filter: TimelineFilter): boolean {
  return filter.lane !== '' || filter.room !== '' || filter.person !== '' || filter.from !== null || filter.to !== null;
}

/** The rooms that acted in the record, each once, in order of first appearance. */
export function roomsIn(entries: readonly Filtered[]): string[] {
  return [...new Set(entries.map((e) => e.actorJurisdiction).filter((code) => code !== ''))];
}

/** The people who acted, each once with the first entry they made (its room and role name them when the directory does not). */
export function peopleIn<E extends Filtered>(entries: readonly E[]): { userId: string; first: E }[] {
  const seen = new Map<string, E>();
  for (const e of entries) if (e.actor !== '' && !seen.has(e.actor)) seen.set(e.actor, e);
  return [...seen].map(([userId, first]) => ({ userId, first }));
}
