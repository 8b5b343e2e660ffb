import { createHash } from 'node:crypto';
import { IdSchema, DrillCommandRequestSchema, DrillFeedQuerySchema, ForbiddenError, NotFoundError, PlanDrillRequestSchema, StartDrillRequestSchema, ValidationError, parseOrThrow, type CommandResult } from '@muster/contracts';
import { drillStreamId, drillViewerOf, drillViewFor, type Actor, type DrillContext, type PersistedState } from '@muster/domain';
import { canReadIncident, canReadJurisdiction, TIMERS_USER_ID, type StoredStream } from '@muster/engine';
import { findPlan, listDrillStreams, markPlan, readDrillFeed } from '@muster/store-postgres';
import { commandOf } from '../command-envelope';
import { actorOf } from '../identity';
import { pathParam, validId, type RouteContext } from './access';

/** A drill as the caller's room may see it: the whole of it for the controller, the players' part for a participant. */
export function viewOf(stream: { streamId: string; version: number; state: PersistedState<DrillContext> }, role: 'controller' | 'participant') {
  const { value, context } = stream.state;
  const { updatedAt: _updatedAt, ...seen } = drillViewFor(context, value as Parameters<typeof drillViewFor>[1], role);
  return { ...seen, state: value, version: stream.version, role };
}

/**
 * Drills (演练, issue 22): planned, started, steered and evaluated by their controlling room (导调)
 * through the engine (the command policy decides who may); read by the controller and the
 * participants, each as they may see it (double-blind: nothing of the plan before EndEx), by nobody
 * else (404). The drill's incidents are ordinary incidents reported with `exercise: true`.
 */
