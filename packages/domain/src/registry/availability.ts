import type { Readiness } from './registry.types';

/** What is available where: the stock of each depot and the readiness of each team. */
export interface AvailabilityState {
  stock: { depotId: string; kind: string; quantity: number }[];
  teams: { teamId: string; readiness: Readiness; incidentId: string | null }[];
}

/** An event of the log as the availability fold reads it: registry streams and resource requests. */
export interface LoggedEvent {
  streamId: string;
  type: string;
  data: Record<string, unknown>;
  incidentId: string | null;
}

type Items = { kind: string; quantity: number }[];

/**
 * The availability the event log implies, folded in log order: stock counted by StockCounted, taken
 * by ResourcesDispatched and given back by ResourcesReleased; a team available when registered, as
 * set by TeamReadinessChanged, assigned by a dispatch that names it and available again at its
 * release. The same rules as the store's effects (takeStock, returnStock, assignTeams, releaseTeams),
 * so the view the store keeps and this fold agree; a test holds them to it.
 */
export function foldAvailability(events: Iterable<LoggedEvent>): AvailabilityState {
  const stock = new Map<string, Map<string, number>>();
  const teams = new Map<string, { readiness: Readiness; incidentId: string | null }>();
  const dispatches = new Map<string, { depotId: string; teams: string[] }>();
  const registered = new Set<string>();
  const add = (depotId: string, items: Items, sign: 1 | -1) => {
    const depot = stock.get(depotId) ?? new Map<string, number>();
    for (const item of items) depot.set(item.kind, (depot.get(item.kind) ?? 0) + sign * item.quantity);
    stock.set(depotId, depot);
  };
  for (const event of events) {
    const id = event.streamId.slice(event.streamId.indexOf(':') + 1);
    switch (event.type) {
      case 'DepotRegistered':
        registered.add(event.streamId);
        stock.set(id, new Map());
        break;
      case 'StockCounted': {
        const depot = stock.get(id) ?? new Map<string, number>();
        for (const item of event.data['items'] as Items) depot.set(item.kind, item.quantity);
        stock.set(id, depot);
        break;
      }
      case 'TeamRegistered':
        registered.add(event.streamId);
        teams.set(id, { readiness: 'available', incidentId: null });
        break;
      case 'TeamReadinessChanged':
        teams.set(id, { readiness: event.data['to'] as Readiness, incidentId: null });
        break;
      case 'ResourcesDispatched': {
        const depotId = event.data['depotId'] as string;
        const named = (event.data['teams'] as string[] | undefined) ?? [];
        dispatches.set(event.streamId, { depotId, teams: named });
        add(depotId, event.data['items'] as Items, -1);
        for (const teamId of named) teams.set(teamId, { readiness: 'assigned', incidentId: event.incidentId });
        break;
      }
      case 'ResourcesReleased': {
        const dispatch = dispatches.get(event.streamId);
        if (!dispatch) break;
        add(dispatch.depotId, (event.data['returned'] as Items | undefined) ?? [], 1);
        for (const teamId of dispatch.teams) if (teams.get(teamId)?.readiness === 'assigned') teams.set(teamId, { readiness: 'available', incidentId: null });
        break;
      }
      default:
        break;
    }
  }
  // Depots and teams made outside the registries (the old /depots and /teams routes) have no
  // registration in the log: the fold speaks only of registered ones.
  for (const id of stock.keys()) if (!registered.has(`depot:${id}`)) stock.delete(id);
  for (const id of teams.keys()) if (!registered.has(`team:${id}`)) teams.delete(id);
  return {
    stock: [...stock]
      .flatMap(([depotId, kinds]) => [...kinds].map(([kind, quantity]) => ({ depotId, kind, quantity })))
      .sort((a, b) => a.depotId.localeCompare(b.depotId) || a.kind.localeCompare(b.kind)),
    teams: [...teams].map(([teamId, t]) => ({ teamId, ...t })).sort((a, b) => a.teamId.localeCompare(b.teamId)),
  };
}

/** Distance bands of the availability view, in km from the point asked about. */
const DISTANCE_BANDS = [
  { band: 'within10km', upToKm: 10 },
  { band: 'within30km', upToKm: 30 },
  { band: 'within60km', upToKm: 60 },
  { band: 'beyond60km', upToKm: Number.POSITIVE_INFINITY },
] as const;
type DistanceBand = (typeof DISTANCE_BANDS)[number]['band'];

/** Great-circle distance in km (haversine; good to well under 1% at a city's scale). */
export function distanceKm(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const rad = (d: number) => (d * Math.PI) / 180;
  const dLat = rad(b.lat - a.lat);
  const dLon = rad(b.lon - a.lon);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.min(1, Math.sqrt(h)));
}

export function bandOf(km: number): DistanceBand {
  const found = DISTANCE_BANDS.find((b) => km <= b.upToKm);
  return found ? found.band : 'beyond60km';
}
