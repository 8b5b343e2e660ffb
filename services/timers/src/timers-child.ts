import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Test support: the timers service as a real child process (`src/main.ts` under tsx), so that tests
 * can `kill -9` it while deadlines fall due and start another.
 */
const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const tsx = fileURLToPath(new URL('../../../node_modules/.bin/tsx', import.meta.url));
const timersMain = fileURLToPath(new URL('./main.ts', import.meta.url));

export interface TimersChild {
  child: ChildProcess;
  output(): string;
  exited: Promise<unknown>;
  /** Signals the whole process group: tsx runs the real process as a child of its own. */
  kill(signal: NodeJS.Signals): Promise<unknown>;
}

const children: TimersChild[] = [];

export function startTimersProcess(databaseUrl: string): TimersChild {
  const child = spawn(tsx, [timersMain], {
    cwd: repoRoot,
    env: { ...process.env, DATABASE_URL: databaseUrl, TIMERS_POLL_MS: '50', TIMERS_BATCH_SIZE: '2', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  const handle: TimersChild = {
    child,
    output: () => output,
    exited,
    async kill(signal) {
      if (child.exitCode === null && child.signalCode === null && child.pid) {
        try {
          process.kill(-child.pid, signal);
        } catch {
          // already gone
        }
      }
      return exited;
    },
  };
  children.push(handle);
  return handle;
}

/** Kills every timers process a test started and has not stopped (for afterAll). */
export async function killTimersProcesses(): Promise<void> {
  for (const c of children) await c.kill('SIGKILL');
}

/** Waits for a started process to say so. */
export async function started(child: TimersChild): Promise<void> {
  await until('the timers process to start', async () => (child.output().includes('timers started') ? true : undefined));
}

/** Polls `check` until it returns a value; fails naming `what` after `timeoutMs` (a bound on waiting, not an assertion on speed). */
export async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
