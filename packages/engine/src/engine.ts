import { HTTP_STATUS, MusterError, NotFoundError, ValidationError, parseOrThrow, type CommandResult } from '@muster/contracts';
import { DEFAULT_RULE_BOOK, isStreamType, JurisdictionTree, ZHAOQING_JURISDICTIONS, type Actor, type RuleBook, type StreamType } from '@muster/domain';
import { AGGREGATES, isCommandOf } from './aggregates';
import { commandPolicy, type Policy } from './authorization';
import { answerFor, commandKey, fingerprintOf, pureSha256Hex, scopeOf } from './command-key';
import { loadStream } from './pipeline/load';
import { offeredCommands, type StreamRef } from './pipeline/offer';
import { attempt } from './pipeline/run';
import { KeyedTurns, withRetries } from './pipeline/turns';
import type { CommandEnvelope, PipelineContext } from './pipeline/types';
import { StreamCache } from './pipeline/stream-cache';
import { randomIds, StreamVersionConflict, systemClock, type Clock, type EventStore, type Ids, type StoredStream, type StreamRecord } from './ports';

export type { CommandEnvelope } from './pipeline/types';
export type { StreamRef } from './pipeline/offer';

export interface EngineOptions {
  store: EventStore;
  /** The jurisdictions served: who is above whom. Defaults to Zhaoqing's tree. */
  jurisdictions?: JurisdictionTree;
  clock?: Clock;
  ids?: Ids;
  policy?: Policy;
  /** How often a command without expectedVersion is retried after losing a race for its stream. */
  maxConflictRetries?: number;
  /** The plan rules (reporting deadlines, response authority, linkage, grading); defaults to the built-in ones. */
  rules?: RuleBook;
  /** How far a command's occurredAt may lie ahead of the engine's clock (other clocks drift); default 5 minutes. */
  maxClockSkewMs?: number;
  /** How far before now a newly reported incident may say it happened; default 30 days. */
  maxReportBackdateMs?: number;
  /** Streams kept to decide the next command on without reading them again (see StreamCache); default 10,000, 0 for none. */
  streamCacheSize?: number;
  /**
   * Other processes write the same streams as often as this one (the api's cluster workers share
   * its clients): a kept copy is then as likely stale as not, and deciding on a stale one costs a
   * failed write, a peek, a read and a second write. With this set the engine peeks first (one round
   * trip, shared by concurrent commands) and decides on the copy only when it is at the stored version.
   */
  checkKeptStreams?: boolean;
  /** SHA-256 of a text as lowercase hex, for command fingerprints; default a pure-JS one (the engine imports no runtime modules). */
  sha256Hex?: (text: string) => string;
  /** Told of every command's end (metrics: muster_commands_total, muster_command_duration_seconds). */
  observer?: CommandObserver;
}

/** How a command ended: stored, refused (a 4xx answer), answered from an earlier identical send, or failed (a 5xx). */
type CommandOutcome = 'accepted' | 'rejected' | 'duplicate' | 'error';

/**
 * Watches commands end, e.g. to count them. `type` is a command type of the engine's registrations or
 * `unknown` (what a client sends is never a label as it is); `seconds` runs from `handle` to the answer.
 */
interface CommandObserver {
  commandHandled(type: string, outcome: CommandOutcome, seconds: number): void;
}

/** A command type as a metric label: one of the stream type's commands, or `unknown`. */
function commandLabel<K extends StreamType>(streamType: K, type: string): string {
  return isCommandOf(AGGREGATES[streamType], type) ? type : 'unknown';
}

/** What a failed command counts as: the error vocabulary's refusals are the caller's (4xx); anything else is ours. */
function failureOutcome(error: unknown): CommandOutcome {
  return error instanceof MusterError && HTTP_STATUS[error.code] < 500 ? 'rejected' : 'error';
}

const DEFAULT_MAX_CLOCK_SKEW_MS = 5 * 60_000;
const DEFAULT_MAX_REPORT_BACKDATE_MS = 30 * 24 * 60 * 60_000;
const DEFAULT_STREAM_CACHE_SIZE = 10_000;

export interface Engine {
  handle(command: CommandEnvelope): Promise<CommandResult>;
  /** The stream of type K, its state typed by K's machine; NotFoundError when there is none of that type. */
  load<K extends StreamType>(streamType: K, streamId: string): Promise<StoredStream<K>>;
  /** Like load, but null when the stream does not exist yet. */
  tryLoad<K extends StreamType>(streamType: K, streamId: string): Promise<StoredStream<K> | null>;
  /**
   * The commands `actor` may send now to each of the incident's streams named, by stream id: what
   * the machine takes in its state and the policy lets this actor send (the console offers these).
   * The caller has already checked that the actor may see the incident.
   */
  offered(actor: Actor, incidentId: string, streams: readonly StreamRef[]): Promise<Record<string, string[]>>;
}

/**
 * The engine: every command, from any entry point, goes through one pipeline (./pipeline): its
 * payload parsed and its idempotency key looked up here, then load → authorize → decide → react →
 * write, one stream at a time per process and retried after a lost race. What differs between
 * stream types is in their registrations (./aggregates), not in the pipeline.
 */
