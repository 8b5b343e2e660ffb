import {
  ConflictError,
  DutyShiftSchema,
  IllegalTransitionError,
  ListShiftsQuerySchema,
  ListWatchQuerySchema,
  OnDutyQuerySchema,
  ReportCommandRequestSchema,
  ScoresQuerySchema,
  TriageSchema,
  ValidationError,
  WatchEntrySchema,
  parseOrThrow,
} from '@muster/contracts';
import { incidentAggregate, isOver, reportStreamId } from '@muster/domain';
import { jurisdictionsWithin } from '@muster/engine';
import {
  createShift,
  createWatchEntry,
  listShifts,
  listWatchEntries,
  onDuty,
  reportScores,
  triageWatchEntry,
  type ReportScore,
  type TriageDecision,
} from '@muster/store-postgres';
import { stringify } from 'csv-stringify/sync';
import type { FastifyRequest } from 'fastify';
import { commandOf } from '../command-envelope';
import { actorOf } from '../identity';
import { exerciseFlag, loadReadableIncident, pathParam, validId, type RouteContext } from './access';
import { reportsOf } from './record';


/**
 * Duty watch (值守) and information reporting (信息报送): the roster, the watch log and its triage,
 * report filing and timeliness scores (issue 6). Registered by buildApi after its own routes.
 */
