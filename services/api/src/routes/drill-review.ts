import { ForbiddenError, StateAtQuerySchema, TimelineExportQuerySchema, TimelineQuerySchema, parseOrThrow } from '@muster/contracts';
import { drillViewerOf, isStreamOf, type DrillContext, type IncidentContext, type PersistedState } from '@muster/domain';
import { stateAt, TIMERS_USER_ID, type StoredStream } from '@muster/engine';
import { incidentView, readTimeline, type TimelineEntry } from '@muster/store-postgres';
import { timelineCsv } from '../after-action';
import { actorOf } from '../identity';
import type { RouteContext, RouteRequest } from './access';
import { viewOf } from './drills';
import { incidentEvents, metricsOf } from './review';

/**
 * A drill's review (演练复盘, issue 22): the tools an incident's review has (timeline, state at T,
 * metrics, exports), over the drill's merged record: its own stream and every stream of each of its
 * incidents. The controller's at any time; a participant's once the drill has ended (before, the
 * record holds the MSEL and what the controller expects of the players).
 */
export function registerDrillReviewRoutes(deps: RouteContext): void {
  const { serve, db, engine, clock } = deps;

  /** The caller's role in the drill, once the catalog's `read` rule has let it see the drill. */
  function reviewerOf(request: RouteRequest, stream: StoredStream<'drill'>): 'controller' | 'participant' {
    const drill = stream.state.context;
    const role = drillViewerOf(drill, actorOf(request).jurisdiction) ?? 'participant';
    if (role === 'participant' && drill.endedAt === null) {
      throw new ForbiddenError(`drill ${drill.drillId} is reviewed by its controlling room until it ends`, { drillId: drill.drillId });
    }
    return role;
  }

  /** The records the drill's timeline merges: the drill's own, then its incidents'. */
  const recordsOf = (stream: StoredStream<'drill'>): string[] => [stream.streamId, ...stream.state.context.incidents];

  async function wholeTimeline(stream: StoredStream<'drill'>): Promise<TimelineEntry[]> {
    const all: TimelineEntry[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await readTimeline(db, { incidentId: recordsOf(stream), limit: 1000, after });
      all.push(...page.items);
      if (!page.next) return all;
      after = page.next;
    }
  }

  serve('drillTimeline', async (request, _reply, stream) => {
    const query = parseOrThrow(TimelineQuerySchema, request.query, ['query']);
    reviewerOf(request, stream);
    return readTimeline(db, {
      incidentId: recordsOf(stream),
      kinds: query.kind,
      actors: query.actor,
      roles: query.role,
      jurisdictions: query.jurisdiction,
      basis: query.basis,
      from: query.from,
      to: query.to,
      limit: query.limit,
      after: query.after,
    });
  });

  serve('drillStateAt', async (request, _reply, stream) => {
    const query = parseOrThrow(StateAtQuerySchema, request.query, ['query']);
    const role = reviewerOf(request, stream);
    const basis = query.basis ?? 'recorded';
    const at = new Date(query.at).toISOString();
    const own = stateAt(await incidentEvents(db, stream.streamId), query.at, basis).find((s) => s.streamType === 'drill');
    const incidents = [];
    for (const incidentId of stream.state.context.incidents) {
      const streams = stateAt(await incidentEvents(db, incidentId), query.at, basis);
      const incident = streams.find((s) => isStreamOf(s, 'incident'));
      // An incident with nothing recorded by T is not part of the drill at T yet.
      if (!incident) continue;
      incidents.push({
        incidentId,
        at,
        basis,
        incident: { ...incidentView(incident.streamId, incident.version, incident.state as PersistedState<IncidentContext>), unapplied: incident.unapplied },
        scene: streams.find((s) => s.streamType === 'scene') ?? null,
        streams,
      });
    }
    return {
      drillId: stream.state.context.drillId,
      at,
      basis,
      // What the caller's room may see of the drill as it stood then (a participant: the players' part).
      drill: own ? viewOf({ streamId: own.streamId, version: own.version, state: own.state as PersistedState<DrillContext> }, role) : null,
      incidents,
    };
  });

  serve('drillMetrics', async (request, _reply, stream) => {
    reviewerOf(request, stream);
    const drill = stream.state.context;
    const timeline = await wholeTimeline(stream);
    const incidents = [];
    for (const incidentId of drill.incidents) {
      const incident = await engine.tryLoad('incident', incidentId);
      if (incident) incidents.push(await metricsOf(deps, incident));
    }
    const count = (status: string) => drill.injects.filter((i) => i.status === status).length;
    return {
      drillId: drill.drillId,
      startedAt: drill.startedAt,
      endedAt: drill.endedAt,
      minutesRunning: drill.startedAt ? minutesBetween(drill.startedAt, drill.endedAt ?? clock.now().toISOString()) : null,
      injects: { planned: drill.injects.length, delivered: count('delivered'), skipped: count('skipped'), scheduled: count('scheduled') },
      responses: drill.injects
        .filter((i) => i.status === 'delivered')
        .map((inject) => {
          const answer = inject.deliveredAt === null ? undefined : firstResponse(timeline, drill, inject.incidentId, inject.deliveredAt);
          return {
            injectId: inject.injectId,
            deliveredAt: inject.deliveredAt,
            incidentId: inject.incidentId,
            firstResponseAt: answer?.occurredAt ?? null,
            minutes: answer && inject.deliveredAt ? minutesBetween(inject.deliveredAt, answer.occurredAt) : null,
          };
        }),
      observations: drill.observations.length,
      incidents,
    };
  });

  serve('drillTimelineExport', async (request, reply, stream) => {
    const { format } = parseOrThrow(TimelineExportQuerySchema, request.query, ['query']);
    reviewerOf(request, stream);
    const drillId = stream.state.context.drillId;
    const entries = await wholeTimeline(stream);
    if (format === 'json') return { drillId, items: entries };
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="drill-timeline-${drillId}.csv"`)
      .send(timelineCsv(entries));
  });
}

/**
 * The players' first action on the incident an inject went into, at or after its delivery: what a
 * participant room's staff did (not the timers, not the controller).
 */
function firstResponse(timeline: readonly TimelineEntry[], drill: DrillContext, incidentId: string | null, deliveredAt: string): TimelineEntry | undefined {
  const from = Date.parse(deliveredAt);
  return timeline.find(
    (e) =>
      e.streamType !== 'drill' &&
      e.actor !== TIMERS_USER_ID &&
      drill.participants.includes(e.actorJurisdiction) &&
      (incidentId === null || e.streamId === incidentId || e.streamId.endsWith(`:${incidentId}`)) &&
      Date.parse(e.occurredAt) >= from,
  );
}

function minutesBetween(from: string, to: string): number {
  return Math.round((Date.parse(to) - Date.parse(from)) / 600) / 100;
}
