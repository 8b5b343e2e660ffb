import {
  CreateIncidentRequestSchema,
  IncidentCommandRequestSchema,
  ListIncidentsQuerySchema,
  parseOrThrow,
} from '@muster/contracts';
import type { Engine } from '@muster/engine';
import { incidentView, listIncidents, type Database } from '@muster/store-postgres';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';

import { toHttpError } from './http-errors';
import { actorOf } from './identity';
import { openApiDocument } from './openapi';

export interface ApiDependencies {
  engine: Engine;
  db: Kysely<Database>;
  logger?: FastifyBaseLogger | false;
  /** Largest accepted request body in bytes; larger ones get 413. */
  bodyLimit?: number;
  ids?: { newId(): string };
}

export function buildApi(deps: ApiDependencies): FastifyInstance {
  const options = {
    bodyLimit: deps.bodyLimit ?? 256 * 1024,
    // Ids are ours to validate; never let an oversized path segment through.
    maxParamLength: 200,
  };
  const app: FastifyInstance = deps.logger ? Fastify({ ...options, loggerInstance: deps.logger }) : Fastify(options);
  const newId = deps.ids?.newId ?? (() => crypto.randomUUID());
  const document = openApiDocument();

  app.setErrorHandler((error, request, reply) => {
    const { status, body, internal } = toHttpError(error);
    if (internal) request.log.error({ err: error }, 'unhandled error');
    void reply.status(status).send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send({ error: { code: 'not_found', message: `no route ${request.method} ${request.url}` } });
  });

  app.get('/health', async () => ({ status: 'ok' }));
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
    const body = parseOrThrow(IncidentCommandRequestSchema, request.body);
    return deps.engine.handle({
      streamType: 'incident',
      streamId: request.params.incidentId,
      type: body.type,
      data: body.data ?? {},
      actor: actorOf(request),
      commandId: body.commandId,
      expectedVersion: body.expectedVersion,
      occurredAt: body.occurredAt,
    });
  });

  app.get<{ Params: { incidentId: string } }>('/incidents/:incidentId', async (request) => {
    const stream = await deps.engine.load('incident', request.params.incidentId);
    return incidentView(stream.streamId, stream.version, stream.state);
  });

  app.get('/incidents', async (request) => {
    const query = parseOrThrow(ListIncidentsQuerySchema, request.query, ['query']);
    return listIncidents(deps.db, {
      state: query.state,
      severity: query.severity,
      jurisdiction: query.jurisdiction,
      exercise: query.exercise === undefined ? undefined : query.exercise === 'true',
      limit: query.limit,
      after: query.after,
    });
  });

  return app;
}
