import type { IncidentView } from '@muster/contracts';
import { describe, expect, it } from 'vitest';
import { isOver, offeredActions, type OfferedActions } from './incident-actions';

const leadRoom = { staff: true, leads: true, above: false };
const roomAbove = { staff: true, leads: false, above: true };
const otherRoom = { staff: true, leads: false, above: false };
const responder = { staff: false, leads: false, above: false };
// A record keyed by the contract's state union: the compiler fails this file when a state is added.
const EVERY_STATE: Record<IncidentView['state'], true> = {
  none: true,
  reported: true,
  verifying: true,
  dismissed: true,
  confirmed: true,
  initialHandling: true,
  responseActive: true,
  controlled: true,
  responseLifted: true,
  recovery: true,
  underReview: true,
  closed: true,
};
const INCIDENT_STATES = Object.keys(EVERY_STATE);
const none: OfferedActions = { lifecycle: false, linkage: false, reports: false, requests: false, supervision: false, scene: false };

describe('what the incident view offers', () => {
  it('treats closed and dismissed, and only those, as over (the server rule)', () => {
    expect(INCIDENT_STATES.filter(isOver).sort()).toEqual(['closed', 'dismissed']);
  });

  it('offers no command at all on a closed or dismissed incident, whoever looks', () => {
    for (const state of ['closed', 'dismissed']) {
      for (const viewer of [leadRoom, roomAbove, otherRoom, responder]) expect(offeredActions(state, viewer)).toEqual(none);
    }
  });

  it('offers every group to the lead room of a live incident', () => {
    expect(offeredActions('responseActive', leadRoom)).toEqual({ lifecycle: true, linkage: true, reports: true, requests: true, supervision: true, scene: true });
  });

  it('offers lifecycle and linkage to the room above the lead, not to a room beside it', () => {
    expect(offeredActions('controlled', roomAbove)).toMatchObject({ lifecycle: true, linkage: true });
    expect(offeredActions('controlled', otherRoom)).toMatchObject({ lifecycle: false, linkage: false, reports: true, requests: true });
  });

  it('leaves a responder only the scene on a live incident', () => {
    expect(offeredActions('recovery', responder)).toEqual({ ...none, scene: true });
  });
});
