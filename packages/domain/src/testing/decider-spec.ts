/**
 * The transition-table harness shared by the machine specs (test-only: only specs import it, which lint
 * enforces, and `src/index.ts` does not export it).
 *
 * A spec writes its machine down as a table of cases, each one transition: given a start state, when a
 * command is sent, then the machine takes the branch `guard` to `to`. `DeciderSpecification.for` takes
 * the table, where its cases start from (`fromFixtures` or `fromTheWalk`) and the meta they are sent
 * with, and gives back
 * - the walk: a breadth-first walk of the machine from its initial state, driven by `commandsAllowedIn`,
 *   that applies every case of every pair the machine allows and follows the states they reach;
 * - the illegal pairs, the table's view of what each state allows, and a sample command of each type;
 * - functions that register the standard `it` blocks in the `describe` they are called from:
 *   `coverageTests` (the table and the machine agree exactly), `transitionTests` (each case does what the
 *   spec's `then` says), `purityTests` and `rejectionTests` (every command a state does not allow is
 *   refused with the commands it does allow; the final states accept nothing).
 * What each transition must do to the context and which events it emits stays in each spec's table.
 */
import { expect, it } from 'vitest';
import {
  commandsAllowedIn,
  decide,
  initialState,
  type AggregateDefinition,
  type Decision,
  type MachineCommand,
  type PersistedState,
  type ReplayableEvent,
} from '../aggregate';
import type { Actor, CommandMeta, EmittedEvent } from '../shared';

export type Accepted = Extract<Decision, { ok: true }>;

/** A command of a union without its meta, kept as a union of the command types. */
export type BodyOf<Command> = Command extends unknown ? Omit<Command, 'meta'> : never;
/** The payload of one command type: its fields without its type and meta. */
export type PayloadOf<Command extends { type: string }, K extends Command['type']> = Omit<Extract<Command, { type: K }>, 'type' | 'meta'>;

/** A step of a fixture script: a command body, the minute it is sent at and who sends it. */
export interface Step<Body> {
  readonly body: Body;
  readonly at: number;
  readonly by: Actor;
}

/**
 * A clock of minutes after `t0`: `iso(minute)`, and `metaAt(minute, actor)`, a meta with a fresh command
 * id, `now` at that minute and `occurredAt` one minute before.
 */
export function minuteClock(t0: number, defaultActor: Actor): { iso: (minute: number) => string; metaAt: (minute: number, actor?: Actor) => CommandMeta } {
  const iso = (minute: number): string => new Date(t0 + minute * 60_000).toISOString();
  let commandCounter = 0;
  const metaAt = (minute: number, actor: Actor = defaultActor): CommandMeta => {
    commandCounter += 1;
    return { commandId: `cmd-${commandCounter}`, actor, now: iso(minute), occurredAt: iso(minute - 1) };
  };
  return { iso, metaAt };
}

/** The decision, which must be an acceptance; the rejection's state and allowed list otherwise fail the test. */
export function expectAccepted(d: Decision): Accepted {
  if (!d.ok) throw new Error(`expected acceptance, got rejection in ${d.state} (allowed: ${d.allowed.join(', ')})`);
  return d;
}

/** Stored events the way the engine stores them: meta with recordedAt = now, the derived flag kept in meta. */
export function toStored(d: Accepted, meta: CommandMeta): ReplayableEvent[] {
  return d.events.map((e) => ({
    type: e.type,
    data: e.data,
    meta: {
      commandId: meta.commandId,
      actor: meta.actor,
      occurredAt: meta.occurredAt,
      recordedAt: meta.now,
      ...(e.derived ? { derived: true } : {}),
    },
  }));
}

/**
 * Applies commands in order, as the engine would: every intermediate state, the stored stream, and after
 * each command how many events the stream holds (`ends[i]` events give `states[i]`).
 */
export function runCommands<T>(
  aggregate: AggregateDefinition,
  items: readonly T[],
  commandOf: (item: T) => MachineCommand,
  store: (d: Accepted, meta: CommandMeta) => ReplayableEvent[] = toStored,
): { states: PersistedState[]; events: ReplayableEvent[]; ends: number[] } {
  let state = initialState(aggregate);
  const states = [state];
  const events: ReplayableEvent[] = [];
  const ends = [0];
  for (const item of items) {
    const command = commandOf(item);
    const d = expectAccepted(decide(aggregate, state, command));
    events.push(...store(d, command.meta));
    state = d.state;
    states.push(state);
    ends.push(events.length);
  }
  return { states, events, ends };
}

