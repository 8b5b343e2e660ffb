import { CreateResourceRequestSchema, ResourceRequestCommandSchema, parseOrThrow } from '@muster/contracts';
import { listResourceRequests } from '@muster/store-postgres';
import { commandOf } from '../command-envelope';
import { pathParam, validId, type RouteContext } from './access';

/** Resource requests (ICS 213RR): submitted from the scene, approved, dispatched, tracked, released. */
export function registerResourceRequestRoutes({ serve, engine, db, newId }: RouteContext): void {
  serve('submitResourceRequest', async (request, reply) => {
    const body = parseOrThrow(CreateResourceRequestSchema, request.body);
    const incidentId = validId('incident', pathParam(request, 'incidentId'));
    const result = await engine.handle(
      commandOf(request, 'resourceRequest', body.requestId ?? `rr-${newId()}`, { ...body, type: 'SubmitResourceRequest', data: { ...body.data, incidentId } }),
    );
    return reply.status(201).send(result);
  });

  serve('listResourceRequests', async (_request, _reply, incident) => ({ items: await listResourceRequests(db, incident.streamId) }));

  serve('resourceRequestCommand', async (request) =>
    engine.handle(commandOf(request, 'resourceRequest', pathParam(request, 'requestId'), parseOrThrow(ResourceRequestCommandSchema, request.body))),
  );

  serve('getResourceRequest', async (_request, _reply, stream) => ({ ...stream.state.context, state: stream.state.value, version: stream.version }));
}
