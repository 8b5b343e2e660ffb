import {
  CreateHazardRequestSchema,
  HazardCommandRequestSchema,
  HazardListQuerySchema,
  InspectionSchema,
  JurisdictionQuerySchema,
  NotFoundError,
  TipOffFormSchema,
  ValidationError,
  parseOrThrow,
} from '@muster/contracts';
import { hazardStreamId, TIP_OFF_IDENTITY_RULE, type Actor } from '@muster/domain';
import { canReadJurisdiction, jurisdictionsWithin, tipOffIntakeActor, type CommandEnvelope } from '@muster/engine';
import {
  findTipOffReporter,
  hazardEvents,
  hazardsLinkedTo,
  listHazardStreams,
  listInspections,
  removeTipOffReporter,
  saveInspection,
  saveTipOffReporter,
  type StoredHazard,
} from '@muster/store-postgres';
import { stringify } from 'csv-stringify/sync';
import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import { commandOf } from '../command-envelope';
import { actorOf } from '../identity';
import { tipOffThrottle, type TipOffLimitOptions } from '../tip-off-throttle';
import { loadReadableIncident, pathParam, validId, type RouteContext, type RouteRequest } from './access';

/** A hazard as its room and the rooms above it read it: its state and version with its record. */
function viewOf({ state, version }: StoredHazard) {
  return { ...state.context, state: state.value, version };
}

type HazardFilter = z.output<typeof HazardListQuerySchema>;

/** Whether a hazard passes the register's filters; `supervision`: listed (挂牌督办) or escalated. */
function matches(hazard: ReturnType<typeof viewOf>, filter: HazardFilter): boolean {
  if (filter.grade !== undefined && hazard.grade !== filter.grade) return false;
  if (filter.state !== undefined && hazard.state !== filter.state) return false;
  if (filter.overdue !== undefined && hazard.overdue !== filter.overdue) return false;
  if (filter.source !== undefined && hazard.source !== filter.source) return false;
  const supervised = hazard.listedSupervision !== null || hazard.escalations.length > 0;
  return filter.supervision === undefined || supervised === filter.supervision;
}

const CSV_COLUMNS = ['hazardId', 'title', 'jurisdiction', 'location', 'address', 'source', 'grade', 'state', 'deadline', 'overdue', 'listedDeadline'] as const;

/**
 * Hazards (风险隐患, issue 24): the register, the rectification commands (the engine's command policy
 * decides who may), inspections whose findings open or update hazards, the public tip-off form, and
 * the reporter's identity — kept in its own table, answered only to the role TIP_OFF_IDENTITY_RULE
 * names, and to everyone else exactly as if the tip-off did not exist.
 */