/** Runs every script from the initial state and keeps, by name, the state it ends in. */
export function fixturesFromScripts<F extends string, S>(
  scripts: Readonly<Record<F, readonly S[]>>,
  run: (steps: readonly S[]) => { states: PersistedState[] },
): (name: F) => PersistedState {
  const fixtures = new Map<F, PersistedState>(
    (Object.keys(scripts) as F[]).map((name) => {
      const state = run(scripts[name]).states.at(-1);
      if (state === undefined) throw new Error(`fixture ${name} has no state`);
      return [name, state];
    }),
  );
  return (name) => {
    const state = fixtures.get(name);
    if (state === undefined) throw new Error(`no fixture ${name}`);
    return state;
  };
}

/** Freezes a value and everything in it, so that a decider that writes to its inputs throws. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

export const pairOf = (state: string, command: string): string => `${state} × ${command}`;
export const edgeOf = (from: string, command: string, to: string): string => `${from} --${command}--> ${to}`;

/** One transition: from a state, on a command, through a guard (null: unguarded), to a state. */
interface Transition {
  from: string;
  command: string;
  guard: string | null;
  to: string;
}

export const transitionKey = (t: Transition): string => `${t.from} × ${t.command} [${t.guard ?? 'unguarded'}] → ${t.to}`;

/** Every transition the machine declares in its top-level states: state, command, guard and target. */
export function declaredTransitions(aggregate: AggregateDefinition): Transition[] {
  const out: Transition[] = [];
  for (const [from, node] of Object.entries(aggregate.machine.root.states)) {
    for (const [command, definitions] of node.transitions) {
      for (const d of definitions) {
        const guard = d.guard === undefined ? null : typeof d.guard === 'string' ? d.guard : 'inline';
        out.push({ from, command, guard, to: d.target?.[0]?.key ?? from });
      }
    }
  }
  return out;
}

/** A row of a spec's table: one legal transition, with the payload its command carries. */
export interface TransitionCase {
  /** The case's title, when the table names its cases (names must then be unique). */
  readonly name?: string;
  readonly from: string;
  readonly command: string;
  readonly payload: object;
  /** The machine guard of the branch this case takes; null for an unguarded transition. */
  readonly guard: string | null;
  readonly to: string;
}

/** The case's title: its name, or its edge when the table does not name its cases. */
const caseName = (c: TransitionCase): string => c.name ?? edgeOf(c.from, c.command, c.to);

/** What the walk found. */
interface Walk {
  /** The first state reached with each value, in the order reached (the initial state first). */
  readonly reached: ReadonlyMap<string, PersistedState>;
  /** Every (state, command) pair the machine allows in a state the walk reached. */
  readonly pairs: readonly string[];
  /** Pairs the machine allows that no case covers (the walk does not go on from them). */
  readonly missing: readonly string[];
  /** Cases the machine refused, or whose start could not be built. */
  readonly errors: readonly string[];
}

/** Where a table's cases start from: see `fromFixtures` and `fromTheWalk`. */
interface Given<C extends TransitionCase> {
  /** The state a case is decided from; `reached` is the state the walk reached with the case's `from`. */
  start(c: C, reached: PersistedState): PersistedState;
  /** The state that stands for a state value in the state × command sweeps. */
  standIn(state: C['from'], walk: Walk): PersistedState;
  /** Registers the checks of the fixtures themselves. */
  fixtureTests(spec: DeciderSpecification<C>): void;
}

/**
 * Cases start from named fixtures the spec builds from command scripts: each case names its fixture,
 * and each state has a canonical fixture that stands for it in the sweeps.
 */
