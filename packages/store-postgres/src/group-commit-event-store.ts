import { MusterError, type EventEnvelope } from '@muster/contracts';
import { answerFor, keyOf, StreamVersionConflict, type AppendOutcome, type EventStore, type Peeked, type StoredCommand, type StreamRecord, type StreamWrite } from '@muster/engine';
import type { ControlledTransaction, Kysely } from 'kysely';
import type { Database } from './database';
import { DuplicateCommand, PostgresEventStore, storedCommand, type StreamHead } from './postgres-event-store';
import { canWriteInSet, writeSet, type SetWriteResult } from './set-write';

export interface GroupCommitOptions {
  /**
   * Told the size of every group and the seconds it took in the database, from going out until every
   * member has its answer, retries alone included (metrics: muster_group_commit_batch_size and
   * muster_group_commit_seconds). Beside muster_command_duration_seconds it tells an operator how much
   * of a command's time PostgreSQL took.
   */
  onBatch?: (size: number, seconds: number) => void;
  /**
   * Most writes in one transaction (default 32). A member written one by one runs in a savepoint and
   * takes a subtransaction id; past 64 of them in one transaction PostgreSQL's per-backend cache
   * overflows and every snapshot on the server gets slower, so stay well below.
   */
  maxBatchSize?: number;
  /**
   * Batch transactions in flight at once (default 1); appends that arrive meanwhile queue for the
   * next one. On the 2-core commands benchmark 2 and 4 showed no consistent gain over 1 (runs went
   * either way by more than the machine's noise), so one it is until a bigger machine says otherwise.
   */
  maxConcurrentBatches?: number;
}

/** Counters for tests and benchmarks: how appends were committed. */
export interface GroupCommitStats {
  /** Transactions that carried more than one append. */
  batches: number;
  /** Appends committed or refused inside such a transaction. */
  batchedAppends: number;
  /** Batched appends decided by the set-wise write (a fixed number of statements for all of them). */
  writtenInSet: number;
  /** Appends that ran alone because nothing else was waiting. */
  soloAppends: number;
  /** Appends run again alone because their batch failed as a whole or they hit a transient error in it. */
  retriedAlone: number;
  /** Appends that ran alone (or again alone) written in one statement (see writeInOneStatement). */
  oneStatementAppends: number;
  /** Peeks answered by a query shared with other peeks. */
  sharedPeeks: number;
}

/** One append waiting for its batch, and what became of it inside the batch transaction. */
interface Member {
  write: StreamWrite;
  resolve(outcome: AppendOutcome): void;
  reject(error: unknown): void;
}

/** What a member's savepoint ended with; settled on the caller only after the batch committed. */
type MemberResult =
  /** `heads`: where an appended write left its streams, for the store's hints once committed. */
  | { kind: 'settled'; outcome: AppendOutcome; heads?: StreamHead[] }
  | { kind: 'refused'; error: unknown }
  /** Rolled back for a reason that may not be the member's own (deadlock, unexpected error): run it alone. */
  | { kind: 'retryAlone' };

/** A peek waiting for the next shared query. */
interface WaitingPeek {
  asked: { commandKey: string | undefined; streamId: string };
  resolve(seen: Peeked): void;
  reject(error: unknown): void;
}

/** Most peeks in one query: far more than the clients a pool serves at once, few enough for one plan. */
const MAX_PEEKS_AT_ONCE = 256;

const SAVEPOINT = 'member';
const SET_SAVEPOINT = 'set';

/** The members that can be written set-wise: eligible writes, each stream and command key once. */
function setMembers(members: readonly Member[]): number[] {
  const streams = new Set<string>();
  const commands = new Set<string>();
  const chosen: number[] = [];
  for (const [i, { write }] of members.entries()) {
    if (!canWriteInSet(write) || streams.has(write.streamId) || commands.has(keyOf(write))) continue;
    streams.add(write.streamId);
    commands.add(keyOf(write));
    chosen.push(i);
  }
  return chosen;
}

function memberResultOf(write: StreamWrite, result: SetWriteResult): MemberResult | undefined {
  switch (result.kind) {
    case 'appended':
      return { kind: 'settled', outcome: { kind: 'appended' }, heads: [{ streamId: write.streamId, version: write.expectedVersion + write.events.length, lastHash: result.lastHash }] };
    case 'duplicate':
      return { kind: 'settled', outcome: { kind: 'duplicate', result: result.result } };
    case 'conflict':
      return { kind: 'refused', error: result.error };
    case 'undecided':
      // Written one by one after the set, under its own savepoint.
      return undefined;
    default: {
      const unknown: never = result;
      throw new Error(`unknown set write result ${JSON.stringify(unknown)}`);
    }
  }
}

