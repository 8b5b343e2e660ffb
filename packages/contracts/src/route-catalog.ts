import { z } from 'zod';
import { BoardQuerySchema, BoardSchema, IncidentRecordSchema } from './record.schemas';
import {
  ConsoleConfigSchema,
  CreatedTeamSchema,
  DepotListSchema,
  DepotViewSchema,
  HealthSchema,
  ReadinessSchema,
  JurisdictionListSchema,
  LoginAnswerSchema,
  MeSchema,
  MetricsSchema,
  OnDutySchema,
  OpenApiDocumentSchema,
  PeopleListSchema,
  ReportsViewSchema,
  ResourceRequestListSchema,
  ResourceRequestViewSchema,
  RulesViewSchema,
  SceneViewSchema,
  ScoresAnswerSchema,
  ShiftListSchema,
  ShiftViewSchema,
  StateAtViewSchema,
  TeamListSchema,
  TeamStatusAnswerSchema,
  TextFileSchema,
  TimelineExportSchema,
  TimelinePageSchema,
  TriageAnswerSchema,
  WatchEntryListSchema,
  WatchEntryViewSchema,
} from './answer.schemas';
import {
  SCENE_COMMAND_SCHEMAS,
  CreateResourceRequestSchema,
  DepotSchema,
  OnSceneCommandRequestSchema,
  REQUEST_COMMAND_SCHEMAS,
  ResourceRequestCommandSchema,
  SetStockSchema,
  TeamSchema,
  TeamStatusSchema,
} from './command.schemas';
import {
  DutyShiftSchema,
  ListShiftsQuerySchema,
  ListWatchQuerySchema,
  OnDutyQuerySchema,
  REPORT_COMMAND_SCHEMAS,
  REPORT_FILING_NAMES,
  ReportCommandRequestSchema,
  ScoresQuerySchema,
  TriageSchema,
  WatchEntrySchema,
} from './duty.schemas';
import {
  CommandResultSchema,
  CreateIncidentRequestSchema,
  INCIDENT_COMMAND_SCHEMAS,
  IncidentCommandRequestSchema,
  IncidentListSchema,
  IncidentViewSchema,
  JurisdictionCodeSchema,
  ListIncidentsQuerySchema,
  LoginSchema,
} from './incident.schemas';
import { CorrectEntryRequestSchema, StateAtQuerySchema, TimelineQuerySchema } from './review.schemas';
import {
  CreateSupervisionRequestSchema,
  InterviewListSchema,
  InterviewSchema,
  InterviewViewSchema,
  SUPERVISION_FILINGS,
  SupervisionCommandRequestSchema,
  SupervisionListSchema,
} from './supervision.schemas';
import { CreatePlanSchema, IncidentPlanSchema, ListPlansQuerySchema, PlanListSchema, PlanViewSchema, PublishPlanVersionSchema, RecordPlanDrillSchema, RequestPlanRevisionSchema } from './plan.schemas';
import { DrillMetricsSchema, DrillStateAtViewSchema, DrillTimelineExportSchema } from './drill-review.schemas';
import { DRILL_FILINGS, DrillCommandRequestSchema, DrillFeedQuerySchema, DrillFeedSchema, DrillListSchema, DrillViewSchema, PlanDrillRequestSchema, StartDrillAnswerSchema, StartDrillRequestSchema } from './drill.schemas';
import {
  CreateHazardRequestSchema,
  HAZARD_FILINGS,
  HazardCommandRequestSchema,
  HazardHistorySchema,
  HazardListQuerySchema,
  HazardListSchema,
  HazardViewSchema,
  IncidentHazardsSchema,
  InspectionListSchema,
  InspectionSchema,
  InspectionViewSchema,
  TipOffFormSchema,
  TipOffReceiptSchema,
  TipOffReporterSchema,
} from './hazard.schemas';

import {
  AvailabilityQuerySchema,
  AvailabilityViewSchema,
  ImportReportSchema,
  RegistryCommandRequestSchema,
  RegistryEntryListSchema,
  RegistryEntryViewSchema,
  RegistryImportSchema,
  RegistryListQuerySchema,
  RegistryExportQuerySchema,
  RegistrationRequestSchema,
} from './registry.schemas';
import { CapIndexSchema, CreateWarningRequestSchema, WARNING_FILINGS, WarningCommandRequestSchema, WarningListSchema, WarningMessageQuerySchema, WarningViewSchema } from './warning.schemas';
import {
  AckBoardSchema,
  ContactListQuerySchema,
  ContactListSchema,
  ContactSchema,
  ContactUpdateSchema,
  ContactViewSchema,
  EmptyBodySchema,
  PublicAckAnswerSchema,
  PublicAckViewSchema,
  RecipientListSchema,
  WarningListQuerySchema,
} from './last-mile.schemas';

/** Things a route can name in its path, each owned by a jurisdiction (directly or through its incident). */
export type RouteTargetKind = 'incident' | 'resourceRequest' | 'depot' | 'team' | 'watchEntry' | 'warning' | 'contact' | 'drill' | 'hazard' | 'plan' | 'registryEntry';

