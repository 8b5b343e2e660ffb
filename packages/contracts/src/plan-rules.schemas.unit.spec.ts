import { DEFAULT_PLAN_RULES, PLAN_RULE_SECTIONS, UNSOURCED } from '@muster/domain';
import { describe, expect, it } from 'vitest';
import { PlanRulesSchema, describeRulesIssue } from './plan-rules.schemas';

/** Every entry of every section of the built-in rules, named `section[index] "id"` (the upper room's rights are one entry). */
const entries = PLAN_RULE_SECTIONS.flatMap((section) => {
  const value: unknown = DEFAULT_PLAN_RULES[section];
  const list = (Array.isArray(value) ? value : [value]) as { id?: string; source: unknown }[];
  return list.map((entry, i) => ({ name: `${section}[${i}] ${entry.id ?? ''}`, entry }));
});

/** A source names a clause (a § of a law, notice or the reference, or the seed's plan) or starts by saying it has none. */
const NAMES_A_CLAUSE = /§\s?\d|\(seed\)/;

describe('the built-in plan rules: every entry sourced (issue 16)', () => {
  it('pass the schema a rules file must pass', () => {
    const parsed = PlanRulesSchema.safeParse(DEFAULT_PLAN_RULES);
    expect(parsed.error?.issues ?? []).toStrictEqual([]);
    expect(parsed.success).toBe(true);
  });

  it('cover every section, with entries in each', () => {
    for (const section of PLAN_RULE_SECTIONS) expect(entries.some((e) => e.name.startsWith(`${section}[`)), section).toBe(true);
    expect(entries.length).toBeGreaterThan(10);
  });

  it.each(entries)('$name carries a non-empty source that names its clause or says "unsourced"', ({ entry }) => {
    expect(typeof entry.source).toBe('string');
    const source = String(entry.source).trim();
    expect(source.length).toBeGreaterThan(0);
    expect(source.startsWith(`${UNSOURCED}:`) || NAMES_A_CLAUSE.test(source), source).toBe(true);
  });

  it('the reporting terms no reference gives (终报 and 退回) are said to be unsourced wherever they are set', () => {
    const unsourcedTerms = DEFAULT_PLAN_RULES.reporting.filter((r) => r.finalWithinMinutes !== null || r.correctionWithinMinutes !== null);
    expect(unsourcedTerms.length).toBe(DEFAULT_PLAN_RULES.reporting.length);
    for (const rule of unsourcedTerms) expect(rule.source, rule.id).toMatch(/终报 and 退回 terms unsourced/);
  });

  it('I and II are due sooner than any other severity, at the sourced ≤15 / ≤30 minutes', () => {
    const grave = DEFAULT_PLAN_RULES.reporting.find((r) => r.severities.includes('I'));
    expect(grave).toMatchObject({ severities: ['I', 'II'], phoneMinutes: 15, writtenMinutes: 30 });
  });
});

describe('a rules file entry without a source', () => {
  it('is refused, and the issue names the entry by section, index and id', () => {
    const { source: _source, ...unsourced } = DEFAULT_PLAN_RULES.grading[1] ?? { source: '' };
    const file = { jurisdiction: '441203', version: '1', grading: [DEFAULT_PLAN_RULES.grading[0], unsourced] };
    const parsed = PlanRulesSchema.safeParse(file);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => `${describeRulesIssue(file, i.path)}: ${i.message}`)).toStrictEqual([
      'grading[1] "accident-ii": source: Invalid input: expected string, received undefined',
    ]);
  });
});
