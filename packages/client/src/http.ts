import {
  CommandResultSchema,
  ERROR_CODES,
  IncidentListSchema,
  IncidentViewSchema,
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

export type CreateIncidentRequest = z.input<typeof CreateIncidentRequestSchema>;
type CommandOptions = z.input<typeof CommandOptionsSchema>;

/** A command for an existing incident; `data` is typed by the command `type`. */
export type IncidentCommandRequest = {
  [K in IncidentCommandName]: CommandOptions & { type: K; data?: z.input<(typeof INCIDENT_COMMAND_SCHEMAS)[K]> };
}[IncidentCommandName];

export type IncidentList = z.infer<typeof IncidentListSchema>;
export type OnSceneCommandRequest = z.input<typeof OnSceneCommandRequestSchema>;
export type ResourceRequestCommand = z.input<typeof ResourceRequestCommandSchema>;
export type SubmitResourceRequest = z.input<typeof CreateResourceRequestSchema>;
export type ReportCommandRequest = z.input<typeof ReportCommandRequestSchema>;
export type WatchEntryRequest = z.input<typeof WatchEntrySchema>;
export type TriageRequest = z.input<typeof TriageSchema>;
// The stored entry as the api answers it (recorder, status and triage added by the server).
const WatchEntryViewSchema = z.looseObject({
  entryId: z.string(),
  jurisdiction: z.string(),
  channel: z.string(),
  receivedAt: z.string(),
  place: z.string(),
  course: z.string(),
  caller: z.looseObject({ name: z.string().optional(), phone: z.string().optional(), unit: z.string().optional() }),
  recorderName: z.string(),
  status: z.enum(['open', 'incident_created', 'attached', 'dismissed']),
  incidentId: z.string().nullable(),
});
export type WatchEntry = z.infer<typeof WatchEntryViewSchema>;

// Answers of the read routes, checked as far as a console relies on them; the rest passes through.
const PersonViewSchema = z.looseObject({ userId: z.string(), name: z.string(), unit: z.string().optional(), phone: z.string().optional() });
const LoginAnswerSchema = z.object({
  token: z.string(),
  expiresAt: z.string(),
  user: z.looseObject({ userId: z.string(), roles: z.array(z.string()), jurisdiction: z.string(), name: z.string().optional() }),
});
export type LoginAnswer = z.infer<typeof LoginAnswerSchema>;
const MeSchema = z.looseObject({ userId: z.string(), roles: z.array(z.string()), jurisdiction: z.string() });
export type Me = z.infer<typeof MeSchema>;
const JurisdictionSchema = z.looseObject({ code: z.string(), name: z.string(), nameEn: z.string().optional(), level: z.string().optional(), parent: z.string().nullable().optional() });
export type Jurisdiction = z.infer<typeof JurisdictionSchema>;
const ConsoleConfigSchema = z.object({
  gateway: z.object({ port: z.int(), path: z.string() }),
  demoUsers: z.array(z.object({ username: z.string(), name: z.string(), roles: z.array(z.string()), jurisdiction: z.string() })),
});
export type ConsoleConfig = z.infer<typeof ConsoleConfigSchema>;
const SceneReportViewSchema = z.looseObject({
  reportId: z.string(),
  dead: z.number().nullable().optional(),
  injured: z.number().nullable().optional(),
  missing: z.number().nullable().optional(),
  trapped: z.number().nullable().optional(),
  evacuated: z.number().nullable().optional(),
  sheltered: z.number().nullable().optional(),
  resourcesOnScene: z.string().optional(),
  objectives: z.string().optional(),
  needs: z.string().optional(),
});
const CommandViewSchema = z.looseObject({
  incidentId: z.string(),
  state: z.string(),
  version: z.int(),
  commander: PersonViewSchema.nullable(),
  deputies: z.array(PersonViewSchema),
  offers: z.array(z.looseObject({ offerId: z.string(), to: PersonViewSchema })),
  pendingTransfer: z.looseObject({ offerId: z.string() }).nullable(),
  agencies: z.array(z.unknown()),
  commandPost: z.unknown().nullable(),
  latestReport: SceneReportViewSchema.nullable(),
});
export type CommandView = z.infer<typeof CommandViewSchema>;
const ResourceRequestViewSchema = z.looseObject({
  requestId: z.string(),
  state: z.string(),
  items: z.array(z.looseObject({ kind: z.string(), quantity: z.number(), priority: z.string().optional(), deliverTo: z.string().optional() })).optional(),
});
export type ResourceRequestView = z.infer<typeof ResourceRequestViewSchema>;
const ReportItemViewSchema = z.looseObject({
  key: z.string(),
  kind: z.string(),
  number: z.number().nullable(),
  dueAt: z.string().nullable(),
  submittedAt: z.string().nullable(),
  submittedBy: z.string().nullable(),
  overdueAt: z.string().nullable(),
  receivedAt: z.string().nullable(),
  receivedBy: z.string().nullable(),
});
export type ReportItemView = z.infer<typeof ReportItemViewSchema>;
const ReportsViewSchema = z.looseObject({
  state: z.string(),
  version: z.int(),
  jurisdiction: z.string().optional(),
  upperJurisdiction: z.string().nullable().optional(),
  items: z.array(ReportItemViewSchema).optional(),
  deadlines: z.array(z.looseObject({ key: z.string(), dueAt: z.string() })),
});
export type ReportsView = z.infer<typeof ReportsViewSchema>;
const TimelineEntrySchema = z.looseObject({
  eventId: z.string(),
  position: z.string(),
  streamId: z.string(),
  streamType: z.string(),
  version: z.int(),
  type: z.string(),
  occurredAt: z.string(),
  recordedAt: z.string(),
  actor: z.string(),
  actorJurisdiction: z.string(),
  jurisdiction: z.string(),
  data: z.record(z.string(), z.unknown()),
  correctedBy: z.array(z.unknown()),
});
export type TimelineEntry = z.infer<typeof TimelineEntrySchema>;
const TimelinePageSchema = z.object({ items: z.array(TimelineEntrySchema), next: z.string().nullable() });
export type TimelinePage = z.infer<typeof TimelinePageSchema>;
export interface TimelineQuery {
  kind?: readonly string[];
  basis?: 'occurred' | 'recorded';
  from?: string;
  to?: string;
  limit?: number;
  after?: string;
}
const StateAtViewSchema = z.looseObject({
  incidentId: z.string(),
  at: z.string(),
  basis: z.string(),
  incident: IncidentViewSchema.extend({ unapplied: z.unknown().optional() }).nullable(),
  command: z.looseObject({ state: z.looseObject({ value: z.string(), context: z.record(z.string(), z.unknown()) }).optional() }).nullable(),
});
export type StateAtView = z.infer<typeof StateAtViewSchema>;
const minutes = z.number().nullable();
const MetricsSchema = z.looseObject({
  incidentId: z.string(),
  reportedAt: z.string().nullable(),
  minutesTo: z.record(z.string(), minutes),
  commanderTenures: z.array(z.looseObject({ commander: PersonViewSchema, kind: z.string(), from: z.string(), until: z.string().nullable(), minutes })),
  resourceLeadTimes: z.array(z.looseObject({ requestId: z.string(), state: z.string(), minutes })),
  reportLateness: z.array(z.looseObject({ key: z.string(), kind: z.string(), dueAt: z.string().nullable(), submittedAt: z.string().nullable(), minutesLate: minutes })),
});
export type Metrics = z.infer<typeof MetricsSchema>;

/** Query of GET /incidents; `after` is the `next` cursor of the previous page. */
export interface ListIncidentsQuery {
  state?: IncidentView['state'];
  severity?: NonNullable<IncidentView['severity']>;
  jurisdiction?: string;
  exercise?: boolean;
  limit?: number;
  after?: string;
}

const ErrorBodySchema = z.object({
  error: z.object({
    code: z.enum(ERROR_CODES),
    message: z.string(),
    issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    details: z.record(z.string(), z.unknown()).optional(),
  }),
});

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
  getCommand(incidentId: string): Promise<CommandView>;
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
  timeline(incidentId: string, query?: TimelineQuery): Promise<TimelinePage>;
  /** The incident as it stood at `at`, replayed by recorded (default) or occurred time. */
  stateAt(incidentId: string, at: string, basis?: 'recorded' | 'occurred'): Promise<StateAtView>;
  metrics(incidentId: string): Promise<Metrics>;
  /** The whole timeline as a file: JSON or CSV text. */
  exportTimeline(incidentId: string, format: 'json' | 'csv'): Promise<string>;
  /** A printable ICS form (HTML). */
  form(incidentId: string, form: 'ics201' | 'ics209' | 'ics214'): Promise<string>;
}

