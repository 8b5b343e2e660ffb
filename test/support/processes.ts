import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** `pnpm muster` without pnpm (run it with `process.execPath`): the command line people run, from the server's bundle (scripts/bundle.mjs). */
export const MUSTER_CLI = resolve(REPO_ROOT, 'scripts/muster.mjs');
/** `pnpm service <name>` without pnpm: one service alone as the systemd units run it, from the same bundle. */
export const SERVICE_CLI = resolve(REPO_ROOT, 'scripts/service.mjs');

export interface RunningProcess {
  child: ChildProcess;
  output(): string;
  /** Resolves with the exit code (or signal name) once the process has ended. */
  exited: Promise<number | string>;
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

/** Starts a child process in its own process group, keeping its output for diagnostics. */
export function startProcess(command: string, args: string[], env: Record<string, string | undefined>): RunningProcess {
  const child = spawn(command, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-200_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | string>((resolveExit) => child.on('exit', (code, signal) => resolveExit(code ?? signal ?? -1)));
  return {
    child,
    output: () => output,
    exited,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null && child.pid) {
        try {
          // The whole group: pnpm and tsx start the real process as a grandchild.
          process.kill(-child.pid, signal);
        } catch {
          // already gone
        }
      }
      return exited;
    },
  };
}

/** Polls until `check` returns a value, or fails after `timeoutMs` with the last error. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
}

export async function waitForHttp(url: string, timeoutMs = 60_000): Promise<void> {
  await waitFor(url, async () => ((await fetch(url)).ok ? true : undefined), timeoutMs);
}

/** Pids of every process below `pid` whose command line contains `match`, deepest last. */
export async function descendantsMatching(pid: number, match: string): Promise<number[]> {
  const { execFileSync } = await import('node:child_process');
  const table = execFileSync('ps', ['-A', '-o', 'pid=,ppid=,args='], { encoding: 'utf8' })
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ pid: Number(m[1]), ppid: Number(m[2]), args: m[3] ?? '' }));
  const found: number[] = [];
  let frontier = [pid];
  while (frontier.length) {
    const children = table.filter((p) => frontier.includes(p.ppid));
    for (const c of children) if (c.args.includes(match)) found.push(c.pid);
    frontier = children.map((c) => c.pid);
  }
  return found;
}
