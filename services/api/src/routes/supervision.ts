import { CreateSupervisionRequestSchema, IdSchema, InterviewSchema, JurisdictionQuerySchema, NotFoundError, SupervisionCommandRequestSchema, parseOrThrow } from '@muster/contracts';
import { supervisionStreamId } from '@muster/domain';
import { jurisdictionsWithin } from '@muster/engine';
import { createInterview, listInterviews, listSupervisionItems } from '@muster/store-postgres';
import { commandOf } from '../command-envelope';
import { actorOf } from '../identity';
import { pathParam, validId, type RouteContext } from './access';

/**
 * Supervision (督办) of incidents of severity III or above, and 约谈 records of rooms below (issue 16).
 * Who may open, work and close an item is the engine's command policy; who keeps and reads 约谈
 * records is the catalog's rule, checked before these handlers run.
 */
export function registerSupervisionRoutes({ serve, engine, db, tree, clock, newId }: RouteContext): void {
  /** The item's stream; an id that cannot be one is the same 404 as an item that does not exist. */
  function itemStream(supervisionId: string): string {
    const streamId = supervisionStreamId(supervisionId);
    if (!IdSchema.safeParse(supervisionId).success) throw new NotFoundError('supervision', streamId);
    return streamId;
  }

  serve('openSupervision', async (request, reply) => {
    const body = parseOrThrow(CreateSupervisionRequestSchema, request.body);
    const incidentId = validId('incident', pathParam(request, 'incidentId'));
    const streamId = supervisionStreamId(body.supervisionId ?? `sv-${newId()}`);
    const result = await engine.handle(commandOf(request, 'supervision', streamId, { ...body, type: 'OpenSupervision', data: { ...body.data, incidentId } }));
    return reply.status(201).send(result);
  });

  serve('listSupervision', async (_request, _reply, incident) => ({ incidentId: incident.streamId, items: await listSupervisionItems(db, incident.streamId) }));

  serve('supervisionCommand', async (request) =>
    engine.handle(commandOf(request, 'supervision', itemStream(pathParam(request, 'supervisionId')), parseOrThrow(SupervisionCommandRequestSchema, request.body))),
  );

  // ---- 约谈 records -------------------------------------------------------------------------------

  serve('createInterview', async (request, reply) => {
    const body = parseOrThrow(InterviewSchema, request.body);
    const actor = actorOf(request);
    const { interviewId, ...interview } = body;
    const created = await createInterview(db, {
      ...interview,
      interviewId: interviewId ?? `iv-${newId()}`,
      interviewerJurisdiction: actor.jurisdiction,
      recordedBy: actor.userId,
      recordedAt: clock.now().toISOString(),
    });
    return reply.status(201).send(created);
  });

  serve('listInterviews', async (request) => {
    const query = parseOrThrow(JurisdictionQuerySchema, request.query, ['query']);
    const actor = actorOf(request);
    // One room asked for (its readability is the catalog's rule), or every room the caller's reads.
    const rooms = actor.roles.length === 0 ? [] : query.jurisdiction !== undefined ? [query.jurisdiction] : jurisdictionsWithin(tree, actor.jurisdiction);
    return { items: await listInterviews(db, rooms) };
  });
}
