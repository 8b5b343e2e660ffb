import {
  CreateResourceRequestSchema,
  DepotSchema,
  LoginSchema,
  ForbiddenError,
  IdSchema,
  JurisdictionCodeSchema,
  NotFoundError,
  OnSceneCommandRequestSchema,
  ResourceRequestCommandSchema,
  SetStockSchema,
  TeamSchema,
  TeamStatusSchema,
  CreateIncidentRequestSchema,
  IncidentCommandRequestSchema,
  ListIncidentsQuerySchema,
  parseOrThrow,
  DEFAULT_MAX_JSON_DEPTH,
} from '@muster/contracts';
import { canSee, JurisdictionTree, ZHAOQING_JURISDICTIONS, type Actor, type IncidentContext } from '@muster/domain';
import { issueToken, type TokenVerifier, type UserDirectory } from '@muster/identity';
import { commandStreamId, type Engine } from '@muster/engine';
import {
  createDepot,
  createTeam,
  getDepot,
  incidentView,
  listIncidents,
  listResourceRequests,
  listTeams,
  setStock,
  setTeamStatus,
  type Database,
} from '@muster/store-postgres';
import { z } from 'zod';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyRequest, type RouteOptions } from 'fastify';
import type { Kysely } from 'kysely';

import { toHttpError } from './http-errors';
import { registerHardening } from './hardening';
import { commandOf } from './command-envelope';
import { actorOf, authenticate } from './identity';
import { openApiDocument } from './openapi';
import { registerDutyRoutes } from './duty-routes';
import { registerReviewRoutes } from './review-routes';

export interface ApiDependencies {
  engine: Engine;
  db: Kysely<Database>;
  /** Verifies bearer tokens on every route but health, the OpenAPI document and login. */
  verifier: TokenVerifier;
  /** Password logins; without it POST /auth/login answers 404. */
  login?: { users: UserDirectory; secret: Uint8Array; ttlSeconds: number };
  jurisdictions?: JurisdictionTree;
  logger?: FastifyBaseLogger | false;
  /** Largest accepted request body in bytes; larger ones get 413. */
  bodyLimit?: number;
  /** Deepest nesting of objects and arrays accepted in a body (DEFAULT_MAX_JSON_DEPTH); deeper ones get 400. */
  maxJsonDepth?: number;
  /** Called with every route as it is registered, before any of them (tests enumerate the routes with it). */
  onRoute?: (route: RouteOptions) => void;
  ids?: { newId(): string };
  /** Server time for the duty routes (who is on duty now, what is due by now); the engine has its own. */
  clock?: { now(): Date };
  /** Serves the web console (services/console, built) under /console/ and tells it where the live feed is. */
  console?: ConsoleOptions;
}

export interface ConsoleOptions {
  /** The console's built files (services/console/dist). */
  dir: string;
  /** The gateway's port; the console connects to ws://<the host it was loaded from>:<port><path>. */
  gatewayPort: number;
  gatewayPath?: string;
  /** List the login directory's users on the login page (embedded demo mode only: their password is their name). */
  showDemoUsers?: boolean;
}

