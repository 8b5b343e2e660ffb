import { describe, expect, it } from 'vitest';
import { foldAvailability, bandOf, distanceKm } from './availability';
import { applyRegistryEvent, decideRegistration, decideRegistry, foldRegistry } from './registry.decide';
import type { RegistryEntry, ShelterEntry, TeamEntry } from './registry.types';

const meta = { occurredAt: '2026-07-01T08:00:00.000Z', actor: { userId: 'do-huaiji' } };
const team = { id: 't1', jurisdiction: '441224', name: '怀集防汛队', kind: 'flood' as const, headcount: 20, equipment: [], certifications: [], position: null };

function registered<E extends RegistryEntry>(decision: ReturnType<typeof decideRegistration>): E {
  if (!decision.ok) throw new Error('refused');
  return foldRegistry(decision.events.map((e) => ({ ...e, meta }))) as E;
}

describe('registry decider', () => {
  it('registers once; a second registration of the id is a conflict', () => {
    const entry = registered<TeamEntry>(decideRegistration('team', null, team));
    expect(entry).toMatchObject({ registry: 'team', readiness: 'available', history: [{ type: 'TeamRegistered', to: 'available', by: 'do-huaiji' }] });
    expect(decideRegistration('team', entry, team)).toEqual({ ok: false, refusal: { kind: 'conflict', message: 'team t1 already exists' } });
  });

  it('an assigned team changes readiness only through its release', () => {
    const entry: TeamEntry = { ...registered<TeamEntry>(decideRegistration('team', null, team)), readiness: 'assigned', incidentId: 'inc-1' };
    const decision = decideRegistry(entry, { registry: 'team', type: 'ChangeReadiness', readiness: 'resting' });
    expect(decision.ok).toBe(false);
    const free = decideRegistry({ ...entry, readiness: 'available' }, { registry: 'team', type: 'ChangeReadiness', readiness: 'resting' });
    expect(free).toEqual({ ok: true, events: [{ type: 'TeamReadinessChanged', data: { from: 'available', to: 'resting', note: null } }] });
  });

  it('a shelter over capacity is recorded and flagged, not refused; it closes only when empty', () => {
    let shelter = registered<ShelterEntry>(
      decideRegistration('shelter', null, { id: 's1', jurisdiction: '441224', name: '一中', address: '怀城', position: null, capacity: 100, facilities: [], manager: '李', managerPhone: '1' }),
    );
    const step = (command: Parameters<typeof decideRegistry>[1]) => {
      const d = decideRegistry(shelter, command);
      if (!d.ok) return d.refusal;
      for (const e of d.events) shelter = applyRegistryEvent(shelter, e, meta) as ShelterEntry;
      return null;
    };
    expect(step({ registry: 'shelter', type: 'ReportOccupancy', occupancy: 5 })).toMatchObject({ kind: 'conflict' });
    expect(step({ registry: 'shelter', type: 'OpenShelter' })).toBeNull();
    expect(step({ registry: 'shelter', type: 'ReportOccupancy', occupancy: 130, incidentId: 'inc-1' })).toBeNull();
    expect(shelter).toMatchObject({ occupancy: 130, overCapacity: true, occupancyReports: [{ occupancy: 130, incidentId: 'inc-1' }] });
    expect(step({ registry: 'shelter', type: 'CloseShelter' })).toMatchObject({ kind: 'conflict' });
    expect(step({ registry: 'shelter', type: 'UpdateShelter', changes: { capacity: 200 } })).toBeNull();
    expect(shelter.overCapacity).toBe(false);
  });

  it('a stock count naming a kind twice is refused, naming the field', () => {
    const depot = registered(decideRegistration('depot', null, { id: 'd1', jurisdiction: '441224', name: 'd', ownerType: 'government', ownerName: 'x', location: null, position: null }));
    const line = { kind: 'pump', quantity: 1, unit: '台', returnable: true, expiresOn: null };
    expect(decideRegistry(depot, { registry: 'depot', type: 'CountStock', items: [line, line] })).toEqual({ ok: false, refusal: { kind: 'invalid', path: 'data.items', message: 'pump is counted twice' } });
  });
});

describe('availability fold', () => {
  it('counts, dispatches and returns stock; assigns and frees teams; ignores what was never registered', () => {
    const state = foldAvailability([
      { streamId: 'depot:d1', type: 'DepotRegistered', data: {}, incidentId: 'depot:d1' },
      { streamId: 'depot:d1', type: 'StockCounted', data: { items: [{ kind: 'pump', quantity: 10 }] }, incidentId: 'depot:d1' },
      { streamId: 'team:t1', type: 'TeamRegistered', data: {}, incidentId: 'team:t1' },
      { streamId: 'resourceRequest:r1', type: 'ResourcesDispatched', data: { depotId: 'd1', items: [{ kind: 'pump', quantity: 4 }], teams: ['t1'] }, incidentId: 'inc-1' },
      { streamId: 'resourceRequest:r2', type: 'ResourcesDispatched', data: { depotId: 'legacy', items: [{ kind: 'pump', quantity: 1 }], teams: ['legacy-team'] }, incidentId: 'inc-1' },
    ]);
    expect(state).toEqual({ stock: [{ depotId: 'd1', kind: 'pump', quantity: 6 }], teams: [{ teamId: 't1', readiness: 'assigned', incidentId: 'inc-1' }] });
    const after = foldAvailability([
      { streamId: 'depot:d1', type: 'DepotRegistered', data: {}, incidentId: null },
      { streamId: 'depot:d1', type: 'StockCounted', data: { items: [{ kind: 'pump', quantity: 10 }] }, incidentId: null },
      { streamId: 'team:t1', type: 'TeamRegistered', data: {}, incidentId: null },
      { streamId: 'resourceRequest:r1', type: 'ResourcesDispatched', data: { depotId: 'd1', items: [{ kind: 'pump', quantity: 4 }], teams: ['t1'] }, incidentId: 'inc-1' },
      { streamId: 'resourceRequest:r1', type: 'ResourcesReleased', data: { returned: [{ kind: 'pump', quantity: 3 }] }, incidentId: 'inc-1' },
    ]);
    expect(after).toEqual({ stock: [{ depotId: 'd1', kind: 'pump', quantity: 9 }], teams: [{ teamId: 't1', readiness: 'available', incidentId: null }] });
  });

  it('bands distances from the point asked about', () => {
    const zhaoqing = { lat: 23.05, lon: 112.47 };
    const huaiji = { lat: 23.91, lon: 112.18 };
    expect(distanceKm(zhaoqing, huaiji)).toBeGreaterThan(90);
    expect(distanceKm(zhaoqing, huaiji)).toBeLessThan(110);
    expect(bandOf(distanceKm(zhaoqing, zhaoqing))).toBe('within10km');
    expect(bandOf(25)).toBe('within30km');
    expect(bandOf(distanceKm(zhaoqing, huaiji))).toBe('beyond60km');
  });
});
