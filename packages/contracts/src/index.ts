export {
  ERROR_CODES,
  HTTP_STATUS,
  WS_CLOSE_CODE,
  MusterError,
  ValidationError,
  NotFoundError,
  UnauthorizedError,
  ForbiddenError,
  ConflictError,
  IllegalTransitionError,
  UnavailableError,
} from './errors';
export type { ErrorCode, ErrorBody, FieldIssue } from './errors';
export { START_POSITION, isPosition, parsePosition, formatPosition, comparePositions } from './position';
export type { LogPosition } from './position';
export {
  SeveritySchema,
  CategorySchema,
  RoleSchema,
  IncidentStateSchema,
  JurisdictionCodeSchema,
  IsoTimeSchema,
  IdSchema,
  LocationSchema,
  ReportIncidentSchema,
  INCIDENT_COMMAND_SCHEMAS,
  INCIDENT_COMMAND_NAMES,
  CommandOptionsSchema,
  CreateIncidentRequestSchema,
  IncidentCommandRequestSchema,
  ListIncidentsQuerySchema,
  CommandResultSchema,
  IncidentViewSchema,
  IncidentListSchema,
  ActorSchema,
} from './incident.schemas';
export type { IncidentCommandName, CommandResult, IncidentView } from './incident.schemas';
export { EventEnvelopeSchema } from './envelope';
export type { EventEnvelope } from './envelope';
export { issuesOf, parseOrThrow } from './zod-issues';
