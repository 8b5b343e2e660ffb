import { describe, expect, it } from 'vitest';
import { beijingDate, minutesText, monthStart, percent, periodOf, unitsWithin } from './scores';

describe('the scores period, in Beijing time', () => {
  it('takes both days whole: from the first day’s midnight to the midnight after the last', () => {
    expect(periodOf('2026-12-01', '2026-12-31')).toEqual({ from: '2026-12-01T00:00:00+08:00', to: '2027-01-01T00:00:00+08:00' });
    expect(periodOf('2026-12-07', '2026-12-07')).toEqual({ from: '2026-12-07T00:00:00+08:00', to: '2026-12-08T00:00:00+08:00' });
  });

  it('refuses a period that ends before it starts, or dates that are not dates', () => {
    expect(periodOf('2026-12-07', '2026-12-06')).toBeNull();
    expect(periodOf('', '2026-12-06')).toBeNull();
    expect(periodOf('2026-12-01', '12/06/2026')).toBeNull();
  });

  it('reads today and the month in Beijing, whatever the browser’s zone', () => {
    // 2026-11-30 17:30 UTC is already 1 December in Beijing.
    const at = Date.parse('2026-11-30T17:30:00Z');
    expect(beijingDate(at)).toBe('2026-12-01');
    expect(monthStart(at)).toBe('2026-12-01');
    expect(monthStart(Date.parse('2026-12-15T03:00:00Z'))).toBe('2026-12-01');
  });
});

describe('figures as a duty officer reads them', () => {
  it('rates as percentages, minutes with one decimal, nothing counted as a dash', () => {
    expect(percent(0.8571)).toBe('85.7%');
    expect(percent(1)).toBe('100.0%');
    expect(percent(0)).toBe('0.0%');
    expect(percent(null)).toBe('—');
    expect(minutesText(90)).toBe('90.0');
    expect(minutesText(12.345)).toBe('12.3');
    expect(minutesText(null)).toBe('—');
  });

  it('lists the room and the units below it, the room first', () => {
    const tree = new Map<string, { parent: string | null }>([
      ['440000', { parent: null }],
      ['441200', { parent: '440000' }],
      ['441224', { parent: '441200' }],
      ['441203', { parent: '441200' }],
      ['445300', { parent: '440000' }],
    ]);
    expect(unitsWithin(tree, '441200')).toEqual(['441200', '441203', '441224']);
    expect(unitsWithin(tree, '441224')).toEqual(['441224']);
  });
});
