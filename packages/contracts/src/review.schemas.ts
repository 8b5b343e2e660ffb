import { z } from 'zod';
import { IdSchema, IsoTimeSchema, JurisdictionCodeSchema, RoleSchema } from './incident.schemas';

/** Commands of the correction stream (`correction:<incidentId>`): the record is corrected, never edited. */
export const CORRECTION_COMMAND_SCHEMAS = {
  CorrectEntry: z
    .strictObject({
      eventId: z.uuid(),
      kind: z.enum(['strike', 'amend']),
      reason: z.string().trim().min(1).max(2000),
      amendedData: z.record(z.string(), z.unknown()).optional(),
    })
    .refine((c) => (c.kind === 'amend') === (c.amendedData !== undefined), {
      message: 'an amendment carries amendedData, a strike does not',
      path: ['amendedData'],
    }),
} as const;

export const CorrectEntryRequestSchema = z
  .strictObject({
    commandId: IdSchema.optional(),
    occurredAt: IsoTimeSchema.optional(),
    data: CORRECTION_COMMAND_SCHEMAS.CorrectEntry,
  })
  .meta({ id: 'CorrectEntryRequest' });

/** A comma-separated query list, e.g. `kind=command,IncidentConfirmed`. */
const list = (item: z.ZodType<string, string>) =>
  z
    .string()
    .max(2000)
    .transform((s) => s.split(',').filter((x) => x.length > 0))
    .pipe(z.array(item).min(1).max(50));

export const TimelineQuerySchema = z.strictObject({
  kind: list(z.string().regex(/^[A-Za-z]{1,100}$/)).optional(),
  actor: list(z.string().min(1).max(200)).optional(),
  role: list(RoleSchema).optional(),
  jurisdiction: list(JurisdictionCodeSchema).optional(),
  basis: z.enum(['occurred', 'recorded']).optional(),
  from: IsoTimeSchema.optional(),
  to: IsoTimeSchema.optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
  after: z.string().max(200).optional(),
});

export const StateAtQuerySchema = z.strictObject({
  at: IsoTimeSchema,
  basis: z.enum(['occurred', 'recorded']).optional(),
});
