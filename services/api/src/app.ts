import {
  CreateResourceRequestSchema,
  DepotSchema,
  LoginSchema,
  IdSchema,
  JurisdictionQuerySchema,
  NotFoundError,
  catalogRoutes,
  OnSceneCommandRequestSchema,
  ResourceRequestCommandSchema,
  SetStockSchema,
  TeamSchema,
  TeamStatusSchema,
  CreateIncidentRequestSchema,
  IncidentCommandRequestSchema,
  ListIncidentsQuerySchema,
  parseOrThrow,
} from '@muster/contracts';
import { JurisdictionTree, ZHAOQING_JURISDICTIONS, type Actor } from '@muster/domain';
import { issueToken, type TokenVerifier, type UserDirectory } from '@muster/identity';
import { commandStreamId, jurisdictionsWithin, type Engine } from '@muster/engine';
import {
  createDepot,
  createTeam,
  getDepot,
  incidentView,
  listDepots,
  listIncidents,
  listResourceRequests,
  listTeams,
  setStock,
  setTeamStatus,
  type Database,
} from '@muster/store-postgres';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';

import { toHttpError } from './http-errors';
import { commandOf } from './command-envelope';
import { actorOf, authenticate } from './identity';
import { openApiDocument } from './openapi';
import { registerDutyRoutes } from './duty-routes';
import { registerReviewRoutes } from './review-routes';
import { pathParam, routeRegistrar, type RouteRegistrar } from './route-access';


