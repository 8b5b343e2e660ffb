import {
  ConsoleConfigSchema,
  DepotViewSchema,
  ErrorBodySchema,
  JurisdictionSchema,
  LoginAnswerSchema,
  MeSchema,
  MetricsSchema,
  ReportItemViewSchema,
  ReportsViewSchema,
  ResourceRequestViewSchema,
  ROUTE_CATALOG,
  SceneViewSchema,
  StateAtViewSchema,
  TeamViewSchema,
  TimelineEntrySchema,
  TimelinePageSchema,
  WatchEntryViewSchema,
  type CreateSupervisionRequestSchema,
  type IncidentListSchema,
  type InterviewSchema,
  type InterviewViewSchema,
  type SupervisionCommandRequestSchema,
  type SupervisionItemViewSchema,
  type RouteId,
  type CommandResult,
  type CreateIncidentRequestSchema,
  type ErrorCode,
  type FieldIssue,
  type INCIDENT_COMMAND_SCHEMAS,
  type IncidentCommandName,
  type IncidentView,
  type CommandOptionsSchema,
  type CreateResourceRequestSchema,
  type OnSceneCommandRequestSchema,
  type ResourceRequestCommandSchema,
  type ReportCommandRequestSchema,
  type TriageSchema,
  type WatchEntrySchema,
} from '@muster/contracts';
import { z } from 'zod';

type CreateIncidentRequest = z.input<typeof CreateIncidentRequestSchema>;
type CommandOptions = z.input<typeof CommandOptionsSchema>;

/** A command for an existing incident; `data` is typed by the command `type`. */
type IncidentCommandRequest = {
  [K in IncidentCommandName]: CommandOptions & { type: K; data?: z.input<(typeof INCIDENT_COMMAND_SCHEMAS)[K]> };
}[IncidentCommandName];

type IncidentList = z.infer<typeof IncidentListSchema>;
type OnSceneCommandRequest = z.input<typeof OnSceneCommandRequestSchema>;
type ResourceRequestCommand = z.input<typeof ResourceRequestCommandSchema>;
type SubmitResourceRequest = z.input<typeof CreateResourceRequestSchema>;
type ReportCommandRequest = z.input<typeof ReportCommandRequestSchema>;
type WatchEntryRequest = z.input<typeof WatchEntrySchema>;
type TriageRequest = z.input<typeof TriageSchema>;
type OpenSupervisionRequest = z.input<typeof CreateSupervisionRequestSchema>;
type SupervisionCommandRequest = z.input<typeof SupervisionCommandRequestSchema>;
type InterviewRequest = z.input<typeof InterviewSchema>;
export type SupervisionItem = z.infer<typeof SupervisionItemViewSchema>;
export type Interview = z.infer<typeof InterviewViewSchema>;
// Answers: the route catalog's schemas (packages/contracts), checked on every call.
export type WatchEntry = z.infer<typeof WatchEntryViewSchema>;
export type LoginAnswer = z.infer<typeof LoginAnswerSchema>;
type Me = z.infer<typeof MeSchema>;
export type Jurisdiction = z.infer<typeof JurisdictionSchema>;
export type ConsoleConfig = z.infer<typeof ConsoleConfigSchema>;
export type SceneView = z.infer<typeof SceneViewSchema>;
export type ResourceRequestView = z.infer<typeof ResourceRequestViewSchema>;
export type ReportItemView = z.infer<typeof ReportItemViewSchema>;
export type ReportsView = z.infer<typeof ReportsViewSchema>;
export type TimelineEntry = z.infer<typeof TimelineEntrySchema>;
type TimelinePage = z.infer<typeof TimelinePageSchema>;
export type StateAtView = z.infer<typeof StateAtViewSchema>;
type Metrics = z.infer<typeof MetricsSchema>;
export type ReportScores = AnswerOf<'reportScores'>;
/** One person of GET /people (the login directory), for pickers that name people. */
export type DirectoryPerson = AnswerOf<'people'>['items'][number];
export type IncidentRecord = AnswerOf<'incidentRecord'>;
export type BoardCard = AnswerOf<'board'>['items'][number];
/** A warning (预警) as its room and the rooms above it read it. */
export type WarningView = AnswerOf<'getWarning'>;
/** A contact of the warning registry (通讯录). */
export type Contact = AnswerOf<'listContacts'>['items'][number];
/** One recipient of a warning with its delivery state (the ack board's rows). */
export type WarningRecipient = AnswerOf<'warningRecipients'>['items'][number];
/** The warning as its recipient's phone page shows it (public, by the signed link). */
export type PublicAckView = AnswerOf<'publicAckView'>;
/** Query of the scores: the period [from, to) and optionally one unit (default: the caller's room and every unit below it). */
interface ScoresQuery {
  from: string;
  to: string;
  jurisdiction?: string;
}
type DepotView = z.infer<typeof DepotViewSchema>;
type TeamView = z.infer<typeof TeamViewSchema>;
interface TimelineQuery {
  kind?: readonly string[];
  basis?: 'occurred' | 'recorded';
  from?: string;
  to?: string;
  limit?: number;
  after?: string;
}

