import { describe, expect, it } from 'vitest';
import { dueReasonText, measuresFor } from './plan-text';

const plan = { current: { measures: { I: '总指挥坐镇', II: '副总指挥带队', III: '转移群众', IV: '加强值守' } } } as Parameters<typeof measuresFor>[0];

describe('plan words', () => {
  it('say why a plan is due for revision in Chinese, on Beijing days', () => {
    expect(dueReasonText({ trigger: 'reviewDate', since: '2026-08-31T16:00:00.000Z' }, 'zh-CN')).toBe('已到评估修订日期（2026-09-01）');
    expect(dueReasonText({ trigger: 'drillOverdue', since: '2026-06-30T02:00:00.000Z', intervalYears: 3 }, 'zh-CN')).toBe('超过 3 年未演练（应于 2026-06-30 前演练）');
    expect(dueReasonText({ trigger: 'revisionAsked', source: 'drill', ref: '防汛双盲演练', since: '2026-07-03T02:00:00.000Z', reason: '转移名单不符' }, 'zh-CN')).toBe(
      '演练评估报告要求修订（防汛双盲演练，2026-07-03）：转移名单不符',
    );
    expect(dueReasonText({ trigger: 'reviewDate', since: '2026-08-31T16:00:00.000Z' }, 'en')).toBe('its review date passed (2026-09-01)');
  });

  it('pick the plan’s measures for the level chosen, nothing before one is chosen or without a plan', () => {
    expect(measuresFor(plan, 'III')).toBe('转移群众');
    expect(measuresFor(plan, '')).toBeNull();
    expect(measuresFor(plan, 'V')).toBeNull();
    expect(measuresFor(null, 'I')).toBeNull();
  });
});
