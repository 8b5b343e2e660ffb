import { describe, expect, it } from 'vitest';
import { planInForce, revisionReasons, type PlanVersion, type RevisionRequest } from './plan.revision';

const FLOOD: PlanVersion = {
  planId: 'huaiji-flood',
  jurisdiction: '441224',
  category: 'natural_disaster',
  kind: 'special',
  version: 3,
  issuedAt: '2024-03-01T00:00:00.000Z',
  reviewBy: '2027-03-01T00:00:00+08:00',
  lastDrilledAt: '2025-06-10T08:00:00.000Z',
};
const AAR: RevisionRequest = { source: 'drill', ref: 'drill-2026-07', at: '2026-07-20T02:00:00.000Z', reason: 'AAR/IP：转移群众名单与预案不符' };

describe('plan revision triggers (预案修编, ref §1.8)', () => {
  it('a plan in date, drilled within three years and asked for nothing is not due', () => {
    expect(revisionReasons(FLOOD, [], '2026-07-01T00:00:00.000Z')).toStrictEqual([]);
  });

  it('its review date passing makes it due', () => {
    expect(revisionReasons(FLOOD, [], '2027-03-01T00:00:00.000Z')).toStrictEqual([{ trigger: 'reviewDate', since: '2027-02-28T16:00:00.000Z' }]);
  });

  it('a special plan undrilled for three years is due (from its last drill, else from its issue); a grassroots plan after one; the overall plan never on this ground', () => {
    expect(revisionReasons({ ...FLOOD, reviewBy: null }, [], '2028-06-10T07:59:00.000Z')).toStrictEqual([]);
    expect(revisionReasons({ ...FLOOD, reviewBy: null }, [], '2028-06-10T08:00:00.000Z')).toStrictEqual([{ trigger: 'drillOverdue', since: '2028-06-10T08:00:00.000Z', intervalYears: 3 }]);
    expect(revisionReasons({ ...FLOOD, reviewBy: null, lastDrilledAt: null }, [], '2027-03-01T00:00:00.000Z')).toStrictEqual([
      { trigger: 'drillOverdue', since: '2027-03-01T00:00:00.000Z', intervalYears: 3 },
    ]);
    expect(revisionReasons({ ...FLOOD, kind: 'grassroots', reviewBy: null }, [], '2026-06-10T08:00:00.000Z')).toMatchObject([{ trigger: 'drillOverdue', intervalYears: 1 }]);
    expect(revisionReasons({ ...FLOOD, kind: 'overall', reviewBy: null, lastDrilledAt: null }, [], '2040-01-01T00:00:00.000Z')).toStrictEqual([]);
  });

  it('an AAR/IP or a change asking for revision after the version was issued makes it due; one before it (already taken in) does not', () => {
    const before: RevisionRequest = { source: 'incident', ref: 'inc-2023', at: '2023-09-01T00:00:00.000Z', reason: '台风海葵应对暴露问题' };
    expect(revisionReasons(FLOOD, [before, AAR], '2026-08-01T00:00:00.000Z')).toStrictEqual([
      { trigger: 'revisionAsked', source: 'drill', ref: 'drill-2026-07', since: AAR.at, reason: AAR.reason },
    ]);
    // Not yet at `now`: a request dated later does not count.
    expect(revisionReasons(FLOOD, [AAR], '2026-07-19T00:00:00.000Z')).toStrictEqual([]);
  });
});

describe('the plan in force for an incident (预案衔接)', () => {
  const plans = new Map([
    ['441200', 'city flood plan'],
    ['441224', 'Huaiji flood plan'],
  ]);
  it('is the room’s own plan of the category when it has one', () => {
    expect(planInForce(['441224', '441200', '440000'], plans)).toBe('Huaiji flood plan');
  });
  it('is the nearest room above’s when the room has none, and none when no room up the chain has one', () => {
    expect(planInForce(['441203', '441200', '440000'], plans)).toBe('city flood plan');
    expect(planInForce(['440100', '440000'], plans)).toBeNull();
  });
});
