import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const execFileAsync = promisify(execFile);

/**
 * Backup and restore with PostgreSQL's own pg_dump and pg_restore (issue 19 item 7). A dump holds the
 * whole database: the event log with its positions (tx_id, seq) and hash chain, the projections, the
 * migrations run, and the relay's checkpoint, so a relay on the restored database resumes exactly
 * after what it had published when the dump was taken.
 */

interface PgTool {
  path: string;
  major: number;
}

/** Every `name` binary on PATH and under Debian's /usr/lib/postgresql/<version>/bin. */
async function candidates(name: string): Promise<string[]> {
  const found = (process.env['PATH'] ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, name));
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) for (const version of await readdir(debian)) found.push(join(debian, version, 'bin', name));
  return found.filter((file) => existsSync(file));
}

/** The newest `pg_dump`/`pg_restore` there is: it reads dumps of, and dumps, every server up to its own major version. */
async function findPgTool(name: 'pg_dump' | 'pg_restore'): Promise<PgTool> {
  let best: PgTool | undefined;
  for (const path of await candidates(name)) {
    const { stdout } = await execFileAsync(path, ['--version']);
    const major = Number(/\(PostgreSQL\) (\d+)/.exec(stdout)?.[1]);
    if (Number.isInteger(major) && (!best || major > best.major)) best = { path, major };
  }
  if (!best) throw new Error(`${name} not found on PATH nor under /usr/lib/postgresql/*/bin; install PostgreSQL's client tools (Debian: apt-get install postgresql-client)`);
  return best;
}

/** The address without its password, which goes to the tool in PGPASSWORD: a command line is visible to every local user. */
function split(url: string): { dbname: string; env: NodeJS.ProcessEnv } {
  const u = new URL(url);
  const password = decodeURIComponent(u.password);
  u.password = '';
  return { dbname: u.toString(), env: { ...process.env, ...(password ? { PGPASSWORD: password } : {}) } };
}

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, application_name: 'muster-backup' });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Dumps the database at `url` to `file` (pg_dump's custom format, for pg_restore). */
export async function backupDatabase(url: string, file: string): Promise<{ tool: string; serverMajor: number }> {
  const tool = await findPgTool('pg_dump');
  const serverMajor = await withClient(url, async (c) => Math.floor(Number((await c.query<{ v: string }>("select current_setting('server_version_num') as v")).rows[0]?.v) / 10_000));
  // pg_dump refuses a server newer than itself; say which one to install rather than pass its error on.
  if (serverMajor > tool.major) throw new Error(`the database is PostgreSQL ${serverMajor} but the newest pg_dump found is ${tool.major} (${tool.path}); install the client tools of PostgreSQL ${serverMajor} or newer`);
  const { dbname, env } = split(url);
  try {
    await execFileAsync(tool.path, ['--format=custom', '--no-owner', '--no-privileges', `--file=${file}`, `--dbname=${dbname}`], { env });
  } catch (error) {
    // A half-written dump must not pass for a backup.
    await rm(file, { force: true });
    throw error;
  }
  return { tool: tool.path, serverMajor };
}

export class RestoreHorizonError extends Error {
  constructor(database: string, current: string, last: string) {
    super(
      `restored into ${database}, but this server's transaction counter (${current}) is behind the backup's last log position (transaction ${last}): ` +
        'the relay and the live feeds would not see the restored events until the counter passes it, and would order new events before them. ' +
        'Restore on a server whose counter is past it (the original one, or a copy of its cluster), or advance this one: stop it and run ' +
        `pg_resetwal -e ${BigInt(last) >> 32n} -x ${(BigInt(last) & 0xffff_ffffn) + 1000n} on its data directory, then restore again.`,
    );
    this.name = 'RestoreHorizonError';
  }
}

/**
 * Restores `file` into a new database `database` on the server of `serverUrl` (created here; an
 * existing one is refused), then checks that the server's transaction counter is past every restored
 * log position: positions are transaction ids, and the relay only reads those below its snapshot's horizon.
 */
export async function restoreDatabase(serverUrl: string, file: string, database: string): Promise<{ url: string; events: number; checkpoints: string[] }> {
  const tool = await findPgTool('pg_restore');
  await withClient(serverUrl, (c) => c.query(`CREATE DATABASE ${c.escapeIdentifier(database)}`));
  const target = new URL(serverUrl);
  target.pathname = `/${encodeURIComponent(database)}`;
  const url = target.toString();
  const { dbname, env } = split(url);
  await execFileAsync(tool.path, ['--no-owner', '--no-privileges', '--exit-on-error', `--dbname=${dbname}`, file], { env });
  return withClient(url, async (c) => {
    const { rows } = await c.query<{ last: string | null; current: string; events: string; checkpoints: string[] }>(
      `select (select max(tx_id)::text from event) as last, pg_current_xact_id()::text as current,
              (select count(*)::text from event) as events,
              array(select name || '=' || position from relay_checkpoint order by name) as checkpoints`,
    );
    const row = rows[0];
    if (!row) throw new Error('the restored database answered nothing');
    if (row.last !== null && BigInt(row.current) <= BigInt(row.last)) throw new RestoreHorizonError(database, row.current, row.last);
    return { url, events: Number(row.events), checkpoints: row.checkpoints };
  });
}
