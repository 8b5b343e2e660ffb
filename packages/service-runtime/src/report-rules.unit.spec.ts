import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReportRuleTableSchema, ValidationError } from '@muster/contracts';
import { DEFAULT_REPORT_RULES, reportTermsFor } from '@muster/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadReportRules } from './env';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'muster-rules-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

async function file(name: string, content: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

describe('reporting rule table as configuration (MUSTER_REPORT_RULES_FILE)', () => {
  it('without a file, the documented defaults; they pass the schema a file must pass', async () => {
    expect(await loadReportRules(undefined)).toBe(DEFAULT_REPORT_RULES);
    expect(ReportRuleTableSchema.safeParse(DEFAULT_REPORT_RULES).success).toBe(true);
  });

  it('a file overrides the table without code changes', async () => {
    const path = await file(
      'henan.json',
      JSON.stringify({
        rules: [
          { id: 'grave', severities: ['I', 'II'], phoneMinutes: 15, writtenMinutes: 35, followUpEveryMinutes: 540, finalWithinMinutes: 4320, source: 'Henan notice' },
          { id: 'rest', severities: ['III', 'IV'], phoneMinutes: null, writtenMinutes: 60, followUpEveryMinutes: null, finalWithinMinutes: null },
        ],
      }),
    );
    const table = await loadReportRules(path);
    expect(reportTermsFor(table, 'II', 'accident')).toStrictEqual({ phoneMinutes: 15, writtenMinutes: 35, followUpEveryMinutes: 540, finalWithinMinutes: 4320, rule: 'grave' });
    expect(reportTermsFor(table, 'III', null)).toMatchObject({ rule: 'rest', phoneMinutes: null, writtenMinutes: 60 });
  });

  it('a bad file stops the start with the failing path inside it', async () => {
    const path = await file('bad.json', JSON.stringify({ rules: [{ id: 'x', severities: ['V'], phoneMinutes: 0, writtenMinutes: 60, followUpEveryMinutes: null, finalWithinMinutes: null }] }));
    const error = await loadReportRules(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues.map((i) => i.path).sort()).toStrictEqual([
      'env.MUSTER_REPORT_RULES_FILE.rules.0.phoneMinutes',
      'env.MUSTER_REPORT_RULES_FILE.rules.0.severities.0',
    ]);
    const twice = await file('twice.json', JSON.stringify({ rules: [DEFAULT_REPORT_RULES.rules[0], DEFAULT_REPORT_RULES.rules[0]] }));
    expect(((await loadReportRules(twice).catch((e: unknown) => e)) as ValidationError).issues.map((i) => i.path)).toStrictEqual(['env.MUSTER_REPORT_RULES_FILE.rules.1.id']);
    const broken = await file('broken.json', '{ "rules": [');
    await expect(loadReportRules(broken)).rejects.toThrow(/MUSTER_REPORT_RULES_FILE/);
    await expect(loadReportRules(join(dir, 'missing.json'))).rejects.toBeInstanceOf(ValidationError);
  });
});
