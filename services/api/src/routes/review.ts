import { CorrectEntryRequestSchema, FormQuerySchema, ICS_FORMS, NotFoundError, TimelineExportQuerySchema, StateAtQuerySchema, TimelineQuerySchema, ValidationError, parseOrThrow } from '@muster/contracts';
import { correctionStreamId, isStreamOf } from '@muster/domain';
import { ENTRY_CORRECTED, incidentView, linkedWarningStreams, listResourceRequests, readIncidentEvents, readTimeline, type Database, type TimelineEntry } from '@muster/store-postgres';
import { sceneStreamId, stateAt, type ReviewEvent, type StoredStream } from '@muster/engine';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { afterActionMetrics, ics201Html, ics209Html, ics214Html, timelineCsv, type RequestFacts } from '../after-action';
import { actorOf } from '../identity';
import type { RouteContext } from './access';


/**
 * Post-incident review (issue 7): the timeline of an incident and everything under it, corrections
 * that never edit or delete, and the state at any moment by replay.
 */
export function registerReviewRoutes(deps: RouteContext): void {
  const { serve } = deps;
  serve('timeline', async (request, _reply, stream) => {
    const query = parseOrThrow(TimelineQuerySchema, request.query, ['query']);
    return readTimeline(deps.db, {
      incidentId: stream.streamId,
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

  serve('correctEntry', async (request, reply, stream) => {
    const body = parseOrThrow(CorrectEntryRequestSchema, request.body);
    // Events never change, so checking the target before the command cannot race with anything.
    const target = await deps.db
      .selectFrom('event')
      .select(['type'])
      .where('event_id', '=', body.data.eventId)
      .where('incident_id', '=', stream.streamId)
      .executeTakeFirst();
    if (!target) throw new NotFoundError('event', body.data.eventId);
    if (target.type === ENTRY_CORRECTED) {
      throw new ValidationError([{ path: 'data.eventId', message: 'a correction is not corrected; correct the original entry again' }]);
    }
    const result = await deps.engine.handle({
      streamType: 'correction',
      streamId: correctionStreamId(stream.streamId),
      type: 'CorrectEntry',
      data: body.data,
      actor: actorOf(request),
      commandId: body.commandId,
      occurredAt: body.occurredAt,
      requestId: request.id,
    });
    return reply.status(201).send(result);
  });

  serve('stateAt', async (request, _reply, stream) => {
    const query = parseOrThrow(StateAtQuerySchema, request.query, ['query']);
    const basis = query.basis ?? 'recorded';
    const streams = stateAt(await incidentEvents(deps.db, stream.streamId), query.at, basis);
    const incident = streams.find((s) => isStreamOf(s, 'incident'));
    return {
      incidentId: stream.streamId,
      at: new Date(query.at).toISOString(),
      basis,
      incident: incident ? { ...incidentView(incident.streamId, incident.version, incident.state), unapplied: incident.unapplied } : null,
      scene: streams.find((s) => s.streamType === 'scene') ?? null,
      streams,
    };
  });

  /** The whole timeline, page by page (exports and forms are of the whole record). */
  async function wholeTimeline(incidentId: string): Promise<TimelineEntry[]> {
    const all: TimelineEntry[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await readTimeline(deps.db, { incidentId, limit: 1000, after });
      all.push(...page.items);
      if (!page.next) return all;
      after = page.next;
    }
  }

  serve('metrics', async (_request, _reply, stream) => metricsOf(deps, stream));

  serve('timelineExport', async (request, reply, stream) => {
    const { format } = parseOrThrow(TimelineExportQuerySchema, request.query, ['query']);
    const incidentId = stream.streamId;
    const entries = await wholeTimeline(incidentId);
    if (format === 'json') return { incidentId, items: entries };
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="timeline-${incidentId}.csv"`)
      .send(timelineCsv(entries));
  });

  serve('form', async (request, reply, stream) => {
    const { form } = parseOrThrow(z.strictObject({ form: z.enum(ICS_FORMS) }), { form: request.params['form'] }, ['params']);
    const { version } = parseOrThrow(FormQuerySchema, request.query, ['query']);
    const { incidentId, incident, scene, requests } = await reviewFacts(deps, stream);
    let html: string;
    switch (form) {
      case 'ics201':
        html = ics201Html(incident, scene, requests, await wholeTimeline(incidentId));
        break;
      case 'ics209':
        html = ics209Html(incident, scene, requests, version, deps.clock.now());
        break;
      case 'ics214':
        html = ics214Html(incident, await wholeTimeline(incidentId));
        break;
      default: {
        const unreachable: never = form;
        throw new Error(`unknown form ${String(unreachable)}`);
      }
    }
    return reply.header('content-type', 'text/html; charset=utf-8').send(html);
  });
}

/** Every event of the incident as replay needs it. */
export async function incidentEvents(db: Kysely<Database>, incidentId: string): Promise<ReviewEvent[]> {
  const rows = await readIncidentEvents(db, incidentId);
  return rows.map((row) => {
    const meta = row.meta as ReviewEvent['meta'];
    return {
      streamId: row.stream_id,
      streamType: row.stream_type,
      version: row.version,
      type: row.type,
      data: row.data,
      meta: { ...meta, recordedAt: meta.recordedAt ?? row.recorded_at.toISOString(), occurredAt: meta.occurredAt ?? row.recorded_at.toISOString() },
    };
  });
}

/** Everything the after-action views need, read once per request. */
async function reviewFacts(deps: Pick<RouteContext, 'db' | 'engine'>, stream: StoredStream<'incident'>) {
  const incident = stream.state.context;
  const scene = (await deps.engine.tryLoad('scene', sceneStreamId(stream.streamId)))?.state.context;
  const requests: RequestFacts[] = (await listResourceRequests(deps.db, stream.streamId)).map((view) => ({
    requestId: String(view['requestId']),
    state: String(view['state']),
    requestedAt: typeof view['requestedAt'] === 'string' ? view['requestedAt'] : null,
    arrivedAt: typeof view['arrivedAt'] === 'string' ? view['arrivedAt'] : null,
  }));
  return { incidentId: stream.streamId, incident, scene: scene ?? null, requests };
}

/** The after-action metrics of an incident (also of each incident of a drill, routes/drill-review.ts). */
export async function metricsOf(deps: Pick<RouteContext, 'db' | 'engine' | 'clock'>, stream: StoredStream<'incident'>) {
  const { incidentId, incident, scene, requests } = await reviewFacts(deps, stream);
  const reports = await deps.db
    .selectFrom('report_item')
    .select(['item_id', 'kind', 'jurisdiction', 'first_due_at', 'first_submitted_at'])
    .where('incident_id', '=', incidentId)
    .orderBy('first_due_at')
    .orderBy('item_id')
    .execute();
  return afterActionMetrics(
    incident,
    scene,
    requests,
    // Timeliness against the first deadline and the first filing, charged to the room that owed it.
    reports.map((r) => ({ key: r.item_id, kind: r.kind, owedBy: r.jurisdiction, dueAt: r.first_due_at, submittedAt: r.first_submitted_at })),
    deps.clock.now(),
    (await linkedWarningStreams(deps.db, incidentId)).map((w) => w.state.context),
  );
}
