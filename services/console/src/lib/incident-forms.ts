/**
 * Which incident and on-scene command forms the room's incident view offers: one boolean per form,
 * from the commands the api says this user may send now (the incident record's `offered`, from the
 * machines' states and the command policy), narrowed where a form needs something to name (a linked
 * room to unlink, a deputy to remove) or where one command has two forms (RaiseLead: the lead raises
 * it, a room above takes it).
 */

interface IncidentFacts {
  upperJurisdiction: string | null;
  linkedJurisdictions: readonly string[];
  supportingJurisdictions: readonly string[];
}

interface SceneFacts {
  deputies: readonly unknown[];
  agencies: readonly unknown[];
}

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

/** The incident forms offered now, from the incident commands offered (none once the incident is over: the api offers none). */
export function incidentForms(incident: IncidentFacts, offered: readonly string[], viewer: { leads: boolean; above: boolean }): Record<IncidentFormId, boolean> {
  const may = (command: string) => offered.includes(command);
  return {
    beginVerification: may('BeginVerification'),
    confirmIncident: may('ConfirmIncident'),
    dismissIncident: may('DismissIncident'),
    beginInitialHandling: may('BeginInitialHandling'),
    activateResponse: may('ActivateResponse'),
    changeResponseLevel: may('ChangeResponseLevel'),
    declareControlled: may('DeclareControlled'),
    liftResponse: may('LiftResponse'),
    beginRecovery: may('BeginRecovery'),
    beginReview: may('BeginReview'),
    closeIncident: may('CloseIncident'),
    classifyIncident: may('ClassifyIncident'),
    updateDetails: may('UpdateIncidentDetails'),
    raiseLead: may('RaiseLead') && viewer.leads && incident.upperJurisdiction !== null,
    takeLeadHere: may('RaiseLead') && viewer.above,
    handBackLead: may('HandBackLead'),
    linkRoom: may('LinkRoom'),
    unlinkRoom: may('UnlinkRoom') && incident.linkedJurisdictions.length > 0,
    addSupporting: may('AddSupportingJurisdiction'),
    removeSupporting: may('RemoveSupportingJurisdiction') && incident.supportingJurisdictions.length > 0,
  };
}

/** The on-scene command forms the room's view offers now, from the scene commands offered. */
export function sceneForms(scene: SceneFacts, offered: readonly string[]): Record<SceneFormId, boolean> {
  const may = (command: string) => offered.includes(command);
  return {
    assumeProvisionalCommand: may('AssumeProvisionalCommand'),
    appointCommander: may('AppointCommander'),
    appointDeputy: may('AppointDeputy'),
    removeDeputy: may('RemoveDeputy') && scene.deputies.length > 0,
    joinUnifiedCommand: may('JoinUnifiedCommand'),
    leaveUnifiedCommand: may('LeaveUnifiedCommand') && scene.agencies.length > 0,
    establishCommandPost: may('EstablishCommandPost'),
    deactivateCommand: may('DeactivateCommand'),
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
