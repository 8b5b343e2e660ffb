import { assign, emit, setup } from 'xstate';
import { describe, expect, it } from 'vitest';
import {
  commandsAllowedIn,
  decide,
  initialState,
  replay,
  type AggregateDefinition,
  type Decision,
  type PersistedState,
  type ReplayableEvent,
} from './aggregate';
import type { CommandMeta, EmittedEvent } from './shared';

/**
 * A small counter aggregate that exercises what the incident machine does not: an event the machine
 * handles but that is not a command (a deadline tick), several events from one command, and a derived
 * event that replay must skip and re-derive.
 */
type CounterCommand =
  | { type: 'Add'; meta: CommandMeta; by: number }
  | { type: 'Close'; meta: CommandMeta }
  | { type: 'DeadlineReached'; meta: CommandMeta };

const ALARM_AT = 10;

const counterMachine = setup({
  types: {
    context: {} as { total: number; alarmed: boolean; ticks: number; lastAt: string | null },
    events: {} as CounterCommand,
    emitted: {} as EmittedEvent,
  },
  guards: {
    positive: ({ event }) => event.type === 'Add' && event.by > 0,
    crossesAlarm: ({ context, event }) =>
      event.type === 'Add' && event.by > 0 && !context.alarmed && context.total + event.by >= ALARM_AT,
  },
  actions: {
    add: assign(({ context, event }) => ({
      total: context.total + (event.type === 'Add' ? event.by : 0),
      lastAt: event.meta.now,
    })),
    recordAdd: emit(({ event }) => ({ type: 'Added', data: { by: event.type === 'Add' ? event.by : 0 } })),
    alarm: assign({ alarmed: true }),
    recordAlarm: emit(({ context }) => ({ type: 'AlarmRaised', data: { total: context.total }, derived: true })),
    tick: assign({ ticks: ({ context }) => context.ticks + 1 }),
    recordClose: emit(() => ({ type: 'Closed', data: {} })),
  },
}).createMachine({
  id: 'counter',
  initial: 'open',
  context: { total: 0, alarmed: false, ticks: 0, lastAt: null },
  states: {
    open: {
      on: {
        Add: [
          { guard: 'crossesAlarm', actions: ['add', 'recordAdd', 'alarm', 'recordAlarm'] },
          { guard: 'positive', actions: ['add', 'recordAdd'] },
        ],
        DeadlineReached: { actions: 'tick' },
        Close: { target: 'closed', actions: 'recordClose' },
      },
    },
    closed: { type: 'final' },
  },
});

const counter: AggregateDefinition<typeof counterMachine> = {
  streamType: 'counter',
  machine: counterMachine,
  // DeadlineReached is handled by the machine but is not a command of the aggregate
  eventFor: { Add: 'Added', Close: 'Closed' },
};

const meta = (n: number): CommandMeta => ({
  commandId: `c-${n}`,
  actor: { userId: 'user-1', roles: ['duty_officer'], jurisdiction: '441203' },
  now: new Date(Date.UTC(2025, 0, 1, 0, n)).toISOString(),
  occurredAt: new Date(Date.UTC(2025, 0, 1, 0, n) - 60_000).toISOString(),
});

function accepted(d: Decision): Extract<Decision, { ok: true }> {
  if (!d.ok) throw new Error(`rejected in ${d.state}; allowed ${d.allowed.join(', ')}`);
  return d;
}

describe('aggregate: initialState', () => {
  it('is the machine initial state and context', () => {
    expect(initialState(counter)).toStrictEqual({
      value: 'open',
      context: { total: 0, alarmed: false, ticks: 0, lastAt: null },
    });
  });

  it('returns a fresh object each call', () => {
    const one = initialState(counter);
    one.context['total'] = 99;
    expect(initialState(counter).context['total']).toBe(0);
  });
});

describe('aggregate: commandsAllowedIn', () => {
  it('lists only commands of the aggregate, sorted, leaving out machine events that are not commands', () => {
    expect(commandsAllowedIn(counter, initialState(counter))).toEqual(['Add', 'Close']);
  });

  it('is empty in a final state', () => {
    expect(commandsAllowedIn(counter, { value: 'closed', context: initialState(counter).context })).toEqual([]);
  });
});

