import type { JurisdictionTree } from '../jurisdiction/jurisdiction-tree';
import { linkageFor, type CompletePlanRules } from '../rules/plan-rules';
import type { Severity } from '../shared';
import type { IncidentContext, SeverityLinkage } from './incident.types';

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

/**
 * The severity an incident command leaves the incident at when it sets or changes it, for the linkage
 * to follow; null for a command that leaves it as it was (confirming at the reported severity links
 * and prompts nobody again, so a room that declined is not asked twice for the same severity).
 */
export function severitySetBy(command: { type: string; severity?: unknown }, incident: Pick<IncidentContext, 'severity' | 'suggestedSeverity'> | null): Severity | null {
  const before = incident?.severity ?? null;
  let after: Severity | null;
  switch (command.type) {
    case 'ReportIncident':
    case 'ConfirmIncident':
    case 'ClassifyIncident':
      after = typeof command.severity === 'string' ? (command.severity as Severity) : null;
      break;
    case 'ConfirmSuggestedSeverity':
      after = incident?.suggestedSeverity?.severity ?? null;
      break;
    default:
      return null;
  }
  return after !== null && after !== before ? after : null;
}