/**
 * Who may call a route, decided before the route looks at anything else (issue 14):
 * - `public`: no token (health, the OpenAPI document, login, the console's files);
 * - `signed-in`: any valid token; what the route answers is the caller's own or scoped to its rooms;
 * - `read`: the caller must be able to read the target named by the path parameter; one it may not
 *   read is answered exactly like one that does not exist (404), so nothing about it leaks;
 * - `keep`: as `read`, then the caller must also be allowed to change it (else 403);
 * - `keep-jurisdiction` / `read-jurisdiction`: the body's or query's `jurisdiction` names what is kept
 *   or read (jurisdictions are public, so a refusal here is a plain 403); `interviews` are kept only by
 *   the rooms strictly above the jurisdiction named; `plans` only by the room named;
 * - `command`: the engine authorizes: the stream's incident must be visible (else 404, as if missing),
 *   then the command policy of the stream type decides (else 403).
 */
export type RouteAccess =
  | { kind: 'public' }
  | { kind: 'signed-in' }
  | { kind: 'read'; target: RouteTargetKind; param: string }
  | { kind: 'keep'; target: RouteTargetKind; param: string }
  | { kind: 'read-jurisdiction'; from: 'query'; optional: boolean }
  | { kind: 'keep-jurisdiction'; from: 'body'; rule: 'duty-records' | 'reference-data' | 'interviews' | 'contacts' | 'plans' }
  | { kind: 'command'; streamType: 'incident' | 'scene' | 'resourceRequest' | 'report' | 'supervision' | 'warning' | 'drill' | 'hazard' };

type HttpMethod = 'GET' | 'POST' | 'PUT';

export interface RouteSpec {
  method: HttpMethod;
  /** Fastify's path syntax (`:param`); OpenAPI's `{param}` is derived from it. */
  path: string;
  summary: string;
  access: RouteAccess;
  /** Status of a successful answer. */
  status: 200 | 201 | 302;
  /** What a successful answer holds (a redirect holds nothing). */
  answer?: z.ZodType;
  /** Media type of the answer when it is not JSON; `text/csv` routes answer JSON unless asked for CSV. */
  contentType?: 'text/csv' | 'text/html' | 'text/csv+json' | 'text/plain' | 'application/xml' | 'application/atom+xml';
  body?: z.ZodType;
  query?: z.ZodObject;
  /** The answer with status 503 when the route reports the process unavailable (readiness), instead of the error body. */
  unavailable?: z.ZodType;
  /** For a command route: the payload (`data`) schema of each command `type` it takes. */
  commands?: Readonly<Record<string, z.ZodType>>;
}

/** Report commands people send over HTTP (the others come from the engine and the timers). */
const REPORT_FILINGS = Object.fromEntries(REPORT_FILING_NAMES.map((name) => [name, REPORT_COMMAND_SCHEMAS[name]]));

const incidentRead = { kind: 'read', target: 'incident', param: 'incidentId' } as const;
const warningRead = { kind: 'read', target: 'warning', param: 'warningId' } as const;
/** A drill is read by its controller and its participants (each its own view); `keep`: its controller only. */
const drillRead = { kind: 'read', target: 'drill', param: 'drillId' } as const;
const hazardRead = { kind: 'read', target: 'hazard', param: 'hazardId' } as const;
export const JurisdictionQuerySchema = z.strictObject({ jurisdiction: JurisdictionCodeSchema.optional() });
export const TimelineExportQuerySchema = z.strictObject({ format: z.enum(['json', 'csv']).default('json') });
export const ICS_FORMS = ['ics201', 'ics209', 'ics214'] as const;
export const ICS209_VERSIONS = ['initial', 'update', 'final'] as const;
export const FormQuerySchema = z.strictObject({ version: z.enum(ICS209_VERSIONS).default('update') });

/**
 * Every HTTP route the api serves, with its access rule. The api registers its routes through this
 * table (a route not in it cannot be served), and a test walks it with actors of every other room.
 */
