import { describe, expect, it } from 'vitest';
import { incidentForms, linkageRooms, sceneForms, type FormViewer } from './incident-forms';

const lead: FormViewer = { leads: true, above: false, supporting: false, inCommand: false, upperRoomCommands: ['RaiseLead', 'LinkRoom', 'ActivateResponse'] };
const city: FormViewer = { ...lead, leads: false, above: true };
const outsider: FormViewer = { ...lead, leads: false };
const incident = (state: string, more: Partial<{ linked: string[]; supporting: string[]; upper: string | null }> = {}) => ({
  state,
  upperJurisdiction: more.upper === undefined ? '441200' : more.upper,
  linkedJurisdictions: more.linked ?? [],
  supportingJurisdictions: more.supporting ?? [],
  leadJurisdiction: '441203',
});
const offered = (forms: Record<string, boolean>) => Object.keys(forms).filter((k) => forms[k]).sort();

describe('incident forms by state and room', () => {
  it('each lifecycle step is offered to the lead room only in the state that takes it', () => {
    expect(offered(incidentForms(incident('controlled'), lead))).toStrictEqual(['addSupporting', 'classifyIncident', 'handBackLead', 'liftResponse', 'linkRoom', 'raiseLead', 'updateDetails']);
    expect(offered(incidentForms(incident('responseLifted'), lead))).toContain('beginRecovery');
    expect(offered(incidentForms(incident('recovery'), lead))).toContain('beginReview');
    const review = offered(incidentForms(incident('underReview'), lead));
    expect(review).toContain('closeIncident');
    expect(review).not.toContain('updateDetails');
    expect(offered(incidentForms(incident('verifying'), lead))).toEqual(expect.arrayContaining(['confirmIncident', 'dismissIncident']));
    expect(offered(incidentForms(incident('confirmed'), lead))).not.toContain('dismissIncident');
  });

  it('a room above sends only what the plan rules list; unknown rules leave the decision to the api', () => {
    const forms = offered(incidentForms(incident('controlled'), city));
    expect(forms).toStrictEqual(['linkRoom', 'takeLeadHere']);
    expect(offered(incidentForms(incident('initialHandling'), city))).toContain('activateResponse');
    expect(incidentForms(incident('controlled'), { ...city, upperRoomCommands: null }).liftResponse).toBe(true);
  });

  it('a supporting room updates details; nobody else outside the command rooms gets a form', () => {
    expect(offered(incidentForms(incident('responseActive'), { ...outsider, supporting: true }))).toStrictEqual(['updateDetails']);
    expect(offered(incidentForms(incident('responseActive'), outsider))).toStrictEqual([]);
  });

  it('a finished incident offers nothing', () => {
    for (const state of ['closed', 'dismissed']) {
      expect(offered(incidentForms(incident(state, { linked: ['441200'], supporting: ['441224'] }), lead))).toStrictEqual([]);
      expect(offered(sceneForms(state, { state: 'commanded', deputies: [1], agencies: [1] }, lead))).toStrictEqual([]);
    }
  });

  it('unlink and remove-support only when there is a room to name; raise only with a room above', () => {
    const forms = incidentForms(incident('responseActive', { linked: ['441200'], supporting: ['441224'], upper: null }), lead);
    expect([forms.unlinkRoom, forms.removeSupporting, forms.raiseLead]).toStrictEqual([true, true, false]);
  });
});

describe('on-scene command forms', () => {
  const scene = (state: string, deputies = 0, agencies = 0) => ({ state, deputies: Array(deputies).fill(0), agencies: Array(agencies).fill(0) });
  it('nobody in command: the lead room records provisional command or appoints', () => {
    expect(offered(sceneForms('responseActive', scene('none'), lead))).toStrictEqual(['appointCommander', 'assumeProvisionalCommand']);
    expect(offered(sceneForms('responseActive', scene('provisional'), lead))).toStrictEqual(['appointCommander', 'deactivateCommand', 'establishCommandPost']);
  });
  it('a commander in office: deputies, unified command and the post', () => {
    expect(offered(sceneForms('responseActive', scene('commanded', 1, 1), lead))).toStrictEqual([
      'appointDeputy',
      'deactivateCommand',
      'establishCommandPost',
      'joinUnifiedCommand',
      'leaveUnifiedCommand',
      'removeDeputy',
    ]);
    expect(offered(sceneForms('responseActive', scene('commanded'), { ...outsider, inCommand: true }))).toStrictEqual(['establishCommandPost', 'joinUnifiedCommand']);
    expect(offered(sceneForms('responseActive', scene('commanded', 1, 1), city))).toStrictEqual([]);
  });
});

describe('rooms a linkage form names', () => {
  it('a room already linked or supporting is not offered to link again; the lead never', () => {
    const rooms = linkageRooms(incident('responseActive', { linked: ['441200'], supporting: ['441224'] }), ['441203', '441200', '441224', '441284']);
    expect(rooms).toStrictEqual({ link: ['441284'], unlink: ['441200'], support: ['441200', '441284'], unsupport: ['441224'] });
  });
});
