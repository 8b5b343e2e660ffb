export {
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
  RateLimitedError,
} from './errors';
export type { ErrorCode, ErrorBody, FieldIssue } from './errors';
export { START_POSITION, isPosition, parsePosition, formatPosition, comparePositions } from './position';
export type { LogPosition } from './position';
export {
  SeveritySchema,
  CategorySchema,
  IsoTimeSchema,
  IdSchema,
  UserIdSchema,
  ReportIncidentSchema,
  INCIDENT_COMMAND_SCHEMAS,
  CommandOptionsSchema,
  CreateIncidentRequestSchema,
  IncidentCommandRequestSchema,
  ListIncidentsQuerySchema,
  IncidentListSchema,
  ActorSchema,
  LoginSchema,
} from './incident.schemas';
export type { IncidentCommandName, CommandResult, IncidentView } from './incident.schemas';
export { EventEnvelopeSchema } from './envelope';
export type { EventEnvelope } from './envelope';
export { issuesOf, parseOrThrow } from './zod-issues';
export { DEFAULT_MAX_JSON_DEPTH, findUnstorable } from './storable';

export {
  SubscribeFrameSchema,
  ClientFrameSchema,
  ServerFrameSchema,
  WS_SESSION_CLOSE_CODE,
  WS_PERMANENT_CLOSE_CODES,
} from './ws-frames';
export type {
  SubscribeFrame,
  UnsubscribeFrame,
  ClientFrame,
  ServerFrame,
} from './ws-frames';
export {
  BriefingSchema,
  SCENE_COMMAND_SCHEMAS,
  RequestedItemSchema,
  REQUEST_COMMAND_SCHEMAS,
  OnSceneCommandRequestSchema,
  ResourceRequestCommandSchema,
  CreateResourceRequestSchema,
  DepotSchema,
  SetStockSchema,
  TeamSchema,
  TeamStatusSchema,
} from './command.schemas';

/** The schema type the engine keeps per command, so that it needs no zod import of its own. */
export type { ZodType as Schema } from 'zod';
export {
  REPORT_COMMAND_SCHEMAS,
  ReportCommandRequestSchema,
  DutyShiftSchema,
  ListShiftsQuerySchema,
  OnDutyQuerySchema,
  WatchEntrySchema,
  TriageSchema,
  ListWatchQuerySchema,
  ScoresQuerySchema,
} from './duty.schemas';

export { CorrectEntryRequestSchema, TimelineQuerySchema, StateAtQuerySchema } from './review.schemas';
export {
  SUPERVISION_COMMAND_SCHEMAS,
  CreateSupervisionRequestSchema,
  SupervisionCommandRequestSchema,
  SupervisionItemViewSchema,
  InterviewSchema,
  InterviewViewSchema,
} from './supervision.schemas';
export { CreateWarningRequestSchema, IssueWarningFilingSchema, WarningCommandRequestSchema, WarningMessageQuerySchema } from './warning.schemas';
export { ContactListQuerySchema, ContactSchema, ContactUpdateSchema, EmptyBodySchema, WarningListQuerySchema } from './last-mile.schemas';

export { ROUTE_CATALOG, catalogRoutes, FormQuerySchema, ICS_FORMS, ICS209_VERSIONS, JurisdictionQuerySchema, TimelineExportQuerySchema } from './route-catalog';
export type { RouteAccess, RouteId, RouteSpec, RouteTargetKind } from './route-catalog';
export {
  ErrorBodySchema,
  ConsoleConfigSchema,
  DepotViewSchema,
  JurisdictionSchema,
  LoginAnswerSchema,
  MeSchema,
  MetricsSchema,
  ReadinessSchema,
  ReportItemViewSchema,
  ReportsViewSchema,
  ResourceRequestViewSchema,
  SceneViewSchema,
  StateAtViewSchema,
  TeamViewSchema,
  TimelineEntrySchema,
  TimelinePageSchema,
  WatchEntryViewSchema,
} from './answer.schemas';
export { COMMAND_PAYLOAD_SCHEMAS } from './payloads';
export { BoardQuerySchema } from './record.schemas';
export { canonicalJson } from './canonical-json';
export { parsePlanRules, describeRulesIssue } from './plan-rules.schemas';
export { parseJurisdictionsFile, describeJurisdictionIssue } from './jurisdiction.schemas';
