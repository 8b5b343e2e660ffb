import { DepotSchema, JurisdictionQuerySchema, SetStockSchema, TeamSchema, TeamStatusSchema, parseOrThrow } from '@muster/contracts';
import type { Actor } from '@muster/domain';
import { jurisdictionsWithin } from '@muster/engine';
import { changeEntry, createDepot, createTeam, findEntry, getDepot, listDepots, listTeams, setStock, setTeamStatus, type RegistryChange } from '@muster/store-postgres';
import { actorOf } from '../identity';
import type { RouteContext } from './access';

/**
 * Depots, their stock and rescue teams: reference data each room keeps for itself. Who may read and
 * keep them is the catalog's rule, checked before these handlers run (routes/access.ts).
 */
export function registerReferenceDataRoutes({ serve, db, tree, clock, newId }: RouteContext): void {
  const changeBy = (actor: Actor): RegistryChange => ({ actor, now: clock.now().toISOString(), commandId: newId(), newId });

  /** One jurisdiction asked for (its readability is the catalog's rule), or every one the caller's room reads. */
  function readableUnits(actor: Actor, jurisdiction: string | undefined): string[] {
    if (actor.roles.length === 0) return [];
    return jurisdiction !== undefined ? [jurisdiction] : jurisdictionsWithin(tree, actor.jurisdiction);
  }

  serve('createDepot', async (request, reply) => {
    const body = parseOrThrow(DepotSchema, request.body);
    await createDepot(db, body);
    return reply.status(201).send(await getDepot(db, body.depotId));
  });
  serve('listDepots', async (request) => {
    const query = parseOrThrow(JurisdictionQuerySchema, request.query, ['query']);
    return { items: await listDepots(db, { jurisdictions: readableUnits(actorOf(request), query.jurisdiction) }) };
  });
  serve('getDepot', async (_request, _reply, depot) => depot);
  serve('setStock', async (request, _reply, depot) => {
    const body = parseOrThrow(SetStockSchema, request.body);
    // A depot of the registries (issue 23) is counted by an event, so the log keeps implying its stock.
    const entry = await findEntry(db, 'depot', depot.depotId);
    if (entry?.registry === 'depot') {
      const items = body.items.map((item) => {
        const line = entry.stock.find((s) => s.kind === item.kind);
        return { kind: item.kind, quantity: item.quantity, unit: line?.unit ?? '件', returnable: item.returnable ?? line?.returnable ?? false, expiresOn: line?.expiresOn ?? null };
      });
      await changeEntry(db, 'depot', depot.depotId, { registry: 'depot', type: 'CountStock', items }, changeBy(actorOf(request)));
    } else {
      await setStock(db, depot.depotId, body.items);
    }
    return getDepot(db, depot.depotId);
  });

  serve('createTeam', async (request, reply) => {
    const body = parseOrThrow(TeamSchema, request.body);
    await createTeam(db, body);
    return reply.status(201).send({ ...body, status: 'available' });
  });
  serve('setTeamStatus', async (request, _reply, team) => {
    const body = parseOrThrow(TeamStatusSchema, request.body);
    // A team of the registries changes readiness by an event (refused while it is assigned, like here).
    const entry = await findEntry(db, 'team', team.teamId);
    if (entry?.registry === 'team') {
      if (entry.readiness !== body.status) await changeEntry(db, 'team', team.teamId, { registry: 'team', type: 'ChangeReadiness', readiness: body.status }, changeBy(actorOf(request)));
    } else {
      await setTeamStatus(db, team.teamId, body.status);
    }
    return { teamId: team.teamId, status: body.status };
  });
  serve('listTeams', async (request) => {
    const query = parseOrThrow(JurisdictionQuerySchema, request.query, ['query']);
    return { items: await listTeams(db, readableUnits(actorOf(request), query.jurisdiction)) };
  });
}
