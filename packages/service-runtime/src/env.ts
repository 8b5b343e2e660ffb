import { createHash } from 'node:crypto';
import { ValidationError, describeJurisdictionIssue, describeRulesIssue, parseJurisdictionsFile, parsePlanRules } from '@muster/contracts';
import {
  DEFAULT_PLAN_RULES,
  DEFAULT_RULE_BOOK,
  InvalidJurisdictionTree,
  JurisdictionTree,
  PLAN_RULE_SECTIONS,
  ZHAOQING_JURISDICTIONS,
  ruleBookOf,
  type CompletePlanRules,
  type PlanRules,
  type RuleBook,
} from '@muster/domain';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';

/** What every service's environment holds: each service's schema extends this shape. */
export const BaseEnvShape = {
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** `pretty` (for people) or `json` (one object a line); unset: pretty when standard output is a terminal, JSON otherwise. */
  LOG_FORMAT: z.enum(['pretty', 'json']).optional(),
};

/** The jurisdictions served, read by every process that checks a room: the api, the gateway, the timers, `muster start`, `muster token`. */
export const JurisdictionsEnvShape = {
  /** A JSON array of jurisdiction records; unset: Zhaoqing's tree under Guangdong (ZHAOQING_JURISDICTIONS). */
  MUSTER_JURISDICTIONS_FILE: z.string().min(1).optional(),
};

/**
 * The command engine's settings, the same in every process that runs one (the api, the timers,
 * `muster start`): the jurisdiction tree, the plan rules and the bounds on a command's `occurredAt`.
 */
export const EngineEnvShape = {
  ...JurisdictionsEnvShape,
  /**
   * Plan rules files (JSON, one jurisdiction each), comma-separated; unset: the built-in defaults.
   * Sections a file leaves out are inherited from the level above.
   */
  MUSTER_RULES_FILES: z.string().min(1).optional(),
  /** How far past the server clock a client's occurredAt may lie (default 300 s). */
  MUSTER_MAX_CLOCK_SKEW_SECONDS: z.coerce.number().int().min(0).max(24 * 3600).optional(),
  /** How far back a new incident may be dated (default 30 days). */
  MUSTER_MAX_BACKDATE_DAYS: z.coerce.number().int().min(1).max(3660).optional(),
};

type JurisdictionsEnv = z.output<z.ZodObject<typeof JurisdictionsEnvShape>>;
type EngineEnv = z.output<z.ZodObject<typeof EngineEnvShape>>;

/** Reads a JSON file for a variable; a file that cannot be read or parsed names the variable and the file. */
async function readJson(variable: string, file: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new ValidationError([{ path: `env.${variable}(${file})`, message: `cannot read it as JSON: ${(error as Error).message}` }]);
  }
}

/**
 * The jurisdiction tree in a file (MUSTER_JURISDICTIONS_FILE), or Zhaoqing's under Guangdong when
 * there is none. A bad file stops the process naming the file, the entry (index and code) and the
 * field, whether the record itself is wrong or the tree it makes (a code twice, an unknown parent, a cycle).
 */
export async function loadJurisdictions(file: string | undefined): Promise<JurisdictionTree> {
  if (file === undefined) return new JurisdictionTree(ZHAOQING_JURISDICTIONS);
  const json = await readJson('MUSTER_JURISDICTIONS_FILE', file);
  const where = (path: readonly PropertyKey[]) => `env.MUSTER_JURISDICTIONS_FILE(${file})${path.length ? ` ${describeJurisdictionIssue(json, path)}` : ''}`;
  const parsed = parseJurisdictionsFile(json);
  if (!parsed.success) throw new ValidationError(parsed.error.issues.map((issue) => ({ path: where(issue.path), message: issue.message })));
  try {
    return new JurisdictionTree(parsed.data);
  } catch (error) {
    if (!(error instanceof InvalidJurisdictionTree)) throw error;
    const codes = parsed.data.map((r) => r.code);
    // A duplicate is the second listing; anything else is the unit's only one.
    const index = error.field === 'code' ? codes.lastIndexOf(error.code) : codes.indexOf(error.code);
    throw new ValidationError([{ path: where([index, error.field]), message: error.message }]);
  }
}

