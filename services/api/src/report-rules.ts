import { readFile } from 'node:fs/promises';
import { ReportRuleTableSchema, ValidationError, issuesOf } from '@muster/contracts';
import { DEFAULT_REPORT_RULES, type ReportRuleTable } from '@muster/domain';

/**
 * The reporting rule table: the file named by MUSTER_REPORT_RULES_FILE when set, otherwise the
 * defaults of @muster/domain. A bad file stops the process with the failing path inside the file.
 */
export async function loadReportRules(file: string | undefined): Promise<ReportRuleTable> {
  if (file === undefined) return DEFAULT_REPORT_RULES;
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new ValidationError([{ path: 'env.MUSTER_REPORT_RULES_FILE', message: `cannot read ${file} as JSON: ${(error as Error).message}` }]);
  }
  const parsed = ReportRuleTableSchema.safeParse(json);
  if (!parsed.success) throw new ValidationError(issuesOf(parsed.error, ['env.MUSTER_REPORT_RULES_FILE']));
  return parsed.data;
}