/**
 * Refusals that depend only on the data the write met (version moved, stock short, command already
 * handled): a solo append would have met the same rows and refused the same way.
 */
function isRefusal(error: unknown): boolean {
  return error instanceof StreamVersionConflict || error instanceof MusterError;
}

/**
 * An EventStore that commits the appends of many commands in one transaction (group commit, issue 9).
 *
 * Appends that arrive while batch transactions are in flight queue up and go together in the next
 * one. Each write runs inside its own savepoint: a write that is refused (version conflict, stock
 * short, any domain-store error) is rolled back to its savepoint and rejected alone with the error a
 * solo append would give, while its neighbours go on. Every append settles only after the shared
 * COMMIT returned, so an acknowledged command's events are durable (DESIGN §3 guarantee 1).
 *
 * When the batch fails as a whole (COMMIT refused, connection lost, a savepoint command fails) no
 * member is failed for it: each is run again in a transaction of its own, exactly as
 * PostgresEventStore does. A member whose events did commit before a lost COMMIT reply finds its
 * command id claimed and returns the stored result, so nothing is written twice.
 */
export class GroupCommitEventStore implements EventStore {
  private readonly solo: PostgresEventStore;
  private readonly maxBatchSize: number;
  private readonly maxConcurrentBatches: number;
  private readonly onBatch: ((size: number, seconds: number) => void) | undefined;
  private readonly queue: Member[] = [];
  private batchesInFlight = 0;
  private readonly peeks: WaitingPeek[] = [];
  private peekInFlight = false;
  private peekScheduled = false;
  private drainScheduled = false;
  private readonly counters: Omit<GroupCommitStats, 'oneStatementAppends'> = { batches: 0, batchedAppends: 0, writtenInSet: 0, soloAppends: 0, retriedAlone: 0, sharedPeeks: 0 };

  constructor(
    private readonly db: Kysely<Database>,
    options: GroupCommitOptions = {},
  ) {
    this.solo = new PostgresEventStore(db);
    this.maxBatchSize = Math.max(1, options.maxBatchSize ?? 32);
    this.maxConcurrentBatches = Math.max(1, options.maxConcurrentBatches ?? 1);
    this.onBatch = options.onBatch;
  }

  loadStream(streamId: string): Promise<StreamRecord | null> {
    return this.solo.loadStream(streamId);
  }

  openingOf(streamId: string): Promise<string | undefined> {
    return this.solo.openingOf(streamId);
  }

  drillOfIncident(incidentId: string): Promise<string | null> {
    return this.solo.drillOfIncident(incidentId);
  }

  findCommand(commandKey: string): Promise<StoredCommand | null> {
    return this.solo.findCommand(commandKey);
  }

  /**
   * Peeks share round trips like appends share transactions: one goes out at once when none is in
   * flight; those asked meanwhile go together in the next query (issue 18: at 64 clients the peek
   * was the one statement every command still paid alone).
   */
  peek(commandKey: string | undefined, streamId: string): Promise<Peeked> {
    return new Promise<Peeked>((resolve, reject) => {
      this.peeks.push({ asked: { commandKey, streamId }, resolve, reject });
      if (!this.peekInFlight && !this.peekScheduled) {
        this.peekScheduled = true;
        queueMicrotask(() => {
          this.peekScheduled = false;
          this.sendPeeks();
        });
      }
    });
  }

  private sendPeeks(): void {
    if (this.peekInFlight || this.peeks.length === 0) return;
    const waiting = this.peeks.splice(0, MAX_PEEKS_AT_ONCE);
    if (waiting.length > 1) this.counters.sharedPeeks += waiting.length;
    this.peekInFlight = true;
    this.solo
      .peekAll(waiting.map((w) => w.asked))
      .then(
        (seen) => {
          for (const [i, w] of waiting.entries()) {
            const answer = seen[i];
            if (answer) w.resolve(answer);
            else w.reject(new Error(`no answer to the peek of ${w.asked.streamId}`));
          }
        },
        (error: unknown) => {
          for (const w of waiting) w.reject(error);
        },
      )
      .finally(() => {
        this.peekInFlight = false;
        this.sendPeeks();
      });
  }

