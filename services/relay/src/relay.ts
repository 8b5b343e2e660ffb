import { START_POSITION, type EventEnvelope } from '@muster/contracts';
import type { EventBus } from '@muster/engine';
import { listenForEvents, loadCheckpoint, oldestOpenTransaction, readGlobalLogAhead, saveCheckpoint, TransactionHold, type Database, type EventListener, type OpenTransaction } from '@muster/store-postgres';
import { sql, type Kysely } from 'kysely';
import pino, { type Logger } from 'pino';

export interface RelayOptions {
  db: Kysely<Database>;
  bus: EventBus;
  /** Relays with one name share one checkpoint and one leadership lock; the default is `main`. */
  name?: string;
  logger?: Logger;
  /** Events read from the global log per round trip. */
  batchSize?: number;
  /**
   * LISTEN for commits: on a connection of `db`'s pool held for it (`'pool'`, what the services do:
   * one pool per process), or on a session of its own to the same database (`{ connectionString }`).
   * The relay then reads the log as soon as a transaction that added events commits, and
   * `idlePollMs` is only the fallback for a lost session. Without it the relay polls every `idlePollMs`.
   */
  listen?: 'pool' | { connectionString: string };
  /** Pause between reads when the log has nothing new and no notification came (default 25 ms, 1 s with `listen`). */
  idlePollMs?: number;
  /**
   * Most time between checkpoint saves while events flow (default 200 ms). Saving after every batch
   * cost the database a write and a WAL flush per event for a client alone, as much as the command
   * that made it (issue 18). A takeover re-publishes at most this much; the bus drops what it holds
   * already (Nats-Msg-Id). Stopping, and a failing bus, save at once.
   */
  checkpointEveryMs?: number;
  /**
   * Pause before looking again at events held behind an older open transaction, with `listen`:
   * doubles from `initialMs` up to `maxMs` while they stay held (default 1 to 50 ms). Any commit
   * ends it sooner.
   */
  heldBackPause?: { initialMs: number; maxMs: number };
  /**
   * How long events may stay held behind an older open transaction before the relay logs a warning
   * naming the session that holds them (default 5 s; again every minute while they stay held). Any
   * transaction with an id on the same PostgreSQL server holds them, in any database: a forgotten
   * `BEGIN` in psql stops every console's live feed until it ends.
   */
  heldBackWarnAfterMs?: number;
  /** Pause between attempts to become the leader while another relay is. */
  lockRetryMs?: number;
  /** A publish that has not resolved by then counts as failed and is retried. */
  publishTimeoutMs?: number;
  /** Retry backoff while the bus fails: doubles from `initialMs` up to `maxMs`. */
  retryBackoff?: { initialMs: number; maxMs: number };
  /** Told of each acknowledged publish and each failed one (metrics: muster_relay_published_total, muster_jetstream_publish_errors_total). */
  observer?: { published(): void; publishFailed(): void };
}

interface RelayStatus {
  leader: boolean;
  /** The last checkpoint this relay saved while leading, null before it led. */
  checkpoint: string | null;
}

export interface Relay {
  /** Stops reading and publishing, saves what the bus acknowledged, releases leadership. */
  stop(): Promise<void>;
  status(): RelayStatus;
  /**
   * The last event the bus acknowledged while this relay leads (null when it does not): ahead of the
   * saved checkpoint by at most checkpointEveryMs. What its own lag metric counts from.
   */
  published(): string | null;
  /** How long one open transaction has held committed events, ms (0 when none is): muster_relay_held_back_seconds. */
  heldBackFor(): number;
}

// First half of the advisory lock key: a namespace so that relay locks never collide with the
// locks of other services (timers, migrations); the second half is a hash of the relay name.
const RELAY_LOCK_NAMESPACE = 0x4d_52_4c_59; // "MRLY"

/** How often a hold that goes on is reported again. */
const HELD_BACK_REPEAT_MS = 60_000;

/** Interruptible sleeps, so stop() does not wait out a poll interval or a backoff. */
class Sleeper {
  private readonly pending = new Set<() => void>();

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        this.pending.delete(finish);
        resolve();
      };
      const timer = setTimeout(finish, ms);
      this.pending.add(finish);
    });
  }

  wakeAll(): void {
    // Each finish() deletes itself; deleting the visited entry during Set iteration is safe.
    for (const finish of this.pending) finish();
  }
}

/**
 * A wake-up that is not lost when it rings while nobody waits: `wait` returns at once if it rang
 * since the last `clear`. The relay clears it before each read, so a commit notified during a read
 * makes the next wait return immediately.
 */
class Doorbell {
  private rang = false;
  private waiter: ((rang: boolean) => void) | undefined;

  ring(): void {
    this.rang = true;
    this.waiter?.(true);
  }

  clear(): void {
    this.rang = false;
  }

