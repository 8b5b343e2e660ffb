import { ForbiddenError, IllegalTransitionError, NotFoundError, ValidationError } from '@muster/contracts';
import { injectDeadlineKey, injectDeliveryFor } from '@muster/domain';
import { systemClock, timersActor, TIMERS_USER_ID, type Clock, type CommandEnvelope, type Engine } from '@muster/engine';
import { fireDueDeadlines, logInjectedCall, type Database, type DueDeadline, type FiringBatch, type FiringOutcome } from '@muster/store-postgres';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';

export interface TimersOptions {
  db: Kysely<Database>;
  /** Fires deadlines through the same command path as everything else (DESIGN §2). */
  engine: Engine;
  /** Decides what is due. Tests pass a clock they move, or call `tick(now)` directly. */
  clock?: Clock;
  /** Deadlines claimed per transaction. */
  batchSize?: number;
  /** Pause between scans when nothing more is due. */
  pollMs?: number;
  logger?: Logger;
  /** false: no background loop; the caller drives the timers with `tick()`. */
  autoStart?: boolean;
  /** Told of each deadline fired and how long after its due time (metrics: muster_deadlines_fired_total, muster_deadlines_late_total). */
  observer?: { deadlineFired(lateMs: number): void };
}

interface TimersStats extends FiringBatch {
  ticks: number;
  errors: number;
}

export interface Timers {
  /** Fires everything due at `now` (default: the clock) that no other timers process holds. */
  tick(now?: Date): Promise<FiringBatch>;
  stats(): Readonly<TimersStats>;
  /** Stops the background loop after its current batch. */
  stop(): Promise<void>;
}

/**
 * The command id a deadline fires with. Derived from the deadline id alone, so that a firing repeated
 * after a crash (the command committed, the row not yet marked) is the same command and the engine's
 * idempotency absorbs it: one deadline, one command, one event. Sent as the system caller 'timers',
 * its key is in the system namespace, which no client command can occupy.
 */
export function deadlineCommandId(deadlineId: string): string {
  return `deadline-${deadlineId}`;
}

/** Refusals that will not change by trying again: the obligation was met, moved, or its incident is over. */
function isFinalRefusal(error: unknown): boolean {
  return error instanceof IllegalTransitionError || error instanceof NotFoundError || error instanceof ForbiddenError || error instanceof ValidationError;
}

/**
 * The timers service (DESIGN §2, §3.6): deadlines are rows; any number of timers processes scan them,
 * each claiming due rows with FOR UPDATE SKIP LOCKED, sending each row's command through the engine
 * with a command id derived from the row, and marking the row fired in the claiming transaction.
 */
