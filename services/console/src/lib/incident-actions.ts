/**
 * What the incident view may offer the user, decided in one place so that a finished incident offers
 * nothing at all: the server refuses every command on an incident whose `state` is `closed` or
 * `dismissed`, and a button that can only fail is worse than none.
 */

/** The server's own "over" rule for an incident. */
export function isOver(state: string): boolean {
  return state === 'closed' || state === 'dismissed';
}

export interface Viewer {
  /** A duty officer or leader of a command room. */
  staff: boolean;
  /** The viewer's room leads the incident. */
  leads: boolean;
  /** The viewer's room lies above the lead in the jurisdiction tree. */
  above: boolean;
}

export interface OfferedActions {
  /** Lifecycle, classification and response-level forms (and answering a suggested severity). */
  lifecycle: boolean;
  /** Raise the lead, take it, hand it back, add a supporting room, answer a lead prompt. */
  linkage: boolean;
  /** File, acknowledge and return information reports. */
  reports: boolean;
  /** Approve and dispatch resource requests. */
  requests: boolean;
  /** Open and work supervision items (督办). */
  supervision: boolean;
  /** The on-scene commander's commands: scene reports, resource requests, transfer of command. */
  scene: boolean;
}

const NOTHING: OfferedActions = { lifecycle: false, linkage: false, reports: false, requests: false, supervision: false, scene: false };

/**
 * Which groups of commands the view offers. Per-command conditions (the state a lifecycle step needs,
 * who owes which report) still apply inside each group; once the incident is over every group is off.
 */
export function offeredActions(state: string, viewer: Viewer): OfferedActions {
  if (isOver(state)) return NOTHING;
  const commandRoom = viewer.staff && (viewer.leads || viewer.above);
  return {
    lifecycle: commandRoom,
    linkage: commandRoom,
    reports: viewer.staff,
    requests: viewer.staff,
    supervision: viewer.staff,
    scene: true,
  };
}
