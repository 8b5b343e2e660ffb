import { JurisdictionQuerySchema, parseOrThrow } from '@muster/contracts';
import { jurisdictionsWithin } from '@muster/engine';
import type { UserDirectory } from '@muster/identity';
import { actorOf } from '../identity';
import type { RouteContext } from './access';

/**
 * GET /people: the people of the login directory, so that a room picks a commander or a deputy by
 * name. One room asked for (its readability is the catalog's rule: that room and the rooms above
 * it), or the caller's room and every room below it. Deployments whose logins are an identity
 * provider's (JWKS only) have no directory: the list is empty and the console asks for a name.
 */
export function registerPeopleRoutes({ serve, tree }: RouteContext, users: UserDirectory | undefined): void {
  serve('people', async (request) => {
    const query = parseOrThrow(JurisdictionQuerySchema, request.query, ['query']);
    const actor = actorOf(request);
    if (!users || actor.roles.length === 0) return { items: [] };
    const rooms = new Set(query.jurisdiction !== undefined ? [query.jurisdiction] : jurisdictionsWithin(tree, actor.jurisdiction));
    const items = users
      .list()
      .filter((u) => rooms.has(u.jurisdiction))
      .map((u) => ({ userId: u.username, name: u.name, roles: [...u.roles], jurisdiction: u.jurisdiction }))
      .sort((a, b) => a.jurisdiction.localeCompare(b.jurisdiction) || a.name.localeCompare(b.name, 'zh-CN'));
    return { items };
  });
}
