import { describe, expect, it } from 'vitest';
import { filterTimeline, isFiltered, isLane, NO_FILTER, peopleIn, roomsIn } from './timeline-filter';

const entry = (n: number, streamType: string, actor: string, actorJurisdiction: string) => ({
  eventId: `e-${n}`,
  streamType,
  actor,
  actorJurisdiction,
  recordedAt: `2026-07-01T0${n}:00:00.000Z`,
});

const ENTRIES = [
  entry(1, 'incident', 'dinghu-duty', '441203'),
  entry(2, 'scene', 'commander', '441203'),
  entry(3, 'resourceRequest', 'commander', '441203'),
  entry(4, 'report', 'city-duty', '441200'),
  entry(5, 'correction', 'city-duty', '441200'),
  entry(6, 'supervision', 'city-duty', '441200'),
];

const ids = (list: readonly { eventId: string }[]) => list.map((e) => e.eventId);

describe('timeline filters', () => {
  it('lets everything through with no filter, and says it is not filtered', () => {
    expect(ids(filterTimeline(ENTRIES, NO_FILTER))).toStrictEqual(ids(ENTRIES));
    expect(isFiltered(NO_FILTER)).toBe(false);
  });

  it('keeps one lane only', () => {
    expect(ids(filterTimeline(ENTRIES, { ...NO_FILTER, lane: 'scene' }))).toStrictEqual(['e-2']);
    expect(ids(filterTimeline(ENTRIES, { ...NO_FILTER, lane: 'correction' }))).toStrictEqual(['e-5']);
    expect(isFiltered({ ...NO_FILTER, lane: 'report' })).toBe(true);
  });

  it('keeps one room or one person', () => {
    expect(ids(filterTimeline(ENTRIES, { ...NO_FILTER, room: '441200' }))).toStrictEqual(['e-4', 'e-5', 'e-6']);
    expect(ids(filterTimeline(ENTRIES, { ...NO_FILTER, person: 'commander' }))).toStrictEqual(['e-2', 'e-3']);
    expect(ids(filterTimeline(ENTRIES, { ...NO_FILTER, room: '441203', lane: 'report' }))).toStrictEqual([]);
  });

  it('keeps a time span, its start included and its end not (as the api reads from/to)', () => {
    const span = { ...NO_FILTER, from: '2026-07-01T10:00:00+08:00', to: '2026-07-01T12:00:00+08:00' };
    expect(ids(filterTimeline(ENTRIES, span))).toStrictEqual(['e-2', 'e-3']);
    expect(ids(filterTimeline(ENTRIES, { ...NO_FILTER, from: '2026-07-01T05:00:00Z' }))).toStrictEqual(['e-5', 'e-6']);
    expect(ids(filterTimeline(ENTRIES, { ...NO_FILTER, to: '2026-07-01T02:00:00Z' }))).toStrictEqual(['e-1']);
  });

  it('lists the rooms and people that acted, each once, in order of first appearance', () => {
    expect(roomsIn(ENTRIES)).toStrictEqual(['441203', '441200']);
    expect(peopleIn(ENTRIES).map((p) => [p.userId, p.first.eventId])).toStrictEqual([
      ['dinghu-duty', 'e-1'],
      ['commander', 'e-2'],
      ['city-duty', 'e-4'],
    ]);
  });

  it('knows the lanes by name', () => {
    expect(isLane('supervision')).toBe(true);
    expect(isLane('depot')).toBe(false);
  });
});
