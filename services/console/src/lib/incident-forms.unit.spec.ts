import { describe, expect, it } from 'vitest';
import { incidentForms, linkageRooms, sceneForms } from './incident-forms';

const incident = (more: Partial<{ linked: string[]; supporting: string[]; upper: string | null }> = {}) => ({
  upperJurisdiction: more.upper === undefined ? '441200' : more.upper,
  linkedJurisdictions: more.linked ?? [],
  supportingJurisdictions: more.supporting ?? [],
  leadJurisdiction: '441203',
});
const lead = { leads: true, above: false };
const city = { leads: false, above: true };
const shown = (forms: Record<string, boolean>) => Object.keys(forms).filter((k) => forms[k]).sort();

describe('incident forms from the commands the api offers', () => {
  it('one form per command offered, none for a command not offered', () => {
    expect(shown(incidentForms(incident(), ['LiftResponse', 'UpdateIncidentDetails', 'ClassifyIncident'], lead))).toStrictEqual(['classifyIncident', 'liftResponse', 'updateDetails']);
    expect(shown(incidentForms(incident(), ['BeginRecovery'], lead))).toStrictEqual(['beginRecovery']);
    expect(shown(incidentForms(incident(), ['BeginReview'], lead))).toStrictEqual(['beginReview']);
    expect(shown(incidentForms(incident(), ['CloseIncident'], lead))).toStrictEqual(['closeIncident']);
    expect(shown(incidentForms(incident(), ['ConfirmIncident', 'DismissIncident'], lead))).toStrictEqual(['confirmIncident', 'dismissIncident']);
  });

  it('nothing offered (a finished incident, a reviewer) shows no form', () => {
    expect(shown(incidentForms(incident({ linked: ['441200'], supporting: ['441224'] }), [], lead))).toStrictEqual([]);
    expect(shown(sceneForms({ deputies: [1], agencies: [1] }, []))).toStrictEqual([]);
  });

  it('RaiseLead: the lead raises it while there is a room above; a room above takes it', () => {
    expect(shown(incidentForms(incident(), ['RaiseLead'], lead))).toStrictEqual(['raiseLead']);
    expect(shown(incidentForms(incident({ upper: null }), ['RaiseLead'], lead))).toStrictEqual([]);
    expect(shown(incidentForms(incident(), ['RaiseLead'], city))).toStrictEqual(['takeLeadHere']);
  });

  it('unlink and remove-support only when there is a room to name', () => {
    const commands = ['UnlinkRoom', 'RemoveSupportingJurisdiction'];
    expect(shown(incidentForms(incident(), commands, lead))).toStrictEqual([]);
    expect(shown(incidentForms(incident({ linked: ['441200'], supporting: ['441224'] }), commands, lead))).toStrictEqual(['removeSupporting', 'unlinkRoom']);
  });
});

describe('on-scene command forms', () => {
  const all = ['AssumeProvisionalCommand', 'AppointCommander', 'AppointDeputy', 'RemoveDeputy', 'JoinUnifiedCommand', 'LeaveUnifiedCommand', 'EstablishCommandPost', 'DeactivateCommand'];
  it('remove a deputy or leave unified command only when there is one to name', () => {
    expect(shown(sceneForms({ deputies: [], agencies: [] }, all))).toStrictEqual([
      'appointCommander',
      'appointDeputy',
      'assumeProvisionalCommand',
      'deactivateCommand',
      'establishCommandPost',
      'joinUnifiedCommand',
    ]);
    expect(sceneForms({ deputies: [1], agencies: [1] }, all)).toMatchObject({ removeDeputy: true, leaveUnifiedCommand: true });
  });
  it('a command not offered has no form', () => {
    expect(shown(sceneForms({ deputies: [1], agencies: [1] }, ['AppointDeputy']))).toStrictEqual(['appointDeputy']);
  });
});

describe('rooms a linkage form names', () => {
  it('a room already linked or supporting is not offered to link again; the lead never', () => {
    const rooms = linkageRooms(incident({ linked: ['441200'], supporting: ['441224'] }), ['441203', '441200', '441224', '441284']);
    expect(rooms).toStrictEqual({ link: ['441284'], unlink: ['441200'], support: ['441200', '441284'], unsupport: ['441224'] });
  });
});
