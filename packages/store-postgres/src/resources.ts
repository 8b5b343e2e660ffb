import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '@muster/contracts';
import type { PersistedState, RequestContext } from '@muster/domain';
import type { StoreEffect } from '@muster/engine';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from './database';
import type { RescueTeamRow } from './tables/rescue-team.table';
import { cancelDeadlines, scheduleDeadline } from './deadlines';
import { recordTeamMoves } from './registries';

type Items = { kind: string; quantity: number }[];

/** Same kinds in the same order in every transaction, so concurrent dispatches never deadlock. */
function sorted(items: Items): Items {
  const merged = new Map<string, number>();
  for (const item of items) merged.set(item.kind, (merged.get(item.kind) ?? 0) + item.quantity);
  return [...merged].sort(([a], [b]) => a.localeCompare(b)).map(([kind, quantity]) => ({ kind, quantity }));
}

/**
 * A room dispatches from its own depots only. The refusal reads the same whether the depot belongs to
 * another room or does not exist, so a dispatch cannot be used to probe other rooms' depots.
 */
async function requireOwnDepot(trx: Transaction<Database>, depotId: string, room: string | undefined): Promise<void> {
  if (room === undefined) return;
  const own = await trx.selectFrom('depot').select('depot_id').where('depot_id', '=', depotId).where('jurisdiction', '=', room).executeTakeFirst();
  if (!own) {
    throw new ForbiddenError(`depot ${depotId} is not a depot of the dispatching room ${room}; ask the room that keeps it to dispatch from its own stock`, { depotId, room });
  }
}

async function takeStock(trx: Transaction<Database>, depotId: string, items: Items, room: string | undefined): Promise<void> {
  await requireOwnDepot(trx, depotId, room);
  for (const item of sorted(items)) {
    // Decrement only when enough is there: the row lock serialises concurrent dispatches of one kind.
    const taken = await trx
      .updateTable('depot_stock')
      .set({ quantity: sql`quantity - ${item.quantity}` })
      .where('depot_id', '=', depotId)
      .where('kind', '=', item.kind)
      .where('quantity', '>=', item.quantity)
      .returning('quantity')
      .executeTakeFirst();
    if (taken) continue;
    const stock = await trx.selectFrom('depot_stock').select('quantity').where('depot_id', '=', depotId).where('kind', '=', item.kind).executeTakeFirst();
    if (!stock) throw new ConflictError(`depot ${depotId} holds no ${item.kind}`, { depotId, kind: item.kind, requested: item.quantity, available: 0 });
    throw new ConflictError(`depot ${depotId} has ${stock.quantity} ${item.kind}, fewer than the ${item.quantity} to dispatch`, {
      depotId,
      kind: item.kind,
      requested: item.quantity,
      available: stock.quantity,
    });
  }
}

async function returnStock(trx: Transaction<Database>, depotId: string, items: Items): Promise<void> {
  for (const item of sorted(items)) {
    const back = await trx
      .updateTable('depot_stock')
      .set({ quantity: sql`quantity + ${item.quantity}` })
      .where('depot_id', '=', depotId)
      .where('kind', '=', item.kind)
      .where('returnable', '=', true)
      .executeTakeFirst();
    if (back.numUpdatedRows === 0n) {
      throw new ValidationError([{ path: 'data.returned', message: `${item.kind} is not a returnable item of depot ${depotId}` }]);
    }
  }
}

async function assignTeams(trx: Transaction<Database>, teamIds: string[], incidentId: string, room: string | undefined): Promise<void> {
  const ids = [...new Set(teamIds)].sort();
  if (room !== undefined) {
    const own = await trx.selectFrom('rescue_team').select('team_id').where('team_id', 'in', ids).where('jurisdiction', '=', room).execute();
    const others = ids.filter((id) => !own.some((r) => r.team_id === id));
    if (others.length > 0) {
      throw new ForbiddenError(`teams ${others.join(', ')} are not teams of the dispatching room ${room}; ask the room that keeps them`, { teams: others, room });
    }
  }
  const assigned = await trx
    .updateTable('rescue_team')
    .set({ status: 'assigned', incident_id: incidentId })
    .where('team_id', 'in', ids)
    .where('status', '=', 'available')
    .returning('team_id')
    .execute();
  if (assigned.length !== ids.length) {
    const got = new Set(assigned.map((r) => r.team_id));
    const unavailable = ids.filter((id) => !got.has(id));
    throw new ConflictError(`teams not available: ${unavailable.join(', ')}`, { unavailable });
  }
  await recordTeamMoves(trx, ids, { readiness: 'assigned', incidentId, by: room ?? 'system', type: 'TeamAssigned' });
}