export function fromFixtures<C extends TransitionCase, F extends string>(fixtures: {
  readonly fixture: (c: C) => F;
  readonly get: (name: F) => PersistedState;
  /** The state each fixture is in. */
  readonly stateOf: Readonly<Record<F, C['from']>>;
  readonly canonical: Readonly<Record<C['from'], F>>;
}): Given<C> {
  const { fixture, get, stateOf, canonical } = fixtures;
  // the keys of a Record<F, …>: every fixture name, in the order the spec lists them
  const names = Object.keys(stateOf) as F[];
  return {
    start: (c) => get(fixture(c)),
    standIn: (state) => get(canonical[state]),
    fixtureTests: (spec) => {
      it('each fixture is in the state the cases expect, and every state has a canonical fixture', () => {
        for (const name of names) expect(get(name).value, name).toBe(stateOf[name]);
        for (const state of spec.states) expect(stateOf[canonical[state]]).toBe(state);
        for (const c of spec.cases) expect(stateOf[fixture(c)], caseName(c)).toBe(c.from);
      });

      it.each(names)('commandsAllowedIn(fixture %s) is what the table lists', (name) => {
        expect(commandsAllowedIn(spec.aggregate, get(name))).toEqual(spec.allowedByTable(stateOf[name]));
      });
    },
  };
}

/**
 * Cases start from the first state the walk reaches with their `from` value, after `prepare` (e.g.
 * legal self-transitions that make the case's guard hold); that state stands for its value in the sweeps.
 */
export function fromTheWalk<C extends TransitionCase>(prepare: (c: C, reached: PersistedState) => PersistedState = (_c, reached) => reached): Given<C> {
  return {
    start: prepare,
    standIn: (state, walk) => {
      const reached = walk.reached.get(state);
      if (reached === undefined) throw new Error(`no fixture reached for state ${state}`);
      return reached;
    },
    fixtureTests: (spec) => {
      it.each([...spec.states])('commandsAllowedIn(%s) is what the table lists', (state) => {
        expect(commandsAllowedIn(spec.aggregate, spec.fixtureOf(state))).toEqual(spec.allowedByTable(state));
      });
    },
  };
}

interface DeciderTable<C extends TransitionCase> {
  readonly aggregate: AggregateDefinition;
  /** The states list the domain declares for the machine (e.g. SCENE_STATES). */
  readonly states: readonly C['from'][];
  readonly cases: readonly C[];
  /** The meta a case's command is sent with (a fresh command id on each call). */
  readonly metaOf: (c: C) => CommandMeta;
  readonly given: Given<C>;
}

interface CoverageOptions {
  /** What the spec calls its states list, for the test titles (e.g. 'SCENE_STATES'). */
  readonly statesName: string;
}

/** Then: what a case's transition must do, as the spec's table says it. */
interface Then<C extends TransitionCase> {
  /** The events the command emits, the primary one first. */
  readonly events: (c: C, meta: CommandMeta) => EmittedEvent[];
  /** The context fields the command sets besides `updatedAt` (always `meta.now`); every other field stays. */
  readonly changes: (c: C, meta: CommandMeta, before: PersistedState) => Record<string, unknown>;
}

interface RejectionOptions<S extends string> {
  /** The meta the sweeps send their commands with. */
  readonly meta: () => CommandMeta;
  /** The states in which the machine is done; they must be the machine's final states. */
  readonly finalStates: readonly S[];
}

export class DeciderSpecification<C extends TransitionCase> {
  static for<C extends TransitionCase>(table: DeciderTable<C>): DeciderSpecification<C> {
    return new DeciderSpecification(table);
  }

  readonly aggregate: AggregateDefinition;
  readonly states: readonly C['from'][];
  readonly cases: readonly C[];
  readonly walk: Walk;
  /** Every command type of the aggregate, sorted as `commandsAllowedIn` sorts. */
  readonly commands: readonly C['command'][];
  /** Every (state, command) pair the table does not list: the commands each state must refuse. */
  readonly illegalPairs: (readonly [C['from'], C['command']])[];
  private readonly metaOf: (c: C) => CommandMeta;
  private readonly given: Given<C>;

  private constructor(table: DeciderTable<C>) {
    this.aggregate = table.aggregate;
    this.states = table.states;
    this.cases = table.cases;
    this.metaOf = table.metaOf;
    this.given = table.given;
    // The aggregate's commands are the keys of its eventFor table; `coverageTests` checks that each one
    // is the command of some case.
    this.commands = Object.keys(this.aggregate.eventFor).sort() as C['command'][];
    this.walk = this.walkTheMachine();
    this.illegalPairs = this.states.flatMap((state) =>
      this.commands.filter((command) => !this.allowedByTable(state).includes(command)).map((command) => [state, command] as const),
    );
  }

