import {
  CommandResultSchema,
  CreateIncidentRequestSchema,
  ERROR_CODES,
  IncidentCommandRequestSchema,
  IncidentListSchema,
  IncidentViewSchema,
  ListIncidentsQuerySchema,
  INCIDENT_COMMAND_SCHEMAS,
} from '@muster/contracts';
import { z } from 'zod';
import { createDocument } from 'zod-openapi';

const ErrorSchema = z
  .object({
    error: z.object({
      code: z.enum(ERROR_CODES),
      message: z.string(),
      issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
      details: z.record(z.string(), z.unknown()).optional(),
    }),
  })
  .meta({ id: 'Error' });

const json = <S extends z.ZodType>(schema: S) => ({ content: { 'application/json': { schema } } });
const errors = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((s) => [String(s), { description: 'error', ...json(ErrorSchema) }]));
const incidentPath = z.object({ incidentId: z.string() });

/** The OpenAPI document, generated from the same zod schemas that check requests. */
export function openApiDocument(): ReturnType<typeof createDocument> {
  return createDocument({
    openapi: '3.1.0',
    info: { title: 'Muster API', version: '0.1.0', description: 'Incident command engine for city and county command rooms' },
    paths: {
      '/incidents': {
        post: {
          summary: 'Report an incident (opens its stream)',
          requestBody: json(CreateIncidentRequestSchema),
          responses: { '201': { description: 'reported', ...json(CommandResultSchema) }, ...errors(400, 409, 413, 415, 422) },
        },
        get: {
          summary: 'List incidents',
          requestParams: { query: ListIncidentsQuerySchema },
          responses: { '200': { description: 'a page of incidents', ...json(IncidentListSchema) }, ...errors(422) },
        },
      },
      '/incidents/{incidentId}': {
        get: {
          summary: 'Read one incident',
          requestParams: { path: incidentPath },
          responses: { '200': { description: 'the incident', ...json(IncidentViewSchema) }, ...errors(404) },
        },
      },
      '/incidents/{incidentId}/commands': {
        post: {
          summary: 'Send a command to an incident',
          description: `Command types and their data: ${Object.keys(INCIDENT_COMMAND_SCHEMAS).join(', ')}`,
          requestParams: { path: incidentPath },
          requestBody: json(IncidentCommandRequestSchema),
          responses: { '200': { description: 'accepted', ...json(CommandResultSchema) }, ...errors(400, 403, 404, 409, 413, 422) },
        },
      },
    },
    components: {
      schemas: Object.fromEntries(Object.entries(INCIDENT_COMMAND_SCHEMAS).map(([name, schema]) => [`${name}Data`, schema])),
    },
  });
}