export function startTimers(options: TimersOptions): Timers {
  const { db, engine, logger } = options;
  const clock = options.clock ?? systemClock;
  const batchSize = options.batchSize ?? 50;
  const pollMs = options.pollMs ?? 1_000;
  const stats: TimersStats = { claimed: 0, fired: 0, obsolete: 0, retried: 0, ticks: 0, errors: 0 };

  /**
   * A drill's inject (issue 22) reaches its incidents before the drill records it delivered: through
   * the ordinary incident and scene commands, as the timers, under ids derived from the row. A firing
   * repeated after a crash sends the same commands, which the engine answers from the first time; the
   * drill's own DeadlinePassed, sent last, is accepted once. So an inject is delivered exactly once.
   * Answers the incident the inject went into (one it opened joins the drill).
   */
  async function deliverInject(deadline: DueDeadline): Promise<string | undefined> {
    const drill = await engine.tryLoad('drill', deadline.streamId);
    if (!drill) return undefined;
    const delivery = injectDeliveryFor(drill.state.context, deadline.key);
    if (!delivery) {
      // Delivered already (the drill's command committed, the row not yet marked, then a crash): the
      // same command again, which the engine answers from the first time. Otherwise nothing is due.
      const done = drill.state.context.injects.find((i) => injectDeadlineKey(i.injectId) === deadline.key && i.status === 'delivered');
      return done?.incidentId ?? undefined;
    }
    const base = deadlineCommandId(deadline.deadlineId);
    const send = (command: Omit<CommandEnvelope, 'actor' | 'system'>) => engine.handle({ ...command, actor: timersActor(deadline.jurisdiction), system: 'timers', occurredAt: deadline.dueAt });
    // The call rings in the room's watch log first, under an id derived from the row (logged once).
    const logCall = async (room: string, course: string) => {
      if (!delivery.call) return;
      const at = clock.now().toISOString();
      await logInjectedCall(db, { entryId: `inject-${deadline.deadlineId}`, jurisdiction: room, channel: 'phone', receivedAt: deadline.dueAt, place: '来电未说明', course, recorderName: '演练导调', recordedBy: TIMERS_USER_ID, recordedAt: at });
    };
    if ('open' in delivery) {
      await logCall(delivery.open.leadJurisdiction, delivery.open.description);
      const opened = await send({ streamType: 'incident', streamId: `dri-${deadline.deadlineId}`, type: 'ReportIncident', data: delivery.open, commandId: `${base}-open` });
      return opened.streamId;
    }
    const { incidentId } = delivery;
    const lead = (await engine.tryLoad('incident', incidentId))?.state.context.leadJurisdiction;
    if (lead !== undefined) await logCall(lead, delivery.details.description);
    try {
      await send({ streamType: 'incident', streamId: incidentId, type: 'UpdateIncidentDetails', data: delivery.details, commandId: `${base}-details` });
      const scene = delivery.figures ? await engine.tryLoad('scene', `scene:${incidentId}`) : null;
      if (delivery.figures && scene && scene.state.context.deactivatedAt === null && scene.state.context.commander !== null) {
        await send({ streamType: 'scene', streamId: scene.streamId, type: 'PostSceneReport', data: { reportId: delivery.reportId, ...delivery.figures }, commandId: `${base}-scene` });
      }
    } catch (error) {
      // The incident takes nothing more (closed, dismissed): the drill still records the inject as
      // delivered, into that incident, so the controller sees it was sent.
      if (!isFinalRefusal(error)) throw error;
      logger?.info({ deadlineId: deadline.deadlineId, incidentId, reason: (error as Error).message }, 'inject refused by its incident');
    }
    return incidentId;
  }

  async function fire(deadline: DueDeadline): Promise<FiringOutcome> {
    try {
      const injected = deadline.streamType === 'drill' && deadline.commandType === 'DeadlinePassed' ? await deliverInject(deadline) : undefined;
      const result = await engine.handle({
        streamType: deadline.streamType,
        streamId: deadline.streamId,
        type: deadline.commandType,
        data: injected === undefined ? deadline.commandData : { ...deadline.commandData, incidentId: injected },
        actor: timersActor(deadline.jurisdiction),
        // The system namespace: no client can send a command under this id (issue 14), so a county
        // cannot pre-claim it to keep its overdue report from being recorded.
        system: 'timers',
        commandId: deadlineCommandId(deadline.deadlineId),
        // The fact is that the deadline passed at its due time; the engine records when it noticed.
        occurredAt: deadline.dueAt,
      });
      logger?.info({ deadlineId: deadline.deadlineId, streamId: deadline.streamId, key: deadline.key, events: result.events.map((e) => e.type) }, 'deadline fired');
      options.observer?.deadlineFired(clock.now().getTime() - Date.parse(deadline.dueAt));
      return { kind: 'fired' };
    } catch (error) {
      if (isFinalRefusal(error)) {
        logger?.debug({ deadlineId: deadline.deadlineId, reason: (error as Error).message }, 'deadline obsolete');
        return { kind: 'obsolete', reason: (error as Error).message };
      }
      logger?.warn({ err: error, deadlineId: deadline.deadlineId }, 'deadline firing failed; will retry');
      return { kind: 'retry', error: error instanceof Error ? error.message : String(error) };
    }
  }

  async function tick(now: Date = clock.now()): Promise<FiringBatch> {
    const total: FiringBatch = { claimed: 0, fired: 0, obsolete: 0, retried: 0 };
    for (;;) {
      const batch = await fireDueDeadlines(db, now, batchSize, fire);
      total.claimed += batch.claimed;
      total.fired += batch.fired;
      total.obsolete += batch.obsolete;
      total.retried += batch.retried;
      // A full batch that settled something: more may be due. Otherwise wait for the next scan, so a
      // failing row is not retried in a tight loop.
      if (batch.claimed < batchSize || batch.fired + batch.obsolete === 0) break;
    }
    stats.ticks += 1;
    stats.claimed += total.claimed;
    stats.fired += total.fired;
    stats.obsolete += total.obsolete;
    stats.retried += total.retried;
    return total;
  }

  let stopping = false;
  let wake: (() => void) | null = null;
  const loop = async () => {
    while (!stopping) {
      try {
        await tick();
      } catch (error) {
        // PostgreSQL down or restarting: keep going, nothing is lost while the rows wait.
        stats.errors += 1;
        logger?.error({ err: error }, 'timers scan failed');
      }
      if (stopping) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pollMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = null;
    }
  };
  const running = options.autoStart === false ? Promise.resolve() : loop();

  return {
    tick,
    stats: () => ({ ...stats }),
    async stop() {
      stopping = true;
      wake?.();
      await running;
    },
  };
}
