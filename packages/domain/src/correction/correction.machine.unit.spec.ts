import { describe, expect, it } from 'vitest';
import { decide, initialState, replay } from '../aggregate';
import { correctionAggregate, correctionStreamId } from './correction.machine';

const meta = (n: number) => ({ commandId: `c-${n}`, actor: { userId: 'do-1', roles: ['duty_officer' as const], jurisdiction: '441224' }, now: `2026-07-01T08:0${n}:00.000Z`, occurredAt: `2026-07-01T08:0${n}:00.000Z` });

describe('correction stream', () => {
  it('records a strike and an amendment as new events and keeps the list; replay gives the same state', () => {
    const first = decide(correctionAggregate, initialState(correctionAggregate), { type: 'CorrectEntry', meta: meta(1), incidentId: 'inc-1', eventId: 'e-1', kind: 'strike', reason: 'wrong incident' });
    expect(first.ok).toBe(true);
    if (!first.ok) return;
    expect(first.events).toStrictEqual([{ type: 'EntryCorrected', data: { incidentId: 'inc-1', eventId: 'e-1', kind: 'strike', reason: 'wrong incident' } }]);
    const second = decide(correctionAggregate, first.state, { type: 'CorrectEntry', meta: meta(2), eventId: 'e-2', kind: 'amend', reason: 'misheard', amendedData: { quantity: 100 } });
    expect(second.ok).toBe(true);
    if (!second.ok) return;
    expect(second.state.context).toMatchObject({ incidentId: 'inc-1', corrections: [{ eventId: 'e-1', kind: 'strike' }, { eventId: 'e-2', kind: 'amend', by: 'do-1' }] });
    const events = [...first.events, ...second.events].map((e, i) => ({ ...e, meta: { ...meta(i + 1), recordedAt: meta(i + 1).now } }));
    expect(replay(correctionAggregate, events)).toStrictEqual(second.state);
  });

  it('refuses an amendment without the amended data and a strike with it', () => {
    const start = initialState(correctionAggregate);
    expect(decide(correctionAggregate, start, { type: 'CorrectEntry', meta: meta(1), eventId: 'e-1', kind: 'amend', reason: 'x' }).ok).toBe(false);
    expect(decide(correctionAggregate, start, { type: 'CorrectEntry', meta: meta(1), eventId: 'e-1', kind: 'strike', reason: 'x', amendedData: {} }).ok).toBe(false);
    expect(correctionStreamId('inc-1')).toBe('correction:inc-1');
  });
});