export function createHttpClient(options: HttpClientOptions): MusterHttpClient {
  const base = options.baseUrl.replace(/\/+$/, '');
  const doFetch = options.fetch ?? globalThis.fetch;

  async function request<S extends z.ZodType>(method: 'GET' | 'POST', path: string, schema: S, body?: unknown): Promise<z.output<S>> {
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
  async function exchange(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
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

  const id = (value: string) => encodeURIComponent(value);
  const queryString = (query: Record<string, string | number | boolean | readonly string[] | undefined>) => {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value === undefined) continue;
      params.set(key, Array.isArray(value) ? value.join(',') : String(value));
    }
    const search = params.toString();
    return search ? `?${search}` : '';
  };

  return {
    createIncident: (body) => request('POST', '/incidents', CommandResultSchema, body),
    sendCommand: (incidentId, body) => request('POST', `/incidents/${encodeURIComponent(incidentId)}/commands`, CommandResultSchema, body),
    getIncident: (incidentId) => request('GET', `/incidents/${encodeURIComponent(incidentId)}`, IncidentViewSchema),
    listIncidents: (query = {}) => request('GET', `/incidents${queryString({ ...query })}`, IncidentListSchema),
    login: (username, password) => request('POST', '/auth/login', LoginAnswerSchema, { username, password }),
    me: () => request('GET', '/me', MeSchema),
    jurisdictions: () => request('GET', '/jurisdictions', z.object({ items: z.array(JurisdictionSchema) })),
    consoleConfig: () => request('GET', '/console-config', ConsoleConfigSchema),
    getCommand: (incidentId) => request('GET', `/incidents/${id(incidentId)}/command`, CommandViewSchema),
    sendOnSceneCommand: (incidentId, body) => request('POST', `/incidents/${id(incidentId)}/command`, CommandResultSchema, body),
    listResourceRequests: (incidentId) => request('GET', `/incidents/${id(incidentId)}/resource-requests`, z.object({ items: z.array(ResourceRequestViewSchema) })),
    submitResourceRequest: (incidentId, body) => request('POST', `/incidents/${id(incidentId)}/resource-requests`, CommandResultSchema, body),
    sendResourceRequestCommand: (requestId, body) => request('POST', `/resource-requests/${id(requestId)}/commands`, CommandResultSchema, body),
    getReports: (incidentId) => request('GET', `/incidents/${id(incidentId)}/reports`, ReportsViewSchema),
    logWatchEntry: (entry) => request('POST', '/watch-log', WatchEntryViewSchema, entry),
    listWatchEntries: (query) => request('GET', `/watch-log${queryString({ ...query })}`, z.object({ items: z.array(WatchEntryViewSchema) })),
    triageWatchEntry: (entryId, triage) =>
      request('POST', `/watch-log/${id(entryId)}/triage`, z.object({ entry: WatchEntryViewSchema, incident: z.unknown().optional() }), triage),
    fileReport: (incidentId, body) => request('POST', `/incidents/${id(incidentId)}/reports`, CommandResultSchema, body),
    timeline: (incidentId, query = {}) => request('GET', `/incidents/${id(incidentId)}/timeline${queryString({ ...query })}`, TimelinePageSchema),
    stateAt: (incidentId, at, basis) => request('GET', `/incidents/${id(incidentId)}/state${queryString({ at, basis })}`, StateAtViewSchema),
    metrics: (incidentId) => request('GET', `/incidents/${id(incidentId)}/metrics`, MetricsSchema),
    exportTimeline: (incidentId, format) => text(`/incidents/${id(incidentId)}/timeline/export?format=${format}`),
    form: (incidentId, form) => text(`/incidents/${id(incidentId)}/forms/${form}`),
  };
}
