/**
 * Which incident and on-scene command forms the room's incident view offers: one boolean per form,
 * each from the machine state the command needs (packages/domain: incident.machine.ts,
 * scene.machine.ts) and who may send it (packages/engine/src/authorization.ts). Kept in one table so
 * that the server's own list of allowed commands can replace it form by form.
 */
import { isOver } from './incident-actions';

/** Who looks at the incident, as the command policy sees them. */
export interface FormViewer {
  /** A duty officer or leader of the room that leads the incident. */
  leads: boolean;
  /** A duty officer or leader of a room above the lead. */
  above: boolean;
  /** A duty officer or leader of a supporting room. */
  supporting: boolean;
  /** The viewer is the scene's commander or one of its deputies. */
  inCommand: boolean;
  /**
   * The commands the plan rules let a room above the lead send without taking the lead
   * (upperRoomRights); null when the rules could not be read: the forms are offered and the api decides.
   */
  upperRoomCommands: readonly string[] | null;
}

interface IncidentFacts {
  state: string;
  upperJurisdiction: string | null;
  linkedJurisdictions: readonly string[];
  supportingJurisdictions: readonly string[];
}

interface SceneFacts {
  state: string;
  deputies: readonly unknown[];
  agencies: readonly unknown[];
}

/** States in which grading (ClassifyIncident) is open: until the response is lifted. */
const GRADING_STATES = ['reported', 'verifying', 'confirmed', 'initialHandling', 'responseActive', 'controlled'];
/** States in which UpdateIncidentDetails is open: every open state but the review. */
const DETAIL_STATES = [...GRADING_STATES, 'responseLifted', 'recovery'];
/** Scene states with a commander in office (deputies, unified command). */
const COMMANDED = ['commanded', 'transferPending', 'transferAccepted'];

export type IncidentFormId =
  | 'beginVerification'
  | 'confirmIncident'
  | 'dismissIncident'
  | 'beginInitialHandling'
  | 'activateResponse'
  | 'changeResponseLevel'
  | 'declareControlled'
  | 'liftResponse'
  | 'beginRecovery'
  | 'beginReview'
  | 'closeIncident'
  | 'classifyIncident'
  | 'updateDetails'
  | 'raiseLead'
  | 'takeLeadHere'
  | 'handBackLead'
  | 'linkRoom'
  | 'unlinkRoom'
  | 'addSupporting'
  | 'removeSupporting';

export type SceneFormId =
  | 'assumeProvisionalCommand'
  | 'appointCommander'
  | 'appointDeputy'
  | 'removeDeputy'
  | 'joinUnifiedCommand'
  | 'leaveUnifiedCommand'
  | 'establishCommandPost'
  | 'deactivateCommand';

/** The incident forms offered now; none once the incident is over. */
export function incidentForms(incident: IncidentFacts, viewer: FormViewer): Record<IncidentFormId, boolean> {
  const open = !isOver(incident.state);
  const { leads, above } = viewer;
  // 以县为主: the lead room runs the incident; a room above it sends only what the plan rules list.
  const runs = (command: string) => open && (leads || (above && (viewer.upperRoomCommands?.includes(command) ?? true)));
  const state = incident.state;
  return {
    beginVerification: runs('BeginVerification') && state === 'reported',
    confirmIncident: runs('ConfirmIncident') && state === 'verifying',
    dismissIncident: runs('DismissIncident') && (state === 'reported' || state === 'verifying'),
    beginInitialHandling: runs('BeginInitialHandling') && state === 'confirmed',
    activateResponse: runs('ActivateResponse') && state === 'initialHandling',
    changeResponseLevel: runs('ChangeResponseLevel') && state === 'responseActive',
    declareControlled: runs('DeclareControlled') && state === 'responseActive',
    liftResponse: runs('LiftResponse') && state === 'controlled',
    beginRecovery: runs('BeginRecovery') && state === 'responseLifted',
    beginReview: runs('BeginReview') && state === 'recovery',
    closeIncident: runs('CloseIncident') && state === 'underReview',
    classifyIncident: runs('ClassifyIncident') && GRADING_STATES.includes(state),
    updateDetails: (runs('UpdateIncidentDetails') || (open && viewer.supporting)) && DETAIL_STATES.includes(state),
    raiseLead: open && leads && incident.upperJurisdiction !== null,
    takeLeadHere: open && above && (viewer.upperRoomCommands?.includes('RaiseLead') ?? true),
    handBackLead: open && leads,
    linkRoom: runs('LinkRoom'),
    unlinkRoom: runs('UnlinkRoom') && incident.linkedJurisdictions.length > 0,
    addSupporting: runs('AddSupportingJurisdiction'),
    removeSupporting: runs('RemoveSupportingJurisdiction') && incident.supportingJurisdictions.length > 0,
  };
}

/** The on-scene command forms the room offers now; none once the incident is over. */
export function sceneForms(incidentState: string, scene: SceneFacts, viewer: FormViewer): Record<SceneFormId, boolean> {
  const open = !isOver(incidentState) && scene.state !== 'deactivated';
  // AppointCommander, deputies and deactivation are the lead room's (the appointing authority); the
  // commander and deputies also keep unified command and the command post, from the phone or here.
  const lead = open && viewer.leads;
  const keeps = open && (viewer.leads || viewer.inCommand);
  const commanded = COMMANDED.includes(scene.state);
  return {
    assumeProvisionalCommand: lead && scene.state === 'none',
    appointCommander: lead && (scene.state === 'none' || scene.state === 'provisional'),
    appointDeputy: lead && commanded,
    removeDeputy: lead && commanded && scene.deputies.length > 0,
    joinUnifiedCommand: keeps && commanded,
    leaveUnifiedCommand: keeps && commanded && scene.agencies.length > 0,
    establishCommandPost: keeps && (scene.state === 'provisional' || commanded),
    deactivateCommand: lead && (scene.state === 'provisional' || scene.state === 'commanded'),
  };
}

/**
 * Rooms a linkage form may name, by form: never the lead; a room already linked or supporting is not
 * offered to LinkRoom again; AddSupportingJurisdiction may turn a linked room into a supporting one
 * (the machine allows it) but never offers one that supports already.
 */
export function linkageRooms(
  incident: IncidentFacts & { leadJurisdiction: string },
  rooms: readonly string[],
): { link: string[]; unlink: string[]; support: string[]; unsupport: string[] } {
  const others = rooms.filter((r) => r !== incident.leadJurisdiction);
  return {
    link: others.filter((r) => !incident.linkedJurisdictions.includes(r) && !incident.supportingJurisdictions.includes(r)),
    unlink: [...incident.linkedJurisdictions],
    support: others.filter((r) => !incident.supportingJurisdictions.includes(r)),
    unsupport: [...incident.supportingJurisdictions],
  };
}
