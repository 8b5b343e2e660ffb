import { assign, emit, setup } from 'xstate';
import { describe, expect, it } from 'vitest';
import type { AggregateDefinition } from '../aggregate';
import type { CommandMeta, EmittedEvent } from '../shared';
import { DeciderSpecification, declaredTransitions, fromTheWalk, transitionKey, type TransitionCase } from './decider-spec';

/**
 * The harness's own checks, against a small pump machine: the coverage tests the machine specs register
 * assert on what the walk and the declared transitions report, so these show that a table that leaves
 * out a pair, invents a branch or holds a case the machine refuses is reported, not passed over.
 */
type PumpCommand =
  | { type: 'Start'; meta: CommandMeta; litres: number }
  | { type: 'Refuel'; meta: CommandMeta; litres: number }
  | { type: 'Stop'; meta: CommandMeta };

const PUMP_EVENT_FOR = { Start: 'Started', Refuel: 'Refuelled', Stop: 'Stopped' } as const;

const pumpMachine = setup({
  types: { context: {} as { fuel: number; updatedAt: string | null }, events: {} as PumpCommand, emitted: {} as EmittedEvent },
  guards: { hasFuel: ({ event }) => event.type === 'Start' && event.litres > 0 },
  actions: {
    fill: assign(({ context, event }) => ({ fuel: context.fuel + (event.type === 'Stop' ? 0 : event.litres), updatedAt: event.meta.now })),
    touch: assign({ updatedAt: ({ event }) => event.meta.now }),
    record: emit(({ event }) => {
      const { type, meta: _meta, ...data } = event;
      return { type: PUMP_EVENT_FOR[type], data };
    }),
  },
}).createMachine({
  id: 'pump',
  initial: 'idle',
  context: { fuel: 0, updatedAt: null },
  states: {
    idle: { on: { Start: { target: 'running', guard: 'hasFuel', actions: ['fill', 'record'] } } },
    running: { on: { Refuel: { actions: ['fill', 'record'] }, Stop: { target: 'stopped', actions: ['touch', 'record'] } } },
    stopped: { type: 'final' },
  },
});

const pump: AggregateDefinition = { streamType: 'pump', machine: pumpMachine, eventFor: PUMP_EVENT_FOR };
const PUMP_STATES = ['idle', 'running', 'stopped'] as const;

interface PumpCase extends TransitionCase {
  from: (typeof PUMP_STATES)[number];
  to: (typeof PUMP_STATES)[number];
}

const meta = (): CommandMeta => ({ commandId: 'c-1', actor: { userId: 'u-1', roles: ['duty_officer'], jurisdiction: '441203' }, now: '2026-07-01T08:00:00.000Z', occurredAt: '2026-07-01T08:00:00.000Z' });

const START: PumpCase = { from: 'idle', command: 'Start', payload: { litres: 5 }, guard: 'hasFuel', to: 'running' };
const REFUEL: PumpCase = { from: 'running', command: 'Refuel', payload: { litres: 2 }, guard: null, to: 'running' };
const STOP: PumpCase = { from: 'running', command: 'Stop', payload: {}, guard: null, to: 'stopped' };

const specOf = (cases: readonly PumpCase[]) => DeciderSpecification.for({ aggregate: pump, states: PUMP_STATES, cases, metaOf: meta, given: fromTheWalk() });

describe('decider-spec: the harness itself', () => {
  it('a complete table: the walk reaches every state, misses nothing and the cases take the declared branches', () => {
    const spec = specOf([START, REFUEL, STOP]);
    expect(spec.walk.errors).toEqual([]);
    expect(spec.walk.missing).toEqual([]);
    expect([...spec.walk.reached.keys()]).toEqual(['idle', 'running', 'stopped']);
    expect([...spec.walk.pairs].sort()).toEqual(['idle × Start', 'running × Refuel', 'running × Stop']);
    expect(declaredTransitions(pump).map(transitionKey).sort()).toEqual([START, REFUEL, STOP].map(transitionKey).sort());
  });

  it('a pair the machine allows with no case is missing, and the walk does not go on from it', () => {
    const spec = specOf([START, REFUEL]);
    expect(spec.walk.missing).toEqual(['running × Stop']);
    expect([...spec.walk.reached.keys()]).toEqual(['idle', 'running']);
  });

  it('a case the machine refuses (its guard fails) is an error, and the state behind it is not reached', () => {
    const spec = specOf([{ ...START, payload: { litres: 0 } }, REFUEL, STOP]);
    expect(spec.walk.errors).toEqual(['idle --Start--> running: rejected']);
    expect([...spec.walk.reached.keys()]).toEqual(['idle']);
  });

  it('a case that names a guard the transition does not have differs from the declared transitions', () => {
    const invented = { ...REFUEL, guard: 'tankNotFull' };
    expect(declaredTransitions(pump).map(transitionKey)).not.toContain(transitionKey(invented));
  });

  it('a case for a pair the machine does not allow is not among the pairs the walk found', () => {
    const spec = specOf([START, REFUEL, STOP, { from: 'idle', command: 'Stop', payload: {}, guard: null, to: 'stopped' }]);
    expect(spec.walk.pairs).not.toContain('idle × Stop');
  });

  it('the illegal pairs are every command the table does not list in each state, final states included', () => {
    const spec = specOf([START, REFUEL, STOP]);
    expect(spec.illegalPairs).toEqual([
      ['idle', 'Refuel'],
      ['idle', 'Stop'],
      ['running', 'Start'],
      ['stopped', 'Refuel'],
      ['stopped', 'Start'],
      ['stopped', 'Stop'],
    ]);
    expect(spec.allowedByTable('running')).toEqual(['Refuel', 'Stop']);
  });
});

describe('decider-spec: the registered tests on a complete table', () => {
  const spec = specOf([START, REFUEL, STOP]);

  describe('coverage', () => {
    spec.coverageTests({ statesName: 'PUMP_STATES' });
  });

  describe('transitions', () => {
    spec.transitionTests({
      events: (c) => [spec.primaryEvent(c)],
      changes: (c) => ('litres' in c.payload && typeof c.payload.litres === 'number' ? { fuel: (c.from === 'running' ? 5 : 0) + c.payload.litres } : {}),
    });
  });

  describe('rejections', () => {
    spec.rejectionTests({ meta, finalStates: ['stopped'] });
  });

  describe('purity', () => {
    spec.purityTests();
  });
});
