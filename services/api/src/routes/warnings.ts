import {
  ConflictError,
  CreateWarningRequestSchema,
  EmptyBodySchema,
  IdSchema,
  IllegalTransitionError,
  IssueWarningFilingSchema,
  NotFoundError,
  ValidationError,
  WarningCommandRequestSchema,
  WarningListQuerySchema,
  WarningMessageQuerySchema,
  parseOrThrow,
} from '@muster/contracts';
import { approvalBy, beijingStamp, boardOf, CONTACT_ROLES, nextBeijingSecond, senderCodeOf, WARNING_LEVELS, warningStreamId, type Actor, type ContactRole, type DeliveryChannelName, type WarningContext, type WarningMessage, type WarningRecipient, type WarningStatus } from '@muster/domain';
import { canReadJurisdiction, jurisdictionsWithin, lastMileActor } from '@muster/engine';
import { verifyAckLink } from '@muster/identity';
import { contactsCovering, listWarningStreams, reserveWarningIdentifier, warningReleaseEvents, type StoredWarning } from '@muster/store-postgres';
import { atomFeed, capIndex, capXml, currentWarnings, gbXml, latestMessages, releasedMessages } from '@muster/warning-xml';
import type { FastifyReply } from 'fastify';
import { commandOf } from '../command-envelope';
import { actorOf } from '../identity';
import { exerciseFlag, loadReadableIncident, pathParam, validId, type RouteContext, type RouteRequest } from './access';

const XML = 'application/xml; charset=utf-8';



/**
 * A warning as its room reads it: its state, without who last touched it; of its last mile only the
 * counts (the recipients, with their phones, are on /recipients and /ack-board).
 */
function viewOf({ state, version }: StoredWarning) {
  const { updatedAt: _updatedAt, sender: _sender, lastMile, ...warning } = state.context;
  const board = lastMile === null ? null : boardOf(lastMile);
  const ack =
    lastMile === null || board === null
      ? null
      : { total: board.total, acknowledged: board.acknowledged, ackDeadline: lastMile.ackDeadline, deadlinePassed: lastMile.deadlinePassed, openManualTasks: board.manualTasks.length };
  return { ...warning, state: state.value, version, ack };
}

/**
 * Warnings (预警, issue 21): drafted, approved, released and lifted through the engine (the command
 * policy decides who may); read by the issuing room and the rooms above it (else 404, as if missing);
 * the CAP index, the Atom feed and the current messages of actual warnings are public, for downstream
 * systems.
 */
