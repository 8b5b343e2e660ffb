import { BoardQuerySchema, parseOrThrow } from '@muster/contracts';
import { incidentAggregate, isOver, rulesFor, SEVERITIES, supervisionStreamId, type IncidentContext, type StreamType } from '@muster/domain';
import { jurisdictionsWithin, reportStreamId, sceneStreamId, type Engine, type StreamRef } from '@muster/engine';
import { incidentView, listDeadlines, listIncidents, listResourceRequests, listSupervisionItems, type Database } from '@muster/store-postgres';
import type { Kysely } from 'kysely';
import { actorOf } from '../identity';
import { exerciseFlag, type RouteContext } from './access';

/** The id under which the offered commands list what opens a new request or supervision item. */
const NEW = 'new';

/** The command structure of an incident as GET /incidents/:id/command answers it (state `none` before anyone takes command). */
export async function sceneOf(engine: Engine, incidentId: string) {
  const stream = await engine.tryLoad('scene', sceneStreamId(incidentId));
  if (!stream) return { incidentId, state: 'none', version: 0, commander: null, deputies: [], offers: [], pendingTransfer: null, agencies: [], commandPost: null, latestReport: null, tenures: [] };
  return { ...stream.state.context, incidentId, state: stream.state.value, version: stream.version };
}

/** The report obligation of an incident with its pending deadlines (state `none` before confirmation). */
export async function reportsOf(engine: Engine, db: Kysely<Database>, incidentId: string) {
  const stream = await engine.tryLoad('report', reportStreamId(incidentId));
  if (!stream) return { incidentId, state: 'none', version: 0, lines: [], items: [], deadlines: [] };
  return { ...stream.state.context, state: stream.state.value, version: stream.version, deadlines: await listDeadlines(db, { incidentId }) };
}

/** Reports owed and past their deadline at `now` (filed late counts in the review, not on the live board). */
function overdueCount(items: readonly { submittedAt: string | null; overdueAt: string | null; dueAt: string | null }[], now: number): number {
  return items.filter((i) => i.submittedAt === null && (i.overdueAt !== null || (i.dueAt !== null && Date.parse(i.dueAt) < now))).length;
}

/**
 * Read models of the console: the incident view's record in one read (with the commands the caller
 * may send now, so the console offers what the server would accept and nothing else), and the room
 * board's cards.
 */
export function registerRecordRoutes({ serve, engine, db, tree, rules, clock }: RouteContext): void {
  serve('incidentRecord', async (request, _reply, stream) => {
    const incidentId = stream.streamId;
    const actor = actorOf(request);
    const [scene, requests, reports, supervision] = await Promise.all([
      sceneOf(engine, incidentId),
      listResourceRequests(db, incidentId),
      reportsOf(engine, db, incidentId),
      listSupervisionItems(db, incidentId),
    ]);
    const refs: StreamRef[] = [
      { streamType: 'incident', streamId: incidentId },
      { streamType: 'scene', streamId: sceneStreamId(incidentId) },
      { streamType: 'report', streamId: reportStreamId(incidentId) },
      { streamType: 'correction', streamId: `correction:${incidentId}` },
      // An id no stream has: what opens a new request or item.
      { streamType: 'resourceRequest', streamId: `${NEW}:${incidentId}` },
      { streamType: 'supervision', streamId: supervisionStreamId(`${NEW}-${incidentId}`) },
      ...requests.map((r) => ({ streamType: 'resourceRequest' as StreamType, streamId: String(r['requestId']) })),
      ...supervision.map((s) => ({ streamType: 'supervision' as StreamType, streamId: supervisionStreamId(s.supervisionId) })),
    ];
    const offered = await engine.offered(actor, incidentId, refs);
    const on = (ref: StreamRef | undefined) => (ref ? (offered[ref.streamId] ?? []) : []);
    return {
      incident: incidentView(incidentId, stream.version, stream.state),
      scene,
      requests,
      reports,
      supervision,
      responseAuthority: rulesFor(rules, tree, stream.state.context.leadJurisdiction).responseAuthority,
      over: isOver(incidentAggregate, stream.state),
      offered: {
        incident: on(refs[0]),
        scene: on(refs[1]),
        report: on(refs[2]),
        correction: on(refs[3]),
        requests: { [NEW]: on(refs[4]), ...Object.fromEntries(requests.map((r) => [String(r['requestId']), offered[String(r['requestId'])] ?? []])) },
        supervision: { [NEW]: on(refs[5]), ...Object.fromEntries(supervision.map((s) => [s.supervisionId, offered[supervisionStreamId(s.supervisionId)] ?? []])) },
      },
    };
  });

  serve('board', async (request) => {
    const query = parseOrThrow(BoardQuerySchema, request.query, ['query']);
    const actor = actorOf(request);
    const room = actor.jurisdiction;
    const asOf = clock.now();
    const answer = { jurisdiction: room, scope: query.scope, asOf: asOf.toISOString() };
    if (actor.roles.length === 0) return { ...answer, items: [] };
    const area = new Set(jurisdictionsWithin(tree, room));
    // 本级: the room leads, was linked to (联动) or supports the incident; 含下辖: also led below it.
    const onBoard = (i: Pick<IncidentContext, 'leadJurisdiction' | 'linkedJurisdictions' | 'supportingJurisdictions'>) =>
      (query.scope === 'area' && area.has(i.leadJurisdiction)) || i.leadJurisdiction === room || i.linkedJurisdictions.includes(room) || i.supportingJurisdictions.includes(room);
    const exercise = exerciseFlag(query.exercise);
    const candidates = query.incident !== undefined ? await oneIncident(query.incident) : (await listIncidents(db, { visibleTo: { leads: [...area], room }, exercise, limit: 500 })).items;
    const open = candidates.filter((i) => !isOver(incidentAggregate, { value: i.state }) && onBoard(i));
    const items = await Promise.all(
      open.map(async (incident) => {
        const [scene, reports] = await Promise.all([sceneOf(engine, incident.incidentId), reportsOf(engine, db, incident.incidentId)]);
        return { incident, commander: scene.commander ?? null, report: scene.latestReport ?? null, overdue: overdueCount(reports.items ?? [], asOf.getTime()) };
      }),
    );
    const rank = (s: string | null) => (s === null ? SEVERITIES.length : SEVERITIES.indexOf(s as (typeof SEVERITIES)[number]));
    items.sort((a, b) => rank(a.incident.severity) - rank(b.incident.severity) || (b.incident.reportedAt ?? '').localeCompare(a.incident.reportedAt ?? ''));
    return { ...answer, items };

    /** The one incident asked for, when the caller may see it (else none: the answer says nothing more). */
    async function oneIncident(incidentId: string) {
      const found = await listIncidents(db, { visibleTo: { leads: [...area], room }, incidentId, exercise, limit: 1 });
      return found.items;
    }
  });
}