  readStream(streamId: string, afterVersion?: number): Promise<EventEnvelope[]> {
    return this.solo.readStream(streamId, afterVersion);
  }

  stats(): Readonly<GroupCommitStats> {
    return { ...this.counters, oneStatementAppends: this.solo.stats().oneStatement };
  }

  append(write: StreamWrite): Promise<AppendOutcome> {
    return new Promise<AppendOutcome>((resolve, reject) => {
      this.queue.push({ write, resolve, reject });
      // Appends made in the same tick (e.g. a burst of commands) join one batch.
      if (!this.drainScheduled) {
        this.drainScheduled = true;
        queueMicrotask(() => {
          this.drainScheduled = false;
          this.drain();
        });
      }
    });
  }

  /**
   * Starts batches while there are waiting appends and a free batch slot. While one batch is in
   * flight a further one starts only with a full load: smaller groups wait and grow, since every
   * transaction costs a WAL flush and splitting a queue into small groups only adds flushes.
   */
  private drain(): void {
    while (this.batchesInFlight < this.maxConcurrentBatches && this.queue.length > 0) {
      if (this.batchesInFlight > 0 && this.queue.length < this.maxBatchSize) return;
      const members = this.queue.splice(0, this.maxBatchSize);
      this.batchesInFlight += 1;
      void this.commit(members).finally(() => {
        this.batchesInFlight -= 1;
        this.drain();
      });
    }
  }

  private async commit(members: Member[]): Promise<void> {
    const started = performance.now();
    try {
      await this.commitGroup(members);
    } finally {
      this.onBatch?.(members.length, (performance.now() - started) / 1000);
    }
  }

  private async commitGroup(members: Member[]): Promise<void> {
    const [only] = members;
    if (only && members.length === 1) {
      // Nothing to share the transaction with: no savepoint round trips.
      this.counters.soloAppends += 1;
      await this.settleAlone(only);
      return;
    }
    if (await this.commitInOneStatement(members)) return;
    let results: MemberResult[];
    try {
      const batch = await this.runBatch(members);
      results = batch.results;
      this.counters.writtenInSet += batch.writtenInSet;
    } catch {
      // The transaction failed as a whole: nothing of it committed (or, after a lost COMMIT reply,
      // all of it did). Either way each member's own transaction gives its true answer.
      this.counters.retriedAlone += members.length;
      await Promise.all(members.map((m) => this.settleAlone(m)));
      return;
    }
    this.counters.batches += 1;
    this.counters.batchedAppends += members.length;
    const again: Member[] = [];
    for (const [i, member] of members.entries()) {
      const result = results[i];
      switch (result?.kind) {
        case 'settled':
          for (const head of result.heads ?? []) this.solo.noteHead(head);
          member.resolve(result.outcome);
          break;
        case 'refused':
          member.reject(result.error);
          break;
        case 'retryAlone':
        case undefined:
          again.push(member);
          break;
        default: {
          const unknown: never = result;
          throw new Error(`unknown member result ${JSON.stringify(unknown)}`);
        }
      }
    }
    this.counters.retriedAlone += again.length;
    await Promise.all(again.map((m) => this.settleAlone(m)));
  }

  /**
   * The common group, every member a write to its own stream whose hash the store knows (commands
   * to streams just peeked), goes in one statement: one round trip for the whole group instead of a
   * transaction's nine (issue 18). A member whose stream was not where it expected wrote nothing and
   * runs alone, which tells a lost race from a stale hash. False, with nothing written, when the
   * group is not such a group or the statement failed as a whole: the transaction path takes it.
   */
  private async commitInOneStatement(members: Member[]): Promise<boolean> {
    if (setMembers(members).length !== members.length || !members.every((m) => this.solo.canWriteTogether(m.write))) return false;
    // Thrown (a lost connection): whether or not it committed, the transaction path finds out (claimed keys answer as duplicates).
    const outcome = await this.solo.writeTogether(members.map((m) => m.write)).catch(() => null);
    if (outcome?.kind !== 'tried') return false;
    const written = members.filter((_, i) => outcome.results[i] === 'written');
    this.counters.batches += 1;
    this.counters.batchedAppends += members.length;
    this.counters.writtenInSet += written.length;
    for (const member of written) member.resolve({ kind: 'appended' });
    // A stream found at another version lost its race: refused as in the transaction. The others run alone, which tells.
    for (const [i, member] of members.entries()) {
      if (outcome.results[i] === 'moved') member.reject(new StreamVersionConflict(member.write.streamId, member.write.expectedVersion));
    }
    await Promise.all(members.filter((_, i) => outcome.results[i] === 'unknown' || outcome.results[i] === 'notTried').map((m) => this.settleAlone(m)));
    return true;
  }