export function registerHazardRoutes(app: FastifyInstance, { serve, engine, db, tree, clock, newId }: RouteContext, limits?: TipOffLimitOptions): void {
  const throttle = tipOffThrottle(app, limits);

  /** The register of the rooms the caller reads (or of one of them and those below it), filtered. */
  async function register(request: RouteRequest) {
    const filter = parseOrThrow(HazardListQuerySchema, request.query, ['query']);
    const actor = actorOf(request);
    const rooms = actor.roles.length === 0 ? [] : jurisdictionsWithin(tree, filter.jurisdiction ?? actor.jurisdiction);
    return (await listHazardStreams(db, rooms)).map(viewOf).filter((h) => matches(h, filter));
  }

  /** An incident is named only if the sender's room can see it: any other id is one 400 naming the field. */
  async function checkLinkable(request: RouteRequest, incidentId: unknown): Promise<void> {
    try {
      await loadReadableIncident({ engine, tree }, actorOf(request), String(incidentId));
    } catch (error) {
      if (error instanceof NotFoundError) throw new ValidationError([{ path: 'data.incidentId', message: 'must be an incident your room can see' }]);
      throw error;
    }
  }

  serve('reportHazard', async (request, reply) => {
    const body = parseOrThrow(CreateHazardRequestSchema, request.body);
    const streamId = hazardStreamId(body.hazardId ?? `h-${newId()}`);
    const result = await engine.handle(commandOf(request, 'hazard', streamId, { ...body, type: 'ReportHazard', data: body.data }));
    return reply.status(201).send(result);
  });

  serve('hazardCommand', async (request) => {
    const body = parseOrThrow(HazardCommandRequestSchema, request.body);
    const streamId = hazardStreamId(validId('hazard', pathParam(request, 'hazardId')));
    if (body.type === 'LinkHazardToIncident') await checkLinkable(request, body.data?.['incidentId']);
    return engine.handle(commandOf(request, 'hazard', streamId, body));
  });

  serve('listHazards', async (request) => ({ items: await register(request) }));

  serve('exportHazards', async (request, reply) => {
    const rows = (await register(request)).map((h) => [
      h.hazardId,
      h.title,
      tree.get(h.jurisdiction)?.name ?? h.jurisdiction,
      tree.get(h.location.jurisdiction.slice(0, 6))?.name ?? h.location.jurisdiction,
      h.location.address,
      h.source,
      h.grade ?? '',
      h.state,
      h.rectification?.deadline ?? '',
      h.overdue ? 'yes' : 'no',
      h.listedSupervision?.deadline ?? '',
    ]);
    return reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="hazards.csv"').send(stringify(rows, { header: true, columns: [...CSV_COLUMNS] }));
  });

  // The catalog's `read` rule resolved the hazard: the caller's room is its room or one above it.
  serve('getHazard', async (_request, _reply, hazard) => viewOf(hazard));
  serve('hazardHistory', async (_request, _reply, hazard) => ({ items: await hazardEvents(db, hazard.streamId) }));

  // The review of an incident: the hazards it came from, with what happened to each before it.
  serve('incidentHazards', async (_request, _reply, incident) => {
    const reportedAt = Date.parse(incident.state.context.reportedAt ?? incident.state.context.receivedAt ?? '') || Number.POSITIVE_INFINITY;
    const hazards = await hazardsLinkedTo(db, incident.streamId);
    return {
      items: await Promise.all(
        hazards.map(async (hazard) => ({ hazard: viewOf(hazard), history: (await hazardEvents(db, hazard.streamId)).filter((e) => Date.parse(e.recordedAt) <= reportedAt) })),
      ),
    };
  });

  // ---- Inspections (明查暗访) ----------------------------------------------------------------------

  /**
   * Checks every finding of an inspection before any is filed, so that a refused inspection leaves
   * nothing behind: a known hazard must be one the sender's room sees and that still takes findings;
   * a new one must lie in a jurisdiction the tree knows, within the sender's room (each a 400 naming
   * the finding's field).
   */
  async function checkFindings(actor: Actor, findings: z.output<typeof InspectionSchema>['findings']): Promise<void> {
    for (const [i, finding] of findings.entries()) {
      if ('hazardId' in finding) {
        const stream = await engine.tryLoad('hazard', hazardStreamId(finding.hazardId));
        if (!stream || !canReadJurisdiction(tree, actor, stream.state.context.jurisdiction)) {
          throw new ValidationError([{ path: `findings.${i}.hazardId`, message: 'must be a hazard your room can see' }]);
        }
        if (stream.state.value === 'writtenOff' || stream.state.value === 'dismissed') {
          throw new ValidationError([{ path: `findings.${i}.hazardId`, message: 'must be a hazard still open (not written off or dismissed)' }]);
        }
      } else {
        const county = finding.location.jurisdiction.slice(0, 6);
        if (!tree.has(county) || !tree.isWithin(county, actor.jurisdiction)) {
          throw new ValidationError([{ path: `findings.${i}.location.jurisdiction`, message: 'must be a jurisdiction the tree knows within your room' }]);
        }
      }
    }
  }

  serve('createInspection', async (request, reply) => {
    const body = parseOrThrow(InspectionSchema, request.body);
    const actor = actorOf(request);
    await checkFindings(actor, body.findings);
    const inspectionId = `in-${newId()}`;
    // Each finding opens a hazard or updates one the room can see; the inspection is recorded after its findings.
    const hazards: string[] = [];
    for (const finding of body.findings) {
      if ('hazardId' in finding) {
        await engine.handle(
          commandOf(request, 'hazard', hazardStreamId(finding.hazardId), {
            type: 'RecordInspectionFinding',
            data: { inspectionId, note: finding.note, ...(finding.attachments ? { attachments: finding.attachments } : {}) },
          }),
        );
        hazards.push(finding.hazardId);
      } else {
        const hazardId = `h-${newId()}`;
        await engine.handle(
          commandOf(request, 'hazard', hazardStreamId(hazardId), {
            type: 'ReportHazard',
            data: { location: finding.location, title: finding.title, description: finding.description, source: 'inspection', inspectionId, ...(finding.attachments ? { attachments: finding.attachments } : {}) },
          }),
        );
        hazards.push(hazardId);
      }
    }
    const record = {
      inspectionId,
      jurisdiction: body.jurisdiction,
      kind: body.kind,
      subject: body.subject,
      inspectedAt: new Date(body.inspectedAt).toISOString(),
      inspectors: body.inspectors,
      attachments: body.attachments ?? [],
      hazards,
      recordedBy: actor.userId,
      recordedAt: clock.now().toISOString(),
    };
    await saveInspection(db, record);
    return reply.status(201).send(record);
  });

  serve('listInspections', async (request) => {
    const query = parseOrThrow(JurisdictionQuerySchema, request.query, ['query']);
    const actor = actorOf(request);
    const rooms = actor.roles.length === 0 ? [] : jurisdictionsWithin(tree, query.jurisdiction ?? actor.jurisdiction);
    return { items: await listInspections(db, rooms) };
  });

  // ---- Tip-offs (举报) ----------------------------------------------------------------------------

  serve('publicJurisdictions', async () => ({ items: tree.all() }));

  serve('publicTipOff', async (request, reply) => {
    await throttle(request, reply);
    const form = parseOrThrow(TipOffFormSchema, request.body);
    const county = form.location.jurisdiction.slice(0, 6);
    if (!tree.has(county)) throw new ValidationError([{ path: 'location.jurisdiction', message: `unknown jurisdiction ${form.location.jurisdiction}` }]);
    const tipOffId = `t-${newId()}`;
    const hazardId = `h-${newId()}`;
    const receivedAt = clock.now().toISOString();
    const { reporter } = form;
    // The identity goes to its own table and nowhere else: the hazard's events carry the tip-off's id only.
    await saveTipOffReporter(db, { tipOffId, hazardId, jurisdiction: county, receivedAt, name: reporter.name, phone: reporter.phone, idNumber: reporter.idNumber ?? null, address: reporter.address ?? null });
    const command: CommandEnvelope = {
      streamType: 'hazard',
      streamId: hazardStreamId(hazardId),
      type: 'ReportHazard',
      data: { location: form.location, title: form.title, description: form.description, source: 'tip_off', tipOffId, ...(form.attachments ? { attachments: form.attachments } : {}) },
      actor: tipOffIntakeActor(county),
      system: 'tip-off-intake',
      commandId: tipOffId,
      requestId: request.id,
    };
    try {
      await engine.handle(command);
    } catch (error) {
      await removeTipOffReporter(db, tipOffId);
      throw error;
    }
    return reply.status(201).send({ tipOffId, receivedAt });
  });

  /** Whether the actor may read the identity of a tip-off into `jurisdiction` (TIP_OFF_IDENTITY_RULE). */
  const mayReadIdentity = (actor: Actor, jurisdiction: string) => actor.jurisdiction === jurisdiction && actor.roles.some((role) => TIP_OFF_IDENTITY_RULE.roles.includes(role));

  serve('tipOffReporter', async (request) => {
    const tipOffId = validId('tip-off', pathParam(request, 'tipOffId'));
    const found = await findTipOffReporter(db, tipOffId);
    // Anyone else is told exactly what a tip-off that does not exist tells.
    if (found === null || !mayReadIdentity(actorOf(request), found.jurisdiction)) throw new NotFoundError('tip-off', tipOffId);
    const { name, phone, idNumber, address } = found;
    return { tipOffId, hazardId: found.hazardId, receivedAt: found.receivedAt, reporter: { name, phone, idNumber, address }, rule: TIP_OFF_IDENTITY_RULE.source };
  });
}