async function releaseTeams(trx: Transaction<Database>, teamIds: string[]): Promise<void> {
  const released = await trx
    .updateTable('rescue_team')
    .set({ status: 'available', incident_id: null })
    .where('team_id', 'in', [...new Set(teamIds)].sort())
    .where('status', '=', 'assigned')
    .returning('team_id')
    .execute();
  await recordTeamMoves(
    trx,
    released.map((r) => r.team_id),
    { readiness: 'available', incidentId: null, by: 'system', type: 'TeamReleased' },
  );
}

/** Applies reference-data effects inside the command's transaction; any failure rolls back the command. */
export async function applyEffects(trx: Transaction<Database>, effects: readonly StoreEffect[]): Promise<void> {
  for (const effect of effects) {
    switch (effect.kind) {
      case 'takeStock':
        await takeStock(trx, effect.depotId, effect.items, effect.room);
        break;
      case 'returnStock':
        await returnStock(trx, effect.depotId, effect.items);
        break;
      case 'assignTeams':
        await assignTeams(trx, effect.teamIds, effect.incidentId, effect.room);
        break;
      case 'releaseTeams':
        await releaseTeams(trx, effect.teamIds);
        break;
      case 'scheduleDeadline':
        await scheduleDeadline(trx, effect.deadline);
        break;
      case 'cancelDeadlines':
        await cancelDeadlines(trx, effect);
        break;
      default: {
        const unknown: never = effect;
        throw new Error(`unknown store effect ${JSON.stringify(unknown)}`);
      }
    }
  }
}

export async function projectResourceRequest(trx: Transaction<Database>, requestId: string, version: number, state: PersistedState<RequestContext>): Promise<void> {
  // The context carries the request's own id (requestId) from its first command on.
  const view = { version, state: state.value, ...state.context };
  const row = {
    incident_id: state.context.incidentId,
    state: state.value,
    version,
    updated_at: state.context.updatedAt ?? new Date(0).toISOString(),
    view: JSON.stringify(view),
  };
  await trx
    .insertInto('resource_request')
    .values({ request_id: requestId, ...row })
    .onConflict((oc) => oc.column('request_id').doUpdateSet(row))
    .execute();
}

export async function listResourceRequests(db: Kysely<Database>, incidentId: string): Promise<Record<string, unknown>[]> {
  const rows = await db.selectFrom('resource_request').select('view').where('incident_id', '=', incidentId).orderBy('request_id').execute();
  return rows.map((r) => r.view);
}

// ---- Reference data: depots, stock, rescue teams -------------------------------------------------

export interface DepotInput {
  depotId: string;
  name: string;
  jurisdiction: string;
  location?: string | undefined;
}

export async function createDepot(db: Kysely<Database>, depot: DepotInput): Promise<void> {
  const inserted = await db
    .insertInto('depot')
    .values({ depot_id: depot.depotId, name: depot.name, jurisdiction: depot.jurisdiction, location: depot.location ?? null })
    .onConflict((oc) => oc.column('depot_id').doNothing())
    .returning('depot_id')
    .executeTakeFirst();
  if (!inserted) throw new ConflictError(`depot ${depot.depotId} already exists`);
}

/** Sets the stock of each listed kind (a count after a stocktake or a restock). */
export async function setStock(db: Kysely<Database>, depotId: string, items: { kind: string; quantity: number; returnable?: boolean | undefined }[]): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const depot = await trx.selectFrom('depot').select('depot_id').where('depot_id', '=', depotId).forUpdate().executeTakeFirst();
    if (!depot) throw new NotFoundError('depot', depotId);
    for (const item of items) {
      await trx
        .insertInto('depot_stock')
        .values({ depot_id: depotId, kind: item.kind, quantity: item.quantity, returnable: item.returnable ?? false })
        .onConflict((oc) =>
          oc.columns(['depot_id', 'kind']).doUpdateSet({ quantity: item.quantity, ...(item.returnable === undefined ? {} : { returnable: item.returnable }) }),
        )
        .execute();
    }
  });
}

