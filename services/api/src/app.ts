import { catalogRoutes, DEFAULT_MAX_JSON_DEPTH } from '@muster/contracts';
import type { JurisdictionTree, RuleBook } from '@muster/domain';
import type { TokenVerifier, UserDirectory } from '@muster/identity';
import type { Engine } from '@muster/engine';
import type { Database } from '@muster/store-postgres';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type RouteOptions } from 'fastify';
import type { Kysely } from 'kysely';

import { toHttpError } from './http-errors';
import { requestIdOf } from './request-id';
import { registerHardening } from './hardening';
import { authenticate } from './identity';
import { routeRegistrar, type RouteContext } from './routes/access';
import { registerAuthRoutes, type LoginOptions } from './routes/auth';
import { registerConsoleRoutes, type ConsoleOptions } from './routes/console';
import { registerContactRoutes } from './routes/contacts';
import { registerDutyRoutes } from './routes/duty';
import { registerIncidentRoutes } from './routes/incidents';
import { registerMetricsRoute, type ApiMetricsOptions } from './routes/metrics';
import { registerPeopleRoutes } from './routes/people';
import { registerPlanRoutes } from './routes/plans';
import { registerRecordRoutes } from './routes/record';
import { registerReferenceDataRoutes } from './routes/reference-data';
import { registerRegistryRoutes } from './routes/registries';
import { registerResourceRequestRoutes } from './routes/resource-requests';
import { registerRulesRoutes } from './routes/rules';
import { registerReviewRoutes } from './routes/review';
import { registerSceneRoutes } from './routes/scene';
import { registerSupervisionRoutes } from './routes/supervision';
import { registerWarningRoutes } from './routes/warnings';
import { registerDrillRoutes } from './routes/drills';
import { registerDrillReviewRoutes } from './routes/drill-review';
import { registerHazardRoutes } from './routes/hazards';
import type { TipOffLimitOptions } from './tip-off-throttle';
import type { LoginLimitOptions } from './login-throttle';
import { databaseProbes, type ReadinessProbe } from './readiness';

export type { ConsoleOptions } from './routes/console';

/** Time to receive a whole request unless told otherwise: generous for a phone on a poor network. */
const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/** Routes that answer without a token: the catalog's public ones. */
const OPEN_ROUTES = new Set(catalogRoutes().filter((r) => r.access.kind === 'public').map((r) => r.path));

export interface ApiDependencies {
  engine: Engine;
  db: Kysely<Database>;
  /** Verifies bearer tokens on every route but health, the OpenAPI document and login. */
  verifier: TokenVerifier;
  /** Password logins; without it POST /auth/login answers 404. */
  login?: LoginOptions;
  /** The people GET /people lists (default: the login directory); none with JWKS-only logins. */
  users?: UserDirectory | undefined;
  /** Failed-login limits of POST /auth/login, per user name and per address (defaults: DEFAULT_LOGIN_LIMITS). */
  loginLimits?: LoginLimitOptions | undefined;
  /** Limits on the public tip-off form (issue 24), per client address. */
  tipOffLimits?: TipOffLimitOptions | undefined;
  /** The jurisdictions served (jurisdictionsFromEnv): the engine's tree, loaded once by the process. */
  jurisdictions: JurisdictionTree;
  /** The plan rules in force (engineSettingsFromEnv), the engine's: GET /rules shows them. */
  rules: RuleBook;
  logger?: FastifyBaseLogger | false;
  /** Largest accepted request body in bytes; larger ones get 413. */
  bodyLimit?: number;
  /** Time to receive a whole request, headers and body (DEFAULT_REQUEST_TIMEOUT_MS); slower ones get 408. */
  requestTimeoutMs?: number | undefined;
  /** What `/health/ready` checks besides the database and its migrations (the bus, the relay's lag). */
  readinessProbes?: readonly ReadinessProbe[] | undefined;
  /** Deepest nesting of objects and arrays accepted in a body (DEFAULT_MAX_JSON_DEPTH); deeper ones get 400. */
  maxJsonDepth?: number;
  /** Called with every route as it is registered, before any of them (tests enumerate the routes with it). */
  onRoute?: (route: RouteOptions) => void;
  ids?: { newId(): string };
  /** Server time for the duty routes (who is on duty now, what is due by now); the engine has its own. */
  clock?: { now(): Date };
  /** Serves the web console (services/console, built) under /console/ and tells it where the live feed is. */
  console?: ConsoleOptions;
  /** Signs and verifies the acknowledgement links of warnings (issue 21); without it the public ack routes answer 404. */
  ackLinks?: { secret: Uint8Array } | undefined;
  /** The process's metrics, served at GET /metrics (without them that route answers 404). */
  metrics?: ApiMetricsOptions | undefined;
}