/** Query of GET /incidents; `after` is the `next` cursor of the previous page. */
interface ListIncidentsQuery {
  state?: IncidentView['state'];
  severity?: NonNullable<IncidentView['severity']>;
  jurisdiction?: string;
  /** Drills (演练) are left out unless asked: `true` drills only, `'all'` both. */
  exercise?: boolean | 'all';
  limit?: number;
  after?: string;
}

/**
 * An answer other than success, in the api's one error model: `code` and `issues` (the failing
 * field paths) come from the body; `status` is the HTTP status, 0 when the api could not be reached.
 */
export class MusterApiError extends Error {
  readonly status: number;
  readonly code: ErrorCode;
  readonly issues: FieldIssue[] | undefined;
  readonly details: Record<string, unknown> | undefined;
  /** The body as received, for diagnostics. */
  readonly body: unknown;

  constructor(
    status: number,
    error: { code: ErrorCode; message: string; issues?: FieldIssue[] | undefined; details?: Record<string, unknown> | undefined },
    body: unknown,
    options?: ErrorOptions,
  ) {
    super(error.message, options);
    this.name = 'MusterApiError';
    this.status = status;
    this.code = error.code;
    this.issues = error.issues;
    this.details = error.details;
    this.body = body;
  }
}

export interface HttpClientOptions {
  /** Where the api listens, e.g. `http://127.0.0.1:8080`. */
  baseUrl: string;
  /** Sent with every request. */
  headers?: Record<string, string>;
  /**
   * Bearer token for `Authorization`; a function is asked before every request, so a console can
   * refresh an expiring token without rebuilding the client.
   */
  token?: string | (() => string | Promise<string>);
  /** Defaults to the global `fetch` (Node ≥ 18 and browsers). */
  fetch?: typeof fetch;
}

