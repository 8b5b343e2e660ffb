import { createActor, initialTransition, type AnyActorScope, type AnyStateMachine, type ContextFrom, type SnapshotFrom } from 'xstate';
import type { Actor, CommandMeta, EmittedEvent } from './shared';

/** A command as the machine sees it: its type, its payload fields and the meta the engine adds. */
export interface MachineCommand {
  type: string;
  meta: CommandMeta;
  [field: string]: unknown;
}

/**
 * The persisted form of a machine snapshot: what the stream row keeps. `C` is the machine's context
 * (ContextOf in streams.ts); a state read back from storage is a plain record until its stream type
 * is checked (isStreamOf).
 */
export interface PersistedState<C = Record<string, unknown>> {
  value: string;
  context: C;
}

/**
 * An aggregate: a machine driven by commands and the table that maps each primary event back to the
 * command that produced it, so that a stream can be replayed through the same machine.
 */
export interface AggregateDefinition<M extends AnyStateMachine = AnyStateMachine> {
  streamType: string;
  machine: M;
  /** Command type → type of the primary event it emits when accepted. */
  eventFor: Readonly<Record<string, string>>;
}

/** The outcome of one command: the next state (typed by the machine's context) and its events, or a refusal. */
export type Decision<C = Record<string, unknown>> =
  | { ok: true; state: PersistedState<C>; events: EmittedEvent[] }
  | { ok: false; state: string; allowed: string[] };

/** A state to decide from: any persisted state, since the machine resolves it afresh. */
type StateIn = Readonly<PersistedState<unknown>>;

/** The state a stream starts in, before its first command. */
export function initialState(def: AggregateDefinition): PersistedState {
  const [snapshot] = initialTransition(def.machine);
  return persist(snapshot);
}

// xstate types an any-machine's snapshot context as `any`; the definition's machine type M gives it
// its real type (ContextFrom<M>) at every call.
function persist<C>(snapshot: SnapshotFrom<AnyStateMachine>): PersistedState<C> {
  return { value: String(snapshot.value), context: structuredClone(snapshot.context) };
}

function resolve(def: AggregateDefinition, state: StateIn): SnapshotFrom<AnyStateMachine> {
  return def.machine.resolveState({ value: state.value, context: structuredClone(state.context) });
}

/** The tag a machine puts on the states in which its stream is over (closed, dismissed, released …). */
export const OVER_TAG = 'over';

const overStatesByMachine = new WeakMap<AnyStateMachine, ReadonlySet<string>>();

/** The names of a machine's states tagged `over`, read once from its definition. */
function overStates(def: AggregateDefinition): ReadonlySet<string> {
  let names = overStatesByMachine.get(def.machine);
  if (!names) {
    const states: Record<string, { tags: readonly string[] }> = def.machine.root.states;
    names = new Set(Object.entries(states).flatMap(([name, node]) => (node.tags.includes(OVER_TAG) ? [name] : [])));
    overStatesByMachine.set(def.machine, names);
  }
  return names;
}

/**
 * Whether a stream is over: its machine's state carries the `over` tag. The one place that says so
 * (the engine's check for an incident that is over, the api's triage, …); machines are flat, so a
 * state is known by its name.
 */
export function isOver(def: AggregateDefinition, state: Pick<PersistedState<unknown>, 'value'>): boolean {
  return overStates(def).has(state.value);
}

/** Commands with a transition out of the current state (guards not evaluated). */
export function commandsAllowedIn(def: AggregateDefinition, state: StateIn): string[] {
  const snapshot = resolve(def, state);
  // A machine in a final state is done: even the root's handlers no longer apply.
  if (snapshot.status === 'done') return [];
  const names = new Set<string>();
  for (const node of snapshot._nodes) for (const type of node.ownEvents) names.add(type);
  return [...names].filter((t) => t in def.eventFor).sort();
}

/**
 * Whether the machine would take `command` now, its guards evaluated on this payload (no action
 * runs). For a guard that reads only the stream's state — whether the lead was ever raised — any
 * payload answers the same.
 */
export function acceptsNow(def: AggregateDefinition, state: StateIn, command: MachineCommand): boolean {
  const snapshot = resolve(def, state);
  return command.type in def.eventFor && snapshot.status !== 'done' && snapshot.can(command);
}

