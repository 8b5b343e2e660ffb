import type { EventEnvelope } from '@muster/contracts';
import type { LogReader } from './session';

interface QueuedRead {
  key: string;
  after: string;
  limit: number;
  rooms: readonly string[];
  incidents: readonly string[];
  waiters: { resolve(page: EventEnvelope[]): void; reject(error: unknown): void }[];
}

/**
 * A `LogReader` that lets sessions asking for the same page share one query.
 *
 * In a reconnect storm every console of a room resumes from the same position with the same
 * subscription; without sharing, 1,000 consoles make 1,000 identical queries and parse the same rows
 * 1,000 times. Reads wait in a queue while `maxConcurrent` are in flight (the database pool would
 * queue them anyway), and a request joins a queued read of the same page instead of adding one.
 *
 * Why joining keeps guarantee 5: a session starts buffering live events before it asks for a page,
 * and it only ever joins a read that has not been issued yet, so the query runs — and takes its
 * snapshot — after that session began buffering, exactly as if the session had issued it. A read
 * already in flight is never joined.
 */
export class SharedLogReader implements LogReader {
  private readonly queue = new Map<string, QueuedRead>();
  private inFlight = 0;
  private draining = false;
  /** Reads issued and requests served, for tests and stats: `served - issued` queries were saved. */
  readonly counts = { issued: 0, served: 0 };

  constructor(
    private readonly log: LogReader,
    private readonly maxConcurrent: number,
  ) {}

  head(): Promise<string> {
    return this.log.head();
  }

  readPage(after: string, limit: number, rooms: readonly string[], incidents: readonly string[]): Promise<EventEnvelope[]> {
    this.counts.served++;
    // Order inside the lists does not change the page; JSON keeps room codes and incident ids apart.
    const key = JSON.stringify([after, limit, [...rooms].sort(), [...incidents].sort()]);
    return new Promise((resolve, reject) => {
      const queued = this.queue.get(key);
      if (queued) {
        queued.waiters.push({ resolve, reject });
        return;
      }
      this.queue.set(key, { key, after, limit, rooms, incidents, waiters: [{ resolve, reject }] });
      this.scheduleDrain();
    });
  }

  /** Issues at the end of this turn, so requests made in the same turn can still join. */
  private scheduleDrain(): void {
    if (this.draining) return;
    this.draining = true;
    setImmediate(() => {
      this.draining = false;
      this.drain();
    });
  }

  private drain(): void {
    while (this.inFlight < this.maxConcurrent) {
      const next = this.queue.values().next();
      if (next.done) return;
      const read = next.value;
      // Out of the queue before it is issued: from here on nobody can join it.
      this.queue.delete(read.key);
      this.inFlight++;
      this.counts.issued++;
      this.log.readPage(read.after, read.limit, read.rooms, read.incidents).then(
        (page) => {
          for (const waiter of read.waiters) waiter.resolve(page);
        },
        (error: unknown) => {
          for (const waiter of read.waiters) waiter.reject(error);
        },
      ).finally(() => {
        this.inFlight--;
        this.drain();
      });
    }
  }
}
