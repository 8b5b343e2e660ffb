import type { IncidentContext } from '../incident/incident.types';
import type { JurisdictionTree } from './jurisdiction-tree';

/** The rooms that follow an incident live: its lead, the rooms linked to it and the supporting ones. */
export function roomsOf(incident: Pick<IncidentContext, 'leadJurisdiction' | 'linkedJurisdictions' | 'supportingJurisdictions'>): string[] {
  return [...new Set([incident.leadJurisdiction, ...incident.linkedJurisdictions, ...incident.supportingJurisdictions])];
}

/**
 * The visibility rule (属地管理 with linkage): an incident is visible to its lead jurisdiction, to
 * every jurisdiction above the lead, and to every linked or supporting jurisdiction.
 */
export function canSee(
  tree: JurisdictionTree,
  viewer: string,
  incident: Pick<IncidentContext, 'leadJurisdiction' | 'linkedJurisdictions' | 'supportingJurisdictions'>,
): boolean {
  return tree.isWithin(incident.leadJurisdiction, viewer) || incident.linkedJurisdictions.includes(viewer) || incident.supportingJurisdictions.includes(viewer);
}