describe('aggregate: decide', () => {
  it('accepts a command, applies the context change and returns the emitted events', () => {
    const d = accepted(decide(counter, initialState(counter), { type: 'Add', meta: meta(1), by: 3 }));
    expect(d).toStrictEqual({
      ok: true,
      state: { value: 'open', context: { total: 3, alarmed: false, ticks: 0, lastAt: meta(1).now } },
      events: [{ type: 'Added', data: { by: 3 } }],
    });
  });

  it('rejects a machine event that is not a command of the aggregate, even though the machine handles it', () => {
    const d = decide(counter, initialState(counter), { type: 'DeadlineReached', meta: meta(1) });
    expect(d).toStrictEqual({ ok: false, state: 'open', allowed: ['Add', 'Close'] });
  });

  it('rejects a command whose guard fails, listing the commands of the state', () => {
    const d = decide(counter, initialState(counter), { type: 'Add', meta: meta(1), by: 0 });
    expect(d).toStrictEqual({ ok: false, state: 'open', allowed: ['Add', 'Close'] });
  });

  it('rejects everything in a final state', () => {
    const closed = accepted(decide(counter, initialState(counter), { type: 'Close', meta: meta(1) })).state;
    expect(closed.value).toBe('closed');
    expect(decide(counter, closed, { type: 'Add', meta: meta(2), by: 1 })).toStrictEqual({ ok: false, state: 'closed', allowed: [] });
  });

  it('returns every event of a command in order, keeping the derived flag', () => {
    let state: PersistedState = initialState(counter);
    state = accepted(decide(counter, state, { type: 'Add', meta: meta(1), by: 6 })).state;
    const d = accepted(decide(counter, state, { type: 'Add', meta: meta(2), by: 5 }));
    expect(d.events).toStrictEqual([
      { type: 'Added', data: { by: 5 } },
      { type: 'AlarmRaised', data: { total: 11 }, derived: true },
    ]);
    expect(d.state.context['alarmed']).toBe(true);
  });

  // The decider reuses one actor scope per machine (issue 18): nothing of one decision may reach another.
  it('gives each decision only its own events, also after a decision that threw part-way', () => {
    const fragile = setup({
      types: { context: {} as { n: number }, events: {} as { type: 'Step'; meta: CommandMeta; fail: boolean }, emitted: {} as EmittedEvent },
      actions: {
        recordStep: emit(({ event }) => ({ type: 'Stepped', data: { fail: event.fail } })),
        step: assign(({ context, event }) => {
          if (event.fail) throw new Error('the step fails after its event was emitted');
          return { n: context.n + 1 };
        }),
      },
    }).createMachine({ id: 'fragile', initial: 'on', context: { n: 0 }, states: { on: { on: { Step: { actions: ['recordStep', 'step'] } } } } });
    const def: AggregateDefinition<typeof fragile> = { streamType: 'fragile', machine: fragile, eventFor: { Step: 'Stepped' } };
    const first = accepted(decide(def, initialState(def), { type: 'Step', meta: meta(1), fail: false }));
    expect(() => decide(def, first.state, { type: 'Step', meta: meta(2), fail: true })).toThrow('the step fails');
    const third = accepted(decide(def, first.state, { type: 'Step', meta: meta(3), fail: false }));
    expect(third.events).toStrictEqual([{ type: 'Stepped', data: { fail: false } }]);
    expect(third.state.context).toStrictEqual({ n: 2 });
    // The first decision's events are its own array, not emptied or refilled by the later ones.
    expect(first.events).toStrictEqual([{ type: 'Stepped', data: { fail: false } }]);
  });
});