export function registerDrillRoutes({ serve, engine, db, tree, clock, newId }: RouteContext): void {
  /** The drill of the path, if the caller's room controls or plays it; otherwise as if it did not exist. */
  async function drillFor(actor: Actor, drillId: string): Promise<{ stream: StoredStream<'drill'>; role: 'controller' | 'participant' }> {
    const stream = await engine.tryLoad('drill', drillStreamId(validId('drill', drillId)));
    const role = stream && actor.roles.length > 0 ? drillViewerOf(stream.state.context, actor.jurisdiction) : null;
    if (!stream || role === null) throw new NotFoundError('drill', drillId);
    return { stream, role };
  }

  /**
   * An incident the drill may take: an exercise incident the controller can see, led by one of its
   * participants. Any other id, existing or not, is the same 400 naming the field.
   */
  async function checkDrillIncident(actor: Actor, drill: DrillContext, incidentId: unknown, path: string): Promise<void> {
    const refuse = () => new ValidationError([{ path, message: 'must be an exercise incident your room can see, led by a participant of the drill' }]);
    if (typeof incidentId !== 'string') throw refuse();
    const incident = await engine.tryLoad('incident', validIdOr(incidentId, refuse));
    const context = incident?.state.context;
    if (!context || !canReadIncident(tree, actor, context) || !context.exercise || !drill.participants.includes(context.leadJurisdiction)) throw refuse();
  }

  serve('planDrill', async (request, reply) => {
    const body = parseOrThrow(PlanDrillRequestSchema, request.body);
    if (body.data.planId !== undefined) await checkDrillPlan(actorOf(request), body.data.planId);
    const streamId = drillStreamId(body.drillId ?? `dr-${newId()}`);
    const result = await engine.handle(commandOf(request, 'drill', streamId, { ...body, type: 'PlanDrill', data: body.data }));
    return reply.status(201).send(result);
  });

  serve('listDrills', async (request) => {
    const actor = actorOf(request);
    if (actor.roles.length === 0) return { items: [] };
    const drills = await listDrillStreams(db, actor.jurisdiction);
    return {
      items: drills.flatMap((d) => {
        const role = drillViewerOf(d.state.context, actor.jurisdiction);
        return role === null ? [] : [viewOf(d, role)];
      }),
    };
  });

  // The catalog's `read` rule resolved the drill: the caller's room controls or plays it.
  serve('getDrill', async (request, _reply, stream) => {
    const role = drillViewerOf(stream.state.context, actorOf(request).jurisdiction) ?? 'participant';
    return viewOf(stream, role);
  });

  /**
   * StartEx: the incidents are checked first (nothing is started with a wrong one), then the drill is
   * started, an incident opened in a participant's room if asked, and every incident linked. A
   * commandId makes the whole of it safe to retry: each step's id derives from it.
   */
  serve('startDrill', async (request) => {
    const body = parseOrThrow(StartDrillRequestSchema, request.body);
    const actor = actorOf(request);
    const { stream, role } = await drillFor(actor, pathParam(request, 'drillId'));
    const drill = stream.state.context;
    if (role !== 'controller') throw new ForbiddenError('StartDrill may be sent by a duty officer or leader of the controlling room (导调)', { command: 'StartDrill' });
    const attach = body.attach ?? [];
    for (const [i, incidentId] of attach.entries()) await checkDrillIncident(actor, drill, incidentId, `attach.${i}`);
    if (body.open && !drill.participants.includes(body.open.leadJurisdiction)) {
      throw new ValidationError([{ path: 'open.leadJurisdiction', message: 'must be a participant of the drill' }]);
    }
    // A drill that is not planned refuses StartDrill (409) before anything is opened, unless this is a
    // retry of the same start (same commandId): then every step answers as the first time.
    const step = (n: string) => (body.commandId === undefined ? undefined : `${body.commandId}-${n}`);
    let result: CommandResult = await engine.handle(commandOf(request, 'drill', stream.streamId, { type: 'StartDrill', commandId: step('start') }));
    const incidents: string[] = [];
    if (body.open) {
      // The drill lists the incident it opens before the report, so every event of it, the first
      // included, carries the drill's id. A retry (same commandId) names the same incident.
      const openedId = body.commandId === undefined ? `dri-${newId()}` : `dri-${createHash('sha256').update(`${actor.userId}\n${stream.streamId}\n${body.commandId}`).digest('hex').slice(0, 32)}`;
      result = await engine.handle(commandOf(request, 'drill', stream.streamId, { type: 'LinkDrillIncident', commandId: step('link-open'), data: { incidentId: openedId } }));
      const opened = await engine.handle(
        commandOf(request, 'incident', openedId, { type: 'ReportIncident', commandId: step('open'), data: { ...body.open, source: 'phone', exercise: true } }),
      );
      incidents.push(opened.streamId);
    }
    for (const [i, incidentId] of attach.entries()) {
      result = await engine.handle(commandOf(request, 'drill', stream.streamId, { type: 'LinkDrillIncident', commandId: step(`link-${i}`), data: { incidentId } }));
    }
    return { drill: result, incidents: [...attach, ...incidents] };
  });

  serve('drillCommand', async (request) => {
    const body = parseOrThrow(DrillCommandRequestSchema, request.body);
    const actor = actorOf(request);
    const streamId = drillStreamId(validId('drill', pathParam(request, 'drillId')));
    if (body.type === 'LinkDrillIncident') {
      // Who may see the drill is decided before the incident named is looked at.
      const { stream, role } = await drillFor(actor, pathParam(request, 'drillId'));
      if (role === 'controller') await checkDrillIncident(actor, stream.state.context, body.data?.['incidentId'], 'data.incidentId');
    }
    const result = await engine.handle(commandOf(request, 'drill', streamId, body));
    if (body.type === 'EndDrill' || body.type === 'DraftAfterActionReport') await markDrilledPlan(streamId, actor);
    return result;
  });

  // ---- The plan a drill exercises (预案, issue 22) --------------------------------------------------

  /** A plan a drill may name: one the planning room reads; any other id, existing or not, is the same 400. */
  async function checkDrillPlan(actor: Actor, planId: string): Promise<void> {
    const plan = IdSchema.safeParse(planId).success ? await findPlan(db, planId, clock.now().toISOString()) : undefined;
    if (!plan || !canReadJurisdiction(tree, actor, plan.jurisdiction)) throw new ValidationError([{ path: 'data.planId', message: 'must be a plan your room can read' }]);
  }

  /**
   * A drill that names its plan marks it: drilled when the drill ended (the three-year rule counts
   * from then), asked for revision when its AAR/IP says why. Read from the drill as committed, at the
   * drill's own times, so a retried command marks nothing twice.
   */
  async function markDrilledPlan(streamId: string, actor: Actor): Promise<void> {
    const drill = (await engine.tryLoad('drill', streamId))?.state.context;
    if (!drill?.planId || !(await findPlan(db, drill.planId, clock.now().toISOString()))) return;
    const ref = drill.title;
    if (drill.endedAt) await markPlan(db, drill.planId, { kind: 'drilled', ref, at: drill.endedAt }, actor.userId);
    if (drill.planRevision && drill.aarDraftedAt) {
      await markPlan(db, drill.planId, { kind: 'revision_requested', source: 'drill', ref, reason: drill.planRevision, at: drill.aarDraftedAt }, actor.userId);
    }
  }

  /**
   * The controller's feed: the drill's own events (injects delivered, pauses, skips, the end) and
   * every event of its incidents (what the timers put in, what the players did), in commit order.
   */
  serve('drillFeed', async (request, _reply, stream) => {
    const query = parseOrThrow(DrillFeedQuerySchema, request.query, ['query']);
    const { incidents, controller } = stream.state.context;
    const page = await readDrillFeed(db, { keys: [stream.streamId, ...incidents], after: query.after, limit: query.limit });
    const kindOf = (e: (typeof page.items)[number]) => {
      if (e.streamType === 'drill') return e.type === 'InjectDelivered' ? ('inject' as const) : ('control' as const);
      // What the timers put into an incident or its scene is the inject arriving; what the
      // controlling room does there is control (the incident it opened); the rest is play.
      if (e.actor === TIMERS_USER_ID && (e.streamType === 'incident' || e.streamType === 'scene')) return 'delivery' as const;
      return e.actorJurisdiction === controller ? ('control' as const) : ('response' as const);
    };
    return { items: page.items.map((e) => ({ ...e, kind: kindOf(e) })), next: page.next };
  });
}

/** The id if it is well formed; otherwise the caller's refusal (an id that cannot be valid names nothing). */
function validIdOr(id: string, refuse: () => Error): string {
  try {
    return validId('incident', id);
  } catch {
    throw refuse();
  }
}
