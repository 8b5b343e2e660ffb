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
} from '@muster/contracts';
import { z } from 'zod';

export type CreateIncidentRequest = z.input<typeof CreateIncidentRequestSchema>;
type CommandOptions = z.input<typeof CommandOptionsSchema>;

/** A command for an existing incident; `data` is typed by the command `type`. */
export type IncidentCommandRequest = {
  [K in IncidentCommandName]: CommandOptions & { type: K; data?: z.input<(typeof INCIDENT_COMMAND_SCHEMAS)[K]> };
}[IncidentCommandName];

export type IncidentList = z.infer<typeof IncidentListSchema>;

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
}

export function createHttpClient(options: HttpClientOptions): MusterHttpClient {
  const base = options.baseUrl.replace(/\/+$/, '');
  const doFetch = options.fetch ?? globalThis.fetch;

  async function request<S extends z.ZodType>(method: 'GET' | 'POST', path: string, schema: S, body?: unknown): Promise<z.output<S>> {
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
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      throw new MusterApiError(response.status, { code: 'internal', message: `${method} ${path} answered a body that does not match its contract` }, json, {
        cause: parsed.error,
      });
    }
    return parsed.data;
  }

  return {
    createIncident: (body) => request('POST', '/incidents', CommandResultSchema, body),
    sendCommand: (incidentId, body) => request('POST', `/incidents/${encodeURIComponent(incidentId)}/commands`, CommandResultSchema, body),
    getIncident: (incidentId) => request('GET', `/incidents/${encodeURIComponent(incidentId)}`, IncidentViewSchema),
    listIncidents: (query = {}) => {
      const params = new URLSearchParams();
      for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
      const search = params.toString();
      return request('GET', `/incidents${search ? `?${search}` : ''}`, IncidentListSchema);
    },
  };
}