describe('aggregate: replay', () => {
  const def = counter;

  /** Runs the commands and stores the events as the engine does: command meta, derived flag kept. */
  function stream(adds: number[]): { state: PersistedState; events: ReplayableEvent[] } {
    let state = initialState(def);
    const events: ReplayableEvent[] = [];
    adds.forEach((by, i) => {
      const m = meta(i + 1);
      const d = accepted(decide(def, state, { type: 'Add', meta: m, by }));
      state = d.state;
      for (const e of d.events) events.push({ type: e.type, data: e.data, meta: { ...m, ...(e.derived ? { derived: true } : {}) } });
    });
    return { state, events };
  }

  it('re-applies each primary event and skips derived ones, re-deriving their effect', () => {
    const { state, events } = stream([4, 5, 2, 7]);
    expect(state.context['alarmed']).toBe(true);
    expect(events.filter((e) => e.meta.derived === true).length).toBeGreaterThan(0);
    expect(replay(def, events)).toStrictEqual(state);
  });

  it('would fail without the derived skip (the derived type has no command)', () => {
    const { events } = stream([4, 7]);
    const withoutFlag = events.map(({ type, data, meta: { derived: _d, ...m } }) => ({ type, data, meta: m }));
    expect(() => replay(def, withoutFlag)).toThrow(/no command produces counter event AlarmRaised/);
  });

  it('replays from a given state', () => {
    const { events } = stream([1, 2]);
    const from: PersistedState = { value: 'open', context: { total: 100, alarmed: true, ticks: 3, lastAt: null } };
    const result = replay(def, events, from);
    expect(result.context['total']).toBe(103);
    expect(result.context['ticks']).toBe(3);
    expect(from.context['total']).toBe(100);
  });

  it('throws when an event is not accepted in the replayed state', () => {
    const closed: ReplayableEvent = { type: 'Closed', data: {}, meta: meta(1) };
    const added: ReplayableEvent = { type: 'Added', data: { by: 1 }, meta: meta(2) };
    expect(() => replay(def, [closed, added])).toThrow(/Added is not accepted in state closed/);
  });

  it('re-derives the effect of a derived event from its primary event alone', () => {
    const { state, events } = stream([4, 7]);
    const primaries = events.filter((e) => e.meta.derived !== true);
    expect(primaries.length).toBeLessThan(events.length);
    expect(replay(def, primaries)).toStrictEqual(state);
    expect(replay(def, primaries).context['alarmed']).toBe(true);
  });
});

describe('aggregate: a machine with handlers on its root', () => {
  /** A root-level Note is valid in every state the machine is in; xstate's can() still answers for it when done. */
  const notebookMachine = setup({
    types: {
      context: {} as { notes: number },
      events: {} as { type: 'Note'; meta: CommandMeta } | { type: 'Finish'; meta: CommandMeta },
      emitted: {} as EmittedEvent,
    },
    actions: {
      note: assign({ notes: ({ context }) => context.notes + 1 }),
      recordNote: emit(() => ({ type: 'Noted', data: {} })),
      recordFinish: emit(() => ({ type: 'Finished', data: {} })),
    },
  }).createMachine({
    id: 'notebook',
    initial: 'open',
    context: { notes: 0 },
    on: { Note: { actions: ['note', 'recordNote'] } },
    states: {
      open: { on: { Finish: { target: 'finished', actions: 'recordFinish' } } },
      finished: { type: 'final' },
    },
  });
  const notebook: AggregateDefinition<typeof notebookMachine> = {
    streamType: 'notebook',
    machine: notebookMachine,
    eventFor: { Note: 'Noted', Finish: 'Finished' },
  };

  it('takes the root handler while the machine runs', () => {
    expect(commandsAllowedIn(notebook, initialState(notebook))).toEqual(['Finish', 'Note']);
    const d = accepted(decide(notebook, initialState(notebook), { type: 'Note', meta: meta(1) }));
    expect(d.state.context['notes']).toBe(1);
  });

  it('takes nothing once the machine is done, though the root handles the command', () => {
    const finished = accepted(decide(notebook, initialState(notebook), { type: 'Finish', meta: meta(1) })).state;
    expect(finished.value).toBe('finished');
    // the machine itself would still take it: it is decide() that refuses
    expect(notebookMachine.resolveState({ value: finished.value, context: { notes: 0 } }).can({ type: 'Note', meta: meta(2) })).toBe(true);
    expect(commandsAllowedIn(notebook, finished)).toEqual([]);
    expect(decide(notebook, finished, { type: 'Note', meta: meta(2) })).toStrictEqual({ ok: false, state: 'finished', allowed: [] });
  });
});