export function buildApi(deps: ApiDependencies): FastifyInstance {
  const options = {
    bodyLimit: deps.bodyLimit ?? 256 * 1024,
    // Ids are ours to validate; never let an oversized path segment through.
    routerOptions: { maxParamLength: 200 },
  };
  const app: FastifyInstance = deps.logger ? Fastify({ ...options, loggerInstance: deps.logger }) : Fastify(options);
  const newId = deps.ids?.newId ?? (() => crypto.randomUUID());
  const document = openApiDocument();
  const tree = deps.jurisdictions ?? new JurisdictionTree(ZHAOQING_JURISDICTIONS);
  // Headers, JSON-only bodies and the storable-text check first, so they cover every hook and route below.
  registerHardening(app, { maxJsonDepth: deps.maxJsonDepth ?? DEFAULT_MAX_JSON_DEPTH, gatewayPort: deps.console?.gatewayPort, onRoute: deps.onRoute });
  const open = new Set(['/health', '/openapi.json', '/auth/login', '/console-config', '/', '/console', '/console/', '/console/*']);

  app.addHook('onRequest', async (request) => {
    if (open.has(request.routeOptions.url ?? '')) return;
    await authenticate(request, deps.verifier);
  });

  /** Reads follow the visibility rule: lead, every level above it, linked and supporting rooms. */
  async function visibleIncident(request: FastifyRequest, incidentId: string) {
    const stream = await deps.engine.load('incident', incidentIdParam(incidentId));
    const actor = actorOf(request);
    const incident = stream.state.context as unknown as IncidentContext;
    if (!hasRoleToRead(actor) || !canSee(tree, actor.jurisdiction, incident)) {
      throw new ForbiddenError(`incident ${incidentId} is not visible to jurisdiction ${actor.jurisdiction}`, { incidentId });
    }
    return stream;
  }

  app.setErrorHandler((error, request, reply) => {
    const { status, body, internal } = toHttpError(error);
    if (internal) request.log.error({ err: error }, 'unhandled error');
    void reply.status(status).send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send({ error: { code: 'not_found', message: `no route ${request.method} ${request.url}` } });
  });

  app.get('/health', async () => ({ status: 'ok' }));

  app.post('/auth/login', async (request) => {
    if (!deps.login) throw new NotFoundError('route', 'POST /auth/login');
    const body = parseOrThrow(LoginSchema, request.body);
    const user = await deps.login.users.authenticate(body.username, body.password);
    const token = await issueToken(user, { secret: deps.login.secret, ttlSeconds: deps.login.ttlSeconds });
    return { token, expiresAt: new Date(Date.now() + deps.login.ttlSeconds * 1000).toISOString(), user };
  });

  if (deps.console) registerConsole(app, deps.console, deps.login?.users);

  app.get('/me', async (request) => actorOf(request));
  app.get('/jurisdictions', async () => ({ items: tree.all() }));
  app.get('/openapi.json', async () => document);

  app.post('/incidents', async (request, reply) => {
    const body = parseOrThrow(CreateIncidentRequestSchema, request.body);
    const result = await deps.engine.handle({
      streamType: 'incident',
      streamId: body.incidentId ?? newId(),
      type: 'ReportIncident',
      data: body.data,
      actor: actorOf(request),
      commandId: body.commandId,
      expectedVersion: body.expectedVersion,
      occurredAt: body.occurredAt,
    });
    return reply.status(201).send(result);
  });

  app.post<{ Params: { incidentId: string } }>('/incidents/:incidentId/commands', async (request) => {
    return deps.engine.handle(commandOf(request, 'incident', request.params.incidentId, parseOrThrow(IncidentCommandRequestSchema, request.body)));
  });

  app.get<{ Params: { incidentId: string } }>('/incidents/:incidentId', async (request) => {
    const stream = await visibleIncident(request, request.params.incidentId);
    return incidentView(stream.streamId, stream.version, stream.state);
  });

  app.get('/incidents', async (request) => {
    const query = parseOrThrow(ListIncidentsQuerySchema, request.query, ['query']);
    const actor = actorOf(request);
    if (!hasRoleToRead(actor)) return { items: [], next: null };
    const leads = [actor.jurisdiction, ...tree.all().filter((j) => tree.isWithin(j.code, actor.jurisdiction)).map((j) => j.code)];
    return listIncidents(deps.db, {
      visibleTo: { leads: [...new Set(leads)], room: actor.jurisdiction },
      state: query.state,
      severity: query.severity,
      jurisdiction: query.jurisdiction,
      exercise: query.exercise === undefined ? undefined : query.exercise === 'true',
      limit: query.limit,
      after: query.after,
    });
  });

  // ---- On-scene command (现场指挥) -----------------------------------------------------------

  app.post<{ Params: { incidentId: string } }>('/incidents/:incidentId/command', async (request) => {
    return deps.engine.handle(commandOf(request, 'command', commandStreamId(incidentIdParam(request.params.incidentId)), parseOrThrow(OnSceneCommandRequestSchema, request.body)));
  });

  app.get<{ Params: { incidentId: string } }>('/incidents/:incidentId/command', async (request) => {
    const incidentId = incidentIdParam(request.params.incidentId);
    await visibleIncident(request, incidentId);
    const stream = await deps.engine.tryLoad('command', commandStreamId(incidentId));
    if (!stream) return { incidentId, state: 'none', version: 0, commander: null, deputies: [], offers: [], pendingTransfer: null, agencies: [], commandPost: null, latestReport: null, tenures: [] };
    return { ...stream.state.context, incidentId, state: stream.state.value, version: stream.version };
  });

  // ---- Resource requests (ICS 213RR) --------------------------------------------------------

  app.post<{ Params: { incidentId: string } }>('/incidents/:incidentId/resource-requests', async (request, reply) => {
    const body = parseOrThrow(CreateResourceRequestSchema, request.body);
    const result = await deps.engine.handle({
      streamType: 'resourceRequest',
      streamId: body.requestId ?? `rr-${newId()}`,
      type: 'SubmitResourceRequest',
      data: { ...body.data, incidentId: incidentIdParam(request.params.incidentId) },
      actor: actorOf(request),
      commandId: body.commandId,
      occurredAt: body.occurredAt,
    });
    return reply.status(201).send(result);
  });

  app.get<{ Params: { incidentId: string } }>('/incidents/:incidentId/resource-requests', async (request) => {
    const incidentId = incidentIdParam(request.params.incidentId);
    await visibleIncident(request, incidentId);
    return { items: await listResourceRequests(deps.db, incidentId) };
  });

  app.post<{ Params: { requestId: string } }>('/resource-requests/:requestId/commands', async (request) => {
    return deps.engine.handle(commandOf(request, 'resourceRequest', request.params.requestId, parseOrThrow(ResourceRequestCommandSchema, request.body)));
  });

  app.get<{ Params: { requestId: string } }>('/resource-requests/:requestId', async (request) => {
    const stream = await deps.engine.load('resourceRequest', request.params.requestId);
    await visibleIncident(request, String(stream.state.context['incidentId']));
    return { ...stream.state.context, state: stream.state.value, version: stream.version };
  });

  // ---- Depots and rescue teams (reference data of the command room) ---------------------------

  app.post('/depots', async (request, reply) => {
    requireRoom(actorOf(request));
    const body = parseOrThrow(DepotSchema, request.body);
    await createDepot(deps.db, body);
    return reply.status(201).send(await getDepot(deps.db, body.depotId));
  });
  app.put<{ Params: { depotId: string } }>('/depots/:depotId/stock', async (request) => {
    requireRoom(actorOf(request));
    const body = parseOrThrow(SetStockSchema, request.body);
    await setStock(deps.db, request.params.depotId, body.items);
    return getDepot(deps.db, request.params.depotId);
  });
  app.get<{ Params: { depotId: string } }>('/depots/:depotId', async (request) => getDepot(deps.db, request.params.depotId));
  app.post('/teams', async (request, reply) => {
    requireRoom(actorOf(request));
    const body = parseOrThrow(TeamSchema, request.body);
    await createTeam(deps.db, body);
    return reply.status(201).send({ ...body, status: 'available' });
  });
  app.post<{ Params: { teamId: string } }>('/teams/:teamId/status', async (request) => {
    requireRoom(actorOf(request));
    const body = parseOrThrow(TeamStatusSchema, request.body);
    await setTeamStatus(deps.db, request.params.teamId, body.status);
    return { teamId: request.params.teamId, status: body.status };
  });
  app.get('/teams', async (request) => {
    const query = parseOrThrow(z.strictObject({ jurisdiction: JurisdictionCodeSchema.optional() }), request.query, ['query']);
    return { items: await listTeams(deps.db, query.jurisdiction) };
  });

  // Duty watch, watch log, report filing and timeliness scores (services/api/src/duty-routes.ts).
  registerDutyRoutes(app, { engine: deps.engine, db: deps.db, tree, clock: deps.clock ?? { now: () => new Date() }, newId });
  // Timeline, corrections and state at a moment for reviewers (services/api/src/review-routes.ts).
  registerReviewRoutes(app, { engine: deps.engine, db: deps.db, visibleIncident, clock: deps.clock ?? { now: () => new Date() } });

  return app;
}

