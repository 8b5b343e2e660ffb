import { describe, expect, it } from 'vitest';
import { formatTime, fromLocalInput, toLocalInput } from './time';

describe('times in Beijing time, whatever the machine zone', () => {
  it('shows an instant in Asia/Shanghai with the zone named', () => {
    // 18:30 UTC is 02:30 the next day in Beijing.
    expect(formatTime('2026-11-30T18:30:05Z', 'zh-CN')).toBe('2026-12-01 02:30:05 (UTC+8 北京时间)');
    expect(formatTime('2026-11-30T18:30:05Z', 'en')).toBe('2026-12-01 02:30:05 (UTC+8 Asia/Shanghai)');
    expect(formatTime('2026-11-30T18:30:05+08:00', 'zh-CN', { date: false, zone: false })).toBe('18:30:05');
  });

  it('says so when there is no time, and keeps a value it cannot read', () => {
    expect(formatTime(null, 'zh-CN')).toBe('—');
    expect(formatTime('not a time', 'en')).toBe('not a time');
  });

  it('reads a datetime-local input as Beijing time and writes one back', () => {
    expect(fromLocalInput('2026-12-01T02:30')).toBe('2026-12-01T02:30:00+08:00');
    expect(fromLocalInput('2026-12-01T02:30:05')).toBe('2026-12-01T02:30:05+08:00');
    expect(fromLocalInput('yesterday')).toBeNull();
    expect(toLocalInput('2026-11-30T18:30:05Z')).toBe('2026-12-01T02:30:05');
    const iso = fromLocalInput(toLocalInput('2026-11-30T18:30:05.000Z'));
    expect(iso && new Date(iso).toISOString()).toBe('2026-11-30T18:30:05.000Z');
  });
});
