import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { freePort } from './free-port';

/** The shared NATS server tests use unless TEST_NATS_URL says otherwise. Never stop it from a test. */
export const TEST_NATS_URL = process.env['TEST_NATS_URL'] ?? 'nats://127.0.0.1:4222';

/**
 * A stream name and subject prefix of one test file's own, so files running at once on the shared
 * server never see each other's events (DESIGN §7).
 */
export function natsTestNames(label: string): { stream: string; subjectPrefix: string } {
  const safe = label.replace(/[^A-Za-z0-9]+/g, '_').slice(0, 24);
  const tag = `${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  return { stream: `T_${safe}_${tag}`.toUpperCase(), subjectPrefix: `t_${safe}_${tag}`.toLowerCase() };
}

/**
 * Deletes a test file's own stream (natsTestNames) from the server its bus is connected to, when the
 * file ends: a run leaves nothing on the shared NATS server. A stream already gone is no error.
 */
export async function deleteTestStream(bus: { connection: Parameters<typeof jetstreamManager>[0]; stream: string }): Promise<void> {
  await (await jetstreamManager(bus.connection)).streams.delete(bus.stream).catch(() => false);
}

export interface PrivateNatsServer {
  url: string;
  port: number;
  storeDir: string;
  /** Stops the server (SIGTERM, or SIGKILL when `hard`) and waits for it to exit. */
  stop(options?: { hard?: boolean }): Promise<void>;
  /** Starts it again on the same port and store directory, with its streams as they were stored. */
  start(): Promise<void>;
  running(): boolean;
  /** Stops it and deletes its store. */
  dispose(): Promise<void>;
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/**
 * A nats-server of a test's own (JetStream on, loopback, a free port, a temporary store), for fault
 * tests that stop and restart NATS: they must never disturb the shared server other files use.
 */
export async function startPrivateNatsServer(options: { bin?: string; readyTimeoutMs?: number } = {}): Promise<PrivateNatsServer> {
  const bin = options.bin ?? process.env['NATS_SERVER_BIN'] ?? 'nats-server';
  const readyTimeoutMs = options.readyTimeoutMs ?? 15_000;
  const port = await freePort();
  const storeDir = await mkdtemp(join(tmpdir(), 'muster-nats-'));
  let child: ChildProcess | null = null;

  async function start(): Promise<void> {
    if (child) return;
    const proc = spawn(bin, ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', storeDir], { stdio: ['ignore', 'ignore', 'pipe'] });
    live.add(proc);
    child = proc;
    proc.once('exit', () => {
      live.delete(proc);
      if (child === proc) child = null;
    });
    // An 'error' event without a listener would crash the test process.
    proc.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      let log = '';
      let settled = false;
      const onExit = (code: number | null) => settle(new Error(`nats-server exited with ${code}:\n${log}`));
      const onError = (error: Error) => settle(error);
      const timer = setTimeout(() => settle(new Error(`nats-server did not become ready in ${readyTimeoutMs} ms:\n${log}`)), readyTimeoutMs);
      function settle(error?: Error) {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        proc.off('exit', onExit);
        proc.off('error', onError);
        if (!error) return resolve();
        proc.kill('SIGKILL');
        reject(error);
      }
      proc.on('exit', onExit);
      proc.on('error', onError);
      // stderr keeps being read after the server is ready, so the pipe never fills and blocks it.
      proc.stderr?.on('data', (chunk: Buffer) => {
        if (settled) return;
        log += chunk.toString('utf8');
        if (log.includes('Server is ready')) settle();
      });
    });
  }

  async function stop({ hard = false }: { hard?: boolean } = {}): Promise<void> {
    const proc = child;
    if (!proc) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill(hard ? 'SIGKILL' : 'SIGTERM');
    await exited;
  }

  await start();
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    storeDir,
    start,
    stop,
    running: () => child !== null,
    async dispose() {
      await stop();
      await rm(storeDir, { recursive: true, force: true });
    },
  };
}
