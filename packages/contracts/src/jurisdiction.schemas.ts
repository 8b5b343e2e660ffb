import { JURISDICTION_LEVELS, levelAtLeast, type JurisdictionRecord } from '@muster/domain';
import { z } from 'zod';
import { JurisdictionCodeSchema } from './incident.schemas';

const LevelSchema = z.enum(JURISDICTION_LEVELS, {
  error: (issue) => `unknown level ${JSON.stringify(issue.input)}; one of ${JURISDICTION_LEVELS.join(', ')}`,
});

/** One unit of the tree as a jurisdictions file lists it. */
const JurisdictionRecordSchema = z
  .strictObject({
    code: JurisdictionCodeSchema,
    /** The name rooms and consoles show (肇庆市). */
    name: z.string().trim().min(1, 'must not be empty').max(100),
    nameEn: z.string().trim().min(1, 'must not be empty').max(200).optional(),
    /** The unit above; null at the top of the tree. */
    parent: JurisdictionCodeSchema.nullable(),
    level: LevelSchema,
  })
  .superRefine((record, ctx) => {
    // GB/T 10114 codes a township by its county's six digits and three more; every other level is a GB/T 2260 code.
    const township = record.level === 'township';
    if (township !== (record.code.length === 9)) {
      ctx.addIssue({
        code: 'custom',
        path: ['code'],
        message: township ? 'a township has a 9-digit code (GB/T 10114)' : `a ${record.level} has a 6-digit code (GB/T 2260); 9 digits are for townships`,
      });
    }
  });

/**
 * The file named by MUSTER_JURISDICTIONS_FILE: every unit the deployment serves. A unit sits below a
 * unit of a higher level (a county below a city or, 省直管县, a province; a township below any of
 * them; a zone ranks with the counties). Duplicates, unknown parents and cycles are the tree's own
 * checks (JurisdictionTree).
 */
const JurisdictionsFileSchema = z
  .array(JurisdictionRecordSchema)
  .min(1, 'must list at least one jurisdiction')
  .max(100_000)
  .superRefine((records, ctx) => {
    const levels = new Map(records.map((r) => [r.code, r.level]));
    records.forEach((record, i) => {
      const parentLevel = record.parent === null ? undefined : levels.get(record.parent);
      if (parentLevel !== undefined && levelAtLeast(record.level, parentLevel)) {
        ctx.addIssue({ code: 'custom', path: [i, 'parent'], message: `a ${record.level} cannot sit below ${record.parent} (a ${parentLevel})` });
      }
    });
  });

/** A jurisdictions file, parsed; typed as the domain's records so that both sides read the same shape. */
export const parseJurisdictionsFile = (input: unknown): z.ZodSafeParseResult<JurisdictionRecord[]> => JurisdictionsFileSchema.safeParse(input);

/**
 * A jurisdictions-file issue as a person reads it: the entry by index and code, then the field.
 * `3.parent` of the entry with code 445302 reads `[3] "445302": parent`.
 */
export function describeJurisdictionIssue(input: unknown, path: readonly PropertyKey[]): string {
  const [index, ...rest] = path;
  if (typeof index !== 'number') return path.map(String).join('.');
  const entry = Array.isArray(input) ? (input[index] as { code?: unknown } | null | undefined) : undefined;
  const named = typeof entry?.code === 'string' ? ` "${entry.code}"` : '';
  return `[${index}]${named}${rest.length ? `: ${rest.map(String).join('.')}` : ''}`;
}