  /** What the table says is allowed in a state, sorted as `commandsAllowedIn` sorts. */
  allowedByTable(state: string): string[] {
    return [...new Set(this.cases.filter((c) => c.from === state).map((c) => c.command))].sort();
  }

  /** The command a case sends: its payload, its type and the meta. */
  commandOf(c: C, meta: CommandMeta = this.metaOf(c)): MachineCommand {
    return { ...c.payload, type: c.command, meta };
  }

  /** The primary event a case's command emits when its data is the payload as sent. */
  primaryEvent(c: C): EmittedEvent {
    const type = this.aggregate.eventFor[c.command];
    if (type === undefined) throw new Error(`${c.command} has no primary event`);
    return { type, data: { ...c.payload } };
  }

  /** A command of the given type with a payload valid for its schema (not necessarily its state). */
  sampleCommand(type: string, meta: CommandMeta): MachineCommand {
    const c = this.cases.find((x) => x.command === type);
    if (c === undefined) throw new Error(`no case for ${type}`);
    return this.commandOf(c, meta);
  }

  /** The state that stands for a state value in the sweeps. */
  fixtureOf(state: C['from']): PersistedState {
    return this.given.standIn(state, this.walk);
  }

  /** The state a case is decided from. */
  startOf(c: C): PersistedState {
    return this.given.start(c, this.fixtureOf(c.from));
  }

  /**
   * Breadth-first walk from the initial state driven by `commandsAllowedIn`: every allowed pair must have
   * cases, each case is applied to its start, and the states it reaches are walked in turn.
   */
  private walkTheMachine(): Walk {
    const aggregate = this.aggregate;
    const start = initialState(aggregate);
    const reached = new Map<string, PersistedState>([[start.value, start]]);
    const queue: PersistedState[] = [start];
    const pairs: string[] = [];
    const missing: string[] = [];
    const errors: string[] = [];
    for (let state = queue.shift(); state !== undefined; state = queue.shift()) {
      for (const command of commandsAllowedIn(aggregate, state)) {
        pairs.push(pairOf(state.value, command));
        const cases = this.cases.filter((c) => c.from === state.value && c.command === command);
        if (cases.length === 0) missing.push(pairOf(state.value, command));
        for (const c of cases) {
          let d: Decision;
          try {
            d = decide(aggregate, this.given.start(c, state), this.commandOf(c));
          } catch (error) {
            errors.push(`${caseName(c)}: ${String(error)}`);
            continue;
          }
          if (!d.ok) {
            errors.push(`${caseName(c)}: rejected`);
            continue;
          }
          if (!reached.has(d.state.value)) {
            reached.set(d.state.value, d.state);
            queue.push(d.state);
          }
        }
      }
    }
    return { reached, pairs, missing, errors };
  }

  /**
   * Registers, in the `describe` it is called from, the checks that the table and the machine agree:
   * the walk reaches every state and the machine has no other; the table lists exactly the pairs the
   * machine allows and every guarded branch it declares; the fixtures are in the states the cases expect
   * and `commandsAllowedIn` is what the table lists for them; case names are unique; every event the
   * machine handles is a command, and every command is accepted somewhere.
   */
  coverageTests(options: CoverageOptions): void {
    const machine = this.aggregate.machine;
    const sorted = (items: Iterable<string>): string[] => [...items].sort();

    it(`the walk reaches every state in ${options.statesName}, and the machine declares no other state`, () => {
      expect(this.walk.errors).toEqual([]);
      expect(sorted(this.walk.reached.keys())).toEqual(sorted(this.states));
      expect(sorted(Object.keys(machine.root.states))).toEqual(sorted(this.states));
    });

    it('tests exactly the (state, command) pairs the machine allows', () => {
      expect(this.walk.missing).toEqual([]);
      expect(sorted(this.walk.pairs)).toEqual(sorted(new Set(this.cases.map((c) => pairOf(c.from, c.command)))));
    });

    it('every guarded branch of every transition has a case, and every case takes a branch the machine has', () => {
      const declared = sorted(declaredTransitions(this.aggregate).map(transitionKey));
      expect(sorted(new Set(this.cases.map(transitionKey)))).toEqual(declared);
    });

    this.given.fixtureTests(this);

    it('case names are unique', () => {
      const names = this.cases.map(caseName);
      expect(new Set(names).size).toBe(names.length);
    });

    it('every event the machine handles, in a state or at the root, is a command with a primary event', () => {
      const nodes = [['(root)', machine.root] as const, ...Object.entries(machine.root.states)];
      for (const [name, node] of nodes) {
        for (const type of node.ownEvents) expect(Object.keys(this.aggregate.eventFor), `${name} handles ${type}`).toContain(type);
      }
    });

    it('every command type is accepted in at least one state', () => {
      expect(sorted(new Set(this.cases.map((c) => c.command)))).toEqual(this.commands);
    });
  }

