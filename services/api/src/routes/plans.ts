import { CreatePlanSchema, ListPlansQuerySchema, PublishPlanVersionSchema, RecordPlanDrillSchema, RequestPlanRevisionSchema, parseOrThrow } from '@muster/contracts';
import { jurisdictionsWithin } from '@muster/engine';
import { createPlan, findPlan, listPlans, markPlan, planInForceFor, publishPlanVersion } from '@muster/store-postgres';
import { actorOf } from '../identity';
import type { RouteContext } from './access';

/**
 * Plans (预案, issue 22): a plan per room and incident category, published in versions, due for
 * revision when a trigger fired (review date, three-year drill rule, an AAR/IP asking). Who keeps
 * and reads a plan is the catalog's rule (its own room keeps it; the rooms above read it), checked
 * before these handlers run.
 */
export function registerPlanRoutes({ serve, db, tree, clock, newId }: RouteContext): void {
  const now = () => clock.now().toISOString();

  serve('createPlan', async (request, reply) => {
    const body = parseOrThrow(CreatePlanSchema, request.body);
    const actor = actorOf(request);
    const { planId, ...plan } = body;
    const created = await createPlan(db, { ...plan, planId: planId ?? `plan-${newId()}` }, { by: actor.userId, at: now() });
    return reply.status(201).send(created);
  });

  serve('listPlans', async (request) => {
    const query = parseOrThrow(ListPlansQuerySchema, request.query, ['query']);
    const actor = actorOf(request);
    // One room asked for (its readability is the catalog's rule), or every room the caller's reads.
    const rooms = actor.roles.length === 0 ? [] : query.jurisdiction !== undefined ? [query.jurisdiction] : jurisdictionsWithin(tree, actor.jurisdiction);
    return { items: await listPlans(db, { jurisdictions: rooms, category: query.category }, now()) };
  });

  serve('getPlan', async (_request, _reply, plan) => plan);

  serve('publishPlanVersion', async (request, reply, plan) => {
    const body = parseOrThrow(PublishPlanVersionSchema, request.body);
    const published = await publishPlanVersion(db, plan.planId, body, { by: actorOf(request).userId, at: now() });
    return reply.status(201).send(published);
  });

  // Any room that reads a plan may ask for its revision (the city's AAR/IP of a drill a county took
  // part in) or record a drill of it; only its own room publishes the revision.
  serve('requestPlanRevision', async (request, reply, plan) => {
    const body = parseOrThrow(RequestPlanRevisionSchema, request.body);
    const at = body.at ?? now();
    await markPlan(db, plan.planId, { kind: 'revision_requested', source: body.source, ref: body.ref, reason: body.reason, at }, actorOf(request).userId);
    return reply.status(201).send(await findPlan(db, plan.planId, now()));
  });

  serve('recordPlanDrill', async (request, reply, plan) => {
    const body = parseOrThrow(RecordPlanDrillSchema, request.body);
    await markPlan(db, plan.planId, { kind: 'drilled', ref: body.ref, at: body.endedAt }, actorOf(request).userId);
    return reply.status(201).send(await findPlan(db, plan.planId, now()));
  });

  // The plan an incident works to: of its category, its lead room's own or the nearest room above's
  // (a county working to the city's plan sees it here, though it does not read the city's library).
  serve('incidentPlan', async (_request, _reply, incident) => {
    const { category, leadJurisdiction } = incident.state.context;
    if (category === null) return { plan: null };
    const chain = [leadJurisdiction, ...tree.ancestorsOf(leadJurisdiction)];
    return { plan: await planInForceFor(db, chain, category, now()) };
  });
}
