import {
  CommandResultSchema,
  CreateIncidentRequestSchema,
  ERROR_CODES,
  IncidentCommandRequestSchema,
  IncidentListSchema,
  IncidentViewSchema,
  ListIncidentsQuerySchema,
  INCIDENT_COMMAND_SCHEMAS,
  COMMAND_COMMAND_SCHEMAS,
  REQUEST_COMMAND_SCHEMAS,
  OnSceneCommandRequestSchema,
  ResourceRequestCommandSchema,
  CreateResourceRequestSchema,
  DepotSchema,
  SetStockSchema,
  TeamSchema,
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
      '/incidents/{incidentId}/command': {
        post: {
          summary: 'Send an on-scene command command (appoint, transfer, unified command, scene report)',
          description: `Command types: ${Object.keys(COMMAND_COMMAND_SCHEMAS).join(', ')}`,
          requestParams: { path: incidentPath },
          requestBody: json(OnSceneCommandRequestSchema),
          responses: { '200': { description: 'accepted', ...json(CommandResultSchema) }, ...errors(400, 403, 404, 409, 413, 422) },
        },
        get: { summary: 'Read the command structure of an incident', requestParams: { path: incidentPath }, responses: { '200': { description: 'command structure' }, ...errors(404) } },
      },
      '/incidents/{incidentId}/resource-requests': {
        post: {
          summary: 'Submit a resource request (ICS 213RR)',
          requestParams: { path: incidentPath },
          requestBody: json(CreateResourceRequestSchema),
          responses: { '201': { description: 'submitted', ...json(CommandResultSchema) }, ...errors(400, 403, 404, 409, 422) },
        },
        get: { summary: 'List the resource requests of an incident', requestParams: { path: incidentPath }, responses: { '200': { description: 'requests' }, ...errors(404) } },
      },
      '/resource-requests/{requestId}/commands': {
        post: {
          summary: 'Approve, reject, dispatch, track or release a resource request',
          description: `Command types: ${Object.keys(REQUEST_COMMAND_SCHEMAS).join(', ')}`,
          requestParams: { path: z.object({ requestId: z.string() }) },
          requestBody: json(ResourceRequestCommandSchema),
          responses: { '200': { description: 'accepted', ...json(CommandResultSchema) }, ...errors(400, 403, 404, 409, 422) },
        },
      },
      '/depots': { post: { summary: 'Register a material depot', requestBody: json(DepotSchema), responses: { '201': { description: 'created' }, ...errors(403, 409, 422) } } },
      '/depots/{depotId}/stock': {
        put: { summary: 'Set stock counts', requestParams: { path: z.object({ depotId: z.string() }) }, requestBody: json(SetStockSchema), responses: { '200': { description: 'stock' }, ...errors(403, 404, 422) } },
      },
      '/teams': { post: { summary: 'Register a rescue team', requestBody: json(TeamSchema), responses: { '201': { description: 'created' }, ...errors(403, 409, 422) } } },
    },
    components: {
      schemas: Object.fromEntries(
        Object.entries({ ...INCIDENT_COMMAND_SCHEMAS, ...COMMAND_COMMAND_SCHEMAS, ...REQUEST_COMMAND_SCHEMAS }).map(([name, schema]) => [`${name}Data`, schema]),
      ),
    },
  });
}