/**
 * The pure decider: the machine's `transition()` applied to a command. It never reads a clock or
 * generates ids; both arrive in `command.meta`.
 */
export function decide<M extends AnyStateMachine>(def: AggregateDefinition<M>, state: StateIn, command: MachineCommand): Decision<ContextFrom<M>> {
  const machine: AnyStateMachine = def.machine;
  const snapshot = resolve(def, state);
  // can() still answers for the root's handlers when the machine is done; a done machine takes nothing.
  if (!(command.type in def.eventFor) || snapshot.status === 'done' || !snapshot.can(command)) {
    return { ok: false, state: state.value, allowed: commandsAllowedIn(def, state) };
  }
  // A throw part-way (a guard's or an action's bug) may leave events of the failed command here: cleared first.
  emitted.length = 0;
  const next = machine.transition(snapshot, command, inertScopeOf(machine));
  // Not cloned again: the new context shares objects only with `snapshot`'s, which resolve() cloned
  // for this decision alone (issue 18: the second clone was 2 % of a command's CPU).
  const decided: PersistedState<ContextFrom<M>> = { value: String(next.value), context: next.context as ContextFrom<M> };
  return { ok: true, state: decided, events: emitted.splice(0) };
}

/** What the decider's inert scope collects while one transition runs (decide is synchronous: one at a time). */
const emitted: EmittedEvent[] = [];

const inertScopes = new WeakMap<AnyStateMachine, AnyActorScope>();

/**
 * An inert actor scope for `machine`, made once and reused by every decision: xstate's `transition()`
 * makes a new one per call (an actor, which runs the machine's initial transition, and two actor
 * systems), which was half of a decision's CPU (issue 18). Reusing it is safe because the scope
 * executes nothing (every action goes to `actionExecutor`, which keeps only the emitted events) and
 * the machines only assign and emit: none spawns, invokes or schedules, which is what would leave
 * anything behind in the shared actor system.
 */
function inertScopeOf(machine: AnyStateMachine): AnyActorScope {
  let scope = inertScopes.get(machine);
  if (!scope) {
    const self = createActor(machine);
    scope = {
      self,
      id: '',
      sessionId: '',
      logger: () => {},
      defer: () => {},
      emit: () => {},
      stopChild: () => {},
      system: self.system,
      // xstate's action typing for an any-machine leaves out emit, though the executor receives it.
      actionExecutor: (action: { type: string; params?: unknown }) => {
        if (action.type === 'xstate.emit') emitted.push((action.params as { event: EmittedEvent }).event);
      },
    };
    inertScopes.set(machine, scope);
  }
  return scope;
}

/**
 * A stored event, as much of it as replay needs. Stored events carry the server time as `recordedAt`;
 * it was the command's `meta.now`, so replay gives it back to the machine under that name.
 */
export interface ReplayableEvent {
  type: string;
  data: Record<string, unknown>;
  meta: { commandId: string; actor: Actor; occurredAt: string; derived?: boolean | undefined; recordedAt?: string | undefined; now?: string | undefined };
}

/** Rebuilds the state of a stream from its events by re-applying each primary event's command. */
export function replay(def: AggregateDefinition, events: readonly ReplayableEvent[], from?: PersistedState): PersistedState {
  const commandFor = new Map(Object.entries(def.eventFor).map(([command, event]) => [event, command]));
  let state = from ?? initialState(def);
  for (const event of events) {
    if (event.meta.derived) continue;
    const type = commandFor.get(event.type);
    if (type === undefined) throw new Error(`replay: no command produces ${def.streamType} event ${event.type}`);
    const { commandId, actor, occurredAt } = event.meta;
    const now = event.meta.recordedAt ?? event.meta.now;
    if (now === undefined) throw new Error(`replay: ${event.type} has neither recordedAt nor now`);
    const decision = decide(def, state, { ...event.data, type, meta: { commandId, actor, occurredAt, now } });
    if (!decision.ok) {
      throw new Error(`replay: ${event.type} is not accepted in state ${decision.state}`);
    }
    state = decision.state;
  }
  return state;
}
