import {
  AvailabilityQuerySchema,
  REGISTRATION_SCHEMAS,
  REGISTRY_COMMAND_SCHEMAS,
  RegistryCommandRequestSchema,
  RegistryImportSchema,
  RegistryListQuerySchema,
  RegistryExportQuerySchema,
  RegistrationRequestSchema,
  ValidationError,
  parseOrThrow,
} from '@muster/contracts';
import { bandOf, distanceKm, roomsOf, type Actor, type EntryOf, type RegistryCommand } from '@muster/domain';
import { canKeepReferenceDataOf, jurisdictionsWithin } from '@muster/engine';
import { changeEntry, countAllStock, listEntries, registerAll, registerEntry, type FiledUnder, type RegistryChange } from '@muster/store-postgres';
import { readCsv, writeCsv, type RowError, type StockRow } from '../registry-csv';
import { actorOf } from '../identity';
import { loadReadableIncident, type RouteContext } from './access';

/**
 * Registries (issue 23): teams, experts, shelters and depots, each kept by its own room and read by
 * it and the rooms above (the catalog's rules, checked before these handlers); every change is an
 * event (store-postgres registries.ts). The availability view lists what the caller's rooms can draw
 * on, nearest first; a room dispatches only from its own depots and teams (the resource request's
 * rule), so the view tells the city which county to ask.
 */