export interface MusterHttpClient {
  createIncident(request: CreateIncidentRequest): Promise<CommandResult>;
  sendCommand(incidentId: string, request: IncidentCommandRequest): Promise<CommandResult>;
  getIncident(incidentId: string): Promise<IncidentView>;
  listIncidents(query?: ListIncidentsQuery): Promise<IncidentList>;
  /** Password login (embedded mode and a users file); the token goes into `token` for later calls. */
  login(username: string, password: string): Promise<LoginAnswer>;
  /** Who the token says the caller is. */
  me(): Promise<Me>;
  jurisdictions(): Promise<{ items: Jurisdiction[] }>;
  /** What a console needs before login: where the live feed is, and the demo logins when there are any. */
  consoleConfig(): Promise<ConsoleConfig>;
  /** On-scene command structure (现场指挥) of an incident. */
  getScene(incidentId: string): Promise<SceneView>;
  sendOnSceneCommand(incidentId: string, request: OnSceneCommandRequest): Promise<CommandResult>;
  listResourceRequests(incidentId: string): Promise<{ items: ResourceRequestView[] }>;
  submitResourceRequest(incidentId: string, request: SubmitResourceRequest): Promise<CommandResult>;
  sendResourceRequestCommand(requestId: string, request: ResourceRequestCommand): Promise<CommandResult>;
  /** The report obligation (信息报送) of an incident with its pending deadlines. */
  getReports(incidentId: string): Promise<ReportsView>;
  /** Logs an incoming report in the room's watch log (值班记录). */
  logWatchEntry(entry: WatchEntryRequest): Promise<WatchEntry>;
  listWatchEntries(query: { jurisdiction: string; status?: WatchEntry['status']; limit?: number }): Promise<{ items: WatchEntry[] }>;
  /** Decides what a logged report is: a new incident, part of an existing one, or nothing. */
  triageWatchEntry(entryId: string, triage: TriageRequest): Promise<{ entry: WatchEntry; incident?: unknown }>;
  /** Files a report (电话报告, 初报, 续报, 终报) or, from the room above, acknowledges one (签收). */
  fileReport(incidentId: string, request: ReportCommandRequest): Promise<CommandResult>;
  /** Timeliness, count, completeness and returns of reports per unit for a period (考核通报). */
  reportScores(query: ScoresQuery): Promise<ReportScores>;
  /** The same scores as CSV text (decoding drops the api's byte-order mark: add it back to a file for spreadsheet programs). */
  reportScoresCsv(query: ScoresQuery): Promise<string>;
  /** The supervision items (督办) of an incident, with deadlines, escalation and history. */
  listSupervision(incidentId: string): Promise<{ incidentId: string; items: SupervisionItem[] }>;
  /** Opens a supervision item (the room above the lead): task, owner, deadline. */
  openSupervision(incidentId: string, request: OpenSupervisionRequest): Promise<CommandResult>;
  /** Progress, done report, close, return or extension of a supervision item. */
  sendSupervisionCommand(supervisionId: string, request: SupervisionCommandRequest): Promise<CommandResult>;
  /** Records a 约谈 of a room below the caller's. */
  recordInterview(interview: InterviewRequest): Promise<Interview>;
  /** 约谈 records of the caller's room and the rooms below it, or of one of them. */
  listInterviews(query?: { jurisdiction?: string }): Promise<{ items: Interview[] }>;
  timeline(incidentId: string, query?: TimelineQuery): Promise<TimelinePage>;
  /** The incident as it stood at `at`, replayed by recorded (default) or occurred time. */
  stateAt(incidentId: string, at: string, basis?: 'recorded' | 'occurred'): Promise<StateAtView>;
  metrics(incidentId: string): Promise<Metrics>;
  /** The whole timeline as a file: JSON or CSV text. */
  exportTimeline(incidentId: string, format: 'json' | 'csv'): Promise<string>;
  /** A drill's whole merged timeline as a file (演练复盘): JSON or CSV text. */
  exportDrillTimeline(drillId: string, format: 'json' | 'csv'): Promise<string>;
  /** A printable ICS form (HTML). */
  form(incidentId: string, form: 'ics201' | 'ics209' | 'ics214'): Promise<string>;
  /** Depots with their stock: the caller's room and the rooms below it, or one of them. */
  listDepots(query?: { jurisdiction?: string }): Promise<{ items: DepotView[] }>;
  /** Rescue teams: the caller's room and the rooms below it, or one of them. */
  listTeams(query?: { jurisdiction?: string }): Promise<{ items: TeamView[] }>;
  /** A registry's entries (or the depots' stock) as CSV text, in the format its import reads (issue 23). */
  exportRegistry(query: { file: 'team' | 'expert' | 'shelter' | 'depot' | 'stock'; jurisdiction?: string }): Promise<string>;
  /** A released message of a warning as XML text: OASIS CAP 1.2 or the GB/T 35965.1 profile (the latest unless `message`, 1 the first issue). */
  warningXml(warningId: string, form: 'cap' | 'gb', message?: number): Promise<string>;
  /**
   * Any route of the catalog by its id: path parameters filled in, the answer checked against the
   * catalog's schema for that route.
   */
  call<Id extends JsonRouteId>(id: Id, input?: RouteInput): Promise<AnswerOf<Id>>;
}

type JsonRouteId = { [K in RouteId]: (typeof ROUTE_CATALOG)[K] extends { answer: z.ZodType; contentType?: never } ? K : never }[RouteId];
type AnswerOf<Id extends JsonRouteId> = (typeof ROUTE_CATALOG)[Id] extends { answer: infer S extends z.ZodType } ? z.output<S> : never;
interface RouteInput {
  params?: Record<string, string>;
  query?: Record<string, string | number | boolean | readonly string[] | undefined>;
  body?: unknown;
}

