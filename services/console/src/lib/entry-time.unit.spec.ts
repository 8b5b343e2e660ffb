import { describe, expect, it } from 'vitest';
import { entryTime } from './entry-time';

describe('a timeline entry’s time', () => {
  it('is when it was recorded while that is within a minute of when it happened', () => {
    expect(entryTime({ occurredAt: '2026-12-07T02:10:00Z', recordedAt: '2026-12-07T02:11:00Z' }, 'zh-CN')).toBe('2026-12-07 10:11:00 (UTC+8 北京时间)');
  });

  it('shows both times when they lie more than a minute apart (a report queued on a phone with no network)', () => {
    const entry = { occurredAt: '2026-12-07T02:10:00Z', recordedAt: '2026-12-07T02:41:30Z' };
    expect(entryTime(entry, 'zh-CN')).toBe('发生于 2026-12-07 10:10:00 (UTC+8 北京时间) · 记录于 2026-12-07 10:41:30 (UTC+8 北京时间)');
    expect(entryTime(entry, 'en')).toBe('happened 2026-12-07 10:10:00 (UTC+8 Asia/Shanghai) · recorded 2026-12-07 10:41:30 (UTC+8 Asia/Shanghai)');
  });
});
