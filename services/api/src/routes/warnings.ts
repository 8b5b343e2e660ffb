import { CreateWarningRequestSchema, JurisdictionQuerySchema, NotFoundError, ValidationError, WarningCommandRequestSchema, WarningMessageQuerySchema, parseOrThrow } from '@muster/contracts';
import { warningStreamId, type WarningMessage, type WarningStatus } from '@muster/domain';
import { canReadJurisdiction, jurisdictionsWithin } from '@muster/engine';
import { listWarningStreams, warningReleaseEvents, type StoredWarning } from '@muster/store-postgres';
import { atomFeed, capIndex, capXml, currentWarnings, gbXml, latestMessages, releasedMessages } from '@muster/warning-xml';
import type { FastifyReply } from 'fastify';
import { commandOf } from '../command-envelope';
import { actorOf } from '../identity';
import { loadReadableIncident, pathParam, validId, type RouteContext, type RouteRequest } from './access';

const XML = 'application/xml; charset=utf-8';

/** A warning as its room reads it: its state, without who last touched it. */
function viewOf({ state, version }: StoredWarning) {
  const { updatedAt: _updatedAt, sender: _sender, ...warning } = state.context;
  return { ...warning, state: state.value, version };
}

/**
 * Warnings (预警, issue 21): drafted, approved, released and lifted through the engine (the command
 * policy decides who may); read by the issuing room and the rooms above it (else 404, as if missing);
 * the CAP index, the Atom feed and the current messages of actual warnings are public, for downstream
 * systems.
 */
