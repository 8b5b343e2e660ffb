import { ConflictError } from '@muster/contracts';
import { StreamVersionConflict } from '../ports';
import type { CommandEnvelope } from './types';

/** Runs tasks one at a time per key, in arrival order; keys with nothing queued hold no memory. */
export class KeyedTurns {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(task, task);
    const tail = result.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}

/**
 * Runs an attempt again after it lost a race for its stream, up to `maxRetries` times; a command
 * that names the version it expects is not retried (it asked to fail rather than act on a newer state).
 */
export async function withRetries<T>(command: CommandEnvelope, maxRetries: number, attempt: () => Promise<T>): Promise<T> {
  for (let retry = 0; ; retry++) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof StreamVersionConflict)) throw error;
      if (command.expectedVersion !== undefined || retry >= maxRetries) {
        throw new ConflictError(`${command.streamType} ${command.streamId} was changed by another command; reload and retry`, {
          expectedVersion: error.expectedVersion,
        });
      }
      // Exponential backoff with full jitter, so that racing writers spread out instead of
      // colliding again in lockstep; capped so that a hot stream still answers quickly.
      await new Promise((r) => setTimeout(r, Math.random() * Math.min(200, 2 * 2 ** retry)));
    }
  }
}
