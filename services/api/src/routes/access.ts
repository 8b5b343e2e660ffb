import { ForbiddenError, IdSchema, NotFoundError, ROUTE_CATALOG, ValidationError, type RouteAccess, type RouteId, type RouteTargetKind } from '@muster/contracts';
import { warningStreamId, type Actor, type JurisdictionTree, type RuleBook } from '@muster/domain';
import { canKeepDutyRecordsOf, canKeepInterviewsOf, canKeepReferenceDataOf, canReadIncident, canReadJurisdiction, type Engine, type StoredStream } from '@muster/engine';
import { findContact, findDepot, findTeam, getWatchEntry, type ContactRecord, type Database, type DepotView, type TeamView, type WatchEntryView } from '@muster/store-postgres';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { actorOf } from '../identity';

/** What a `read`/`keep` route's path names, resolved and checked before its handler runs. */
export interface RouteTargets {
  incident: StoredStream<'incident'>;
  resourceRequest: StoredStream<'resourceRequest'>;
  depot: DepotView;
  team: TeamView;
  watchEntry: WatchEntryView;
  warning: StoredStream<'warning'>;
  contact: ContactRecord;
}

type AccessOf<Id extends RouteId> = (typeof ROUTE_CATALOG)[Id]['access'];
type TargetOf<Id extends RouteId> = AccessOf<Id> extends { target: infer K extends RouteTargetKind } ? RouteTargets[K] : undefined;

type Params = Record<string, string | undefined>;
export type RouteRequest = FastifyRequest<{ Params: Params }>;
export type RouteHandler<Id extends RouteId> = (request: RouteRequest, reply: FastifyReply, target: TargetOf<Id>) => Promise<unknown>;

export interface AccessDependencies {
  engine: Engine;
  db: Kysely<Database>;
  tree: JurisdictionTree;
}

/**
 * The incident, when the actor may read it; otherwise the same NotFoundError as for an incident that
 * does not exist (by default of the incident; a route about a stream under it passes its own).
 */
export async function loadReadableIncident(
  deps: Pick<AccessDependencies, 'engine' | 'tree'>,
  actor: Actor,
  incidentId: string,
  missing: NotFoundError = new NotFoundError('incident', incidentId),
): Promise<StoredStream<'incident'>> {
  if (!IdSchema.safeParse(incidentId).success) throw missing;
  const stream = await deps.engine.tryLoad('incident', incidentId);
  if (!stream || !canReadIncident(deps.tree, actor, stream.state.context)) throw missing;
  return stream;
}

/** An id that cannot be valid names nothing: the same 404 as a well-formed id that names nothing. */
export function validId(what: string, id: string): string {
  if (!IdSchema.safeParse(id).success) throw new NotFoundError(what, id);
  return id;
}

/** A path parameter (present by construction of the route's path). */
export function pathParam(request: RouteRequest, name: string): string {
  return request.params[name] ?? '';
}

/**
 * Registers the routes of the catalog: method and path come from ROUTE_CATALOG, and the route's
 * access rule runs before its handler sees anything (issue 14). A target the caller may not read is
 * answered exactly like a missing one.
 */