export function createEngine(options: EngineOptions): Engine {
  const tree = options.jurisdictions ?? new JurisdictionTree(ZHAOQING_JURISDICTIONS);
  const ctx: PipelineContext = {
    store: options.store,
    clock: options.clock ?? systemClock,
    ids: options.ids ?? randomIds,
    policy: options.policy ?? commandPolicy,
    tree,
    env: { rules: options.rules ?? DEFAULT_RULE_BOOK, tree },
    maxClockSkewMs: options.maxClockSkewMs ?? DEFAULT_MAX_CLOCK_SKEW_MS,
    maxReportBackdateMs: options.maxReportBackdateMs ?? DEFAULT_MAX_REPORT_BACKDATE_MS,
    streams: (options.streamCacheSize ?? DEFAULT_STREAM_CACHE_SIZE) > 0 ? new StreamCache(options.streamCacheSize ?? DEFAULT_STREAM_CACHE_SIZE) : null,
  };
  const maxRetries = options.maxConflictRetries ?? 12;
  const checkKeptStreams = options.checkKeptStreams ?? false;
  const sha256Hex = options.sha256Hex ?? pureSha256Hex;
  const streamTurns = new KeyedTurns();

  async function handleOf<K extends StreamType>(streamType: K, command: CommandEnvelope, seen: { duplicate: boolean }): Promise<CommandResult> {
    const registration = AGGREGATES[streamType];
    const { type } = command;
    if (!isCommandOf(registration, type)) {
      throw new ValidationError([{ path: 'type', message: `unknown ${streamType} command; one of ${Object.keys(registration.schemas).join(', ')}` }]);
    }
    const payload = parseOrThrow(registration.schemas[type], command.data ?? {}, ['data']);
    const commandId = command.commandId ?? ctx.ids.newId();
    // Scoped to the sender and the stream (issue 14): the lookup can only return the sender's own
    // earlier answer, so it may run before anything else is checked.
    const scope = scopeOf(streamType, command.streamId, registration.opensOnly.includes(type));
    const key = commandKey({ system: command.system, userId: command.actor.userId }, scope, commandId);
    const asked = { streamType, type, data: payload, expectedVersion: command.expectedVersion, occurredAt: command.occurredAt };
    const fingerprint = fingerprintOf(asked, sha256Hex);
    const known = { ...command, streamType, type };
    // Commands to one stream from this process take turns: racing them would only make all but
    // one lose and retry. Writers in other processes still race, and the retry handles it.
    const handled = { commandId, key, fingerprint };
    return streamTurns.run(command.streamId, async () => {
      // Inside the turn, so an earlier command to the stream from this process has left its state in the cache already.
      const cached = ctx.streams?.get(command.streamId);
      if (cached && !checkKeptStreams) {
        // Decided on the copy this engine holds without asking the store first (issue 18: for a
        // client alone the question was one of two round trips). The write checks the copy's version,
        // so a copy another process made stale is never written from: it fails with a lost race. Any
        // failure then asks the store what it holds: an earlier answer under the key wins, as it would
        // have first; a copy that was not the stored one is dropped and the command runs on the stored
        // stream; a failure on the stored state stands.
        try {
          return await attempt(ctx, registration, known, handled, payload, cached, seen);
        } catch (error) {
          const peeked = await ctx.store.peek(command.commandId === undefined ? undefined : key, command.streamId);
          if (peeked.command) {
            seen.duplicate = true;
            return answerFor(peeked.command, key, fingerprint);
          }
          if (peeked.version === cached.version && !(error instanceof StreamVersionConflict)) throw error;
          ctx.streams?.forget({ streamId: command.streamId });
          return withRetries(command, maxRetries, attemptOn(undefined));
        }
      }
      if (!cached && command.commandId === undefined) return withRetries(command, maxRetries, attemptOn(undefined));
      // One round trip answers both the idempotency lookup and whether the stream exists (and, with
      // checkKeptStreams, whether the kept copy is the stored stream).
      const peeked = await ctx.store.peek(command.commandId === undefined ? undefined : key, command.streamId);
      if (peeked.command) {
        seen.duplicate = true;
        return answerFor(peeked.command, key, fingerprint);
      }
      if (cached && peeked.version === cached.version) return withRetries(command, maxRetries, attemptOn(cached));
      if (cached) ctx.streams?.forget({ streamId: command.streamId });
      return withRetries(command, maxRetries, attemptOn(peeked.version === null ? null : undefined));
    });

    /** Attempts that decide on `first` (peeked or kept) only the first time: a retry follows a lost race, so it reads the stream. */
    function attemptOn(first: StreamRecord | null | undefined): () => Promise<CommandResult> {
      let unused = first;
      return () => {
        const stream = unused;
        unused = undefined;
        return attempt(ctx, registration, known, handled, payload, stream, seen);
      };
    }
  }

  const observer = options.observer;
  async function handle(command: CommandEnvelope, seen: { duplicate: boolean }): Promise<CommandResult> {
    const { streamType } = command;
    if (!isStreamType(streamType)) throw new ValidationError([{ path: 'streamType', message: `unknown stream type ${streamType}` }]);
    return handleOf(streamType, command, seen);
  }

  return {
    async handle(command) {
      const seen = { duplicate: false };
      if (!observer) return handle(command, seen);
      const started = performance.now();
      const { streamType, type } = command;
      // A label takes only the engine's own command types: a client's made-up type is `unknown`.
      const label = isStreamType(streamType) ? commandLabel(streamType, type) : 'unknown';
      try {
        const result = await handle(command, seen);
        observer.commandHandled(label, seen.duplicate ? 'duplicate' : 'accepted', (performance.now() - started) / 1000);
        return result;
      } catch (error) {
        observer.commandHandled(label, failureOutcome(error), (performance.now() - started) / 1000);
        throw error;
      }
    },
    tryLoad: (streamType, streamId) => loadStream(ctx.store, streamType, streamId),
    offered: (actor, incidentId, streams) => offeredCommands(ctx, actor, incidentId, streams),
    async load(streamType, streamId) {
      const stream = await loadStream(ctx.store, streamType, streamId);
      if (!stream) throw new NotFoundError(streamType, streamId);
      return stream;
    },
  };
}
