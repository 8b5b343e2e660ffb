import { isOver } from './incident-actions';
import { leadsOrAbove } from './standing';

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