export function registerWarningRoutes({ serve, engine, db, tree, clock, newId, ackLinks }: RouteContext): void {
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

  /**
   * The recipients of a warning being issued (issue 21): the active contacts of the registry within
   * its area, of the roles asked for (all by default), each on its first preferred channel. Built only
   * for a caller who may see the warning (the engine then decides whether it may issue it); fixed in
   * the issue's event, so a later change of the registry changes no list already sent.
   */
  async function recipientsFor(warning: WarningContext, roles: readonly ContactRole[]): Promise<WarningRecipient[]> {
    const contacts = await contactsCovering(db, warning.content.area.jurisdictions, roles);
    // The registry's rows were written through ContactSchema: role and channels are of its enums.
    return contacts.map((c) => ({
      recipientId: c.contactId,
      name: c.name,
      role: c.role as ContactRole,
      area: c.area,
      areaName: c.areaName,
      phone: c.phone,
      channel: (c.channels[0] ?? 'sms') as DeliveryChannelName,
    }));
  }

  /**
   * Whether a release would be taken, as far as the api can tell before the engine decides: the state
   * takes it and the sender may send it (the issuing room; its approver for an update or a lift). An
   * identifier slot is handed out only then, so that refusals use up none.
   */
  function releasable(type: 'IssueWarning' | 'UpdateWarning' | 'LiftWarning', stream: StoredWarning, actor: Actor, data: Record<string, unknown>): boolean {
    const { value, context } = { value: stream.state.value, context: stream.state.context };
    if (actor.jurisdiction !== context.jurisdiction) return false;
    if (type === 'IssueWarning') return value === 'approved';
    const level = type === 'UpdateWarning' ? WARNING_LEVELS.find((l) => l === data['level']) : context.level;
    return (value === 'issued' || value === 'updated') && level !== undefined && approvalBy(actor, context.jurisdiction, level) !== null;
  }

  serve('warningCommand', async (request) => {
    const body = parseOrThrow(WarningCommandRequestSchema, request.body);
    const streamId = warningStream(pathParam(request, 'warningId'));
    if (body.type === 'LinkWarningToIncident') {
      // A warning the caller cannot see is the engine's 404, before anything about the incident is told.
      const warning = await engine.tryLoad('warning', streamId);
      if (warning && canReadJurisdiction(tree, actorOf(request), warning.state.context.jurisdiction)) await checkLinkable(request, [body.data?.['incidentId']], () => 'data.incidentId', warning.state.context.status);
    }
    if (body.type === 'IssueWarning' || body.type === 'UpdateWarning' || body.type === 'LiftWarning') {
      // What only the api fills in: never taken from the client.
      const { identifierSlot: _slot, recipients: _recipients, ...data } = body.data ?? {};
      const actor = actorOf(request);
      const warning = await engine.tryLoad('warning', streamId);
      // Only for a caller who may see the warning; anyone else gets the engine's 404 with nothing looked up.
      const readable = warning !== null && canReadJurisdiction(tree, actor, warning.state.context.jurisdiction);
      const extra: Record<string, unknown> = {};
      if (body.type === 'IssueWarning') {
        const { recipientRoles } = parseOrThrow(IssueWarningFilingSchema, data, ['data']);
        if (readable) extra['recipients'] = await recipientsFor(warning.state.context, recipientRoles ?? CONTACT_ROLES);
      }
      if (readable && releasable(body.type, warning, actor, data)) {
        // GB/T 35965.1: two warnings of one room released in the same second must not share an identifier.
        const context = warning.state.context;
        const key = `${actor.userId}/${streamId}/${body.commandId ?? newId()}`;
        extra['identifierSlot'] = await reserveWarningIdentifier(db, { senderCode: senderCodeOf(context.jurisdiction, context.sender.agencyCode), stamp: beijingStamp(clock.now().toISOString()), key, nextStamp: nextBeijingSecond });
      }
      return engine.handle(commandOf(request, 'warning', streamId, { ...body, data: { ...data, ...extra } }));
    }
    return engine.handle(commandOf(request, 'warning', streamId, body));
  });

  // The catalog's `read` rule resolved the warning: the caller's room is its room or one above it.
  serve('getWarning', async (_request, _reply, warning) => viewOf(warning));

  serve('listWarnings', async (request) => {
    const query = parseOrThrow(WarningListQuerySchema, request.query, ['query']);
    const actor = actorOf(request);
    const rooms = actor.roles.length === 0 ? [] : query.jurisdiction !== undefined ? jurisdictionsWithin(tree, query.jurisdiction) : jurisdictionsWithin(tree, actor.jurisdiction);
    return { items: (await listWarningStreams(db, rooms, exerciseFlag(query.exercise) ?? null)).map(viewOf) };
  });

  // ---- the last mile (issue 21): the board, the recipients, the public acknowledgement --------

  function recipientsOf(warning: WarningContext) {
    return (warning.lastMile?.recipients ?? []).map(({ recipient, state, sentAt, deliveredAt, acknowledgedAt, late, manual }) => ({
      ...recipient,
      state,
      sentAt,
      deliveredAt,
      acknowledgedAt,
      late,
      manual,
    }));
  }

  serve('warningRecipients', async (_request, _reply, warning) => ({ items: recipientsOf(warning.state.context) }));

  serve('warningAckBoard', async (_request, _reply, warning) => {
    const context = warning.state.context;
    const mile = context.lastMile;
    const recipients = recipientsOf(context);
    const board = mile === null ? null : boardOf(mile);
    const areaNames = new Map(recipients.map((r) => [r.area, r.areaName]));
    return {
      warningId: context.warningId,
      level: context.level,
      headline: context.content.zh.headline,
      issuedAt: context.issuedAt,
      ackDeadline: mile?.ackDeadline ?? null,
      deadlinePassed: mile?.deadlinePassed ?? false,
      total: board?.total ?? 0,
      sent: board?.sent ?? 0,
      delivered: board?.delivered ?? 0,
      acknowledged: board?.acknowledged ?? 0,
      acknowledgedInTime: recipients.filter((r) => r.acknowledgedAt !== null && !r.late).length,
      byArea: (board?.byArea ?? []).map((a) => ({ ...a, areaName: areaNames.get(a.area) ?? a.area })),
      notAcknowledged: recipients.filter((r) => r.state !== 'acknowledged'),
      manualTasks: recipients.filter((r) => r.state === 'overdue'),
    };
  });

  /**
   * The warning and recipient a signed link is for. A forged, altered or expired token, a warning that
   * is gone or a recipient not on its list: one 404 for all, telling nothing of which.
   */
  async function ackTarget(request: RouteRequest) {
    const token = pathParam(request, 'token');
    const link = ackLinks === null || token.length > 2000 ? null : await verifyAckLink(token, { secret: ackLinks.secret, now: clock.now() });
    const missing = new NotFoundError('acknowledgement link', 'this link is not valid or has expired');
    if (link === null || !IdSchema.safeParse(link.warningId).success) throw missing;
    const warning = await engine.tryLoad('warning', warningStreamId(link.warningId));
    const delivery = warning?.state.context.lastMile?.recipients.find((d) => d.recipient.recipientId === link.recipientId);
    if (!warning || !delivery) throw missing;
    return { warning, delivery, streamId: warningStreamId(link.warningId) };
  }

  serve('publicAckView', async (request) => {
    const { warning, delivery } = await ackTarget(request);
    const context = warning.state.context;
    return {
      headline: context.content.zh.headline,
      level: context.level,
      areaDescription: context.content.area.description,
      instruction: context.content.zh.instruction,
      issuerRoomName: tree.get(context.jurisdiction)?.name ?? context.sender.name,
      recipientName: delivery.recipient.name,
      over: context.liftedAt !== null || context.expiredAt !== null,
      acknowledged: delivery.acknowledgedAt !== null,
      acknowledgedAt: delivery.acknowledgedAt,
    };
  });

  // One tap: the link's signature authorizes it; a second tap (or a retry) answers the first acknowledgement.
  serve('publicAcknowledge', async (request) => {
    parseOrThrow(EmptyBodySchema, request.body ?? {});
    const { warning, delivery, streamId } = await ackTarget(request);
    if (delivery.acknowledgedAt !== null) return { acknowledged: true, acknowledgedAt: delivery.acknowledgedAt };
    const recipientId = delivery.recipient.recipientId;
    try {
      await engine.handle({
        streamType: 'warning',
        streamId,
        type: 'AcknowledgeWarning',
        data: { recipientId },
        actor: lastMileActor(warning.state.context.jurisdiction),
        system: 'last-mile',
        commandId: `ack-${recipientId}`,
        requestId: request.id,
      });
    } catch (error) {
      if (!(error instanceof IllegalTransitionError)) throw error;
    }
    const after = (await engine.load('warning', streamId)).state.context;
    const acknowledgedAt = after.lastMile?.recipients.find((d) => d.recipient.recipientId === recipientId)?.acknowledgedAt ?? null;
    if (acknowledgedAt === null) throw new ConflictError('this warning is no longer in force: there is nothing to acknowledge', { over: true });
    return { acknowledged: true, acknowledgedAt };
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