export function createHttpClient(options: HttpClientOptions): MusterHttpClient {
  const base = options.baseUrl.replace(/\/+$/, '');
  const doFetch = options.fetch ?? globalThis.fetch;

  async function request<S extends z.ZodType>(method: 'GET' | 'POST' | 'PUT', path: string, schema: S, body?: unknown): Promise<z.output<S>> {
    const { status, json } = await exchange(method, path, body);
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      throw new MusterApiError(status, { code: 'internal', message: `${method} ${path} answered a body that does not match its contract` }, json, {
        cause: parsed.error,
      });
    }
    return parsed.data;
  }

  /** One round trip in the api's error model; the body as JSON when it is JSON, else as text. */
  async function exchange(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
    const token = typeof options.token === 'function' ? await options.token() : options.token;
    let response: Response;
    try {
      response = await doFetch(`${base}${path}`, {
        method,
        headers: {
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...options.headers,
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (error) {
      throw new MusterApiError(0, { code: 'unavailable', message: `cannot reach the api at ${base}: ${String(error)}` }, undefined, { cause: error });
    }
    const text = await response.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = text;
    }
    if (!response.ok) {
      const parsed = ErrorBodySchema.safeParse(json);
      if (parsed.success) throw new MusterApiError(response.status, parsed.data.error, json);
      // Not our error model (a proxy, a crash page): keep the status meaningful for retry logic.
      const code: ErrorCode = response.status >= 502 && response.status <= 504 ? 'unavailable' : 'internal';
      throw new MusterApiError(response.status, { code, message: `${method} ${path} answered ${response.status}` }, json);
    }
    return { status: response.status, json };
  }

  async function text(path: string): Promise<string> {
    const { json } = await exchange('GET', path);
    return typeof json === 'string' ? json : JSON.stringify(json, null, 2);
  }

  const queryString = (query: Record<string, string | number | boolean | readonly string[] | undefined>) => {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value === undefined) continue;
      params.set(key, Array.isArray(value) ? value.join(',') : String(value));
    }
    const search = params.toString();
    return search ? `?${search}` : '';
  };

  /** A catalog route's path with its parameters filled in and its query appended. */
  function pathOf(id: RouteId, input: RouteInput): string {
    const path = ROUTE_CATALOG[id].path.replace(/:(\w+)/g, (_m, name: string) => {
      const value = input.params?.[name];
      if (value === undefined) throw new TypeError(`${id} needs the path parameter ${name}`);
      return encodeURIComponent(value);
    });
    return `${path}${queryString({ ...input.query })}`;
  }

  async function call<Id extends JsonRouteId>(id: Id, input: RouteInput = {}): Promise<AnswerOf<Id>> {
    const spec = ROUTE_CATALOG[id];
    return request(spec.method, pathOf(id, input), spec.answer, input.body) as Promise<AnswerOf<Id>>;
  }

  return {
    call,
    listDepots: (query = {}) => call('listDepots', { query }),
    listTeams: (query = {}) => call('listTeams', { query }),
    createIncident: (body) => call('reportIncident', { body }),
    sendCommand: (incidentId, body) => call('incidentCommand', { params: { incidentId }, body }),
    getIncident: (incidentId) => call('getIncident', { params: { incidentId } }),
    listIncidents: (query = {}) => call('listIncidents', { query: { ...query } }),
    login: (username, password) => call('login', { body: { username, password } }),
    me: () => call('me'),
    jurisdictions: () => call('jurisdictions'),
    consoleConfig: () => call('consoleConfig'),
    getScene: (incidentId) => call('getScene', { params: { incidentId } }),
    sendOnSceneCommand: (incidentId, body) => call('sceneCommand', { params: { incidentId }, body }),
    listResourceRequests: (incidentId) => call('listResourceRequests', { params: { incidentId } }),
    submitResourceRequest: (incidentId, body) => call('submitResourceRequest', { params: { incidentId }, body }),
    sendResourceRequestCommand: (requestId, body) => call('resourceRequestCommand', { params: { requestId }, body }),
    getReports: (incidentId) => call('getReports', { params: { incidentId } }),
    logWatchEntry: (entry) => call('createWatchEntry', { body: entry }),
    listWatchEntries: (query) => call('listWatchEntries', { query: { ...query } }),
    triageWatchEntry: (entryId, triage) => call('triageWatchEntry', { params: { entryId }, body: triage }),
    fileReport: (incidentId, body) => call('reportCommand', { params: { incidentId }, body }),
    reportScores: (query) => call('reportScores', { query: { ...query } }),
    reportScoresCsv: (query) => text(pathOf('reportScoresCsv', { query: { ...query } })),
    listSupervision: (incidentId) => call('listSupervision', { params: { incidentId } }),
    openSupervision: (incidentId, body) => call('openSupervision', { params: { incidentId }, body }),
    sendSupervisionCommand: (supervisionId, body) => call('supervisionCommand', { params: { supervisionId }, body }),
    recordInterview: (body) => call('createInterview', { body }),
    listInterviews: (query = {}) => call('listInterviews', { query }),
    timeline: (incidentId, query = {}) => call('timeline', { params: { incidentId }, query: { ...query } }),
    stateAt: (incidentId, at, basis) => call('stateAt', { params: { incidentId }, query: { at, basis } }),
    metrics: (incidentId) => call('metrics', { params: { incidentId } }),
    exportTimeline: (incidentId, format) => text(pathOf('timelineExport', { params: { incidentId }, query: { format } })),
    exportDrillTimeline: (drillId, format) => text(pathOf('drillTimelineExport', { params: { drillId }, query: { format } })),
    form: (incidentId, form) => text(pathOf('form', { params: { incidentId, form } })),
    exportRegistry: (query) => text(pathOf('exportEntries', { query: { ...query } })),
    warningXml: (warningId, form, message) => text(pathOf(form === 'cap' ? 'warningCap' : 'warningGb', { params: { warningId }, query: { message } })),
  };
}
