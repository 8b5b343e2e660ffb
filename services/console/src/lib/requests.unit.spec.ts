import { describe, expect, it } from 'vitest';
import { namesFromRecord, readRequest, returnedPayload, roomOfActor, stepNotes } from './requests';

describe('a resource request as the room reads it', () => {
  it('reads the fields of the api view, dispatch and returns included', () => {
    const record = readRequest({
      requestId: 'rr-1',
      state: 'released',
      items: [{ kind: '冲锋舟', quantity: 2, priority: 'urgent', deliverTo: '沙浦镇' }, { kind: 'broken' }],
      justification: '堤段管涌',
      requestedBy: 'commander',
      requestedAt: '2026-12-01T01:00:00.000Z',
      decidedBy: 'dinghu-duty',
      decidedAt: '2026-12-01T01:05:00.000Z',
      dispatch: { depotId: 'depot-1', orderNumber: 'DH-1', items: [{ kind: '冲锋舟', quantity: 2 }], teams: ['team-1'], dispatchedAt: '2026-12-01T01:10:00.000Z', dispatchedBy: 'dinghu-duty', room: '441203' },
      eta: null,
      enRouteAt: '2026-12-01T01:12:00.000Z',
      arrivedAt: '2026-12-01T02:00:00.000Z',
      releasedAt: '2026-12-01T05:00:00.000Z',
      returned: [{ kind: '冲锋舟', quantity: 2 }],
      cancelledReason: null,
    });
    expect(record.items).toEqual([{ kind: '冲锋舟', quantity: 2, priority: 'urgent', deliverTo: '沙浦镇' }]);
    expect(record.dispatch).toEqual({
      depotId: 'depot-1',
      orderNumber: 'DH-1',
      items: [{ kind: '冲锋舟', quantity: 2 }],
      teams: ['team-1'],
      dispatchedAt: '2026-12-01T01:10:00.000Z',
      dispatchedBy: 'dinghu-duty',
      room: '441203',
    });
    expect(record).toMatchObject({ justification: '堤段管涌', requestedBy: 'commander', eta: null, returned: [{ kind: '冲锋舟', quantity: 2 }], cancelledReason: null });
  });

  it('reads a fresh request with nothing decided yet', () => {
    const record = readRequest({ requestId: 'rr-2', state: 'submitted', items: [] });
    expect(record).toMatchObject({ dispatch: null, decidedAt: null, returned: [], justification: '' });
  });

  it('names people from the timeline and the scene, the scene winning', () => {
    const names = namesFromRecord({ commander: { userId: 'deputy', name: '王副指挥' }, deputies: [] }, [
      { data: { commander: { userId: 'commander', name: '李指挥', unit: '消防' } } },
      { data: { to: { userId: 'deputy', name: '王' } } },
      { data: { note: 'nobody' } },
    ]);
    expect([...names]).toEqual([
      ['commander', '李指挥'],
      ['deputy', '王副指挥'],
    ]);
  });

  it('finds the room a user acted for on a stream', () => {
    const entries = [
      { streamId: 'inc-1', actor: 'commander', actorJurisdiction: '441200' },
      { streamId: 'rr-1', actor: 'commander', actorJurisdiction: '441203' },
    ];
    expect(roomOfActor(entries, 'rr-1', 'commander')).toBe('441203');
    expect(roomOfActor(entries, 'rr-1', 'someone')).toBeNull();
  });

  it('returns only the kinds given back, by their dispatched kind', () => {
    const sent = [
      { kind: '冲锋舟', quantity: 2 },
      { kind: '沙袋', quantity: 500 },
    ];
    expect(returnedPayload(sent, { '0': 2, '1': undefined })).toEqual([{ kind: '冲锋舟', quantity: 2 }]);
    expect(returnedPayload(sent, { '0': 0 })).toEqual([]);
    expect(returnedPayload(sent, undefined)).toEqual([]);
  });

  it("reads the notes of a request's own steps, not another request's", () => {
    const entries = [
      { streamId: 'rr-1', type: 'ResourceRequestApproved', data: { note: '同意' } },
      { streamId: 'rr-2', type: 'ResourcesArrived', data: { note: '别的请求' } },
      { streamId: 'rr-1', type: 'ResourcesReleased', data: { note: '' } },
    ];
    expect(stepNotes(entries, 'rr-1')).toEqual({ approved: '同意', arrived: null, released: null });
  });
});
