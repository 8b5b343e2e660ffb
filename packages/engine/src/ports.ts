import type { CommandResult, EventEnvelope } from '@muster/contracts';
import type { ContextOf, PersistedState, StreamType } from '@muster/domain';
import type { StoredCommand } from './command-key';

/** A stream as the store keeps it: its state is a plain record until its type is checked (isStreamOf). */
export interface StreamRecord {
  streamId: string;
  streamType: string;
  version: number;
  state: PersistedState;
  /**
   * The earliest moment the stream's record speaks of: the earlier of when its first event happened
   * (occurredAt) and when it was recorded. Commands to the stream may not claim to have happened
   * before it (issue 14). Absent when the store cannot tell; the engine then uses the incident's.
   */
  openedAt?: string | undefined;
}

/** A stream of type K, its state typed by K's machine: what Engine.load returns. */
export interface StoredStream<K extends StreamType = StreamType> {
  streamId: string;
  streamType: K;
  version: number;
  state: PersistedState<ContextOf<K>>;
  openedAt?: string | undefined;
}

/** An event about to be appended; the store assigns its global position. */
export type NewEvent = Omit<EventEnvelope, 'position'>;

/**
 * A deadline as a row (DESIGN §3 guarantee 6): when `dueAt` comes, the timers service sends `command`
 * to the stream through the engine, like any other command. Written in the transaction of the
 * command that made it due, so a deadline exists exactly when the events that call for it do.
 */
export interface DeadlineSpec {
  streamType: string;
  streamId: string;
  incidentId: string;
  /** The jurisdiction on whose behalf the timers act when it falls due (the lead that owes the report). */
  jurisdiction: string;
  /** What is due (e.g. `phone`, `followUp-2`); with `dueAt` it identifies the deadline within its stream. */
  key: string;
  dueAt: string;
  command: { type: string; data: Record<string, unknown> };
  /** The drill (演练, issue 22) whose deadline it is, when it is one's (filled in by the engine). */
  drillId?: string | undefined;
}

/** Changes to reference data and deadlines that commit together with the event that causes them. */
export type StoreEffect =
  /** `room`: the dispatching room; the depot must be one of its own (absent only for legacy dispatches). */
  | { kind: 'takeStock'; depotId: string; items: { kind: string; quantity: number }[]; room?: string | undefined }
  | { kind: 'returnStock'; depotId: string; items: { kind: string; quantity: number }[] }
  | { kind: 'assignTeams'; teamIds: string[]; incidentId: string; room?: string | undefined }
  | { kind: 'releaseTeams'; teamIds: string[] }
  /** Adds the deadline unless the same one (stream, key, due time) is already pending or fired. */
  | { kind: 'scheduleDeadline'; deadline: DeadlineSpec }
  /**
   * Cancels the pending deadlines of an incident, or of one of its streams when `streamId` is given,
   * except those listed in `keep`. A deadline that a timers process is firing at this very moment is
   * left alone (its row is locked): the machine then decides whether it still counts.
   */
  | { kind: 'cancelDeadlines'; incidentId: string; streamId?: string; keep?: { key: string; dueAt: string }[] };

export interface StreamWrite {
  streamId: string;
  streamType: string;
  /** The version the stream is at before this write; 0 for a new stream. */
  expectedVersion: number;
  state: PersistedState;
  events: NewEvent[];
  /** The command id as the command carried it (and its events' meta.commandId do). */
  commandId: string;
  /**
   * The idempotency key the write is recorded under: the command id scoped to its sender and stream
   * (see commandKey). Defaults to `commandId` for writers outside the engine (fixtures, tools).
   */
  commandKey?: string | undefined;
  /** What the command asked for (see fingerprintOf): the same key with another fingerprint is a conflict. */
  fingerprint?: string | null | undefined;
  result: CommandResult;
  /** Applied in the same transaction; a store that cannot apply one fails the whole write. */
  effects: StoreEffect[];
  /**
   * Writes to other streams that the command causes (e.g. confirming an incident opens its report
   * obligation): committed in the same transaction as this one, or not at all. Each is version-checked
   * like the primary write.
   */
  reactions?: StreamWrite[];
}

