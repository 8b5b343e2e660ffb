import { INCIDENT_CATEGORIES, JURISDICTION_LEVELS, SEVERITIES, type PlanRules } from '@muster/domain';
import { z } from 'zod';
import { JurisdictionCodeSchema, MAX_TERM_MINUTES } from './incident.schemas';

/** Up to a year: a deadline further out than that is a typo; zero or less is never a deadline. */
const minutes = z.int('must be a whole number of minutes').min(1, 'must be at least 1 minute').max(MAX_TERM_MINUTES).nullable();
const id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/, 'must be 1–100 letters, digits, _ . or -');
/** Where an entry comes from: a clause, or the word `unsourced`. Never empty. */
const source = z.string().trim().min(1, 'must name its source clause, or say "unsourced"').max(2000);
const severities = z.array(z.enum(SEVERITIES, { error: (issue) => `unknown severity ${JSON.stringify(issue.input)}; one of ${SEVERITIES.join(', ')}` })).min(1);
const categories = z.array(z.enum(INCIDENT_CATEGORIES)).min(1).optional();
const level = z.enum(JURISDICTION_LEVELS);
const timeOfDay = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (China Standard Time)');

const FollowUpScheduleSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('interval'), minutes: minutes.unwrap() }),
  z.strictObject({ kind: z.literal('daily'), times: z.array(timeOfDay).min(1).max(24) }),
]);

/** The deadlines a reporting rule gives, which a report obligation records as its terms. */
export const REPORTING_TERM_FIELDS = {
  phoneMinutes: minutes,
  writtenMinutes: minutes,
  relayPhoneMinutes: minutes,
  relayWrittenMinutes: minutes,
  followUp: FollowUpScheduleSchema.nullable(),
  finalWithinMinutes: minutes,
  correctionWithinMinutes: minutes,
};

const ReportingRuleSchema = z.strictObject({
  id,
  severities,
  categories,
  ...REPORTING_TERM_FIELDS,
  reportsReach: level,
  source,
});

const SupplementaryRuleSchema = z.strictObject({
  id,
  categories,
  subtypes: z.array(id).min(1).optional(),
  windowDays: z.int().min(1, 'must be at least 1 day').max(366),
  source,
});

const ResponseAuthorityRuleSchema = z.strictObject({ id, levels: severities, lowestRoom: level, source });
const LinkageRuleSchema = z.strictObject({ id, severities, link: z.array(level).max(5), promptLead: level.nullable(), source });
const threshold = z.number().min(0, 'must not be negative').max(1e13).optional();
const GradingRuleSchema = z
  .strictObject({
    id,
    categories,
    severity: z.enum(SEVERITIES, { error: (issue) => `unknown severity ${JSON.stringify(issue.input)}; one of ${SEVERITIES.join(', ')}` }),
    deathsAtLeast: threshold,
    injuredAtLeast: threshold,
    economicLossAtLeast: threshold,
    source,
  })
  .refine((r) => r.deathsAtLeast !== undefined || r.injuredAtLeast !== undefined || r.economicLossAtLeast !== undefined, {
    message: 'must set at least one threshold (deathsAtLeast, injuredAtLeast, economicLossAtLeast)',
  });
const UpperRoomRightsSchema = z.strictObject({ commands: z.array(z.string().regex(/^[A-Z][A-Za-z]{1,60}$/, 'must be a command name')).max(50), source });

/** Rule ids are unique within a section: the record names rules by id. */
const section = <S extends z.ZodType<{ id: string }>>(name: string, rule: S) =>
  z
    .array(rule)
    .min(1)
    .max(200)
    .superRefine((rules, ctx) => {
      const seen = new Set<string>();
      rules.forEach((r, i) => {
        if (seen.has(r.id)) ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `${name} rule id ${r.id} is used twice` });
        seen.add(r.id);
      });
    })
    .optional();

/** One jurisdiction's plan rules (a rules file): every section optional, inherited from above when left out. */
export const PlanRulesSchema = z
  .strictObject({
    jurisdiction: z.union([JurisdictionCodeSchema, z.literal('*')]),
    version: z.string().trim().min(1).max(100),
    title: z.string().max(500).optional(),
    reporting: section('reporting', ReportingRuleSchema),
    supplementary: section('supplementary', SupplementaryRuleSchema),
    responseAuthority: section('responseAuthority', ResponseAuthorityRuleSchema),
    linkage: section('linkage', LinkageRuleSchema),
    grading: section('grading', GradingRuleSchema),
    upperRoomRights: UpperRoomRightsSchema.optional(),
  })
  .meta({ id: 'PlanRules', description: 'One jurisdiction’s plan rules; every entry names its source or says "unsourced"' });

/** Typed as the domain's PlanRules: the schema must accept exactly what the domain reads. */
export const parsePlanRules = (input: unknown): z.ZodSafeParseResult<PlanRules> => PlanRulesSchema.safeParse(input) as z.ZodSafeParseResult<PlanRules>;

/**
 * A rules-file issue as a person reads it: the entry by section, index and id, then the field.
 * `reporting.1.phoneMinutes` of an entry with id "larger" reads `reporting[1] "larger": phoneMinutes`.
 */
export function describeRulesIssue(input: unknown, path: readonly PropertyKey[]): string {
  const [sectionName, index, ...rest] = path;
  if (typeof sectionName !== 'string' || typeof index !== 'number') return path.map(String).join('.');
  const entries = (input as Record<string, unknown> | null)?.[sectionName];
  const entry = Array.isArray(entries) ? (entries[index] as { id?: unknown } | undefined) : undefined;
  const named = typeof entry?.id === 'string' ? ` "${entry.id}"` : '';
  return `${sectionName}[${index}]${named}${rest.length ? `: ${rest.map(String).join('.')}` : ''}`;
}
