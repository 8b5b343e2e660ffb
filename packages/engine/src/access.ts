import { canSee, isStreamOf, type Actor, type IncidentContext, type JurisdictionTree, type PersistedState, type Role } from '@muster/domain';

/**
 * Who may see and keep what, for every entry point (api routes, the engine's command policy, read
 * models). One set of roles:
 * - ROOM_ROLES staff a command room and act on its incidents (duty officers and leaders);
 * - KEEPER_ROLES also keep a room's records (roster, watch log, depots, teams): the room's staff and
 *   its admin. An admin is a role *within* a jurisdiction: it acts for its own room and the rooms
 *   below it, never above or beside them.
 */
const ROOM_ROLES: readonly Role[] = ['duty_officer', 'leader'];
const KEEPER_ROLES: readonly Role[] = ['duty_officer', 'leader', 'admin'];

export function hasRole(actor: Actor, roles: readonly Role[]): boolean {
  return actor.roles.some((r) => roles.includes(r));
}

/** Someone who staffs a command room (of their own jurisdiction). */
export function isRoomStaff(actor: Actor): boolean {
  return hasRole(actor, ROOM_ROLES);
}

/** Someone who keeps a room's records: its staff or its admin. */
function isRoomKeeper(actor: Actor): boolean {
  return hasRole(actor, KEEPER_ROLES);
}

type IncidentRooms = Pick<IncidentContext, 'leadJurisdiction' | 'linkedJurisdictions' | 'supportingJurisdictions'>;

/**
 * Reads follow the visibility rule (属地管理 with linkage): the lead, every level above it, linked and
 * supporting rooms. A token without any role reads nothing.
 */
export function canReadIncident(tree: JurisdictionTree, actor: Actor, incident: IncidentRooms): boolean {
  return actor.roles.length > 0 && canSee(tree, actor.jurisdiction, incident);
}

/** What belongs to a jurisdiction (roster, watch log, depots, teams, scores) is read by it and the rooms above it. */
export function canReadJurisdiction(tree: JurisdictionTree, actor: Actor, jurisdiction: string): boolean {
  return actor.roles.length > 0 && tree.isWithin(jurisdiction, actor.jurisdiction);
}

/** The duty roster and the watch log are kept by their room and the rooms above it (the city keeps its counties'). */
export function canKeepDutyRecordsOf(tree: JurisdictionTree, actor: Actor, jurisdiction: string): boolean {
  return isRoomKeeper(actor) && tree.isWithin(jurisdiction, actor.jurisdiction);
}

/**
 * 约谈 records of a room are kept by the rooms strictly above it (the city interviews its counties; a
 * room does not record interviews of itself), and read like everything of the room (canReadJurisdiction).
 */
export function canKeepInterviewsOf(tree: JurisdictionTree, actor: Actor, jurisdiction: string): boolean {
  return isRoomKeeper(actor) && jurisdiction !== actor.jurisdiction && tree.isWithin(jurisdiction, actor.jurisdiction);
}

/**
 * Depots, their stock and rescue teams are kept by their own room only: the city sees a county's
 * stock but does not count or commit it. Drawing on another room's depot is a request to that room,
 * which dispatches from its own stock (it supports the incident).
 */
export function canKeepReferenceDataOf(actor: Actor, jurisdiction: string): boolean {
  return isRoomKeeper(actor) && actor.jurisdiction === jurisdiction;
}

/**
 * A plan (预案, issue 22) is kept by its own room only: the city reads every county's plans but does
 * not edit them, and no county edits another's (read like everything of the room, canReadJurisdiction).
 */
export function canKeepPlansOf(actor: Actor, jurisdiction: string): boolean {
  return isRoomKeeper(actor) && actor.jurisdiction === jurisdiction;
}

/** The jurisdictions whose incidents an actor's room leads or sits above: its own and every one below it. */
export function jurisdictionsWithin(tree: JurisdictionTree, jurisdiction: string): string[] {
  return tree
    .all()
    .filter((j) => tree.isWithin(j.code, jurisdiction))
    .map((j) => j.code);
}

/** The state an incident stream's machine keeps; the one place the stored snapshot is read as an incident. */
export function incidentContextOf(stream: { streamType: string; state: PersistedState }): IncidentContext {
  if (!isStreamOf(stream, 'incident')) throw new Error(`stream of type ${stream.streamType} is not an incident`);
  return stream.state.context;
}

/**
 * A recorded event may be seen by the rooms at and above the jurisdiction it was filed under and by
 * the rooms that followed its incident when it was recorded (the live feed's rule for each event).
 * A drill's own events (its MSEL, its evaluation) are seen by the rooms they name alone (its
 * controller), not by the rooms above it nor by its players (issue 22).
 */
export function canSeeEvent(tree: JurisdictionTree, actor: Actor, event: { jurisdiction: string; rooms: readonly string[]; streamType?: string }): boolean {
  if (actor.roles.length === 0) return false;
  if (event.streamType === 'drill') return event.rooms.includes(actor.jurisdiction);
  return tree.isWithin(event.jurisdiction, actor.jurisdiction) || event.rooms.includes(actor.jurisdiction);
}