  /**
   * One transaction for all members; throws when it fails as a whole. The members that can be are
   * written set-wise first (a fixed number of statements for all of them, under one savepoint); the
   * rest, and all of them if the set-wise write fails, one by one, each under its own savepoint.
   */
  private async runBatch(members: Member[]): Promise<{ results: MemberResult[]; writtenInSet: number }> {
    let writtenInSet = 0;
    const trx = await this.db.startTransaction().execute();
    try {
      const results: (MemberResult | undefined)[] = members.map(() => undefined);
      const inSet = setMembers(members);
      if (inSet.length > 1) {
        const set = await trx.savepoint(SET_SAVEPOINT).execute();
        try {
          const written = await writeSet(
            set,
            inSet.map((i) => members[i]?.write).filter((w) => w !== undefined),
          );
          await set.releaseSavepoint(SET_SAVEPOINT).execute();
          for (const [k, result] of written.entries()) {
            const i = inSet[k];
            if (i === undefined) continue;
            const write = members[i]?.write;
            if (write) results[i] = memberResultOf(write, result);
            if (results[i] !== undefined) writtenInSet += 1;
          }
        } catch {
          // Someone in the set met something unexpected: find out who by writing them one by one.
          await set.rollbackToSavepoint(SET_SAVEPOINT).execute();
          await set.releaseSavepoint(SET_SAVEPOINT).execute();
        }
      }
      for (const [i, member] of members.entries()) {
        if (results[i] === undefined) results[i] = await this.runMember(trx, member.write);
      }
      await trx.commit().execute();
      return { results: results.map((r) => r ?? { kind: 'retryAlone' }), writtenInSet };
    } catch (error) {
      if (!trx.isCommitted && !trx.isRolledBack) await trx.rollback().execute().catch(() => undefined);
      throw error;
    }
  }

  /** Writes one member under a savepoint; rolls back to it on failure. Throws only when the savepoint itself fails. */
  private async runMember(trx: ControlledTransaction<Database>, write: StreamWrite): Promise<MemberResult> {
    const member = await trx.savepoint(SAVEPOINT).execute();
    let result: MemberResult;
    try {
      const heads = await this.solo.write(member, write);
      result = { kind: 'settled', outcome: { kind: 'appended' }, heads };
    } catch (error) {
      // If the connection is gone this throws too, and the whole batch is run again member by member.
      await member.rollbackToSavepoint(SAVEPOINT).execute();
      result = await this.afterFailure(member, write, error);
    }
    await member.releaseSavepoint(SAVEPOINT).execute();
    return result;
  }

  private async afterFailure(trx: ControlledTransaction<Database, [typeof SAVEPOINT]>, write: StreamWrite, error: unknown): Promise<MemberResult> {
    if (error instanceof DuplicateCommand) {
      // The claim waited for the transaction that holds the command key; this one sees it committed
      // (or written earlier in this batch, which then commits with it).
      const stored = await storedCommand(trx, keyOf(write));
      if (!stored) return { kind: 'retryAlone' };
      // The same key for another command is refused for this member alone; its neighbours go on.
      try {
        return { kind: 'settled', outcome: { kind: 'duplicate', result: answerFor(stored, keyOf(write), write.fingerprint) } };
      } catch (conflict) {
        return { kind: 'refused', error: conflict };
      }
    }
    if (isRefusal(error)) return { kind: 'refused', error };
    // Anything else (a deadlock or serialization failure against another process, a constraint no
    // check anticipated, a bug) is not this batch's to judge: the member runs again alone after the
    // commit and gets the answer a store without group commit gives.
    return { kind: 'retryAlone' };
  }

  private async settleAlone(member: Member): Promise<void> {
    try {
      member.resolve(await this.solo.append(member.write));
    } catch (error) {
      member.reject(error);
    }
  }
}
