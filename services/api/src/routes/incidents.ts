import { CreateIncidentRequestSchema, IncidentCommandRequestSchema, ListIncidentsQuerySchema, parseOrThrow } from '@muster/contracts';
import { jurisdictionsWithin } from '@muster/engine';
import { incidentView, listIncidents } from '@muster/store-postgres';
import { commandOf } from '../command-envelope';
import { actorOf } from '../identity';
import { exerciseFlag, pathParam, type RouteContext } from './access';

/** Incidents: report one, list the ones the caller may see, read one, send it a command. */
export function registerIncidentRoutes({ serve, engine, db, tree, newId }: RouteContext): void {
  serve('reportIncident', async (request, reply) => {
    const body = parseOrThrow(CreateIncidentRequestSchema, request.body);
    const result = await engine.handle(commandOf(request, 'incident', body.incidentId ?? newId(), { ...body, type: 'ReportIncident' }));
    return reply.status(201).send(result);
  });

  serve('incidentCommand', async (request) =>
    engine.handle(commandOf(request, 'incident', pathParam(request, 'incidentId'), parseOrThrow(IncidentCommandRequestSchema, request.body))),
  );

  serve('getIncident', async (_request, _reply, stream) => incidentView(stream.streamId, stream.version, stream.state));

  serve('listIncidents', async (request) => {
    const query = parseOrThrow(ListIncidentsQuerySchema, request.query, ['query']);
    const actor = actorOf(request);
    if (actor.roles.length === 0) return { items: [], next: null };
    return listIncidents(db, {
      visibleTo: { leads: jurisdictionsWithin(tree, actor.jurisdiction), room: actor.jurisdiction },
      state: query.state,
      severity: query.severity,
      jurisdiction: query.jurisdiction,
      exercise: exerciseFlag(query.exercise),
      limit: query.limit,
      after: query.after,
    });
  });
}
