import type { JurisdictionTree } from '../jurisdiction/jurisdiction-tree';
import { linkageFor, type CompletePlanRules } from '../rules/plan-rules';
import type { Severity } from '../shared';
import type { SeverityLinkage } from './incident.types';

/**
 * What the linkage rules say for a severity, resolved against the tree (市县联动): the rooms above the
 * lead of the levels the rule links, nearest first, and the one of the level it prompts to take the
 * lead. A level with no room above the lead (a city-led incident has no city above it) names nobody.
 */
export function linkageAbove(rules: Pick<CompletePlanRules, 'linkage'>, tree: JurisdictionTree, lead: string, severity: Severity): SeverityLinkage {
  const rule = linkageFor(rules, severity);
  if (!rule) return { rule: null, link: [], promptLead: null };
  const above = tree.ancestorsOf(lead);
  const levelOf = (code: string) => tree.get(code)?.level;
  const linked = new Set<string>(rule.link);
  return {
    rule: rule.id,
    link: above.filter((code) => linked.has(levelOf(code) ?? '')),
    promptLead: (rule.promptLead === null ? undefined : above.find((code) => levelOf(code) === rule.promptLead)) ?? null,
  };
}
