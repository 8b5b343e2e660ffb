import { describe, expect, it } from 'vitest';
import { dutyDays, shiftFormSchema, shiftsOn, watchOutcome } from './duty';
import { translator } from './i18n';

const { tr } = translator('zh-CN');
const words = { tr, incidentTitle: (id: string) => (id === 'inc-1' ? '鼎湖区山体滑坡' : '？'), person: (id: string) => (id === 'dinghu-duty' ? '鼎湖区值班员' : '？') };
const UUID_OR_ID = /inc-1|dinghu-duty|[0-9a-f]{8}-[0-9a-f]{4}-/i;

describe('duty days in Beijing time', () => {
  it('starts today at 00:00 Beijing time, whatever the UTC date', () => {
    // 17:30 UTC on 30 Nov is already 1 Dec in Beijing.
    const days = dutyDays(new Date('2026-11-30T17:30:00Z'), 3);
    expect(days.map((d) => d.date)).toStrictEqual(['2026-12-01', '2026-12-02', '2026-12-03']);
    expect(days[0]).toStrictEqual({ date: '2026-12-01', from: '2026-11-30T16:00:00.000Z', to: '2026-12-01T16:00:00.000Z' });
    expect(dutyDays(new Date('2026-11-30T15:59:59Z'), 1)[0]?.date).toBe('2026-11-30');
  });

  it('puts a shift on every day it covers, earliest first', () => {
    const [first, second] = dutyDays(new Date('2026-12-01T04:00:00Z'), 2);
    if (!first || !second) throw new Error('two days expected');
    const day = { id: 'day', startsAt: '2026-12-01T08:00:00+08:00', endsAt: '2026-12-01T20:00:00+08:00' };
    const night = { id: 'night', startsAt: '2026-12-01T20:00:00+08:00', endsAt: '2026-12-02T08:00:00+08:00' };
    const later = { id: 'later', startsAt: '2026-12-03T08:00:00+08:00', endsAt: '2026-12-03T20:00:00+08:00' };
    expect(shiftsOn([night, later, day], first).map((s) => s.id)).toStrictEqual(['day', 'night']);
    expect(shiftsOn([night, later, day], second).map((s) => s.id)).toStrictEqual(['night']);
  });
});

describe('what became of a call, in words', () => {
  it('names the incident by title and the triaging officer by name, never by id', () => {
    const created = watchOutcome({ status: 'incident_created', incidentId: 'inc-1', triagedBy: 'dinghu-duty' }, words);
    expect(created).toBe('已立为事件：鼎湖区山体滑坡（研判人：鼎湖区值班员）');
    expect(watchOutcome({ status: 'attached', incidentId: 'inc-1', triagedBy: 'dinghu-duty' }, words)).toBe('已并入事件：鼎湖区山体滑坡（研判人：鼎湖区值班员）');
    expect(created).not.toMatch(UUID_OR_ID);
  });

  it('gives the reason of a dismissal, and says an open call is waiting', () => {
    expect(watchOutcome({ status: 'dismissed', incidentId: null, dismissReason: '重复来电', triagedBy: 'dinghu-duty' }, words)).toBe('已排除：重复来电（研判人：鼎湖区值班员）');
    expect(watchOutcome({ status: 'open', incidentId: null }, words)).toBe('待处理');
  });
});

describe('the add-shift form', () => {
  const shift = { jurisdiction: '441203', post: 'duty_officer', officer: { userId: 'dinghu-duty', name: '鼎湖区值班员' }, startsAt: '2026-12-01T08:00:00+08:00', endsAt: '2026-12-01T20:00:00+08:00' };
  const schema = shiftFormSchema('结束时间须晚于开始时间');

  it('passes a good shift through as the api reads it', () => {
    expect(schema.parse(shift)).toStrictEqual(shift);
  });

  it('says an end before the start in the console words, beside the end; other faults as the schema says them', () => {
    const parsed = schema.safeParse({ ...shift, endsAt: '2026-12-01T07:00:00+08:00' });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => [i.path.join('.'), i.message])).toStrictEqual([['endsAt', '结束时间须晚于开始时间']]);
    const missing = schema.safeParse({ ...shift, officer: undefined });
    expect(missing.error?.issues.map((i) => i.path.join('.'))).toStrictEqual(['officer']);
  });
});
