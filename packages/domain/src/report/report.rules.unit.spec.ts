import { describe, expect, it } from 'vitest';
import { SEVERITIES } from '../shared';
import { DEFAULT_REPORT_RULES, addMinutes, reportTermsFor, type ReportRuleTable } from './report.rules';

describe('report rule table: defaults', () => {
  it.each(['I', 'II', 'III'] as const)('severity %s (较大 and above): phone 30 min, written 60 min, 续报 every 12 h, 终报 within 7 days', (severity) => {
    expect(reportTermsFor(DEFAULT_REPORT_RULES, severity, 'natural_disaster')).toStrictEqual({
      phoneMinutes: 30,
      writtenMinutes: 60,
      followUpEveryMinutes: 720,
      finalWithinMinutes: 10_080,
      rule: 'major-and-above',
    });
  });

  it('severity IV (一般): no phone deadline, written within 6 h, no 续报 cadence', () => {
    expect(reportTermsFor(DEFAULT_REPORT_RULES, 'IV', null)).toStrictEqual({
      phoneMinutes: null,
      writtenMinutes: 360,
      followUpEveryMinutes: null,
      finalWithinMinutes: 10_080,
      rule: 'general',
    });
  });

  it('covers every severity, whatever the category (or none)', () => {
    for (const severity of SEVERITIES) {
      for (const category of ['natural_disaster', 'accident', 'public_health', 'social_security', null] as const) {
        expect(reportTermsFor(DEFAULT_REPORT_RULES, severity, category).rule, `${severity}/${category}`).not.toBe('none');
      }
    }
  });
});

describe('report rule table: another table, loaded as data', () => {
  // A Henan-like table: 重大+ phone 15 / written 35; accidents of 较大 written within 60 with no phone.
  const table: ReportRuleTable = JSON.parse(
    JSON.stringify({
      rules: [
        { id: 'accident-iii', severities: ['III'], categories: ['accident'], phoneMinutes: null, writtenMinutes: 60, followUpEveryMinutes: 1440, finalWithinMinutes: null },
        { id: 'grave', severities: ['I', 'II'], phoneMinutes: 15, writtenMinutes: 35, followUpEveryMinutes: 720, finalWithinMinutes: 4320 },
        { id: 'iii', severities: ['III'], phoneMinutes: 30, writtenMinutes: 60, followUpEveryMinutes: 720, finalWithinMinutes: 4320 },
      ],
    }),
  ) as ReportRuleTable;

  it('the first rule that applies wins: category-specific rows before general ones', () => {
    expect(reportTermsFor(table, 'III', 'accident')).toMatchObject({ rule: 'accident-iii', phoneMinutes: null, writtenMinutes: 60 });
    expect(reportTermsFor(table, 'III', 'natural_disaster')).toMatchObject({ rule: 'iii', phoneMinutes: 30 });
    expect(reportTermsFor(table, 'II', 'accident')).toMatchObject({ rule: 'grave', phoneMinutes: 15, writtenMinutes: 35 });
  });

  it('a category rule does not apply to an incident without a category', () => {
    expect(reportTermsFor(table, 'III', null)).toMatchObject({ rule: 'iii' });
  });

  it('no applicable rule: nothing is due on a clock', () => {
    expect(reportTermsFor(table, 'IV', 'accident')).toStrictEqual({
      phoneMinutes: null,
      writtenMinutes: null,
      followUpEveryMinutes: null,
      finalWithinMinutes: null,
      rule: 'none',
    });
  });
});

describe('addMinutes', () => {
  it('adds minutes to an ISO time and answers in UTC', () => {
    expect(addMinutes('2026-07-01T14:00:00+08:00', 30)).toBe('2026-07-01T06:30:00.000Z');
  });
  it('is null when either side is null', () => {
    expect(addMinutes(null, 30)).toBeNull();
    expect(addMinutes('2026-07-01T06:00:00Z', null)).toBeNull();
  });
});
