import { OnSceneCommandRequestSchema, parseOrThrow } from '@muster/contracts';
import { sceneStreamId } from '@muster/engine';
import { commandOf } from '../command-envelope';
import { pathParam, validId, type RouteContext } from './access';

/** On-scene command (现场指挥): the command structure of an incident and the commands that change it. */
export function registerSceneRoutes({ serve, engine }: RouteContext): void {
  serve('sceneCommand', async (request) => {
    const incidentId = validId('incident', pathParam(request, 'incidentId'));
    return engine.handle(commandOf(request, 'scene', sceneStreamId(incidentId), parseOrThrow(OnSceneCommandRequestSchema, request.body)));
  });

  serve('getScene', async (_request, _reply, incident) => {
    const incidentId = incident.streamId;
    const stream = await engine.tryLoad('scene', sceneStreamId(incidentId));
    if (!stream) return { incidentId, state: 'none', version: 0, commander: null, deputies: [], offers: [], pendingTransfer: null, agencies: [], commandPost: null, latestReport: null, tenures: [] };
    return { ...stream.state.context, incidentId, state: stream.state.value, version: stream.version };
  });
}