/** Routes that answer without a token: the catalog's public ones. */
const OPEN_ROUTES = new Set(catalogRoutes().filter((r) => r.access.kind === 'public').map((r) => r.path));

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
  ids?: { newId(): string };
  /** Server time for the duty routes (who is on duty now, what is due by now); the engine has its own. */
  clock?: { now(): Date };
  /** Serves the web console (services/console, built) under /console/ and tells it where the live feed is. */
  console?: ConsoleOptions;
  /** Told of every route as it is registered (a test holds them against the route catalog). */
  onRoute?: (route: { method: string; path: string }) => void;
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
  const { onRoute } = deps;
  if (onRoute) {
    app.addHook('onRoute', (route) => {
      for (const method of [route.method].flat()) onRoute({ method, path: route.url });
    });
  }
  const newId = deps.ids?.newId ?? (() => crypto.randomUUID());
  const document = openApiDocument();
  const tree = deps.jurisdictions ?? new JurisdictionTree(ZHAOQING_JURISDICTIONS);

  app.addHook('onRequest', async (request) => {
    if (OPEN_ROUTES.has(request.routeOptions.url ?? '')) return;
    await authenticate(request, deps.verifier);
  });

  app.setErrorHandler((error, request, reply) => {
    const { status, body, internal } = toHttpError(error);
    if (internal) request.log.error({ err: error }, 'unhandled error');
    void reply.status(status).send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send({ error: { code: 'not_found', message: `no route ${request.method} ${request.url}` } });
  });

  const serve = routeRegistrar(app, { engine: deps.engine, db: deps.db, tree });

  serve('health', async () => ({ status: 'ok' }));

  serve('login', async (request) => {
    if (!deps.login) throw new NotFoundError('route', 'POST /auth/login');
    const body = parseOrThrow(LoginSchema, request.body);
    const user = await deps.login.users.authenticate(body.username, body.password);
    const token = await issueToken(user, { secret: deps.login.secret, ttlSeconds: deps.login.ttlSeconds });
    return { token, expiresAt: new Date(Date.now() + deps.login.ttlSeconds * 1000).toISOString(), user };
  });

  if (deps.console) registerConsole(app, serve, deps.console, deps.login?.users);

  serve('me', async (request) => actorOf(request));
  serve('jurisdictions', async () => ({ items: tree.all() }));
  serve('openApi', async () => document);

  serve('reportIncident', async (request, reply) => {
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

  serve('incidentCommand', async (request) => {
    return deps.engine.handle(commandOf(request, 'incident', pathParam(request, 'incidentId'), parseOrThrow(IncidentCommandRequestSchema, request.body)));
  });

  serve('getIncident', async (_request, _reply, stream) => incidentView(stream.streamId, stream.version, stream.state));

  serve('listIncidents', async (request) => {
    const query = parseOrThrow(ListIncidentsQuerySchema, request.query, ['query']);
    const actor = actorOf(request);
    if (actor.roles.length === 0) return { items: [], next: null };
    return listIncidents(deps.db, {
      visibleTo: { leads: jurisdictionsWithin(tree, actor.jurisdiction), room: actor.jurisdiction },
      state: query.state,
      severity: query.severity,
      jurisdiction: query.jurisdiction,
      exercise: query.exercise === undefined ? undefined : query.exercise === 'true',
      limit: query.limit,
      after: query.after,
    });
  });

  // ---- On-scene command (现场指挥) -----------------------------------------------------------

  serve('sceneCommand', async (request) => {
    const incidentId = pathParam(request, 'incidentId');
    return deps.engine.handle(commandOf(request, 'command', commandStreamId(incidentIdParam(incidentId)), parseOrThrow(OnSceneCommandRequestSchema, request.body)));
  });

  serve('getScene', async (_request, _reply, incident) => {
    const incidentId = incident.streamId;
    const stream = await deps.engine.tryLoad('command', commandStreamId(incidentId));
    if (!stream) return { incidentId, state: 'none', version: 0, commander: null, deputies: [], offers: [], pendingTransfer: null, agencies: [], commandPost: null, latestReport: null, tenures: [] };
    return { ...stream.state.context, incidentId, state: stream.state.value, version: stream.version };
  });

  // ---- Resource requests (ICS 213RR) --------------------------------------------------------

  serve('submitResourceRequest', async (request, reply) => {
    const body = parseOrThrow(CreateResourceRequestSchema, request.body);
    const result = await deps.engine.handle({
      streamType: 'resourceRequest',
      streamId: body.requestId ?? `rr-${newId()}`,
      type: 'SubmitResourceRequest',
      data: { ...body.data, incidentId: incidentIdParam(pathParam(request, 'incidentId')) },
      actor: actorOf(request),
      commandId: body.commandId,
      occurredAt: body.occurredAt,
    });
    return reply.status(201).send(result);
  });

  serve('listResourceRequests', async (_request, _reply, incident) => ({ items: await listResourceRequests(deps.db, incident.streamId) }));

  serve('resourceRequestCommand', async (request) => {
    return deps.engine.handle(commandOf(request, 'resourceRequest', pathParam(request, 'requestId'), parseOrThrow(ResourceRequestCommandSchema, request.body)));
  });

  serve('getResourceRequest', async (_request, _reply, stream) => ({ ...stream.state.context, state: stream.state.value, version: stream.version }));

  // ---- Depots and rescue teams: reference data each room keeps for itself ---------------------
  // The catalog's rules decide who may read and keep them (services/api/src/route-access.ts).

  serve('createDepot', async (request, reply) => {
    const body = parseOrThrow(DepotSchema, request.body);
    await createDepot(deps.db, body);
    return reply.status(201).send(await getDepot(deps.db, body.depotId));
  });
  serve('listDepots', async (request) => {
    const query = parseOrThrow(JurisdictionQuerySchema, request.query, ['query']);
    return { items: await listDepots(deps.db, { jurisdictions: readableUnits(actorOf(request), query.jurisdiction) }) };
  });
  serve('getDepot', async (_request, _reply, depot) => depot);
  serve('setStock', async (request, _reply, depot) => {
    const body = parseOrThrow(SetStockSchema, request.body);
    await setStock(deps.db, depot.depotId, body.items);
    return getDepot(deps.db, depot.depotId);
  });
  serve('createTeam', async (request, reply) => {
    const body = parseOrThrow(TeamSchema, request.body);
    await createTeam(deps.db, body);
    return reply.status(201).send({ ...body, status: 'available' });
  });
  serve('setTeamStatus', async (request, _reply, team) => {
    const body = parseOrThrow(TeamStatusSchema, request.body);
    await setTeamStatus(deps.db, team.teamId, body.status);
    return { teamId: team.teamId, status: body.status };
  });
  serve('listTeams', async (request) => {
    const query = parseOrThrow(JurisdictionQuerySchema, request.query, ['query']);
    return { items: await listTeams(deps.db, readableUnits(actorOf(request), query.jurisdiction)) };
  });

  /** One jurisdiction asked for (its readability is the catalog's rule), or every one the caller's room reads. */
  function readableUnits(actor: Actor, jurisdiction: string | undefined): string[] {
    if (actor.roles.length === 0) return [];
    return jurisdiction !== undefined ? [jurisdiction] : jurisdictionsWithin(tree, actor.jurisdiction);
  }

  // Duty watch, watch log, report filing and timeliness scores (services/api/src/duty-routes.ts).
  registerDutyRoutes(serve, { engine: deps.engine, db: deps.db, tree, clock: deps.clock ?? { now: () => new Date() }, newId });
  // Timeline, corrections and state at a moment for reviewers (services/api/src/review-routes.ts).
  registerReviewRoutes(serve, { engine: deps.engine, db: deps.db, clock: deps.clock ?? { now: () => new Date() } });

  return app;
}

/** The console's files, its start page, and the configuration it reads before anyone logs in. */
function registerConsole(app: FastifyInstance, serve: RouteRegistrar, options: ConsoleOptions, users: UserDirectory | undefined): void {
  // Serves the catalog's `consoleFiles` route (GET /console/*).
  void app.register(fastifyStatic, { root: options.dir, prefix: '/console/', index: 'index.html', maxAge: 0 });
  serve('root', async (_request, reply) => reply.redirect('/console/'));
  serve('consoleRoot', async (_request, reply) => reply.redirect('/console/'));
  serve('consoleConfig', async () => ({
    gateway: { port: options.gatewayPort, path: options.gatewayPath ?? '/ws' },
    demoUsers: options.showDemoUsers && users ? users.list().map((u) => ({ username: u.username, name: u.name, roles: [...u.roles], jurisdiction: u.jurisdiction })) : [],
  }));
}

/** An id that cannot be valid cannot name anything: answer 404 rather than looking it up. */
function incidentIdParam(id: string): string {
  if (!IdSchema.safeParse(id).success) throw new NotFoundError('incident', id);
  return id;
}