/** The jurisdiction tree an environment names: load it once at start and pass it to everything that checks a room. */
export function jurisdictionsFromEnv(env: JurisdictionsEnv): Promise<JurisdictionTree> {
  return loadJurisdictions(env.MUSTER_JURISDICTIONS_FILE);
}

export interface EngineSettings {
  /** The served tree, as given: the engine's, the api's and the gateway's are one. */
  jurisdictions: JurisdictionTree;
  rules: RuleBook;
  maxClockSkewMs?: number;
  maxReportBackdateMs?: number;
  /** SHA-256 of a text as hex for command fingerprints: Node's, six times faster than the engine's own pure-JS one. */
  sha256Hex(text: string): string;
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * The engine options an environment parsed with EngineEnvShape asks for, on the tree the process
 * loaded (jurisdictionsFromEnv): rules files are checked against it, and a bad one names the entry inside it.
 */
export async function engineSettingsFromEnv(env: EngineEnv, tree: JurisdictionTree): Promise<EngineSettings> {
  const files = env.MUSTER_RULES_FILES?.split(',').map((f) => f.trim()).filter((f) => f.length > 0) ?? [];
  return {
    jurisdictions: tree,
    rules: await loadRuleBook(files, tree),
    sha256Hex,
    ...(env.MUSTER_MAX_CLOCK_SKEW_SECONDS === undefined ? {} : { maxClockSkewMs: env.MUSTER_MAX_CLOCK_SKEW_SECONDS * 1000 }),
    ...(env.MUSTER_MAX_BACKDATE_DAYS === undefined ? {} : { maxReportBackdateMs: env.MUSTER_MAX_BACKDATE_DAYS * 24 * 3600 * 1000 }),
  };
}

function rulesIssue(file: string, path: string, message: string): ValidationError {
  return new ValidationError([{ path: `env.MUSTER_RULES_FILES(${file})${path ? ` ${path}` : ''}`, message }]);
}

/**
 * The plan rules in force: the built-in defaults and, for each file, one jurisdiction's own rules.
 * A file for `*` replaces the defaults and must then hold every section. A bad file stops the
 * process with the file, the entry (section, index and id) and the field.
 */
export async function loadRuleBook(files: readonly string[], tree: JurisdictionTree): Promise<RuleBook> {
  if (files.length === 0) return DEFAULT_RULE_BOOK;
  const own: PlanRules[] = [];
  let defaults: CompletePlanRules = DEFAULT_PLAN_RULES;
  for (const file of files) {
    const json = await readJson('MUSTER_RULES_FILES', file);
    const parsed = parsePlanRules(json);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((issue) => ({
        path: `env.MUSTER_RULES_FILES(${file}) ${describeRulesIssue(json, issue.path)}`,
        message: issue.message,
      }));
      throw new ValidationError(issues);
    }
    const rules = parsed.data;
    if (rules.jurisdiction === '*') {
      const missing = PLAN_RULE_SECTIONS.filter((section) => rules[section] === undefined);
      if (missing.length > 0) throw rulesIssue(file, 'jurisdiction', `the rules for * replace the defaults and must hold every section; missing ${missing.join(', ')}`);
      defaults = rules as CompletePlanRules;
      continue;
    }
    if (!tree.has(rules.jurisdiction)) throw rulesIssue(file, 'jurisdiction', `unknown jurisdiction ${rules.jurisdiction}`);
    if (own.some((r) => r.jurisdiction === rules.jurisdiction)) throw rulesIssue(file, 'jurisdiction', `a second rules file for ${rules.jurisdiction}`);
    own.push(rules);
  }
  return ruleBookOf(own, defaults);
}

/**
 * Where a service without an HTTP server of its own (the relay, the timers) serves `/metrics` and its
 * health: unset, none; 0, a free port (logged).
 */
export const MetricsEnvShape = {
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  METRICS_HOST: z.string().min(1).default('127.0.0.1'),
};