export function routeRegistrar(app: FastifyInstance, deps: AccessDependencies) {
  const { engine, db, tree } = deps;

  const readableIncident = (actor: Actor, incidentId: string, missing: NotFoundError) => loadReadableIncident(deps, actor, incidentId, missing);

  async function resolve(kind: RouteTargetKind, actor: Actor, id: string, keep: boolean): Promise<RouteTargets[RouteTargetKind]> {
    switch (kind) {
      case 'incident':
        return readableIncident(actor, validId('incident', id), new NotFoundError('incident', id));
      case 'resourceRequest': {
        const missing = new NotFoundError('resourceRequest', id);
        const stream = await engine.tryLoad('resourceRequest', validId('resourceRequest', id));
        if (!stream) throw missing;
        await readableIncident(actor, stream.state.context.incidentId, missing);
        return stream;
      }
      case 'depot': {
        const depot = await findDepot(db, validId('depot', id));
        if (!depot || !canReadJurisdiction(tree, actor, depot.jurisdiction)) throw new NotFoundError('depot', id);
        if (keep && !canKeepReferenceDataOf(actor, depot.jurisdiction)) throw new ForbiddenError(`depot ${id} is kept by its own room`, { depotId: id });
        return depot;
      }
      case 'team': {
        const team = await findTeam(db, validId('team', id));
        if (!team || !canReadJurisdiction(tree, actor, team.jurisdiction)) throw new NotFoundError('team', id);
        if (keep && !canKeepReferenceDataOf(actor, team.jurisdiction)) throw new ForbiddenError(`team ${id} is kept by its own room`, { teamId: id });
        return team;
      }
      case 'watchEntry': {
        let entry: WatchEntryView;
        try {
          entry = await getWatchEntry(db, validId('watch entry', id));
        } catch (error) {
          if (error instanceof NotFoundError) throw new NotFoundError('watch entry', id);
          throw error;
        }
        if (!canReadJurisdiction(tree, actor, entry.jurisdiction)) throw new NotFoundError('watch entry', id);
        if (keep && !canKeepDutyRecordsOf(tree, actor, entry.jurisdiction)) throw new ForbiddenError(`watch entry ${id} is kept by its duty room or a room above it`, { entryId: id });
        return entry;
      }
      case 'warning': {
        // A warning belongs to its room: read by it and the rooms above it, like the room's records.
        const stream = await engine.tryLoad('warning', warningStreamId(validId('warning', id)));
        if (!stream || !canReadJurisdiction(tree, actor, stream.state.context.jurisdiction)) throw new NotFoundError('warning', id);
        return stream;
      }
      case 'contact': {
        // The registry of a county: read by it and the rooms above it, kept by the same (the city keeps all, no county another's).
        const contact = await findContact(db, validId('contact', id));
        if (!contact || !canReadJurisdiction(tree, actor, contact.jurisdiction)) throw new NotFoundError('contact', id);
        if (keep && !canKeepDutyRecordsOf(tree, actor, contact.jurisdiction)) throw new ForbiddenError(`contact ${id} is kept by its county's room or a room above it`, { contactId: id });
        return contact;
      }
      default: {
        const unknown: never = kind;
        throw new Error(`no resolver for route target ${String(unknown)}`);
      }
    }
  }

  /** The jurisdiction a `*-jurisdiction` rule names: known to the tree (jurisdictions are public). */
  function namedJurisdiction(source: unknown, path: string): string | undefined {
    const value = typeof source === 'object' && source !== null ? (source as Record<string, unknown>)['jurisdiction'] : undefined;
    if (value === undefined) return undefined;
    // A malformed value is left to the route's schema, which names the field.
    if (typeof value !== 'string') return undefined;
    if (!tree.has(value)) throw new ValidationError([{ path, message: `unknown jurisdiction ${value}` }]);
    return value;
  }

  /** Why the actor may not keep what the rule covers of `jurisdiction`; null when it may. */
  function keepRefusal(rule: Extract<RouteAccess, { kind: 'keep-jurisdiction' }>['rule'], actor: Actor, jurisdiction: string): string | null {
    switch (rule) {
      case 'duty-records':
        return canKeepDutyRecordsOf(tree, actor, jurisdiction) ? null : `the duty records of ${jurisdiction} are kept by its duty room or a room above it`;
      case 'reference-data':
        return canKeepReferenceDataOf(actor, jurisdiction) ? null : `the depots and teams of ${jurisdiction} are kept by its own room`;
      case 'interviews':
        return canKeepInterviewsOf(tree, actor, jurisdiction) ? null : `约谈 records of ${jurisdiction} are kept by the rooms above it`;
      case 'contacts':
        return canKeepDutyRecordsOf(tree, actor, jurisdiction) ? null : `the contacts of ${jurisdiction} are kept by its room or a room above it`;
      default: {
        const unknown: never = rule;
        throw new Error(`no keeping rule ${String(unknown)}`);
      }
    }
  }

  async function authorize(access: RouteAccess, request: RouteRequest): Promise<RouteTargets[RouteTargetKind] | undefined> {
    switch (access.kind) {
      case 'public':
      case 'signed-in':
      case 'command':
        // Signed-in routes answer only what is the caller's own or scoped to its rooms; commands are
        // authorized by the engine (incident visibility first, then the command policy).
        return undefined;
      case 'read':
      case 'keep':
        return resolve(access.target, actorOf(request), pathParam(request, access.param), access.kind === 'keep');
      case 'read-jurisdiction': {
        const actor = actorOf(request);
        const jurisdiction = namedJurisdiction(request.query, 'query.jurisdiction');
        if (jurisdiction !== undefined && !canReadJurisdiction(tree, actor, jurisdiction)) {
          throw new ForbiddenError(`what belongs to ${jurisdiction} is read by its room and the rooms above it`, { jurisdiction });
        }
        return undefined;
      }
      case 'keep-jurisdiction': {
        const actor = actorOf(request);
        const jurisdiction = namedJurisdiction(request.body, 'jurisdiction');
        if (jurisdiction === undefined) return undefined;
        const refusal = keepRefusal(access.rule, actor, jurisdiction);
        if (refusal !== null) throw new ForbiddenError(refusal, { jurisdiction });
        return undefined;
      }
      default: {
        const unknown: never = access;
        throw new Error(`no access rule ${JSON.stringify(unknown)}`);
      }
    }
  }

  return function serve<Id extends RouteId>(id: Id, handler: RouteHandler<Id>): void {
    const spec = ROUTE_CATALOG[id];
    app.route({
      method: spec.method,
      url: spec.path,
      handler: async (request: RouteRequest, reply) => {
        const target = await authorize(spec.access, request);
        // The resolver returns the target of the kind the catalog names for this route.
        return handler(request, reply, target as TargetOf<Id>);
      },
    });
  };
}


type RouteRegistrar = ReturnType<typeof routeRegistrar>;

/** What every route module is registered with: the catalog's registrar and the api's dependencies. */
export interface RouteContext extends AccessDependencies {
  serve: RouteRegistrar;
  rules: RuleBook;
  clock: { now(): Date };
  newId(): string;
  /** The secret of warnings' acknowledgement links (issue 21); null: the public ack routes answer 404. */
  ackLinks: { secret: Uint8Array } | null;
}

/** The store's filter for a list's `exercise` query: real incidents only, drills only, or (`all`) no filter. */
export function exerciseFlag(filter: 'false' | 'true' | 'all'): boolean | undefined {
  return filter === 'all' ? undefined : filter === 'true';
}
