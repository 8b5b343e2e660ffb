import { describe, expect, it } from 'vitest';
import { isOverdue } from './reports';

const now = Date.parse('2026-12-01T10:00:00+08:00');
const at = (hhmm: string) => `2026-12-01T${hhmm}:00+08:00`;

describe('overdue reports', () => {
  it.each([
    ['owed, deadline ahead', { dueAt: at('10:30'), submittedAt: null, overdueAt: null }, false],
    ['owed, deadline passed (timers not yet run)', { dueAt: at('09:30'), submittedAt: null, overdueAt: null }, true],
    ['owed, marked overdue by the timers', { dueAt: at('09:30'), submittedAt: null, overdueAt: at('09:30') }, true],
    ['filed in time', { dueAt: at('09:30'), submittedAt: at('09:29'), overdueAt: null }, false],
    ['filed late', { dueAt: at('09:30'), submittedAt: at('09:45'), overdueAt: at('09:30') }, true],
    ['filed ad hoc, no deadline', { dueAt: null, submittedAt: at('09:00'), overdueAt: null }, false],
    ['owed with no deadline', { dueAt: null, submittedAt: null, overdueAt: null }, false],
  ] as const)('%s', (_name, item, expected) => {
    expect(isOverdue(item, now)).toBe(expected);
  });
});