export const ROUTE_CATALOG = {
  health: { method: 'GET', path: '/health', summary: 'Liveness (the same as /health/live)', access: { kind: 'public' }, status: 200, answer: HealthSchema },
  healthLive: { method: 'GET', path: '/health/live', summary: 'Liveness: the process is up and answering', access: { kind: 'public' }, status: 200, answer: HealthSchema },
  healthReady: { method: 'GET', path: '/health/ready', summary: 'Readiness: PostgreSQL reachable, migrations current, NATS connected and relay lag under its bound where this process runs them; 503 with the reasons otherwise', access: { kind: 'public' }, status: 200, answer: ReadinessSchema, unavailable: ReadinessSchema },
  prometheusMetrics: { method: 'GET', path: '/metrics', summary: 'Prometheus metrics of this process (text exposition format); without a token, unless MUSTER_METRICS_TOKEN asks for it as a bearer', access: { kind: 'public' }, status: 200, answer: TextFileSchema, contentType: 'text/plain' },
  openApi: { method: 'GET', path: '/openapi.json', summary: 'This API as OpenAPI 3.1', access: { kind: 'public' }, status: 200, answer: OpenApiDocumentSchema },
  login: { method: 'POST', path: '/auth/login', summary: 'Log in with a user name and password; answers a token', access: { kind: 'public' }, status: 200, body: LoginSchema, answer: LoginAnswerSchema },
  me: { method: 'GET', path: '/me', summary: 'Who the token is for', access: { kind: 'signed-in' }, status: 200, answer: MeSchema },
  jurisdictions: { method: 'GET', path: '/jurisdictions', summary: 'The jurisdiction tree served', access: { kind: 'signed-in' }, status: 200, answer: JurisdictionListSchema },
  // Plan rules are no secret (a county follows its city's), so any signed-in caller reads those of any jurisdiction of the tree.
  rules: { method: 'GET', path: '/rules', summary: 'The plan rules in force in a jurisdiction (default the caller’s), each section with the file it comes from', access: { kind: 'signed-in' }, status: 200, query: JurisdictionQuerySchema, answer: RulesViewSchema },

  // Names for the pickers (appoint a commander, a deputy): people are named, never typed as login ids.
  people: { method: 'GET', path: '/people', summary: 'People of the login directory in a room (default the caller’s and the rooms below it), for pickers; empty when logins are the identity provider’s', access: { kind: 'read-jurisdiction', from: 'query', optional: true }, status: 200, query: JurisdictionQuerySchema, answer: PeopleListSchema },

  reportIncident: { method: 'POST', path: '/incidents', summary: 'Report an incident (opens its stream)', access: { kind: 'command', streamType: 'incident' }, status: 201, body: CreateIncidentRequestSchema, answer: CommandResultSchema },
  listIncidents: { method: 'GET', path: '/incidents', summary: 'List the incidents the caller may see', access: { kind: 'signed-in' }, status: 200, query: ListIncidentsQuerySchema, answer: IncidentListSchema },
  getIncident: { method: 'GET', path: '/incidents/:incidentId', summary: 'Read one incident', access: incidentRead, status: 200, answer: IncidentViewSchema },
  incidentRecord: { method: 'GET', path: '/incidents/:incidentId/record', summary: 'The incident with its command structure, requests, reports and supervision, and the commands the caller may send now (the console’s incident view)', access: incidentRead, status: 200, answer: IncidentRecordSchema },
  board: { method: 'GET', path: '/board', summary: 'The caller’s room board: open incidents with commander, scene figures and reports overdue (one card with `incident`)', access: { kind: 'signed-in' }, status: 200, query: BoardQuerySchema, answer: BoardSchema },
  incidentCommand: { method: 'POST', path: '/incidents/:incidentId/commands', summary: 'Send a command to an incident', access: { kind: 'command', streamType: 'incident' }, status: 200, body: IncidentCommandRequestSchema, answer: CommandResultSchema, commands: INCIDENT_COMMAND_SCHEMAS },

  sceneCommand: { method: 'POST', path: '/incidents/:incidentId/command', summary: 'Send an on-scene command (appoint, transfer, unified command, scene report)', access: { kind: 'command', streamType: 'scene' }, status: 200, body: OnSceneCommandRequestSchema, answer: CommandResultSchema, commands: SCENE_COMMAND_SCHEMAS },
  getScene: { method: 'GET', path: '/incidents/:incidentId/command', summary: 'Read the command structure of an incident', access: incidentRead, status: 200, answer: SceneViewSchema },

  submitResourceRequest: { method: 'POST', path: '/incidents/:incidentId/resource-requests', summary: 'Submit a resource request (ICS 213RR)', access: { kind: 'command', streamType: 'resourceRequest' }, status: 201, body: CreateResourceRequestSchema, answer: CommandResultSchema },
  listResourceRequests: { method: 'GET', path: '/incidents/:incidentId/resource-requests', summary: 'List the resource requests of an incident', access: incidentRead, status: 200, answer: ResourceRequestListSchema },
  resourceRequestCommand: { method: 'POST', path: '/resource-requests/:requestId/commands', summary: 'Approve, reject, dispatch, track or release a resource request', access: { kind: 'command', streamType: 'resourceRequest' }, status: 200, body: ResourceRequestCommandSchema, answer: CommandResultSchema, commands: REQUEST_COMMAND_SCHEMAS },
  getResourceRequest: { method: 'GET', path: '/resource-requests/:requestId', summary: 'Read one resource request', access: { kind: 'read', target: 'resourceRequest', param: 'requestId' }, status: 200, answer: ResourceRequestViewSchema },

  createDepot: { method: 'POST', path: '/depots', summary: "Register a material depot of the caller's room", access: { kind: 'keep-jurisdiction', from: 'body', rule: 'reference-data' }, status: 201, body: DepotSchema, answer: DepotViewSchema },
  listDepots: { method: 'GET', path: '/depots', summary: 'Depots and their stock, of the caller’s room and the rooms below it (or one of them)', access: { kind: 'read-jurisdiction', from: 'query', optional: true }, status: 200, answer: DepotListSchema, query: JurisdictionQuerySchema },
  getDepot: { method: 'GET', path: '/depots/:depotId', summary: 'One depot and its stock', access: { kind: 'read', target: 'depot', param: 'depotId' }, status: 200, answer: DepotViewSchema },
  setStock: { method: 'PUT', path: '/depots/:depotId/stock', summary: 'Set stock counts (stocktake, restock) of a depot of the caller’s room', access: { kind: 'keep', target: 'depot', param: 'depotId' }, status: 200, body: SetStockSchema, answer: DepotViewSchema },
  createTeam: { method: 'POST', path: '/teams', summary: "Register a rescue team of the caller's room", access: { kind: 'keep-jurisdiction', from: 'body', rule: 'reference-data' }, status: 201, body: TeamSchema, answer: CreatedTeamSchema },
  setTeamStatus: { method: 'POST', path: '/teams/:teamId/status', summary: 'Put a team of the caller’s room in or out of service', access: { kind: 'keep', target: 'team', param: 'teamId' }, status: 200, body: TeamStatusSchema, answer: TeamStatusAnswerSchema },
  listTeams: { method: 'GET', path: '/teams', summary: 'Rescue teams of the caller’s room and the rooms below it (or one of them)', access: { kind: 'read-jurisdiction', from: 'query', optional: true }, status: 200, answer: TeamListSchema, query: JurisdictionQuerySchema },

  createShift: { method: 'POST', path: '/duty/shifts', summary: 'Add a shift to a room’s duty roster (值班表)', access: { kind: 'keep-jurisdiction', from: 'body', rule: 'duty-records' }, status: 201, body: DutyShiftSchema, answer: ShiftViewSchema },
  listShifts: { method: 'GET', path: '/duty/shifts', summary: 'Shifts of a room overlapping a period', access: { kind: 'read-jurisdiction', from: 'query', optional: false }, status: 200, query: ListShiftsQuerySchema, answer: ShiftListSchema },
  onDuty: { method: 'GET', path: '/duty/on-duty', summary: 'Who is on duty in a room at a time (default now)', access: { kind: 'read-jurisdiction', from: 'query', optional: false }, status: 200, query: OnDutyQuerySchema, answer: OnDutySchema },
  createWatchEntry: { method: 'POST', path: '/watch-log', summary: 'Record an intake in the watch log (值班记录)', access: { kind: 'keep-jurisdiction', from: 'body', rule: 'duty-records' }, status: 201, body: WatchEntrySchema, answer: WatchEntryViewSchema },
  listWatchEntries: { method: 'GET', path: '/watch-log', summary: 'A room’s watch log, newest first', access: { kind: 'read-jurisdiction', from: 'query', optional: false }, status: 200, query: ListWatchQuerySchema, answer: WatchEntryListSchema },
  getWatchEntry: { method: 'GET', path: '/watch-log/:entryId', summary: 'One watch log entry', access: { kind: 'read', target: 'watchEntry', param: 'entryId' }, status: 200, answer: WatchEntryViewSchema },
  triageWatchEntry: { method: 'POST', path: '/watch-log/:entryId/triage', summary: 'Triage an intake: create an incident, attach to one, or dismiss with a reason', access: { kind: 'keep', target: 'watchEntry', param: 'entryId' }, status: 200, body: TriageSchema, answer: TriageAnswerSchema },

  reportCommand: { method: 'POST', path: '/incidents/:incidentId/reports', summary: 'File a report (初报/续报/终报) or acknowledge one', access: { kind: 'command', streamType: 'report' }, status: 200, body: ReportCommandRequestSchema, answer: CommandResultSchema, commands: REPORT_FILINGS },
  getReports: { method: 'GET', path: '/incidents/:incidentId/reports', summary: 'The report obligation of an incident and its deadlines', access: incidentRead, status: 200, answer: ReportsViewSchema },
  reportScores: { method: 'GET', path: '/report-scores', summary: 'Timeliness scores (考核通报) per unit for a period', access: { kind: 'read-jurisdiction', from: 'query', optional: true }, status: 200, query: ScoresQuerySchema, answer: ScoresAnswerSchema },
  reportScoresCsv: { method: 'GET', path: '/report-scores.csv', summary: 'The same scores as CSV (UTF-8 with BOM)', access: { kind: 'read-jurisdiction', from: 'query', optional: true }, status: 200, query: ScoresQuerySchema, answer: TextFileSchema, contentType: 'text/csv' },

  openSupervision: { method: 'POST', path: '/incidents/:incidentId/supervision', summary: 'Open a supervision item (督办) on a room of an incident of severity III or above', access: { kind: 'command', streamType: 'supervision' }, status: 201, body: CreateSupervisionRequestSchema, answer: CommandResultSchema },
  listSupervision: { method: 'GET', path: '/incidents/:incidentId/supervision', summary: 'The supervision items of an incident, with their deadlines, escalation and history', access: incidentRead, status: 200, answer: SupervisionListSchema },
  supervisionCommand: { method: 'POST', path: '/supervision/:supervisionId/commands', summary: 'Report progress or completion of a supervision item, or close, return or extend it', access: { kind: 'command', streamType: 'supervision' }, status: 200, body: SupervisionCommandRequestSchema, answer: CommandResultSchema, commands: SUPERVISION_FILINGS },
  createInterview: { method: 'POST', path: '/interviews', summary: 'Record a 约谈 (accountability interview) of a room below the caller’s', access: { kind: 'keep-jurisdiction', from: 'body', rule: 'interviews' }, status: 201, body: InterviewSchema, answer: InterviewViewSchema },
  listInterviews: { method: 'GET', path: '/interviews', summary: '约谈 records of the caller’s room and the rooms below it (or of one of them), newest first', access: { kind: 'read-jurisdiction', from: 'query', optional: true }, status: 200, query: JurisdictionQuerySchema, answer: InterviewListSchema },

  draftWarning: { method: 'POST', path: '/warnings', summary: 'Draft a warning (预警) of the caller’s room', access: { kind: 'command', streamType: 'warning' }, status: 201, body: CreateWarningRequestSchema, answer: CommandResultSchema },
  warningCommand: { method: 'POST', path: '/warnings/:warningId/commands', summary: 'Revise, approve, issue, update (a level change included), lift a warning, or link it to an incident', access: { kind: 'command', streamType: 'warning' }, status: 200, body: WarningCommandRequestSchema, answer: CommandResultSchema, commands: WARNING_FILINGS },
  listWarnings: { method: 'GET', path: '/warnings', summary: 'The warnings of a room and the rooms below it (or of one of them), newest first; real ones only unless ?exercise=true|all', access: { kind: 'read-jurisdiction', from: 'query', optional: true }, status: 200, query: WarningListQuerySchema, answer: WarningListSchema },
  getWarning: { method: 'GET', path: '/warnings/:warningId', summary: 'A warning as its room and the rooms above it see it, with its released messages', access: warningRead, status: 200, answer: WarningViewSchema },
  warningCap: { method: 'GET', path: '/warnings/:warningId/cap.xml', summary: 'A released message of a warning as OASIS CAP 1.2 XML (the latest unless ?message=n)', access: warningRead, status: 200, query: WarningMessageQuerySchema, answer: TextFileSchema, contentType: 'application/xml' },
  warningGb: { method: 'GET', path: '/warnings/:warningId/gb.xml', summary: 'A released message of a warning in the GB/T 35965.1 profile (the latest unless ?message=n)', access: warningRead, status: 200, query: WarningMessageQuerySchema, answer: TextFileSchema, contentType: 'application/xml' },
  publicCapIndex: { method: 'GET', path: '/public/warnings/:jurisdiction/index.json', summary: 'The CAP index of the warnings in force over a jurisdiction (drills never), for downstream systems', access: { kind: 'public' }, status: 200, answer: CapIndexSchema },
  publicWarningFeed: { method: 'GET', path: '/public/warnings/:jurisdiction/feed.atom', summary: 'The Atom feed of the warnings in force over a jurisdiction (drills never), each linking its CAP message', access: { kind: 'public' }, status: 200, answer: TextFileSchema, contentType: 'application/atom+xml' },
  publicWarningCap: { method: 'GET', path: '/public/warnings/messages/:warningId/cap.xml', summary: 'The latest message of a warning in force as OASIS CAP 1.2 XML (public; drills and drafts are not found)', access: { kind: 'public' }, status: 200, answer: TextFileSchema, contentType: 'application/xml' },
  publicWarningGb: { method: 'GET', path: '/public/warnings/messages/:warningId/gb.xml', summary: 'The same message in the GB/T 35965.1 profile', access: { kind: 'public' }, status: 200, answer: TextFileSchema, contentType: 'application/xml' },
  // The last mile of warnings (issue 21): the contact registry, recipients, acknowledgement, manual tasks.
  listContacts: { method: 'GET', path: '/contacts', summary: 'The contact registry (通讯录) of a room and the rooms below it (or of one county), active ones unless ?active=false|all', access: { kind: 'read-jurisdiction', from: 'query', optional: true }, status: 200, query: ContactListQuerySchema, answer: ContactListSchema },
  createContact: { method: 'POST', path: '/contacts', summary: 'Add a contact to a county’s registry (its room or a room above it)', access: { kind: 'keep-jurisdiction', from: 'body', rule: 'contacts' }, status: 201, body: ContactSchema, answer: ContactViewSchema },
  updateContact: { method: 'PUT', path: '/contacts/:contactId', summary: 'Change a contact (its county’s room or a room above it)', access: { kind: 'keep', target: 'contact', param: 'contactId' }, status: 200, body: ContactUpdateSchema, answer: ContactViewSchema },
  deactivateContact: { method: 'POST', path: '/contacts/:contactId/deactivate', summary: 'Take a contact off the lists of future warnings (kept for the record)', access: { kind: 'keep', target: 'contact', param: 'contactId' }, status: 200, body: EmptyBodySchema, answer: ContactViewSchema },
  warningAckBoard: { method: 'GET', path: '/warnings/:warningId/ack-board', summary: 'The acknowledgement board of a warning: x/y acknowledged, by township, who has not, manual tasks', access: warningRead, status: 200, answer: AckBoardSchema },
  warningRecipients: { method: 'GET', path: '/warnings/:warningId/recipients', summary: 'The recipients of a warning, fixed at issue, with each one’s delivery state', access: warningRead, status: 200, answer: RecipientListSchema },
  publicAckView: { method: 'GET', path: '/public/warning-ack/:token', summary: 'The warning a signed acknowledgement link is for, as its recipient sees it (no login)', access: { kind: 'public' }, status: 200, answer: PublicAckViewSchema },
  publicAcknowledge: { method: 'POST', path: '/public/warning-ack/:token', summary: '收到并知晓: the recipient acknowledges with one tap (idempotent; no login)', access: { kind: 'public' }, status: 200, body: EmptyBodySchema, answer: PublicAckAnswerSchema },
  // ---- Drills (演练, issue 22): planned, run against injects, evaluated, corrective actions tracked ----
  planDrill: { method: 'POST', path: '/drills', summary: 'Plan a drill (演练) controlled by the caller’s room: kind, double-blind, participants, objectives, scenario and MSEL of injects', access: { kind: 'command', streamType: 'drill' }, status: 201, body: PlanDrillRequestSchema, answer: CommandResultSchema },
  listDrills: { method: 'GET', path: '/drills', summary: 'The drills the caller’s room controls or plays, each as that room may see it', access: { kind: 'signed-in' }, status: 200, answer: DrillListSchema },
  getDrill: { method: 'GET', path: '/drills/:drillId', summary: 'A drill: the whole of it for its controller; for a participant what players may see (double-blind: nothing of the plan before EndEx)', access: drillRead, status: 200, answer: DrillViewSchema },
  startDrill: { method: 'POST', path: '/drills/:drillId/start', summary: 'StartEx: attach exercise incidents and/or open one in a participant’s room, then start the injects’ clock', access: { kind: 'command', streamType: 'drill' }, status: 200, body: StartDrillRequestSchema, answer: StartDrillAnswerSchema },
  drillCommand: { method: 'POST', path: '/drills/:drillId/commands', summary: 'Control or evaluate a drill: add, skip, pause or resume injects, end it, record observations and hot-wash notes, draft the AAR/IP, close it, close a corrective action', access: { kind: 'command', streamType: 'drill' }, status: 200, body: DrillCommandRequestSchema, answer: CommandResultSchema, commands: DRILL_FILINGS },
  drillFeed: { method: 'GET', path: '/drills/:drillId/feed', summary: 'The controller’s feed: every inject delivered and every participant response on the drill’s incidents, in commit order', access: { kind: 'keep', target: 'drill', param: 'drillId' }, status: 200, query: DrillFeedQuerySchema, answer: DrillFeedSchema },
  // ---- Drill review (演练复盘, issue 22): the incident review tools over a drill's merged timeline; controller, participants after EndEx ----
  drillTimeline: { method: 'GET', path: '/drills/:drillId/timeline', summary: 'The drill’s merged timeline: its own stream and every stream of its incidents, in commit order (participants after EndEx)', access: drillRead, status: 200, query: TimelineQuerySchema, answer: TimelinePageSchema },
  drillStateAt: { method: 'GET', path: '/drills/:drillId/state', summary: 'The drill and each of its incidents at instant T by replay (participants after EndEx)', access: drillRead, status: 200, query: StateAtQuerySchema, answer: DrillStateAtViewSchema },
  drillMetrics: { method: 'GET', path: '/drills/:drillId/metrics', summary: 'Drill metrics: injects, how soon the players answered each, and each incident’s after-action metrics (participants after EndEx)', access: drillRead, status: 200, answer: DrillMetricsSchema },
  drillTimelineExport: { method: 'GET', path: '/drills/:drillId/timeline/export', summary: 'The drill’s whole merged timeline as JSON or CSV (participants after EndEx)', access: drillRead, status: 200, answer: DrillTimelineExportSchema, contentType: 'text/csv+json', query: TimelineExportQuerySchema },
  // ---- Hazards (风险隐患, issue 24): register, rectification, inspections, tip-offs ----
  reportHazard: { method: 'POST', path: '/hazards', summary: 'Report a hazard (风险隐患) found by an inspection or a self-check, in the caller’s room or one below it', access: { kind: 'command', streamType: 'hazard' }, status: 201, body: CreateHazardRequestSchema, answer: CommandResultSchema },
  hazardCommand: { method: 'POST', path: '/hazards/:hazardId/commands', summary: 'Verify, dismiss, grade, assign, report, accept or return a rectification, write off, list for supervision (the city), record a finding, a fine or a reward payment, or link to an incident', access: { kind: 'command', streamType: 'hazard' }, status: 200, body: HazardCommandRequestSchema, answer: CommandResultSchema, commands: HAZARD_FILINGS },
  listHazards: { method: 'GET', path: '/hazards', summary: 'The hazard register of a room and the rooms below it, filtered by grade, state, overdue, source, supervision', access: { kind: 'read-jurisdiction', from: 'query', optional: true }, status: 200, query: HazardListQuerySchema, answer: HazardListSchema },
  exportHazards: { method: 'GET', path: '/hazards/export.csv', summary: 'The hazard register as CSV (the same filters)', access: { kind: 'read-jurisdiction', from: 'query', optional: true }, status: 200, query: HazardListQuerySchema, answer: TextFileSchema, contentType: 'text/csv' },
  getHazard: { method: 'GET', path: '/hazards/:hazardId', summary: 'A hazard as its room and the rooms above it see it', access: hazardRead, status: 200, answer: HazardViewSchema },
  hazardHistory: { method: 'GET', path: '/hazards/:hazardId/history', summary: 'What happened to a hazard, oldest first', access: hazardRead, status: 200, answer: HazardHistorySchema },
  incidentHazards: { method: 'GET', path: '/incidents/:incidentId/hazards', summary: 'The hazards an incident came from, each with its history before the incident', access: incidentRead, status: 200, answer: IncidentHazardsSchema },
  createInspection: { method: 'POST', path: '/inspections', summary: 'Record a planned or unannounced (暗访) inspection; each finding opens or updates a hazard', access: { kind: 'keep-jurisdiction', from: 'body', rule: 'duty-records' }, status: 201, body: InspectionSchema, answer: InspectionViewSchema },
  listInspections: { method: 'GET', path: '/inspections', summary: 'Inspections of a room and the rooms below it, newest first', access: { kind: 'read-jurisdiction', from: 'query', optional: true }, status: 200, query: JurisdictionQuerySchema, answer: InspectionListSchema },
  publicTipOff: { method: 'POST', path: '/public/tip-offs', summary: 'The public tip-off form (举报, no login, rate-limited): opens a hazard report; the reporter’s identity is kept apart', access: { kind: 'public' }, status: 201, body: TipOffFormSchema, answer: TipOffReceiptSchema },
  publicJurisdictions: { method: 'GET', path: '/public/jurisdictions', summary: 'The jurisdiction tree, for the public tip-off form (jurisdictions are public)', access: { kind: 'public' }, status: 200, answer: JurisdictionListSchema },
  tipOffReporter: { method: 'GET', path: '/tip-offs/:tipOffId/reporter', summary: 'Who reported a tip-off: only for the role the identity rule names (the owning room’s leader); 404 for anyone else', access: { kind: 'signed-in' }, status: 200, answer: TipOffReporterSchema },

  timeline: { method: 'GET', path: '/incidents/:incidentId/timeline', summary: 'The incident and every stream under it, in commit order', access: incidentRead, status: 200, query: TimelineQuerySchema, answer: TimelinePageSchema },
  correctEntry: { method: 'POST', path: '/incidents/:incidentId/corrections', summary: 'Strike or amend an entry of the record (the command policy then decides who may)', access: incidentRead, status: 201, body: CorrectEntryRequestSchema, answer: CommandResultSchema },
  stateAt: { method: 'GET', path: '/incidents/:incidentId/state', summary: 'The incident and its command structure at instant T by replay', access: incidentRead, status: 200, query: StateAtQuerySchema, answer: StateAtViewSchema },
  metrics: { method: 'GET', path: '/incidents/:incidentId/metrics', summary: 'After-action metrics', access: incidentRead, status: 200, answer: MetricsSchema },
  timelineExport: { method: 'GET', path: '/incidents/:incidentId/timeline/export', summary: 'The whole timeline as JSON or CSV', access: incidentRead, status: 200, answer: TimelineExportSchema, contentType: 'text/csv+json', query: TimelineExportQuerySchema },
  form: { method: 'GET', path: '/incidents/:incidentId/forms/:form', summary: 'Printable HTML: ICS 214, ICS 201, ICS 209', access: incidentRead, status: 200, answer: TextFileSchema, contentType: 'text/html', query: FormQuerySchema },

  // ---- Plans (预案, issue 22): kept by their own room, read by it and the rooms above it ----
  createPlan: { method: 'POST', path: '/plans', summary: 'Create a plan (预案) of the caller’s room for an incident category, with its first version', access: { kind: 'keep-jurisdiction', from: 'body', rule: 'plans' }, status: 201, body: CreatePlanSchema, answer: PlanViewSchema },
  listPlans: { method: 'GET', path: '/plans', summary: 'The plans of a room and the rooms below it (or of one of them, or one category), each with its current version and whether it is due for revision', access: { kind: 'read-jurisdiction', from: 'query', optional: true }, status: 200, query: ListPlansQuerySchema, answer: PlanListSchema },
  getPlan: { method: 'GET', path: '/plans/:planId', summary: 'A plan with every version, its drills, the requests to revise it and why it is due for revision', access: { kind: 'read', target: 'plan', param: 'planId' }, status: 200, answer: PlanViewSchema },
  publishPlanVersion: { method: 'POST', path: '/plans/:planId/versions', summary: 'Publish a new version of a plan of the caller’s room (the history is kept)', access: { kind: 'keep', target: 'plan', param: 'planId' }, status: 201, body: PublishPlanVersionSchema, answer: PlanViewSchema },
  requestPlanRevision: { method: 'POST', path: '/plans/:planId/revision-requests', summary: 'Ask for a plan’s revision (an AAR/IP of a drill or an incident, or a change): the plan shows as due until a new version is published', access: { kind: 'read', target: 'plan', param: 'planId' }, status: 201, body: RequestPlanRevisionSchema, answer: PlanViewSchema },
  recordPlanDrill: { method: 'POST', path: '/plans/:planId/drills', summary: 'Record that a plan was drilled (the three-year drill rule counts from the last one)', access: { kind: 'read', target: 'plan', param: 'planId' }, status: 201, body: RecordPlanDrillSchema, answer: PlanViewSchema },
  incidentPlan: { method: 'GET', path: '/incidents/:incidentId/plan', summary: 'The plan in force for an incident: of its category, its lead room’s own or the nearest room above’s', access: incidentRead, status: 200, answer: IncidentPlanSchema },
  // Registries of teams, experts, shelters and depots (issue 23); `registry` is team, expert, shelter or depot (a CSV `file` also `stock`, the depots' stock).
  registerEntry: { method: 'POST', path: '/registries', summary: 'Register a team, expert, shelter or depot of the caller’s room', access: { kind: 'keep-jurisdiction', from: 'body', rule: 'reference-data' }, status: 201, body: RegistrationRequestSchema, answer: RegistryEntryViewSchema },
  listEntries: { method: 'GET', path: '/registries', summary: 'Entries of a registry of the caller’s room and the rooms below it (or one of them)', access: { kind: 'read-jurisdiction', from: 'query', optional: true }, status: 200, query: RegistryListQuerySchema, answer: RegistryEntryListSchema },
  getEntry: { method: 'GET', path: '/registries/:registry/:itemId', summary: 'One entry with its history', access: { kind: 'read', target: 'registryEntry', param: 'itemId' }, status: 200, answer: RegistryEntryViewSchema },
  entryCommand: { method: 'POST', path: '/registries/:registry/:itemId/commands', summary: 'Update an entry or change its state (readiness, availability, attachment and advice, opening, occupancy, stock count)', access: { kind: 'keep', target: 'registryEntry', param: 'itemId' }, status: 200, body: RegistryCommandRequestSchema, answer: RegistryEntryViewSchema },
  importEntries: { method: 'POST', path: '/registries/import', summary: 'Import a registry’s CSV (or the depots’ stock): a dry run reports every bad row by line and field; nothing is stored on any error; all rows in one transaction', access: { kind: 'signed-in' }, status: 200, body: RegistryImportSchema, answer: ImportReportSchema },
  exportEntries: { method: 'GET', path: '/registries/export.csv', summary: 'A registry’s entries (or the depots’ stock) of the caller’s room and below, as the CSV import reads', access: { kind: 'read-jurisdiction', from: 'query', optional: true }, status: 200, query: RegistryExportQuerySchema, answer: TextFileSchema, contentType: 'text/csv' },
  availability: { method: 'GET', path: '/availability', summary: 'What is available where: stock by kind and available teams of the rooms the caller reads, by distance band from a point or an incident', access: { kind: 'read-jurisdiction', from: 'query', optional: true }, status: 200, query: AvailabilityQuerySchema, answer: AvailabilityViewSchema },

  consoleConfig: { method: 'GET', path: '/console-config', summary: 'Where the console finds the live feed; the demo logins in demo mode', access: { kind: 'public' }, status: 200, answer: ConsoleConfigSchema },
  root: { method: 'GET', path: '/', summary: 'Redirects to the console', access: { kind: 'public' }, status: 302 },
  consoleRoot: { method: 'GET', path: '/console', summary: 'Redirects to the console', access: { kind: 'public' }, status: 302 },
  // 预警 (issue 21): the acknowledgement link a recipient's SMS carries opens the console's phone page.
  consoleAckLink: { method: 'GET', path: '/console/ack/:token', summary: 'A warning’s acknowledgement link: redirects to the console’s phone page (收到并知晓, no login)', access: { kind: 'public' }, status: 302 },
  consoleFiles: { method: 'GET', path: '/console/*', summary: 'The web console’s files', access: { kind: 'public' }, status: 200, answer: TextFileSchema, contentType: 'text/html' },
} as const satisfies Record<string, RouteSpec>;