/**
 * `duplicate`: the write's key was already recorded with the same fingerprint (or none); `result` is
 * the stored answer. The same key with another fingerprint is not a duplicate: the store throws a
 * ConflictError (see answerFor).
 */
export type AppendOutcome = { kind: 'appended' } | { kind: 'duplicate'; result: CommandResult };

/** The key a write is recorded under. */
export function keyOf(write: Pick<StreamWrite, 'commandId' | 'commandKey'>): string {
  return write.commandKey ?? write.commandId;
}

/** What EventStore.peek found. */
export interface Peeked {
  command: StoredCommand | null;
  version: number | null;
}

/** Thrown by a store when the stream moved past `expectedVersion` (or already exists). */
export class StreamVersionConflict extends Error {
  constructor(
    readonly streamId: string,
    readonly expectedVersion: number,
  ) {
    super(`stream ${streamId} is no longer at version ${expectedVersion}`);
    this.name = 'StreamVersionConflict';
  }
}

/**
 * The system of record. `append` is the only durability point (DESIGN §2): events, the stream's
 * snapshot and version, the command key and inline read models commit together or not at all.
 */
export interface EventStore {
  /** The stream's snapshot; `openedAt` only where it costs nothing (the in-memory store), else see openingOf. */
  loadStream(streamId: string): Promise<StreamRecord | null>;
  /**
   * When the stream's record opens (see StreamRecord.openedAt), or undefined when it has none. Asked
   * only for a command that states its own occurredAt, so other commands do not pay the lookup.
   */
  openingOf(streamId: string): Promise<string | undefined>;
  /**
   * The drill (演练, issue 22) that lists the incident among its own, if one does: every later event
   * and deadline of the incident carries its id. Asked only for exercise incidents.
   */
  drillOfIncident(incidentId: string): Promise<string | null>;
  /** The command recorded under an idempotency key (see commandKey), if any. */
  findCommand(commandKey: string): Promise<StoredCommand | null>;
  /**
   * In one round trip: the command recorded under `commandKey` (none is looked up when it is
   * undefined) and the version `streamId` is stored at (null: no such stream). The engine asks it
   * before every command it can answer from a stream state it holds: the state is used only when its
   * version is the stored one, so a stale copy never decides (see StreamCache).
   */
  peek(commandKey: string | undefined, streamId: string): Promise<Peeked>;
  append(write: StreamWrite): Promise<AppendOutcome>;
  readStream(streamId: string, afterVersion?: number): Promise<EventEnvelope[]>;
}

export interface Clock {
  now(): Date;
}

export interface Ids {
  newId(): string;
}

export const systemClock: Clock = { now: () => new Date() };
export const randomIds: Ids = { newId: () => crypto.randomUUID() };

/** A live feed of the events the relay published, in the order it published them. */
export interface LiveSubscription {
  /** Stops delivery; resolves when no more handler calls will be made. */
  unsubscribe(): Promise<void>;
}

export interface PublishOptions {
  /** The eventId the bus must have stored last, or the publish is rejected and nothing is stored. */
  after?: string;
}

/**
 * The bus that carries committed events from the relay to gateways (DESIGN §2). Implemented by
 * JetStream (packages/bus-nats) and by an in-process bus for the embedded mode; both pass the same
 * contract tests. Delivery is at least once and in publish order; consumers deduplicate by position.
 */
export interface EventBus {
  /**
   * Resolves only once the bus has stored the event (JetStream PubAck); duplicates by eventId are absorbed.
   * With `after`, the bus stores the event only if the last event it stored is the one with that id, and
   * rejects otherwise: a publisher with several publishes in flight can never store them out of order.
   */
  publish(event: EventEnvelope, options?: PublishOptions): Promise<void>;
  /** Events published from now on, in publish order. */
  subscribe(handler: (event: EventEnvelope) => void): Promise<LiveSubscription>;
  close(): Promise<void>;
}