/** The console's files, its start page, and the configuration it reads before anyone logs in. */
function registerConsole(app: FastifyInstance, options: ConsoleOptions, users: UserDirectory | undefined): void {
  void app.register(fastifyStatic, { root: options.dir, prefix: '/console/', index: 'index.html', maxAge: 0 });
  app.get('/', async (_request, reply) => reply.redirect('/console/'));
  app.get('/console', async (_request, reply) => reply.redirect('/console/'));
  app.get('/console-config', async () => ({
    gateway: { port: options.gatewayPort, path: options.gatewayPath ?? '/ws' },
    demoUsers: options.showDemoUsers && users ? users.list().map((u) => ({ username: u.username, name: u.name, roles: [...u.roles], jurisdiction: u.jurisdiction })) : [],
  }));
}

/** An id that cannot be valid cannot name anything: answer 404 rather than looking it up. */
function incidentIdParam(id: string): string {
  if (!IdSchema.safeParse(id).success) throw new NotFoundError('incident', id);
  return id;
}

/** Every role reads within its visibility; a role list without any known role reads nothing. */
function hasRoleToRead(actor: Actor): boolean {
  return actor.roles.length > 0;
}

/** Depots and teams are kept by the command rooms. */
function requireRoom(actor: Actor): void {
  if (!actor.roles.some((r) => r === 'duty_officer' || r === 'leader' || r === 'admin')) {
    throw new ForbiddenError('only a command room keeps depots and teams', { roles: actor.roles });
  }
}
