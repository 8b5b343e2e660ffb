import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';

/** The api's worker processes under the primary: `stop` ends them all and resolves once they exited. */
export interface ApiWorkers {
  stop(): Promise<void>;
}

const STOP_MESSAGE = 'muster:stop';

/**
 * In a worker: stops it the way SIGTERM does (the service runtime's handler: server, then pool)
 * when the primary asks. Only the first request or signal counts, as with signals.
 */
export function stopWhenPrimaryAsks(): void {
  process.on('message', (message) => {
    if (message === STOP_MESSAGE) process.emit('SIGTERM', 'SIGTERM');
  });
}

/** How long a crashed worker's replacement waits, so a worker that dies at start does not spin. */
const RESPAWN_DELAY_MS = 1000;

/**
 * Runs `count` api workers (node:cluster) on the primary's command line and environment: each
 * builds its own pool, group-commit queue and engine and listens on the same port, where the
 * primary hands it connections in turn. They share nothing but PostgreSQL (and what the database
 * decides: command ids, stream versions) — a command that loses a race for its stream to another
 * worker is retried by the engine as against any other process. A worker that dies is replaced
 * after a second; resolves once every worker first listens, rejects if one exits before it does.
 */
export async function startApiWorkers(count: number, logger: Logger): Promise<ApiWorkers> {
  let stopping = false;
  const exits = new Set<Promise<void>>();

  /** Workers that listen, and so have their stop listener (stopWhenPrimaryAsks runs before the server starts). */
  const serving = new WeakSet<Worker>();

  const fork = (): Worker => {
    const worker = cluster.fork();
    worker.once('listening', () => serving.add(worker));
    const exited = new Promise<void>((resolve) => {
      worker.once('exit', (code, signal) => {
        exits.delete(exited);
        resolve();
        if (stopping) return;
        logger.error({ worker: worker.process.pid, code, signal }, 'api worker exited; starting another');
        setTimeout(() => {
          if (!stopping) fork();
        }, RESPAWN_DELAY_MS).unref();
      });
    });
    exits.add(exited);
    return worker;
  };

  const listening = Array.from({ length: count }, () => {
    const worker = fork();
    return new Promise<void>((resolve, reject) => {
      worker.once('listening', () => resolve());
      worker.once('exit', (code) => reject(new Error(`api worker ${String(worker.process.pid)} exited with ${String(code)} before it listened`)));
    });
  });
  const stop = async (): Promise<void> => {
    stopping = true;
    // A serving worker is asked over IPC, not with a signal: one that got the terminal's SIGINT or a
    // process-group SIGTERM along with the primary is stopping already, and a second signal would
    // kill it mid-stop. One still starting may not listen for the message yet; it serves nothing, so a
    // signal ends it (its own handler, once installed, stops it cleanly).
    for (const worker of Object.values(cluster.workers ?? {})) {
      if (!worker) continue;
      if (serving.has(worker) && worker.isConnected()) worker.send(STOP_MESSAGE);
      else worker.process.kill('SIGTERM');
    }
    await Promise.all(exits);
  };
  try {
    await Promise.all(listening);
  } catch (error) {
    await stop();
    throw error;
  }
  logger.info({ workers: count }, 'api workers listening');
  return { stop };
}