export type RouteId = keyof typeof ROUTE_CATALOG;

/**
 * The error statuses a route can answer, from its access rule and its inputs: one rule for every
 * route, so the OpenAPI document and the api cannot disagree route by route.
 */
function errorStatusesOf(spec: RouteSpec): number[] {
  const statuses = new Set<number>([503]);
  if (spec.access.kind !== 'public') statuses.add(401);
  if (spec.body) for (const s of [400, 413, 415]) statuses.add(s);
  if (spec.query) statuses.add(400);
  switch (spec.access.kind) {
    case 'public':
    case 'signed-in':
      break;
    case 'read':
      statuses.add(404);
      break;
    case 'keep':
      statuses.add(403).add(404).add(409);
      break;
    case 'read-jurisdiction':
    case 'keep-jurisdiction':
      statuses.add(400).add(403).add(409);
      break;
    case 'command':
      statuses.add(400).add(403).add(404).add(409);
      break;
    default: {
      const unknown: never = spec.access;
      throw new Error(`no access rule ${JSON.stringify(unknown)}`);
    }
  }
  // Logins are throttled; a correction names an event that may not exist.
  if (spec.path === '/auth/login') statuses.add(401).add(429);
  if (spec.commands || spec.path.endsWith('/corrections')) statuses.add(403).add(404).add(409);
  return [...statuses].sort((a, b) => a - b);
}

/** Every route of the catalog with its id and the error statuses it can answer. */
export function catalogRoutes(): (RouteSpec & { id: RouteId; errors: number[] })[] {
  return (Object.keys(ROUTE_CATALOG) as RouteId[]).map((id) => ({ ...ROUTE_CATALOG[id], id, errors: errorStatusesOf(ROUTE_CATALOG[id]) }));
}
