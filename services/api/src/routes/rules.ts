import { JurisdictionQuerySchema, ValidationError, parseOrThrow } from '@muster/contracts';
import { PLAN_RULE_SECTIONS, rulesFor, sectionSource } from '@muster/domain';
import { actorOf } from '../identity';
import type { RouteContext } from './access';

/**
 * The plan rules in force in a jurisdiction (the caller's by default): every section as the engine
 * applies it there, and for each section the file it comes from (the jurisdiction's own, the nearest
 * one above with that section, or `*`, the defaults) with its version. Rules are no secret: any
 * signed-in caller reads those of any jurisdiction of the tree.
 */
export function registerRulesRoutes({ serve, tree, rules }: RouteContext): void {
  serve('rules', async (request) => {
    const query = parseOrThrow(JurisdictionQuerySchema, request.query, ['query']);
    const jurisdiction = query.jurisdiction ?? actorOf(request).jurisdiction;
    if (!tree.has(jurisdiction)) throw new ValidationError([{ path: 'query.jurisdiction', message: `unknown jurisdiction ${jurisdiction}` }]);
    return {
      jurisdiction,
      rules: rulesFor(rules, tree, jurisdiction),
      sources: Object.fromEntries(PLAN_RULE_SECTIONS.map((section) => [section, sectionSource(rules, tree, jurisdiction, section)])),
    };
  });
}
