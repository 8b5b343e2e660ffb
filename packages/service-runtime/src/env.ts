import { ReportRuleTableSchema, ValidationError, issuesOf } from '@muster/contracts';
import { DEFAULT_REPORT_RULES, type ReportRuleTable } from '@muster/domain';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';

/** What every service's environment holds: each service's schema extends this shape. */
export const BaseEnvShape = {
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
};

/**
 * The command engine's settings, the same in every process that runs one (the api, the timers,
 * `muster start`): the reporting rule table and the bounds on a command's `occurredAt`.
 */
export const EngineEnvShape = {
  /** The reporting rule table file (JSON, `{ "rules": [...] }`); unset: the documented defaults. */
  MUSTER_REPORT_RULES_FILE: z.string().min(1).optional(),
  /** How far past the server clock a client's occurredAt may lie (default 300 s). */
  MUSTER_MAX_CLOCK_SKEW_SECONDS: z.coerce.number().int().min(0).max(24 * 3600).optional(),
  /** How far back a new incident may be dated (default 30 days). */
  MUSTER_MAX_BACKDATE_DAYS: z.coerce.number().int().min(1).max(3660).optional(),
};

type EngineEnv = z.output<z.ZodObject<typeof EngineEnvShape>>;

export interface EngineSettings {
  reportRules: ReportRuleTable;
  maxClockSkewMs?: number;
  maxReportBackdateMs?: number;
}

/** The engine options an environment parsed with EngineEnvShape asks for; a bad rule file names the path inside it. */
export async function engineSettingsFromEnv(env: EngineEnv): Promise<EngineSettings> {
  return {
    reportRules: await loadReportRules(env.MUSTER_REPORT_RULES_FILE),
    ...(env.MUSTER_MAX_CLOCK_SKEW_SECONDS === undefined ? {} : { maxClockSkewMs: env.MUSTER_MAX_CLOCK_SKEW_SECONDS * 1000 }),
    ...(env.MUSTER_MAX_BACKDATE_DAYS === undefined ? {} : { maxReportBackdateMs: env.MUSTER_MAX_BACKDATE_DAYS * 24 * 3600 * 1000 }),
  };
}

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
