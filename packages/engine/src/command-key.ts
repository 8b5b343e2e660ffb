import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { canonicalJson, ConflictError, type CommandResult } from '@muster/contracts';

/**
 * In-process callers that act on their own authority rather than a user's (issue 14): their command
 * ids live in a namespace of their own, and rules that only they may pass check this, not a user id
 * that a token could also carry.
 */
// 'last-mile': the api's delivery worker and the public acknowledgement link (issue 21).
// 'tip-off-intake': the api's public tip-off form, which reports a hazard on nobody's login.
const SYSTEM_CALLERS = ['timers', 'last-mile', 'tip-off-intake'] as const;
export type SystemCaller = (typeof SYSTEM_CALLERS)[number];

/**
 * The idempotency key of a command: its id scoped to whoever sent it and the stream it addresses, so
 * that one caller's id never answers for, or blocks, another's (issue 14, finding 4).
 *
 * - a user's command: `u/<userId>/<scope>/<commandId>`
 * - a system caller's: `sys/<caller>/<scope>/<commandId>`
 *
 * The scope is the stream id (see scopeOf). User ids, stream ids and command ids that reach the engine
 * from HTTP cannot contain '/' (see UserIdSchema and IdSchema in @muster/contracts; stream ids are ids
 * or `<type>:<id>`), so the parts cannot run into each other and no client can write a key of the
 * system namespace.
 */
export function commandKey(caller: { system?: SystemCaller | undefined; userId: string }, scope: string, commandId: string): string {
  return caller.system === undefined ? `u/${caller.userId}/${scope}/${commandId}` : `sys/${caller.system}/${scope}/${commandId}`;
}

/**
 * What a command id is scoped to besides its sender: the stream it addresses, except for commands
 * that only ever open a new stream (a new incident, a new resource request). Their stream id may be
 * chosen by the server afresh on every try, so a retried creation would name another stream each
 * time: they are scoped to `new:<streamType>` instead, and a retry finds the first answer. (No stream
 * id has that form: ids hold no ':' and child streams are `<type>:<incident id>`.)
 */
export function scopeOf(streamType: string, streamId: string, opensOnly: boolean): string {
  return opensOnly ? `new:${streamType}` : streamId;
}

/** The key under which a command's n-th reaction (1-based) is recorded: derived, so a retry derives the same. */
export function reactionKey(key: string, n: number): string {
  return `${key}.${n}`;
}

/** The command id a key was made from (the last part): what the client sent, for messages. */
function commandIdOfKey(key: string): string {
  return key.slice(key.lastIndexOf('/') + 1);
}

/** What makes two commands under one key the same command. */
export interface FingerprintInput {
  streamType: string;
  type: string;
  /** The parsed payload. */
  data: unknown;
  expectedVersion?: number | undefined;
  occurredAt?: string | undefined;
}

/**
 * SHA-256 (hex) over what the command asks for: stream type, command type, canonical payload,
 * expectedVersion and occurredAt as sent. A retry carries the same; anything else under the same
 * key is another command and gets a conflict, never the first command's answer.
 */
export function fingerprintOf(input: FingerprintInput, sha256Hex: (text: string) => string = pureSha256Hex): string {
  return sha256Hex(canonicalJson(['muster.command.v1', input.streamType, input.type, input.data ?? null, input.expectedVersion ?? null, input.occurredAt ?? null]));
}

/**
 * A pure-JS SHA-256, synchronous: the engine imports no runtime modules (DESIGN §5), and Web Crypto's
 * asynchronous digest cost about 1 ms of a command's time on the bench (a thread-pool round trip).
 * The services pass Node's own (EngineOptions.sha256Hex), the same digest at a sixth of the cost.
 */
export function pureSha256Hex(text: string): string {
  return bytesToHex(sha256(utf8ToBytes(text)));
}

/** A command already handled under a key: its answer and the fingerprint it was stored with. */
export interface StoredCommand {
  result: CommandResult;
  /** Null for commands recorded before fingerprints were kept: they answer as they always did. */
  fingerprint: string | null;
}

/**
 * The answer for a command whose key was already handled: the stored result when it is the same
 * command (or was stored without a fingerprint), a ConflictError when the key was used for another.
 */
export function answerFor(stored: StoredCommand, key: string, fingerprint: string | null | undefined): CommandResult {
  if (stored.fingerprint !== null && fingerprint != null && stored.fingerprint !== fingerprint) {
    throw new ConflictError(`command id ${commandIdOfKey(key)} was already used for a different command; send a new command id`, {
      commandId: commandIdOfKey(key),
    });
  }
  return stored.result;
}
