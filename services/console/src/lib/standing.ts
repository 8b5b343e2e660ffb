/**
 * Where a room stands to an incident in the jurisdiction tree the console knows, as the command
 * policy asks it (packages/engine/src/authorization.ts): the lead or a room above it, or a room the
 * incident involves at all (canSee: lead, above it, linked or supporting).
 */

type ParentOf = (code: string) => string | null | undefined;

/** The room is the lead or lies above it. */
export function leadsOrAbove(room: string, lead: string, parentOf: ParentOf): boolean {
  const seen = new Set<string>();
  for (let code: string | null | undefined = lead; code != null && !seen.has(code); code = parentOf(code)) {
    if (code === room) return true;
    seen.add(code);
  }
  return false;
}

/** The incident involves the room: it leads, lies above the lead, or is linked or supporting. */
export function involves(room: string, incident: { leadJurisdiction: string; linkedJurisdictions: readonly string[]; supportingJurisdictions: readonly string[] }, parentOf: ParentOf): boolean {
  return leadsOrAbove(room, incident.leadJurisdiction, parentOf) || incident.linkedJurisdictions.includes(room) || incident.supportingJurisdictions.includes(room);
}