export function registerWarningRoutes({ serve, engine, db, tree, clock, newId }: RouteContext): void {
  function warningStream(warningId: string): string {
    return warningStreamId(validId('warning', warningId));
  }

  /**
   * A warning is linked only to incidents the sender's room can see: any other id, existing or not,
   * is the same 400 naming the field (rooms stay in their lane; nothing about the incident is told).
   */
  async function checkLinkable(request: RouteRequest, incidentIds: readonly unknown[], path: (i: number) => string, status: WarningStatus): Promise<void> {
    for (const [i, incidentId] of incidentIds.entries()) {
      let incident: Awaited<ReturnType<typeof loadReadableIncident>>;
      try {
        incident = await loadReadableIncident({ engine, tree }, actorOf(request), String(incidentId));
      } catch (error) {
        if (error instanceof NotFoundError) throw new ValidationError([{ path: path(i), message: 'must be an incident your room can see' }]);
        throw error;
      }
      // A drill's warnings are never Actual (issue 22): one about a drill's incident is an exercise
      // message (GB/T 35965.1 Test, CAP Exercise) from its draft on, and its status never changes.
      if (incident.state.context.exercise && status === 'actual') {
        throw new ValidationError([{ path: path(i), message: 'is a drill’s incident: only a warning drafted with status exercise may be linked to it' }]);
      }
    }
  }

  async function messagesOf(streamId: string): Promise<WarningMessage[]> {
    return releasedMessages(await warningReleaseEvents(db, streamId));
  }

  /** The released message asked for (?message=n, 1 the first issue), else the latest. */
  async function messageAsked(request: RouteRequest, stream: StoredWarning): Promise<WarningMessage> {
    const { message } = parseOrThrow(WarningMessageQuerySchema, request.query, ['query']);
    const messages = await messagesOf(stream.streamId);
    const picked = messages[(message ?? messages.length) - 1];
    if (!picked) throw new NotFoundError('warning message', `${stream.streamId}#${message ?? 'latest'}`);
    return picked;
  }

  serve('draftWarning', async (request, reply) => {
    const body = parseOrThrow(CreateWarningRequestSchema, request.body);
    await checkLinkable(request, body.data.incidents ?? [], (i) => `data.incidents.${i}`, body.data.status);
    const streamId = warningStreamId(body.warningId ?? `w-${newId()}`);
    const result = await engine.handle(commandOf(request, 'warning', streamId, { ...body, type: 'DraftWarning', data: body.data }));
    return reply.status(201).send(result);
  });

  serve('warningCommand', async (request) => {
    const body = parseOrThrow(WarningCommandRequestSchema, request.body);
    const streamId = warningStream(pathParam(request, 'warningId'));
    if (body.type === 'LinkWarningToIncident') {
      // A warning the caller cannot see is the engine's 404, before anything about the incident is told.
      const warning = await engine.tryLoad('warning', streamId);
      if (warning && canReadJurisdiction(tree, actorOf(request), warning.state.context.jurisdiction)) await checkLinkable(request, [body.data?.['incidentId']], () => 'data.incidentId', warning.state.context.status);
    }
    return engine.handle(commandOf(request, 'warning', streamId, body));
  });

  // The catalog's `read` rule resolved the warning: the caller's room is its room or one above it.
  serve('getWarning', async (_request, _reply, warning) => viewOf(warning));

  serve('listWarnings', async (request) => {
    const query = parseOrThrow(JurisdictionQuerySchema, request.query, ['query']);
    const actor = actorOf(request);
    const rooms = actor.roles.length === 0 ? [] : query.jurisdiction !== undefined ? jurisdictionsWithin(tree, query.jurisdiction) : jurisdictionsWithin(tree, actor.jurisdiction);
    return { items: (await listWarningStreams(db, rooms)).map(viewOf) };
  });

  serve('warningCap', async (request, reply, warning) => reply.type(XML).send(capXml(await messageAsked(request, warning))));
  serve('warningGb', async (request, reply, warning) => reply.type(XML).send(gbXml(await messageAsked(request, warning))));

  // ---- public: what downstream systems read (drills and drafts never) ---------------------------

  /** The jurisdiction of a public path; one the tree does not know is not found. */
  function publicJurisdiction(request: RouteRequest): string {
    const code = pathParam(request, 'jurisdiction');
    if (!tree.has(code)) throw new NotFoundError('jurisdiction', code);
    return code;
  }

  /** The warnings in force over `jurisdiction`: an area within it, or one it lies within (a province-wide warning covers the city). */
  async function inForceOver(jurisdiction: string): Promise<WarningMessage[]> {
    const covers = (code: string) => {
      const county = code.slice(0, 6);
      return tree.has(county) && (tree.isWithin(county, jurisdiction) || tree.isWithin(jurisdiction, county));
    };
    return currentWarnings(latestMessages(releasedMessages(await warningReleaseEvents(db))), clock.now().toISOString(), covers);
  }

  function linksFor(request: RouteRequest, self: string) {
    const base = `${request.protocol}://${request.host}`;
    return {
      self: `${base}${self}`,
      cap: (m: WarningMessage) => `${base}/public/warnings/messages/${m.warningId}/cap.xml`,
      gb: (m: WarningMessage) => `${base}/public/warnings/messages/${m.warningId}/gb.xml`,
    };
  }

  serve('publicCapIndex', async (request) => {
    const jurisdiction = publicJurisdiction(request);
    return { jurisdiction, items: capIndex(await inForceOver(jurisdiction), linksFor(request, request.url)) };
  });

  serve('publicWarningFeed', async (request, reply) => {
    const jurisdiction = publicJurisdiction(request);
    const name = tree.get(jurisdiction)?.name ?? jurisdiction;
    const feed = atomFeed(`${name} 当前预警`, await inForceOver(jurisdiction), linksFor(request, request.url), clock.now().toISOString());
    return reply.type('application/atom+xml; charset=utf-8').send(feed);
  });

  /**
   * The latest message of an actual warning (a Cancel once it is lifted, so that a downstream system
   * learns of it); a draft, a drill or no warning is not found.
   */
  async function publicMessage(request: RouteRequest): Promise<WarningMessage> {
    const streamId = warningStream(pathParam(request, 'warningId'));
    const latest = (await messagesOf(streamId)).at(-1);
    if (!latest || latest.status !== 'actual') throw new NotFoundError('warning', streamId);
    return latest;
  }

  const sendXml = (reply: FastifyReply, xml: string) => reply.type(XML).send(xml);
  serve('publicWarningCap', async (request, reply) => sendXml(reply, capXml(await publicMessage(request))));
  serve('publicWarningGb', async (request, reply) => sendXml(reply, gbXml(await publicMessage(request))));
}
