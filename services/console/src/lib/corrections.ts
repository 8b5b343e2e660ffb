import { isOver } from './incident-actions';

/**
 * Who is offered to correct the record (the command policy's `correction` rule): a duty officer or
 * leader of the lead room or of a room above it, while the incident is open (the server refuses
 * every command under a closed incident). A reviewer reads and never writes, whatever else he holds.
 */
export function mayCorrect(
  state: string,
  viewer: { roles: readonly string[]; room: string },
  lead: string,
  parentOf: (code: string) => string | null | undefined,
): boolean {
  const staff = !viewer.roles.includes('reviewer') && viewer.roles.some((r) => r === 'duty_officer' || r === 'leader');
  return !isOver(state) && staff && leadsOrAbove(viewer.room, lead, parentOf);
}

/** The room is the lead or lies above it in the tree the console knows. */
function leadsOrAbove(room: string, lead: string, parentOf: (code: string) => string | null | undefined): boolean {
  const seen = new Set<string>();
  for (let code: string | null | undefined = lead; code != null && !seen.has(code); code = parentOf(code)) {
    if (code === room) return true;
    seen.add(code);
  }
  return false;
}
