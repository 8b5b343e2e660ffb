import type { Actor, CommandTypeOf, JurisdictionTree, StreamType } from '@muster/domain';
import type { ReactionEnv } from '../aggregates';
import type { Policy } from '../authorization';
import type { SystemCaller } from '../command-key';
import type { Clock, EventStore, Ids } from '../ports';
import type { StreamCache } from './stream-cache';

/** A command as it reaches the engine from any entry point (HTTP, timers, CLI). */
export interface CommandEnvelope {
  streamType: string;
  streamId: string;
  type: string;
  data: unknown;
  actor: Actor;
  commandId?: string | undefined;
  expectedVersion?: number | undefined;
  occurredAt?: string | undefined;
  /**
   * Set only by in-process system callers (the timers), never from a request: their command ids live
   * in a namespace of their own, and rules for them (DeadlinePassed) check this rather than a user id.
   * Their occurredAt is trusted beyond a sanity check (a deadline's due time, however late it fires).
   */
  system?: SystemCaller | undefined;
  /**
   * The HTTP request that carried the command (the api's request id): recorded on its events' meta,
   * so the relay's log of what it publishes names the request. Not part of the command's identity
   * (idempotency and fingerprint ignore it: a retry is a new request of the same command).
   */
  requestId?: string | undefined;
}

/** A command whose stream type and command type are known: what the pipeline's steps take. */
export type KnownCommand<K extends StreamType> = CommandEnvelope & { streamType: K; type: CommandTypeOf<K> };

/** What every step of the pipeline may use: the engine's ports and settings, fixed when it is created. */
export interface PipelineContext {
  store: EventStore;
  clock: Clock;
  ids: Ids;
  policy: Policy;
  tree: JurisdictionTree;
  env: ReactionEnv;
  maxClockSkewMs: number;
  maxReportBackdateMs: number;
  /** Streams this engine last loaded or wrote (null: no cache). */
  streams: StreamCache | null;
}

/** How one command is recorded: its id as sent (or given), its idempotency key and its fingerprint. */
export interface Handled {
  commandId: string;
  key: string;
  fingerprint: string;
}