export interface DepotView {
  depotId: string;
  name: string;
  jurisdiction: string;
  location: string | null;
  stock: { kind: string; quantity: number; returnable: boolean }[];
}

export async function getDepot(db: Kysely<Database>, depotId: string): Promise<DepotView> {
  const depot = await findDepot(db, depotId);
  if (!depot) throw new NotFoundError('depot', depotId);
  return depot;
}

/** The depot, or null when there is none by that id. */
export async function findDepot(db: Kysely<Database>, depotId: string): Promise<DepotView | null> {
  const [depot] = await listDepots(db, { depotId });
  return depot ?? null;
}

/** Depots with their stock, of the given jurisdictions (or the one depot asked for), by id. */
export async function listDepots(db: Kysely<Database>, filter: { jurisdictions?: readonly string[]; depotId?: string }): Promise<DepotView[]> {
  if (filter.jurisdictions?.length === 0) return [];
  let query = db.selectFrom('depot').selectAll().orderBy('depot_id');
  if (filter.jurisdictions) query = query.where('jurisdiction', 'in', [...filter.jurisdictions]);
  if (filter.depotId !== undefined) query = query.where('depot_id', '=', filter.depotId);
  const depots = await query.execute();
  if (depots.length === 0) return [];
  const stock = await db
    .selectFrom('depot_stock')
    .select(['depot_id', 'kind', 'quantity', 'returnable'])
    .where(
      'depot_id',
      'in',
      depots.map((d) => d.depot_id),
    )
    .orderBy('depot_id')
    .orderBy('kind')
    .execute();
  return depots.map((d) => ({
    depotId: d.depot_id,
    name: d.name,
    jurisdiction: d.jurisdiction,
    location: d.location,
    stock: stock.filter((s) => s.depot_id === d.depot_id).map(({ kind, quantity, returnable }) => ({ kind, quantity, returnable })),
  }));
}

export interface TeamInput {
  teamId: string;
  name: string;
  jurisdiction: string;
  specialty?: string | undefined;
}

export async function createTeam(db: Kysely<Database>, team: TeamInput): Promise<void> {
  const inserted = await db
    .insertInto('rescue_team')
    .values({ team_id: team.teamId, name: team.name, jurisdiction: team.jurisdiction, specialty: team.specialty ?? null, status: 'available', incident_id: null })
    .onConflict((oc) => oc.column('team_id').doNothing())
    .returning('team_id')
    .executeTakeFirst();
  if (!inserted) throw new ConflictError(`team ${team.teamId} already exists`);
}

/** Available ⇄ out of service; an assigned team changes only through its request's release. */
export async function setTeamStatus(db: Kysely<Database>, teamId: string, status: 'available' | 'out_of_service'): Promise<void> {
  const updated = await db
    .updateTable('rescue_team')
    .set({ status })
    .where('team_id', '=', teamId)
    .where('status', '!=', 'assigned')
    .executeTakeFirst();
  if (updated.numUpdatedRows > 0n) return;
  const team = await db.selectFrom('rescue_team').select('status').where('team_id', '=', teamId).executeTakeFirst();
  if (!team) throw new NotFoundError('team', teamId);
  throw new ConflictError(`team ${teamId} is assigned to an incident; release it through its resource request`);
}

export interface TeamView {
  teamId: string;
  name: string;
  jurisdiction: string;
  specialty: string | null;
  status: RescueTeamRow['status'];
  incidentId: string | null;
}

const teamView = (r: RescueTeamRow): TeamView => ({ teamId: r.team_id, name: r.name, jurisdiction: r.jurisdiction, specialty: r.specialty, status: r.status, incidentId: r.incident_id });

/** Teams of the given jurisdictions, by id. */
export async function listTeams(db: Kysely<Database>, jurisdictions: readonly string[]): Promise<TeamView[]> {
  if (jurisdictions.length === 0) return [];
  const rows = await db.selectFrom('rescue_team').selectAll().where('jurisdiction', 'in', [...jurisdictions]).orderBy('team_id').execute();
  return rows.map(teamView);
}

/** The team, or null when there is none by that id. */
export async function findTeam(db: Kysely<Database>, teamId: string): Promise<TeamView | null> {
  const row = await db.selectFrom('rescue_team').selectAll().where('team_id', '=', teamId).executeTakeFirst();
  return row ? teamView(row) : null;
}