  /** Until it rings or `ms` passed; stop() rings it. True when it rang, false when the time ran out. */
  wait(ms: number): Promise<boolean> {
    if (this.rang) return Promise.resolve(true);
    return new Promise((resolve) => {
      // The timer goes with the wake-up: a busy relay is woken hundreds of times a second.
      const timer = setTimeout(() => this.waiter?.(false), ms);
      this.waiter = (rang: boolean) => {
        clearTimeout(timer);
        this.waiter = undefined;
        resolve(rang);
      };
    });
  }
}

class PublishTimeout extends Error {
  constructor(ms: number) {
    super(`publish not acknowledged within ${ms} ms`);
    this.name = 'PublishTimeout';
  }
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new PublishTimeout(ms)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** Thrown when the checkpoint row is already past ours: another relay leads, so this one must not. */
class LeadershipLost extends Error {
  constructor(name: string, position: string) {
    super(`relay ${name}: the stored checkpoint is already past ${position}; another relay is leading`);
    this.name = 'LeadershipLost';
  }
}

/**
 * The relay (DESIGN §2, guarantee 4): moves committed events from the PostgreSQL global log to the
 * bus, in log order, and advances its checkpoint only over events the bus acknowledged.
 *
 * Leadership: of all relays with one name, the one holding a session-level advisory lock on its
 * own dedicated connection publishes; the others retry the lock every `lockRetryMs`. The lock lives
 * exactly as long as that session, so a leader that dies (process killed, connection cut) releases it
 * and another relay takes over from the saved checkpoint. The checkpoint is written on the lock's
 * connection: a leader whose session is gone cannot write, and finds out at once.
 *
 * Why order and duplicates hold even around a takeover: the first event of each batch goes alone,
 * and every other one is published with the bus's expectation that its predecessor is the last event
 * stored (JetStream `Nats-Expected-Last-Msg-Id`), so whichever relay stores event n, events 1..n-1
 * are already stored, and a publish in flight behind a failed one is refused rather than stored out
 * of order; what a new leader re-publishes after the checkpoint is dropped by the bus's
 * deduplication by event id (JetStream `Nats-Msg-Id`, within its window), which comes before that
 * expectation.
 */
export function startRelay(options: RelayOptions): Relay {
  const { db, bus } = options;
  const name = options.name ?? 'main';
  const logger = options.logger ?? pino({ name: 'relay', level: 'info' });
  const batchSize = options.batchSize ?? 256;
  const idlePollMs = options.idlePollMs ?? (options.listen ? 1_000 : 25);
  const lockRetryMs = options.lockRetryMs ?? 250;
  const checkpointEveryMs = options.checkpointEveryMs ?? 200;
  const heldBackPause = options.heldBackPause ?? { initialMs: 1, maxMs: 50 };
  const heldBackWarnAfterMs = options.heldBackWarnAfterMs ?? 5_000;
  const publishTimeoutMs = options.publishTimeoutMs ?? 10_000;
  const backoff = options.retryBackoff ?? { initialMs: 50, maxMs: 2_000 };
  const sleeper = new Sleeper();
  const log = logger.child({ relay: name });
  // One line per published event only at debug: at info a busy relay would log every event.
  const traced = log.isLevelEnabled('debug');
  let stopping = false;
  let leader = false;
  let checkpoint: string | null = null;
  /** Reads lead()'s own position while it leads (null otherwise): what published() answers. */
  let leadPosition: (() => string) | null = null;
  const bell = new Doorbell();
  /** One transaction's hold on the log (TransactionHold: short holds one after another are none), and when it was last reported. */
  const hold = new TransactionHold();
  let holdReportedAt: number | null = null;

  /**
   * A hold that lasts is one transaction left open somewhere on the server, and the lag metric
   * cannot show it (it counts only events below the horizon). Named in the log, so that an operator
   * can end it.
   */
  async function noteHeldBack(heldBack: boolean, horizon: string): Promise<void> {
    const now = performance.now();
    const ended = hold.note(heldBack, horizon, now);
    if (ended !== null) {
      if (holdReportedAt !== null) log.info({ heldForMs: Math.round(ended) }, 'held-back events released: the transaction that held them ended');
      holdReportedAt = null;
    }
    if (!hold.lasted(heldBackWarnAfterMs, now) || (holdReportedAt !== null && now - holdReportedAt < HELD_BACK_REPEAT_MS)) return;
    holdReportedAt = now;
    const heldForMs = Math.round(hold.heldFor(now));
    // `blocker` names the session; without it, `hint` says why it could not be named.
    const found: { blocker: OpenTransaction } | { hint: string; err?: unknown } = await oldestOpenTransaction(db).then(
      (blocker) => (blocker ? { blocker } : { hint: 'a session this role cannot see: grant pg_read_all_stats to name it, or look for prepared transactions' }),
      (error: unknown) => ({ hint: 'looking up its session failed', err: error }),
    );
    log.warn({ heldForMs, ...found }, 'events held back behind an open transaction on the PostgreSQL server: no console gets newer events until it ends');
  }

  async function tryLock(conn: Kysely<Database>): Promise<boolean> {
    const { rows } = await sql<{ locked: boolean }>`select pg_try_advisory_lock(${RELAY_LOCK_NAMESPACE}::int4, hashtext(${name})) as locked`.execute(conn);
    return rows[0]?.locked === true;
  }

  async function unlock(conn: Kysely<Database>): Promise<void> {
    await sql`select pg_advisory_unlock(${RELAY_LOCK_NAMESPACE}::int4, hashtext(${name}))`.execute(conn);
  }

  /** Publishing while this relay holds the lock on `conn`; returns when stopping, throws when the session fails. */
  async function lead(conn: Kysely<Database>): Promise<void> {
    let position = (await loadCheckpoint(conn, name)) ?? START_POSITION;
    leadPosition = () => position;
    let saved = position;
    checkpoint = saved;
    log.info({ checkpoint: position }, 'relay leads; publishing from its checkpoint');

    let savedAt = performance.now();
    const save = async () => {
      if (position === saved) return;
      if (!(await saveCheckpoint(conn, name, position))) throw new LeadershipLost(name, position);
      saved = position;
      checkpoint = saved;
      savedAt = performance.now();
    };
    /** How long until the checkpoint is due (Infinity when it is saved already). */
    const untilSaveDue = () => (position === saved ? Number.POSITIVE_INFINITY : Math.max(0, checkpointEveryMs - (performance.now() - savedAt)));

    /** Publishes until the bus acknowledges; false when asked to stop first. Never skips the event. */
    const publish = async (event: EventEnvelope): Promise<boolean> => {
      for (let attempt = 0; ; attempt++) {
        if (stopping) return false;
        try {
          await withTimeout(bus.publish(event), publishTimeoutMs);
          options.observer?.published();
          // The request that wrote the event (api's x-request-id) joins this line to the api's log of it.
          if (traced) log.debug({ eventId: event.eventId, position: event.position, type: event.type, requestId: event.meta.requestId }, 'published');
          if (attempt > 0) log.info({ eventId: event.eventId, position: event.position, attempts: attempt + 1 }, 'bus is back; publishing again');
          return true;
        } catch (error) {
          options.observer?.publishFailed();
          const details = { err: error, eventId: event.eventId, position: event.position, requestId: event.meta.requestId, attempt: attempt + 1 };
          if (attempt === 0) log.warn(details, 'publish failed; retrying with backoff and not moving past this event');
          else log.debug(details, 'publish failed again');
          // While the bus is down: keep what it did acknowledge (a restart then re-publishes less),
          // and prove on the lock's session that this relay still leads before trying again.
          if (position !== saved) await save();
          else await sql`select 1`.execute(conn);
          await sleeper.sleep(Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.min(attempt, 20)));
        }
      }
    };

    /**
     * One attempt, in flight beside others: stored only right behind `previous` (the bus rejects it
     * otherwise), so a failure leaves nothing after it stored and the batch is retried from there.
     */
    const publishBehind = async (event: EventEnvelope, previous: EventEnvelope): Promise<boolean> => {
      if (stopping) return false;
      try {
        await withTimeout(bus.publish(event, { after: previous.eventId }), publishTimeoutMs);
        options.observer?.published();
        if (traced) log.debug({ eventId: event.eventId, position: event.position, type: event.type, requestId: event.meta.requestId }, 'published');
        return true;
      } catch (error) {
        options.observer?.publishFailed();
        log.debug({ err: error, eventId: event.eventId, position: event.position, requestId: event.meta.requestId }, 'publish in flight failed; the batch goes on from the event before it');
        return false;
      }
    };

    /**
     * Publishes a batch in log order; returns whether it all went. The first event goes alone (it
     * retries with backoff while the bus fails); the rest go out together, each stored only behind
     * its predecessor, and the checkpoint moves over the prefix the bus acknowledged. Awaiting every
     * PubAck in turn cost one round trip to JetStream per event: at a few ms each on a busy machine
     * the relay fell behind at 200 events/s (issue 18).
     */
    const publishBatch = async (batch: readonly EventEnvelope[]): Promise<boolean> => {
      const [first, ...rest] = batch;
      if (!first) return true;
      if (!(await publish(first))) return false;
      position = first.position;
      let previous = first;
      const inFlight = rest.map((event) => {
        const acknowledged = publishBehind(event, previous);
        previous = event;
        return { event, acknowledged };
      });
      // Every attempt is awaited, even after a failure: none is left running behind the next round.
      let whole = true;
      for (const { event, acknowledged } of inFlight) {
        if ((await acknowledged) && whole) position = event.position;
        else whole = false;
      }
      return whole;
    };

    // Events committed but held behind an older transaction still in flight: their notification is
    // spent. Look again when the next commit rings (the older transaction's own, if it writes events),
    // or after a short pause that doubles while they stay held (an older transaction that writes no
    // events never rings).
    let heldBackMs = heldBackPause.initialMs;
    let readNow = true;
    while (!stopping) {
      if (!readNow) {
        // Nothing known to be waiting: until a commit rings (at once if one rang since the last
        // read began), the idle poll, or the checkpoint is due.
        await bell.wait(Math.min(idlePollMs, untilSaveDue()));
        if (untilSaveDue() === 0) await save();
      }
      bell.clear();
      // On the pool, not the lock's session: reading needs no leadership, only the checkpoint does.
      const { events: batch, heldBack, horizon } = await readGlobalLogAhead(db, position, batchSize);
      await noteHeldBack(heldBack, horizon);
      readNow = false;
      if (batch.length > 0) {
        // A batch that did not all go is retried from where the bus stopped.
        readNow = !(await publishBatch(batch)) || batch.length === batchSize;
        if (untilSaveDue() === 0) await save();
        log.debug({ checkpoint: position, events: batch.length }, 'published a batch');
      }
      if (!readNow && heldBack && options.listen) {
        // The pause alone (what the relay did before) let a held event wait out the pause even when
        // the transaction it waited for committed at once; with writers in several processes (api
        // workers, timers) events are held whenever their transactions overlap. One api process
        // commits its commands in one transaction at a time, so the bench's single api never hits this.
        const rang = await bell.wait(heldBackMs);
        if (!rang) heldBackMs = Math.min(heldBackMs * 2, heldBackPause.maxMs);
        readNow = true;
      } else {
        heldBackMs = heldBackPause.initialMs;
      }
    }
    await save();
  }