export function buildApi(deps: ApiDependencies): FastifyInstance {
  const requestTimeout = deps.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const options = {
    bodyLimit: deps.bodyLimit ?? 256 * 1024,
    // Ids are ours to validate; never let an oversized path segment through.
    // (512: a warning's signed acknowledgement link is a path segment of some 350 characters, issue 21.)
    routerOptions: { maxParamLength: 512 },
    // Slow bodies (slowloris): a request not fully received within this gets a 408 and its connection
    // closed; a socket idle for twice as long is closed. Node looks for such connections every
    // connectionsCheckingInterval, so that interval is kept well under the timeout. The timeout goes
    // to Node's constructor too: set only afterwards (as Fastify does), Node did not enforce it.
    requestTimeout,
    connectionTimeout: 2 * requestTimeout,
    http: { requestTimeout, connectionsCheckingInterval: Math.max(100, Math.min(1_000, Math.floor(requestTimeout / 4))) },
    // Request ids (issue 19): the caller's x-request-id when sane, else a new one (request-id.ts);
    // every log line of the request carries it as `requestId`.
    requestIdHeader: false as const,
    logController: new LogController({ requestIdLogLabel: 'requestId' }),
    genReqId: (raw: { headers: Record<string, string | string[] | undefined> }) => requestIdOf(raw.headers['x-request-id']),
  };
  const app: FastifyInstance = deps.logger ? Fastify({ ...options, loggerInstance: deps.logger }) : Fastify(options);
  const tree = deps.jurisdictions;
  // Headers, JSON-only bodies and the storable-text check first, so they cover every hook and route below.
  registerHardening(app, { maxJsonDepth: deps.maxJsonDepth ?? DEFAULT_MAX_JSON_DEPTH, gatewayPort: deps.console?.gatewayPort, onRoute: deps.onRoute });

  // Every answer names its request, errors included, so a caller can quote it and an operator find it in the logs.
  app.addHook('onSend', async (request, reply, payload) => {
    void reply.header('x-request-id', request.id);
    return payload;
  });

  app.addHook('onRequest', async (request) => {
    if (OPEN_ROUTES.has(request.routeOptions.url ?? '')) return;
    await authenticate(request, deps.verifier);
  });

  app.setErrorHandler((error, request, reply) => {
    const { status, body, internal } = toHttpError(error, { bodyLimit: request.routeOptions.bodyLimit });
    // Logged with the request's id (the log's `requestId`, the answer's x-request-id): what the caller quotes finds it.
    if (internal) request.log.error({ err: error }, 'unhandled error');
    else if (status >= 500) request.log.warn({ err: error, statusCode: status }, 'unavailable');
    // Fastify asks to close the connection after refusing a body it did not read. Closing a socket with
    // the client's bytes still unread resets it, and the client sees EPIPE or ECONNRESET instead of
    // this answer (issue 19). Kept open, Node reads the rest of the body and discards it after the
    // answer; a body that never ends is cut by the request timeout.
    if (status === 413) reply.removeHeader('connection');
    void reply.status(status).send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send({ error: { code: 'not_found', message: `no route ${request.method} ${request.url}` } });
  });

  const clock = deps.clock ?? { now: () => new Date() };
  const context: RouteContext = {
    serve: routeRegistrar(app, { engine: deps.engine, db: deps.db, tree, clock }),
    engine: deps.engine,
    db: deps.db,
    tree,
    rules: deps.rules,
    clock,
    newId: deps.ids?.newId ?? (() => crypto.randomUUID()),
    ackLinks: deps.ackLinks ?? null,
  };
  // Every route of the catalog, by resource (services/api/src/routes/).
  registerAuthRoutes(app, context, deps.login, deps.loginLimits, [...databaseProbes(deps.db), ...(deps.readinessProbes ?? [])]);
  if (deps.console) registerConsoleRoutes(app, context, deps.console, deps.login?.users);
  registerMetricsRoute(context, deps.metrics);
  registerIncidentRoutes(context);
  registerRecordRoutes(context);
  registerSceneRoutes(context);
  registerResourceRequestRoutes(context);
  registerReferenceDataRoutes(context);
  registerDutyRoutes(context);
  registerReviewRoutes(context);
  registerRulesRoutes(context);
  registerPeopleRoutes(context, deps.users ?? deps.login?.users);
  registerSupervisionRoutes(context);
  registerPlanRoutes(context);
  registerWarningRoutes(context);
  registerContactRoutes(context);
  registerDrillRoutes(context);
  registerDrillReviewRoutes(context);
  registerHazardRoutes(app, context, deps.tipOffLimits);
  registerRegistryRoutes(context);

  return app;
}
