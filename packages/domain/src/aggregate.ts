import { initialTransition, transition, type AnyStateMachine, type SnapshotFrom } from 'xstate';
import type { Actor, CommandMeta, EmittedEvent } from './shared';

/** A command as the machine sees it: its type, its payload fields and the meta the engine adds. */
export interface MachineCommand {
  type: string;
  meta: CommandMeta;
  [field: string]: unknown;
}

/** The persisted form of a machine snapshot: what the stream row keeps. */
export interface PersistedState {
  value: string;
  context: Record<string, unknown>;
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

export type Decision =
  | { ok: true; state: PersistedState; events: EmittedEvent[] }
  | { ok: false; state: string; allowed: string[] };

export function initialState(def: AggregateDefinition): PersistedState {
  const [snapshot] = initialTransition(def.machine);
  return persist(snapshot);
}

function persist(snapshot: SnapshotFrom<AnyStateMachine>): PersistedState {
  return { value: String(snapshot.value), context: structuredClone(snapshot.context) as Record<string, unknown> };
}

function resolve(def: AggregateDefinition, state: PersistedState): SnapshotFrom<AnyStateMachine> {
  return def.machine.resolveState({ value: state.value, context: structuredClone(state.context) });
}

/** Commands with a transition out of the current state (guards not evaluated). */
export function commandsAllowedIn(def: AggregateDefinition, state: PersistedState): string[] {
  const snapshot = resolve(def, state);
  // A machine in a final state is done: even the root's handlers no longer apply.
  if (snapshot.status === 'done') return [];
  const names = new Set<string>();
  for (const node of snapshot._nodes) for (const type of node.ownEvents) names.add(type);
  return [...names].filter((t) => t in def.eventFor).sort();
}

/**
 * The pure decider: the machine's `transition()` applied to a command. It never reads a clock or
 * generates ids; both arrive in `command.meta`.
 */
export function decide(def: AggregateDefinition, state: PersistedState, command: MachineCommand): Decision {
  const snapshot = resolve(def, state);
  // can() still answers for the root's handlers when the machine is done; a done machine takes nothing.
  if (!(command.type in def.eventFor) || snapshot.status === 'done' || !snapshot.can(command)) {
    return { ok: false, state: state.value, allowed: commandsAllowedIn(def, state) };
  }
  const [next, actions] = transition(def.machine, snapshot, command);
  const events: EmittedEvent[] = [];
  // xstate's action typing for an any-machine leaves out emit, though transition() returns it.
  for (const action of actions as ReadonlyArray<{ type: string; params?: unknown }>) {
    if (action.type === 'xstate.emit') events.push((action.params as { event: EmittedEvent }).event);
  }
  return { ok: true, state: persist(next), events };
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