export function registerRegistryRoutes(context: RouteContext): void {
  const { serve, db, tree, clock, newId } = context;

  const changeBy = (actor: Actor, commandId?: string): RegistryChange => ({ actor, now: clock.now().toISOString(), commandId: commandId ?? newId(), newId });
  const readable = (actor: Actor, jurisdiction: string | undefined): string[] => {
    if (actor.roles.length === 0) return [];
    return jurisdiction !== undefined ? [jurisdiction] : jurisdictionsWithin(tree, actor.jurisdiction);
  };

  serve('registerEntry', async (request, reply) => {
    const { registry, commandId, ...fields } = parseOrThrow(RegistrationRequestSchema, request.body);
    const body = parseOrThrow(REGISTRATION_SCHEMAS[registry], fields);
    if (!tree.has(body.jurisdiction)) throw new ValidationError([{ path: 'jurisdiction', message: `unknown jurisdiction ${body.jurisdiction}` }]);
    return reply.status(201).send(await registerEntry(db, registry, body, changeBy(actorOf(request), commandId)));
  });

  serve('listEntries', async (request) => {
    const query = parseOrThrow(RegistryListQuerySchema, request.query, ['query']);
    return { items: await listEntries(db, query.registry, readable(actorOf(request), query.jurisdiction)) };
  });

  serve('getEntry', async (_request, _reply, entry) => entry);

  serve('entryCommand', async (request, _reply, entry) => {
    const body = parseOrThrow(RegistryCommandRequestSchema, request.body);
    const schemas: Record<string, { safeParse(v: unknown): { success: true; data: object } | { success: false; error: unknown } }> = REGISTRY_COMMAND_SCHEMAS[entry.registry];
    const schema = schemas[body.type];
    if (!schema) throw new ValidationError([{ path: 'type', message: `a ${entry.registry} takes ${Object.keys(schemas).join(', ')}` }]);
    const data = parseOrThrow(schema as never, body.data, ['data']) as Record<string, unknown>;
    const command = { registry: entry.registry, type: body.type, ...data } as RegistryCommand;
    const actor = actorOf(request);
    let filed: FiledUnder | null = null;
    // An expert's attachment and advice join the incident's timeline and feed: the incident must be one the caller reads.
    if (command.type === 'AttachExpert' || command.type === 'RecordAdvice' || (command.type === 'ReportOccupancy' && command.incidentId !== undefined)) {
      const incidentId = command.incidentId ?? '';
      const incident = await loadReadableIncident(context, actor, incidentId);
      filed = { incidentId, rooms: roomsOf(incident.state.context), exercise: incident.state.context.exercise };
    }
    return changeEntry(db, entry.registry, entry.id, command, changeBy(actor, body.commandId), filed);
  });

  serve('importEntries', async (request) => {
    const body = parseOrThrow(RegistryImportSchema, request.body);
    const file = { data: body.file };
    const actor = actorOf(request);
    const { rows, errors } = readCsv(file.data, body.csv);
    const mayKeep = (jurisdiction: string) => canKeepReferenceDataOf(actor, jurisdiction);
    // Rights are checked row by row, like the schema: a row of another room is a bad row of the file.
    const refused: RowError[] = [];
    if (file.data !== 'stock') {
      for (const row of rows) {
        const { jurisdiction } = row.value as { jurisdiction: string };
        if (!tree.has(jurisdiction)) refused.push({ line: row.line, field: 'jurisdiction', message: `unknown jurisdiction ${jurisdiction}` });
        else if (!mayKeep(jurisdiction)) refused.push({ line: row.line, field: 'jurisdiction', message: `entries of ${jurisdiction} are kept by its own room` });
      }
    }
    const all = [...errors, ...refused].sort((a, b) => a.line - b.line || a.field.localeCompare(b.field));
    const report = { dryRun: body.dryRun, rows: rows.length + new Set(errors.map((e) => e.line)).size, imported: 0, errors: all };
    if (body.dryRun || all.length > 0) {
      if (all.length > 0 && !body.dryRun) throw new ValidationError(all.map((e) => ({ path: `line ${e.line}.${e.field}`, message: e.message })));
      return report;
    }
    const change = changeBy(actor);
    const imported =
      file.data === 'stock'
        ? await countAllStock(db, rows.map((r) => ({ line: r.line, ...(r.value as StockRow) })), change, mayKeep)
        : await registerAll(db, file.data, rows.map((r) => ({ line: r.line, registration: r.value as never })), change);
    return { ...report, imported };
  });

  serve('exportEntries', async (request, reply) => {
    const query = parseOrThrow(RegistryExportQuerySchema, request.query, ['query']);
    const file = { data: query.file };
    const entries = await listEntries(db, file.data === 'stock' ? 'depot' : file.data, readable(actorOf(request), query.jurisdiction));
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${file.data}.csv"`)
      .send(writeCsv(file.data, entries));
  });

  serve('availability', async (request) => {
    const query = parseOrThrow(AvailabilityQuerySchema, request.query, ['query']);
    const actor = actorOf(request);
    if ((query.lat === undefined) !== (query.lon === undefined)) throw new ValidationError([{ path: 'query.lat', message: 'give lat and lon together' }]);
    let origin = query.lat !== undefined && query.lon !== undefined ? { lat: query.lat, lon: query.lon } : null;
    if (query.incidentId !== undefined) {
      const incident = await loadReadableIncident(context, actor, query.incidentId);
      const at = incident.state.context.location;
      if (at?.lat !== undefined && at.lon !== undefined) origin = { lat: at.lat, lon: at.lon };
    }
    const rooms = readable(actor, query.jurisdiction);
    const away = (p: { lat: number; lon: number } | null) => {
      if (!origin || !p) return { distanceKm: null, band: null };
      const km = Math.round(distanceKm(origin, p) * 10) / 10;
      return { distanceKm: km, band: bandOf(km) };
    };
    const nearestFirst = <T extends { distanceKm: number | null }>(a: T, b: T) => (a.distanceKm ?? Infinity) - (b.distanceKm ?? Infinity);
    const depots = await listEntries(db, 'depot', rooms);
    const stock = depots
      .flatMap((d: EntryOf<'depot'>) =>
        d.stock
          .filter((s) => s.quantity > 0 && (query.kind === undefined || s.kind === query.kind))
          .map((s) => ({ depotId: d.id, depotName: d.name, jurisdiction: d.jurisdiction, ownerType: d.ownerType, ownerName: d.ownerName, kind: s.kind, quantity: s.quantity, unit: s.unit, expiresOn: s.expiresOn, ...away(d.position) })),
      )
      .sort(nearestFirst);
    const teams = (await listEntries(db, 'team', rooms))
      .filter((t) => t.readiness === 'available' && (query.teamKind === undefined || t.kind === query.teamKind))
      .map((t) => ({ teamId: t.id, name: t.name, jurisdiction: t.jurisdiction, kind: t.kind, headcount: t.headcount, readiness: t.readiness, ...away(t.position) }))
      .sort(nearestFirst);
    return { origin, stock, teams };
  });
}


