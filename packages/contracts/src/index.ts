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
  RateLimitedError,
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
  ComputedTimeSchema,
  TIME_RANGE,
  MAX_TERM_MINUTES,
  IdSchema,
  UserIdSchema,
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
  LoginSchema,
} from './incident.schemas';
export type { IncidentCommandName, CommandResult, IncidentView } from './incident.schemas';
export { EventEnvelopeSchema } from './envelope';
export type { EventEnvelope } from './envelope';
export { issuesOf, parseOrThrow } from './zod-issues';
export { DEFAULT_MAX_JSON_DEPTH, findUnstorable } from './storable';
export type { StorableOptions } from './storable';
export {
  PositionSchema,
  MAX_TOPICS_PER_FRAME,
  SubscribeFrameSchema,
  UnsubscribeFrameSchema,
  PingFrameSchema,
  ClientFrameSchema,
  EventFrameSchema,
  CaughtUpFrameSchema,
  ErrorFrameSchema,
  ClosingFrameSchema,
  PongFrameSchema,
  ServerFrameSchema,
  WS_SESSION_CLOSE_CODE,
  WS_PERMANENT_CLOSE_CODES,
} from './ws-frames';
export type {
  SubscribeFrame,
  UnsubscribeFrame,
  PingFrame,
  ClientFrame,
  EventFrame,
  CaughtUpFrame,
  ErrorFrame,
  ClosingFrame,
  PongFrame,
  ServerFrame,
  WsSessionCloseReason,
} from './ws-frames';
export {
  PersonSchema,
  BriefingSchema,
  SCENE_COMMAND_SCHEMAS,
  SCENE_COMMAND_NAMES,
  ItemQuantitySchema,
  RequestedItemSchema,
  REQUEST_COMMAND_SCHEMAS,
  REQUEST_COMMAND_NAMES,
  OnSceneCommandRequestSchema,
  ResourceRequestCommandSchema,
  CreateResourceRequestSchema,
  DepotSchema,
  StockLineSchema,
  SetStockSchema,
  TEAM_STATUSES,
  TeamSchema,
  TeamStatusSchema,
} from './command.schemas';
export type { SceneCommandName, RequestCommandName } from './command.schemas';
/** The schema type the engine keeps per command, so that it needs no zod import of its own. */
export type { ZodType as Schema } from 'zod';
export {
  ReportRuleSchema,
  ReportRuleTableSchema,
  ReportTermsSchema,
  ReportedLossesSchema,
  InitialReportContentSchema,
  REPORT_COMMAND_SCHEMAS,
  REPORT_FILING_NAMES,
  ReportCommandRequestSchema,
  DUTY_POSTS,
  DutyShiftSchema,
  ListShiftsQuerySchema,
  OnDutyQuerySchema,
  WATCH_STATUSES,
  WatchEntrySchema,
  TriageSchema,
  ListWatchQuerySchema,
  ScoresQuerySchema,
  ReportScoreSchema,
} from './duty.schemas';
export type { ReportCommandName } from './duty.schemas';
export { CORRECTION_COMMAND_SCHEMAS, CorrectEntryRequestSchema, TimelineQuerySchema, StateAtQuerySchema } from './review.schemas';
export type { TimelineQuery } from './review.schemas';
export { ROUTE_CATALOG, catalogRoutes, errorStatusesOf, FormQuerySchema, ICS_FORMS, ICS209_VERSIONS, JurisdictionQuerySchema, TimelineExportQuerySchema } from './route-catalog';
export type { RouteAccess, RouteId, RouteSpec, RouteTargetKind, HttpMethod } from './route-catalog';
export {
  ErrorBodySchema,
  ConsoleConfigSchema,
  DepotListSchema,
  DepotViewSchema,
  JurisdictionListSchema,
  JurisdictionSchema,
  LoginAnswerSchema,
  MeSchema,
  MetricsSchema,
  ReportItemViewSchema,
  ReportsViewSchema,
  ResourceRequestListSchema,
  ResourceRequestViewSchema,
  SceneViewSchema,
  ShiftViewSchema,
  StateAtViewSchema,
  TeamListSchema,
  TeamViewSchema,
  TimelineEntrySchema,
  TimelinePageSchema,
  TriageAnswerSchema,
  WatchEntryListSchema,
  WatchEntryViewSchema,
} from './answer.schemas';
export { COMMAND_PAYLOAD_SCHEMAS } from './payloads';
export { canonicalJson } from './canonical-json';