export function registerDutyRoutes(deps: RouteContext): void {
  const { serve, engine, db, tree, clock } = deps;

  // Who may keep or read a room's roster, log and scores is the catalog's rule, checked by `serve`
  // before the handler runs; the handlers only check that a named jurisdiction exists.
  function known(jurisdiction: string, path: string): string {
    if (!tree.has(jurisdiction)) throw new ValidationError([{ path, message: `unknown jurisdiction ${jurisdiction}` }]);
    return jurisdiction;
  }

  // ---- Duty roster (值班表) ---------------------------------------------------------------------

  serve('createShift', async (request, reply) => {
    const body = parseOrThrow(DutyShiftSchema, request.body);
    const actor = actorOf(request);
    known(body.jurisdiction, 'jurisdiction');
    const shift = await createShift(db, { ...body, shiftId: body.shiftId ?? `shift-${deps.newId()}`, createdBy: actor.userId });
    return reply.status(201).send(shift);
  });

  serve('listShifts', async (request) => {
    const query = parseOrThrow(ListShiftsQuerySchema, request.query, ['query']);
    known(query.jurisdiction, 'query.jurisdiction');
    return { items: await listShifts(db, query) };
  });

  serve('onDuty', async (request) => {
    const query = parseOrThrow(OnDutyQuerySchema, request.query, ['query']);
    known(query.jurisdiction, 'query.jurisdiction');
    const at = query.at ?? clock.now().toISOString();
    return { jurisdiction: query.jurisdiction, at, items: await onDuty(db, query.jurisdiction, at) };
  });

  // ---- Watch log (值班记录) and triage ------------------------------------------------------------

  serve('createWatchEntry', async (request, reply) => {
    const body = parseOrThrow(WatchEntrySchema, request.body);
    const actor = actorOf(request);
    known(body.jurisdiction, 'jurisdiction');
    const { entryId, ...entry } = body;
    const created = await createWatchEntry(db, {
      ...entry,
      entryId: entryId ?? `watch-${deps.newId()}`,
      recordedBy: actor.userId,
      recordedAt: clock.now().toISOString(),
    });
    return reply.status(201).send(created);
  });

  serve('listWatchEntries', async (request) => {
    const query = parseOrThrow(ListWatchQuerySchema, request.query, ['query']);
    known(query.jurisdiction, 'query.jurisdiction');
    return { items: await listWatchEntries(db, { ...query, exercise: exerciseFlag(query.exercise) }) };
  });

  serve('getWatchEntry', async (_request, _reply, entry) => entry);

  serve('triageWatchEntry', async (request, _reply, entry) => {
    const body = parseOrThrow(TriageSchema, request.body);
    const actor = actorOf(request);
    const entryId = entry.entryId;
    let incidentResult: unknown = null;
    const triaged = await triageWatchEntry(db, entryId, { userId: actor.userId, at: clock.now().toISOString() }, async (open): Promise<TriageDecision> => {
      switch (body.action) {
        case 'create_incident': {
          // The same command path as POST /incidents. The command id derives from the entry, so a
          // retried triage (after a crash between the two commits) finds the incident it created.
          const result = await engine.handle({
            streamType: 'incident',
            streamId: body.incidentId ?? deps.newId(),
            type: 'ReportIncident',
            data: {
              title: body.incident.title,
              description: body.incident.description ?? open.course,
              leadJurisdiction: open.jurisdiction,
              location: { description: open.place },
              source: open.channel,
              // 接报: the reporting deadlines run from when the room took the call, not from triage.
              receivedAt: open.receivedAt,
              ...(body.incident.subtype ? { subtype: body.incident.subtype } : {}),
              ...(body.incident.category ? { category: body.incident.category } : {}),
              ...(body.incident.severity ? { severity: body.incident.severity } : {}),
              // A drill's call makes a drill's incident, whatever the form says (演练, issue 22).
              ...(open.exercise ? { exercise: true } : body.incident.exercise === undefined ? {} : { exercise: body.incident.exercise }),
            },
            actor,
            commandId: `watch-${open.entryId}`,
            occurredAt: open.occurredAt ?? open.receivedAt,
            requestId: request.id,
          });
          incidentResult = result;
          return { status: 'incident_created', incidentId: result.streamId };
        }
        case 'attach': {
          const stream = await loadReadableIncident(deps, actor, body.incidentId);
          if (isOver(incidentAggregate, stream.state)) throw new IllegalTransitionError('incident', 'attach', stream.state.value, []);
          // A drill's call and a real incident (or the reverse) never meet.
          if (stream.state.context.exercise !== open.exercise) {
            throw new ValidationError([{ path: 'incidentId', message: open.exercise ? "a drill's call attaches to a drill's incident" : "a real call attaches to a real incident" }]);
          }
          return { status: 'attached', incidentId: stream.streamId };
        }
        case 'dismiss':
          return { status: 'dismissed', dismissReason: body.reason };
        default: {
          const unknown: never = body;
          throw new ConflictError(`unknown triage ${JSON.stringify(unknown)}`);
        }
      }
    });
    return incidentResult === null ? { entry: triaged } : { entry: triaged, incident: incidentResult };
  });

  // ---- Report obligation of an incident (初报/续报/终报) --------------------------------------------

  serve('reportCommand', async (request) => {
    const body = parseOrThrow(ReportCommandRequestSchema, request.body);
    return engine.handle(commandOf(request, 'report', reportStreamId(validId('incident', pathParam(request, 'incidentId'))), body));
  });

  serve('getReports', async (_request, _reply, incident) => reportsOf(engine, db, incident.streamId));

  // ---- Timeliness scores (考核通报) ---------------------------------------------------------------

  async function scores(request: FastifyRequest): Promise<{ from: string; to: string; asOf: string; items: ReportScore[] }> {
    const query = parseOrThrow(ScoresQuerySchema, request.query, ['query']);
    const actor = actorOf(request);
    // The units a room scores: itself and every unit below it (the city room publishes its counties').
    const units = query.jurisdiction !== undefined ? [known(query.jurisdiction, 'query.jurisdiction')] : jurisdictionsWithin(tree, actor.jurisdiction);
    // Reports due after now are not yet late or missing; they count once filed or once due.
    const asOf = new Date(Math.min(Date.parse(query.to), clock.now().getTime())).toISOString();
    return { from: query.from, to: query.to, asOf, items: await reportScores(db, { from: query.from, to: query.to, asOf, jurisdictions: units }) };
  }

  serve('reportScores', async (request) => scores(request));

  serve('reportScoresCsv', async (request, reply) => {
    const result = await scores(request);
    const csv = stringify(
      result.items.map((s) => ({ ...s, name: tree.get(s.jurisdiction)?.name ?? '' })),
      {
        // A byte-order mark, so spreadsheet programs read the headers and unit names (UTF-8 Chinese) correctly.
        bom: true,
        header: true,
        columns: [
          { key: 'jurisdiction', header: '单位代码' },
          { key: 'name', header: '单位' },
          { key: 'assessed', header: '应报' },
          { key: 'onTime', header: '按时' },
          { key: 'late', header: '迟报' },
          { key: 'missing', header: '漏报' },
          { key: 'onTimeRate', header: '按时率' },
          { key: 'meanLatenessMinutes', header: '平均迟报分钟' },
          { key: 'worstLatenessMinutes', header: '最长迟报分钟' },
          { key: 'filed', header: '报送数' },
          { key: 'complete', header: '内容完整数' },
          { key: 'completenessRate', header: '内容完整率' },
          { key: 'returned', header: '退回次数' },
        ],
      },
    );
    const period = `${result.from.slice(0, 10)}_${result.to.slice(0, 10)}`;
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="report-scores_${period}.csv"`)
      .send(csv);
  });
}
