import { describe, expect, it } from 'vitest';
import { WS_CLOSE_CODE } from './errors';
import { issuesOf } from './zod-issues';
import { isPosition, parsePosition } from './position';
import {
  ClientFrameSchema,
  MAX_TOPICS_PER_FRAME,
  PositionSchema,
  ServerFrameSchema,
  WS_PERMANENT_CLOSE_CODES,
  WS_SESSION_CLOSE_CODE,
} from './ws-frames';

const envelope = {
  eventId: '6f1c2f9e-1a52-4c3e-9d51-0c2b9e0b6a11',
  streamId: 'inc-1',
  streamType: 'incident',
  version: 1,
  position: '812.44',
  type: 'IncidentReported',
  data: { title: 'Flood' },
  meta: {
    commandId: 'c-1',
    actor: { userId: 'duty-1', roles: ['duty_officer'], jurisdiction: '441203' },
    occurredAt: '2026-06-01T08:00:00.000Z',
    recordedAt: '2026-06-01T08:00:01.000Z',
    jurisdiction: '441203',
    exercise: false,
  },
};

function failingPaths(input: unknown): string[] {
  const result = ClientFrameSchema.safeParse(input);
  return result.success ? [] : issuesOf(result.error).map((i) => i.path);
}

describe('client frames', () => {
  it('accepts subscribe, unsubscribe and ping', () => {
    expect(ClientFrameSchema.parse({ type: 'subscribe', rooms: ['441203'], incidents: ['inc-1'], after: '812.44' })).toEqual({
      type: 'subscribe',
      rooms: ['441203'],
      incidents: ['inc-1'],
      after: '812.44',
    });
    expect(ClientFrameSchema.parse({ type: 'subscribe' })).toEqual({ type: 'subscribe' });
    expect(ClientFrameSchema.parse({ type: 'unsubscribe', incidents: ['inc-1'] })).toEqual({ type: 'unsubscribe', incidents: ['inc-1'] });
    expect(ClientFrameSchema.parse({ type: 'ping' })).toEqual({ type: 'ping' });
  });

  it('names the failing path of each bad frame', () => {
    expect(failingPaths({ type: 'launch' })).toEqual(['type']);
    expect(failingPaths({})).toEqual(['type']);
    expect(failingPaths('subscribe')).toEqual(['']);
    expect(failingPaths({ type: 'subscribe', rooms: ['4412'] })).toEqual(['rooms.0']);
    expect(failingPaths({ type: 'subscribe', rooms: '441203' })).toEqual(['rooms']);
    expect(failingPaths({ type: 'subscribe', incidents: ['a.b'] })).toEqual(['incidents.0']);
    expect(failingPaths({ type: 'subscribe', incidents: ['muster.evt.>'] })).toEqual(['incidents.0']);
    expect(failingPaths({ type: 'subscribe', after: '1.2.3' })).toEqual(['after']);
    expect(failingPaths({ type: 'subscribe', after: 12 })).toEqual(['after']);
    expect(failingPaths({ type: 'unsubscribe', after: '1.2' })).toEqual(['']);
    expect(failingPaths({ type: 'ping', extra: 1 })).toEqual(['']);
    expect(failingPaths({ type: 'subscribe', rooms: Array.from({ length: MAX_TOPICS_PER_FRAME + 1 }, () => '441203') })).toEqual(['rooms']);
  });

  it('takes only canonical positions', () => {
    for (const good of ['0.0', '1.0', '812.44', '18446744073709551615.9223372036854775807']) expect(PositionSchema.safeParse(good).success, good).toBe(true);
    for (const bad of ['', '.', '1', '01.1', '1.01', '-1.0', '1.0 ', ' 1.0', '1e3.0', 'x'.repeat(100)]) expect(PositionSchema.safeParse(bad).success, bad).toBe(false);
  });

  // Issue 14 finding 10: a resume position beyond the columns' ranges reached PostgreSQL and closed the socket 4503.
  it('refuses positions beyond xid8 (transaction) and bigint (sequence), naming `after`', () => {
    for (const beyond of ['18446744073709551616.0', '99999999999999999999.1', '1.9223372036854775808', '1.99999999999999999999']) {
      expect(PositionSchema.safeParse(beyond).success, beyond).toBe(false);
      expect(isPosition(beyond), beyond).toBe(false);
      expect(() => parsePosition(beyond), beyond).toThrow(RangeError);
      expect(failingPaths({ type: 'subscribe', rooms: ['441203'], after: beyond })).toEqual(['after']);
    }
  });
});

describe('server frames', () => {
  it('parses every frame type', () => {
    const frames = [
      { type: 'event', position: '812.44', event: envelope },
      { type: 'caught_up', position: '812.44' },
      { type: 'error', code: 'validation', message: 'rooms.0: bad', issues: [{ path: 'rooms.0', message: 'bad' }] },
      { type: 'error', code: 'malformed', message: 'not JSON' },
      { type: 'closing', code: 4408, reason: 'slow_consumer', resumeFrom: '812.44' },
      { type: 'pong' },
      { type: 'feed_held', since: '2026-12-07T11:20:05.123Z' },
      { type: 'feed_resumed' },
    ];
    for (const frame of frames) expect(ServerFrameSchema.parse(frame)).toEqual(frame);
  });

  it('refuses frames outside the contract', () => {
    expect(ServerFrameSchema.safeParse({ type: 'event', position: 'x', event: envelope }).success).toBe(false);
    expect(ServerFrameSchema.safeParse({ type: 'event', position: '1.1', event: { ...envelope, version: 0 } }).success).toBe(false);
    expect(ServerFrameSchema.safeParse({ type: 'error', code: 'oops', message: '' }).success).toBe(false);
    expect(ServerFrameSchema.safeParse({ type: 'closing', code: 4408, reason: 'slow_consumer' }).success).toBe(false);
    expect(ServerFrameSchema.safeParse({ type: 'closing', code: 999, reason: 'x', resumeFrom: '0.0' }).success).toBe(false);
    expect(ServerFrameSchema.safeParse({ type: 'feed_held' }).success).toBe(false);
    expect(ServerFrameSchema.safeParse({ type: 'feed_held', since: 'yesterday' }).success).toBe(false);
    expect(ServerFrameSchema.safeParse({ type: 'feed_resumed', since: '2026-12-07T11:20:05.123Z' }).success).toBe(false);
  });
});

describe('close codes', () => {
  it('keeps session codes apart from the error codes', () => {
    const errorCodes = new Set(Object.values(WS_CLOSE_CODE));
    for (const code of Object.values(WS_SESSION_CLOSE_CODE)) expect(errorCodes.has(code), String(code)).toBe(false);
  });

  it('treats refusals a retry cannot fix as permanent, and slow consumers and outages as transient', () => {
    expect(WS_PERMANENT_CLOSE_CODES).toContain(WS_CLOSE_CODE.forbidden);
    expect(WS_PERMANENT_CLOSE_CODES).toContain(WS_CLOSE_CODE.malformed);
    expect(WS_PERMANENT_CLOSE_CODES).not.toContain(WS_SESSION_CLOSE_CODE.slow_consumer);
    expect(WS_PERMANENT_CLOSE_CODES).not.toContain(WS_SESSION_CLOSE_CODE.going_away);
    expect(WS_PERMANENT_CLOSE_CODES).not.toContain(WS_CLOSE_CODE.unavailable);
    expect(WS_PERMANENT_CLOSE_CODES).not.toContain(WS_CLOSE_CODE.rate_limited);
  });
});