  async function run(): Promise<void> {
    while (!stopping) {
      try {
        // A connection of the pool reserved for as long as this relay leads: the lock is held by
        // its session, so it must be one session from lock to unlock.
        await db.connection().execute(async (conn) => {
          if (!(await tryLock(conn))) return;
          leader = true;
          try {
            await lead(conn);
          } finally {
            leader = false;
            leadPosition = null;
            hold.reset();
            holdReportedAt = null;
            // If the session is gone, so is the lock; otherwise release it before the connection
            // goes back to the pool, where it would keep the lock and block every other relay.
            await unlock(conn).catch((error: unknown) => log.warn({ err: error }, 'could not release the relay lock; the session is probably gone'));
            log.info({ checkpoint }, 'relay stopped leading');
          }
        });
      } catch (error) {
        if (!stopping) log.error({ err: error }, 'relay lost its database session or leadership; will try to lead again');
      }
      if (!stopping) await sleeper.sleep(lockRetryMs);
    }
  }

  /**
   * Keeps a LISTEN session open while the relay runs; after losing one it reads the log once (what
   * was notified meanwhile is lost) and reconnects with backoff. Polling covers the time between.
   */
  let listener: EventListener | undefined;
  async function listen(from: NonNullable<RelayOptions['listen']>): Promise<void> {
    for (let attempt = 0; !stopping; attempt++) {
      let lost: () => void = () => undefined;
      const gone = new Promise<void>((resolve) => {
        lost = resolve;
      });
      try {
        listener = await listenForEvents({
          source: from === 'pool' ? { db } : { connectionString: from.connectionString, applicationName: `muster-relay-listen:${name}` },
          onEvents: () => bell.ring(),
          onLost: (error) => {
            log.warn({ err: error }, 'relay lost its LISTEN session; polling until it is back');
            lost();
          },
        });
        if (attempt > 0) log.info('relay listens for commits again');
        attempt = 0;
        // Whatever committed while no session listened was notified to no one.
        bell.ring();
        if (stopping) await listener.close();
        await Promise.race([gone, stopped]);
      } catch (error) {
        if (attempt === 0) log.warn({ err: error }, 'relay cannot LISTEN; polling every idlePollMs until it can');
      }
      listener = undefined;
      bell.ring();
      if (!stopping) await sleeper.sleep(Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.min(attempt, 20)));
    }
  }

  let markStopped: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => {
    markStopped = resolve;
  });
  const listening = options.listen ? listen(options.listen) : Promise.resolve();
  const running = run();
  return {
    async stop() {
      stopping = true;
      markStopped();
      sleeper.wakeAll();
      bell.ring();
      await listener?.close();
      await Promise.all([running, listening]);
    },
    status: () => ({ leader, checkpoint }),
    published: () => leadPosition?.() ?? null,
    heldBackFor: () => hold.heldFor(performance.now()),
  };
}
