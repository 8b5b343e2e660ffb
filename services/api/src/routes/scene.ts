import { OnSceneCommandRequestSchema, parseOrThrow } from '@muster/contracts';
import { sceneStreamId } from '@muster/engine';
import { commandOf } from '../command-envelope';
import { pathParam, validId, type RouteContext } from './access';
import { sceneOf } from './record';

/** On-scene command (现场指挥): the command structure of an incident and the commands that change it. */
export function registerSceneRoutes({ serve, engine }: RouteContext): void {
  serve('sceneCommand', async (request) => {
    const incidentId = validId('incident', pathParam(request, 'incidentId'));
    return engine.handle(commandOf(request, 'scene', sceneStreamId(incidentId), parseOrThrow(OnSceneCommandRequestSchema, request.body)));
  });

  serve('getScene', async (_request, _reply, incident) => sceneOf(engine, incident.streamId));
}
