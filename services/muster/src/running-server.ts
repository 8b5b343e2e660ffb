import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

/**
 * Who is using a data directory (MUSTER_DATA_DIR) now, so that a command never stops or starts a
 * PostgreSQL that another Muster process runs there (issue 19: `muster verify` beside `muster start`
 * used to shut the live server's database down as an "orphan").
 *
 * `muster start` (and a tool that had to start the embedded PostgreSQL itself) writes SERVER_FILE
 * while it runs; PostgreSQL writes its own `pg/postmaster.pid` (pid on line 1, port on line 4).
 */
const SERVER_FILE = 'server.json';

export interface DataDirOwner {
  pid: number;
  /** `server`: `muster start`; `tool`: a command that started the embedded PostgreSQL for itself. */
  kind: 'server' | 'tool';
  command: string;
  startedAt: string;
}

export interface Postmaster {
  pid: number;
  port: number;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user (PostgreSQL run as `postgres` under root).
    return error instanceof Error && 'code' in error && error.code === 'EPERM';
  }
}

function parseOwner(text: string): DataDirOwner | null {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null) return null;
    const { pid, kind, command, startedAt } = value as Record<string, unknown>;
    if (typeof pid !== 'number' || (kind !== 'server' && kind !== 'tool') || typeof command !== 'string' || typeof startedAt !== 'string') return null;
    return { pid, kind, command, startedAt };
  } catch {
    return null;
  }
}

/**
 * Whether `pid` is still a Muster process: after a kill -9 its pid may be reused by anything. Where
 * /proc tells (Linux), its command line must name Muster's entry point; elsewhere a live pid counts.
 */
function isMuster(pid: number): boolean {
  const cmdline = `/proc/${pid}/cmdline`;
  if (!existsSync(cmdline)) return isAlive(pid);
  try {
    return /muster/.test(readFileSync(cmdline, 'utf8'));
  } catch {
    return isAlive(pid);
  }
}

/** The live process that owns `dataDir`, or null when none does (no file, or its process is gone). */
export function dataDirOwner(dataDir: string): DataDirOwner | null {
  const file = join(resolve(dataDir), SERVER_FILE);
  if (!existsSync(file)) return null;
  const owner = parseOwner(readFileSync(file, 'utf8'));
  if (!owner || owner.pid === process.pid || !isAlive(owner.pid) || !isMuster(owner.pid)) return null;
  return owner;
}

/** The embedded PostgreSQL running on `dataDir` (its `pg` directory), or null when none is. */
export function runningPostmaster(dataDir: string): Postmaster | null {
  const pidFile = join(resolve(dataDir), 'pg', 'postmaster.pid');
  if (!existsSync(pidFile)) return null;
  const lines = readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return null;
  return { pid, port: Number.isInteger(port) && port > 0 ? port : 0 };
}

export class DataDirBusy extends Error {
  constructor(dataDir: string, owner: DataDirOwner) {
    super(`a Muster ${owner.kind} (pid ${owner.pid}, \`muster ${owner.command}\`, since ${owner.startedAt}) is running on ${resolve(dataDir)}; stop it first or use another MUSTER_DATA_DIR`);
    this.name = 'DataDirBusy';
  }
}

/**
 * Marks `dataDir` as used by this process until `release` (or its death). Refuses when another live
 * process holds it: two processes must never both manage one embedded PostgreSQL. The file is written
 * under a temporary name and renamed, so a reader never sees half of it.
 */
export async function claimDataDir(dataDir: string, kind: DataDirOwner['kind'], command: string): Promise<{ release(): Promise<void> }> {
  const owner = dataDirOwner(dataDir);
  if (owner) throw new DataDirBusy(dataDir, owner);
  await mkdir(resolve(dataDir), { recursive: true });
  const file = join(resolve(dataDir), SERVER_FILE);
  const mine: DataDirOwner = { pid: process.pid, kind, command, startedAt: new Date().toISOString() };
  const temporary = `${file}.${process.pid}`;
  await writeFile(temporary, `${JSON.stringify(mine)}\n`, { mode: 0o600 });
  await rename(temporary, file);
  return {
    async release() {
      // Only our own claim: a later process may have taken the directory over after we were presumed dead.
      const current = parseOwner(await readFile(file, 'utf8').catch(() => ''));
      if (current?.pid === process.pid) await rm(file, { force: true });
    },
  };
}
