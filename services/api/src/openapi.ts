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
  DutyShiftSchema,
  ListShiftsQuerySchema,
  OnDutyQuerySchema,
  WatchEntrySchema,
  TriageSchema,
  ListWatchQuerySchema,
  ReportCommandRequestSchema,
  REPORT_COMMAND_SCHEMAS,
  REPORT_FILING_NAMES,
  ScoresQuerySchema,
  ReportScoreSchema,
  CorrectEntryRequestSchema,
  StateAtQuerySchema,
  TimelineQuerySchema,
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
      // Duty watch and information reporting (issue 6).
      '/duty/shifts': {
        post: { summary: 'Add a shift to a room’s duty roster (值班表)', requestBody: json(DutyShiftSchema), responses: { '201': { description: 'created' }, ...errors(403, 409, 422) } },
        get: { summary: 'Shifts of a room overlapping a period', requestParams: { query: ListShiftsQuerySchema }, responses: { '200': { description: 'shifts' }, ...errors(403, 422) } },
      },
      '/duty/on-duty': {
        get: { summary: 'Who is on duty in a room at a time (default now)', requestParams: { query: OnDutyQuerySchema }, responses: { '200': { description: 'shifts covering the time' }, ...errors(403, 422) } },
      },
      '/watch-log': {
        post: { summary: 'Record an intake in the watch log (值班记录, reference §1.4)', requestBody: json(WatchEntrySchema), responses: { '201': { description: 'recorded' }, ...errors(403, 409, 422) } },
        get: { summary: 'A room’s watch log, newest first', requestParams: { query: ListWatchQuerySchema }, responses: { '200': { description: 'entries' }, ...errors(403, 422) } },
      },
      '/watch-log/{entryId}': { get: { summary: 'One watch log entry', requestParams: { path: z.object({ entryId: z.string() }) }, responses: { '200': { description: 'entry' }, ...errors(403, 404) } } },
      '/watch-log/{entryId}/triage': {
        post: {
          summary: 'Triage an intake: create an incident (ReportIncident), attach to one, or dismiss with a reason',
          requestParams: { path: z.object({ entryId: z.string() }) },
          requestBody: json(TriageSchema),
          responses: { '200': { description: 'triaged' }, ...errors(403, 404, 409, 422) },
        },
      },
      '/incidents/{incidentId}/reports': {
        post: {
          summary: 'File a report (初报/续报/终报) or acknowledge one',
          description: `Command types: ${REPORT_FILING_NAMES.join(', ')}`,
          requestParams: { path: incidentPath },
          requestBody: json(ReportCommandRequestSchema),
          responses: { '200': { description: 'accepted', ...json(CommandResultSchema) }, ...errors(400, 403, 404, 409, 422) },
        },
        get: { summary: 'The report obligation of an incident: what is due, filed, overdue; its deadlines', requestParams: { path: incidentPath }, responses: { '200': { description: 'obligation' }, ...errors(403, 404) } },
      },
      '/report-scores': {
        get: {
          summary: 'Timeliness scores (考核通报) per unit for a period',
          requestParams: { query: ScoresQuerySchema },
          responses: { '200': { description: 'scores', ...json(z.object({ from: z.string(), to: z.string(), asOf: z.string(), items: z.array(ReportScoreSchema) })) }, ...errors(403, 422) },
        },
      },
      // Post-incident review (issue 7).
      '/incidents/{incidentId}/timeline': {
        get: {
          summary: 'The incident and every stream under it, in commit order, with occurred and recorded time, actor, role, jurisdiction and corrections',
          requestParams: { path: incidentPath, query: TimelineQuerySchema },
          responses: { '200': { description: 'a page of entries and the cursor of the next' }, ...errors(403, 404, 422) },
        },
      },
      '/incidents/{incidentId}/corrections': {
        post: {
          summary: 'Strike or amend an entry of the record: a new event, the original stays visible and marked',
          requestParams: { path: incidentPath },
          requestBody: json(CorrectEntryRequestSchema),
          responses: { '201': { description: 'recorded', ...json(CommandResultSchema) }, ...errors(400, 403, 404, 409, 422) },
        },
      },
      '/incidents/{incidentId}/state': {
        get: {
          summary: 'The incident and its command structure at instant T by replay: known by then (recorded) or true by then (occurred)',
          requestParams: { path: incidentPath, query: StateAtQuerySchema },
          responses: { '200': { description: 'state at T' }, ...errors(403, 404, 422) },
        },
      },
      '/incidents/{incidentId}/metrics': {
        get: { summary: 'After-action metrics: minutes to each step, commander tenures, request lead times, report lateness', requestParams: { path: incidentPath }, responses: { '200': { description: 'metrics' }, ...errors(403, 404) } },
      },
      '/incidents/{incidentId}/timeline/export': {
        get: {
          summary: 'The whole timeline as JSON or CSV',
          requestParams: { path: incidentPath, query: z.object({ format: z.enum(['json', 'csv']).optional() }) },
          responses: { '200': { description: 'application/json or text/csv' }, ...errors(403, 404, 422) },
        },
      },
      '/incidents/{incidentId}/forms/{form}': {
        get: {
          summary: 'Printable HTML: ICS 214 activity log per position, ICS 201 briefing, ICS 209 status summary',
          requestParams: { path: z.object({ incidentId: z.string(), form: z.enum(['ics201', 'ics209', 'ics214']) }), query: z.object({ version: z.enum(['initial', 'update', 'final']).optional() }) },
          responses: { '200': { description: 'text/html' }, ...errors(403, 404, 422) },
        },
      },
      '/report-scores.csv': {
        get: { summary: 'The same scores as CSV (UTF-8 with BOM)', requestParams: { query: ScoresQuerySchema }, responses: { '200': { description: 'text/csv' }, ...errors(403, 422) } },
      },
    },
    components: {
      schemas: Object.fromEntries(
        Object.entries({ ...INCIDENT_COMMAND_SCHEMAS, ...COMMAND_COMMAND_SCHEMAS, ...REQUEST_COMMAND_SCHEMAS, ...REPORT_COMMAND_SCHEMAS }).map(([name, schema]) => [`${name}Data`, schema]),
      ),
    },
  });
}
