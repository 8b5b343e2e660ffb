import { CorrectEntryRequestSchema, NotFoundError, StateAtQuerySchema, TimelineQuerySchema, ValidationError, parseOrThrow } from '@muster/contracts';
import { correctionStreamId } from '@muster/domain';
import { ENTRY_CORRECTED, incidentView, readIncidentEvents, readTimeline, type Database } from '@muster/store-postgres';
import { stateAt, type Engine, type ReviewEvent, type StoredStream } from '@muster/engine';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { actorOf } from './identity';

export interface ReviewDependencies {
  engine: Engine;
  db: Kysely<Database>;
  /** The visibility check of the other reads (app.ts): the incident's stream, or a typed 403/404. */
  visibleIncident(request: FastifyRequest, incidentId: string): Promise<StoredStream>;
}

/**
 * Post-incident review (issue 7): the timeline of an incident and everything under it, corrections
 * that never edit or delete, and the state at any moment by replay.
 */
export function registerReviewRoutes(app: FastifyInstance, deps: ReviewDependencies): void {
  app.get<{ Params: { incidentId: string } }>('/incidents/:incidentId/timeline', async (request) => {
    const stream = await deps.visibleIncident(request, request.params.incidentId);
    const query = parseOrThrow(TimelineQuerySchema, request.query, ['query']);
    return readTimeline(deps.db, {
      incidentId: stream.streamId,
      kinds: query.kind,
      actors: query.actor,
      roles: query.role,
      jurisdictions: query.jurisdiction,
      basis: query.basis,
      from: query.from,
      to: query.to,
      limit: query.limit,
      after: query.after,
    });
  });

  app.post<{ Params: { incidentId: string } }>('/incidents/:incidentId/corrections', async (request, reply) => {
    const stream = await deps.visibleIncident(request, request.params.incidentId);
    const body = parseOrThrow(CorrectEntryRequestSchema, request.body);
    // Events never change, so checking the target before the command cannot race with anything.
    const target = await deps.db
      .selectFrom('event')
      .select(['type'])
      .where('event_id', '=', body.data.eventId)
      .where('incident_id', '=', stream.streamId)
      .executeTakeFirst();
    if (!target) throw new NotFoundError('event', body.data.eventId);
    if (target.type === ENTRY_CORRECTED) {
      throw new ValidationError([{ path: 'data.eventId', message: 'a correction is not corrected; correct the original entry again' }]);
    }
    const result = await deps.engine.handle({
      streamType: 'correction',
      streamId: correctionStreamId(stream.streamId),
      type: 'CorrectEntry',
      data: body.data,
      actor: actorOf(request),
      commandId: body.commandId,
      occurredAt: body.occurredAt,
    });
    return reply.status(201).send(result);
  });

  app.get<{ Params: { incidentId: string } }>('/incidents/:incidentId/state', async (request) => {
    const stream = await deps.visibleIncident(request, request.params.incidentId);
    const query = parseOrThrow(StateAtQuerySchema, request.query, ['query']);
    const basis = query.basis ?? 'recorded';
    const streams = stateAt(await incidentEvents(deps.db, stream.streamId), query.at, basis);
    const incident = streams.find((s) => s.streamType === 'incident');
    return {
      incidentId: stream.streamId,
      at: new Date(query.at).toISOString(),
      basis,
      incident: incident ? { ...incidentView(incident.streamId, incident.version, incident.state), unapplied: incident.unapplied } : null,
      command: streams.find((s) => s.streamType === 'command') ?? null,
      streams,
    };
  });
}

/** Every event of the incident as replay needs it. */
export async function incidentEvents(db: Kysely<Database>, incidentId: string): Promise<ReviewEvent[]> {
  const rows = await readIncidentEvents(db, incidentId);
  return rows.map((row) => {
    const meta = row.meta as ReviewEvent['meta'];
    return {
      streamId: row.stream_id,
      streamType: row.stream_type,
      version: row.version,
      type: row.type,
      data: row.data,
      meta: { ...meta, recordedAt: meta.recordedAt ?? row.recorded_at.toISOString(), occurredAt: meta.occurredAt ?? row.recorded_at.toISOString() },
    };
  });
}