  /**
   * Registers, in the `describe` it is called from, one test per case: given its start, when its command
   * is sent, then it is accepted, goes to `to`, emits the events `then` lists (the command's primary
   * event first, never derived) and sets exactly the context fields `then` lists, and `updatedAt`.
   */
  transitionTests(then: Then<C>): void {
    it.each(this.cases.map((c) => [caseName(c), c] as const))('%s', (_name, c) => {
      const before = this.startOf(c);
      const meta = this.metaOf(c);
      const d = expectAccepted(decide(this.aggregate, before, this.commandOf(c, meta)));

      expect(d.state.value).toBe(c.to);
      expect(d.events).toStrictEqual(then.events(c, meta));
      // the first event is always the command's primary event, carrying the payload
      expect(d.events[0]?.type).toBe(this.aggregate.eventFor[c.command]);
      expect(d.events[0]?.derived).toBeUndefined();
      expect(d.state.context).toStrictEqual({ ...before.context, ...then.changes(c, meta, before), updatedAt: meta.now });
    });
  }

  /**
   * Registers, in the `describe` it is called from, two tests per case: deciding it from frozen inputs
   * neither throws nor changes them, and the same inputs give the same decision.
   */
  purityTests(): void {
    const frozenInputs = (c: C): { state: PersistedState; command: MachineCommand } => ({
      state: deepFreeze(structuredClone(this.startOf(c))),
      command: deepFreeze(this.commandOf(c)),
    });
    const rows = this.cases.map((c) => [caseName(c), c] as const);

    it.each(rows)('%s does not mutate its inputs', (_name, c) => {
      const { state, command } = frozenInputs(c);
      const stateCopy = structuredClone(state);
      const commandCopy = structuredClone(command);
      expect(decide(this.aggregate, state, command).ok).toBe(true);
      expect(state).toStrictEqual(stateCopy);
      expect(command).toStrictEqual(commandCopy);
    });

    it.each(rows)('%s: same inputs, same output', (_name, c) => {
      const { state, command } = frozenInputs(c);
      expect(decide(this.aggregate, state, command)).toStrictEqual(decide(this.aggregate, state, command));
    });
  }

  /**
   * Registers, in the `describe` it is called from, the sweeps of the commands a state does not allow:
   * each one, and a type the aggregate does not know, is refused in every state with the commands the
   * state does allow; the final states are the machine's and accept nothing.
   */
  rejectionTests(options: RejectionOptions<C['from']>): void {
    const aggregate = this.aggregate;

    it('there are illegal pairs to test in every state', () => {
      for (const state of this.states) expect(this.illegalPairs.some(([s]) => s === state), state).toBe(true);
    });

    it.each(this.illegalPairs)('%s rejects %s with the commands it does allow', (state, command) => {
      const d = decide(aggregate, this.fixtureOf(state), this.sampleCommand(command, options.meta()));
      expect(d).toStrictEqual({ ok: false, state, allowed: this.allowedByTable(state) });
    });

    it.each([...this.states])('%s rejects a command type the aggregate does not know', (state) => {
      const d = decide(aggregate, this.fixtureOf(state), { type: 'Frobnicate', meta: options.meta() });
      expect(d).toStrictEqual({ ok: false, state, allowed: this.allowedByTable(state) });
    });

    it('the final states are exactly the states the machine marks final', () => {
      const final = Object.entries(aggregate.machine.root.states).filter(([, node]) => node.type === 'final');
      expect(final.map(([name]) => name).sort()).toEqual([...options.finalStates].sort());
    });

    it.each([...options.finalStates])('final state %s accepts nothing', (state) => {
      const over = this.fixtureOf(state);
      expect(commandsAllowedIn(aggregate, over)).toEqual([]);
      for (const command of this.commands) {
        expect(decide(aggregate, over, this.sampleCommand(command, options.meta()))).toStrictEqual({ ok: false, state, allowed: [] });
      }
    });
  }
}
