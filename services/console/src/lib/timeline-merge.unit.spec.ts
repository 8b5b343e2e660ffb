import type { TimelineEntry } from '@muster/client';
import type { EventEnvelope } from '@muster/contracts';
import { describe, expect, it } from 'vitest';
import { mergeTimelines, rereadFor, timelineEntryOf, withEntry } from './timeline-merge';

const event = (eventId: string, position: string, streamType = 'incident'): EventEnvelope => ({
  eventId,
  streamId: streamType === 'incident' ? 'inc-1' : `${streamType}:inc-1`,
  streamType,
  version: 1,
  position,
  type: 'IncidentVerificationBegun',
  data: { note: 'x' },
  meta: {
    commandId: `c-${eventId}`,
    actor: { userId: 'dinghu-duty', roles: ['duty_officer'], jurisdiction: '441203' },
    occurredAt: '2026-07-01T06:00:00.000Z',
    recordedAt: '2026-07-01T06:00:01.000Z',
    jurisdiction: '441203',
    exercise: false,
    incidentId: 'inc-1',
  },
});
const entry = (eventId: string, position: string, correctedBy: unknown[] = []): TimelineEntry => ({ ...timelineEntryOf(event(eventId, position)), correctedBy });

describe('the timeline kept up from event frames', () => {
  it('takes an entry from a frame as the timeline route answers it: actor by user and room, recorded and occurred times, no corrections yet', () => {
    expect(timelineEntryOf(event('e1', '10.0'))).toStrictEqual({
      eventId: 'e1',
      position: '10.0',
      streamId: 'inc-1',
      streamType: 'incident',
      version: 1,
      type: 'IncidentVerificationBegun',
      occurredAt: '2026-07-01T06:00:00.000Z',
      recordedAt: '2026-07-01T06:00:01.000Z',
      actor: 'dinghu-duty',
      roles: ['duty_officer'],
      actorJurisdiction: '441203',
      jurisdiction: '441203',
      data: { note: 'x' },
      correctedBy: [],
    });
  });

  it('puts an entry in log order (numerically: 9 before 10), and a frame seen twice once', () => {
    const timeline = [entry('a', '9.0'), entry('c', '10.1')];
    const added = withEntry(timeline, entry('b', '10.0'));
    expect(added.map((e) => e.eventId)).toStrictEqual(['a', 'b', 'c']);
    expect(withEntry(added, entry('b', '10.0')).map((e) => e.eventId)).toStrictEqual(['a', 'b', 'c']);
  });

  it('merges a read with what the feed brought meanwhile: the read wins (it carries corrections), newer frames stay', () => {
    const current = [entry('a', '1.0'), entry('b', '2.0')];
    const read = [entry('a', '1.0', [{ kind: 'strike' }])];
    const merged = mergeTimelines(read, current);
    expect(merged.map((e) => e.eventId)).toStrictEqual(['a', 'b']);
    expect(merged[0]?.correctedBy).toStrictEqual([{ kind: 'strike' }]);
  });

  it('a correction asks for the timeline, any other event for the record', () => {
    expect(rereadFor({ streamType: 'correction' })).toBe('timeline');
    expect(rereadFor({ streamType: 'scene' })).toBe('record');
    expect(rereadFor({ streamType: 'incident' })).toBe('record');
  });
});
