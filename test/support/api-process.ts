import type { CommandResult } from '@muster/contracts';
import type { Actor } from '@muster/domain';
import { issueToken } from '@muster/identity';
import { freePort } from '@muster/testkit';
import { SERVICE_CLI, startProcess, waitFor, type RunningProcess } from './processes';

const FAULT_SECRET = 'muster-fault-suite-secret-0123456789abcdef';

/** The api as its own child process (`node scripts/service.mjs api`), as in production. */
export async function startApiProcess(options: { databaseUrl: string; port: number; poolSize?: number; env?: Record<string, string> }): Promise<RunningProcess> {
  const api = startProcess(process.execPath, [SERVICE_CLI, 'api'], {
    DATABASE_URL: options.databaseUrl,
    PORT: String(options.port),
    HOST: '127.0.0.1',
    MUSTER_JWT_SECRET: FAULT_SECRET,
    LOG_LEVEL: 'warn',
    DB_POOL_SIZE: String(options.poolSize ?? 10),
    ...options.env,
  });
  await waitFor(
    `api on port ${options.port}`,
    async () => {
      if (api.child.exitCode !== null || api.child.signalCode !== null) throw new Error(`api exited:\n${api.output()}`);
      return (await fetch(`http://127.0.0.1:${options.port}/health`)).ok ? true : undefined;
    },
    60_000,
  );
  return api;
}

/** An api process on a free port, and a token it accepts for `actor`: what a fault test drives. */
export async function startApiFor(databaseUrl: string, actor: Actor): Promise<{ api: RunningProcess; port: number; base: string; token: string }> {
  const port = await freePort();
  const token = await issueToken(actor, { secret: new TextEncoder().encode(FAULT_SECRET), ttlSeconds: 3600 });
  return { api: await startApiProcess({ databaseUrl, port }), port, base: `http://127.0.0.1:${port}`, token };
}

export type CommandAttempt =
  | { kind: 'ok'; status: number; result: CommandResult; ms: number }
  | { kind: 'http'; status: number; body: string; ms: number }
  | { kind: 'network'; error: string; ms: number };

/** One POST of a command, raw: the status (or the network failure) and how long it took. */
export async function postCommand(
  baseUrl: string,
  token: string,
  path: string,
  body: Record<string, unknown>,
  timeoutMs = 30_000,
): Promise<CommandAttempt> {
  const started = performance.now();
  try {
    const response = await fetch(`${baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    const ms = performance.now() - started;
    if (response.ok) return { kind: 'ok', status: response.status, result: JSON.parse(text) as CommandResult, ms };
    return { kind: 'http', status: response.status, body: text, ms };
  } catch (error) {
    return { kind: 'network', error: error instanceof Error ? `${error.name}: ${error.message}` : String(error), ms: performance.now() - started };
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
