import { DepotSchema, JurisdictionQuerySchema, SetStockSchema, TeamSchema, TeamStatusSchema, parseOrThrow } from '@muster/contracts';
import type { Actor } from '@muster/domain';
import { jurisdictionsWithin } from '@muster/engine';
import { createDepot, createTeam, getDepot, listDepots, listTeams, setStock, setTeamStatus } from '@muster/store-postgres';
import { actorOf } from '../identity';
import type { RouteContext } from './access';

/**
 * Depots, their stock and rescue teams: reference data each room keeps for itself. Who may read and
 * keep them is the catalog's rule, checked before these handlers run (routes/access.ts).
 */
export function registerReferenceDataRoutes({ serve, db, tree }: RouteContext): void {
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
    await setStock(db, depot.depotId, body.items);
    return getDepot(db, depot.depotId);
  });

  serve('createTeam', async (request, reply) => {
    const body = parseOrThrow(TeamSchema, request.body);
    await createTeam(db, body);
    return reply.status(201).send({ ...body, status: 'available' });
  });
  serve('setTeamStatus', async (request, _reply, team) => {
    const body = parseOrThrow(TeamStatusSchema, request.body);
    await setTeamStatus(db, team.teamId, body.status);
    return { teamId: team.teamId, status: body.status };
  });
  serve('listTeams', async (request) => {
    const query = parseOrThrow(JurisdictionQuerySchema, request.query, ['query']);
    return { items: await listTeams(db, readableUnits(actorOf(request), query.jurisdiction)) };
  });
}
