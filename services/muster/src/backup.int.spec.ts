/**
 * Issue 19 item 7, the restore drill: `muster backup` a database whose relay has published everything
 * to a NATS stream, `muster restore` it into a new database, `muster verify` passes on it, and a relay
 * on the restored database (same stream) publishes exactly the events written after the restore: none
 * of the ones it had published before the dump (no republishing), none left out (no skipping), in log order.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { connectEventBus, decodeEvent, type NatsEventBus } from '@muster/bus-nats';
import { createEngine, type Engine } from '@muster/engine';
import { startRelay } from '@muster/relay';
import { connect, loadCheckpoint, PostgresEventStore, type Database } from '@muster/store-postgres';
import { createTestDatabase, deleteTestStream, natsTestNames, TEST_JURISDICTIONS, TEST_NATS_URL, type TestDatabase } from '@muster/testkit';
import { sql, type Kysely } from 'kysely';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const MAIN = new URL('./main.ts', import.meta.url).pathname;
const actor = { userId: 'duty-1', roles: ['duty_officer' as const], jurisdiction: '441203' };

let original: TestDatabase;
let restoredName = '';
let restored: Kysely<Database> | undefined;
let bus: NatsEventBus;
let dir = '';
/** Every event id NATS carried on the test's subjects, in the order published (core subscription: duplicates show). */
const published: string[] = [];

async function muster(databaseUrl: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', MAIN, ...args], { env: { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn' } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

async function write(engine: Engine, tag: string, incidents: number): Promise<void> {
  for (let i = 0; i < incidents; i++) {
    const streamId = `${tag}-${i}`;
    await engine.handle({ streamType: 'incident', streamId, type: 'ReportIncident', data: { title: `${tag} ${i}`, leadJurisdiction: '441203' }, actor });
    await engine.handle({ streamType: 'incident', streamId, type: 'UpdateIncidentDetails', data: { description: 'more' }, actor });
  }
}

async function logIds(db: Kysely<Database>): Promise<string[]> {
  const { rows } = await sql<{ event_id: string }>`select event_id from event order by tx_id, seq`.execute(db);
  return rows.map((r) => r.event_id);
}

/**
 * Runs a relay on `db` until its checkpoint is the log's last event, then stops it. The last row, not
 * readHeadPosition: that one stops at the horizon of transactions open anywhere on the shared server.
 */
async function relayAll(db: Kysely<Database>): Promise<void> {
  const relay = startRelay({ db, bus, logger: pino({ level: 'silent' }) });
  const { rows } = await sql<{ position: string }>`select tx_id::text || '.' || seq::text as position from event order by tx_id desc, seq desc limit 1`.execute(db);
  const head = rows[0]?.position;
  const deadline = Date.now() + 60_000;
  while ((await loadCheckpoint(db, 'main')) !== head) {
    if (Date.now() > deadline) throw new Error(`the relay did not reach ${head}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  await relay.stop();
}

beforeAll(async () => {
  original = await createTestDatabase('backup_restore');
  restoredName = `${original.name}_restored`;
  dir = await mkdtemp(join(tmpdir(), 'muster-backup-'));
  const names = natsTestNames('backup_restore');
  bus = await connectEventBus({ servers: [TEST_NATS_URL], stream: names.stream, subjectPrefix: names.subjectPrefix, ensureStream: true, name: 'backup-test' });
  const subscription = bus.connection.subscribe(`${names.subjectPrefix}.>`);
  void (async () => {
    for await (const message of subscription) {
      const decoded = decodeEvent(message.data);
      if (decoded.ok) published.push(decoded.event.eventId);
    }
  })();
});

afterAll(async () => {
  await restored?.destroy();
  if (restoredName) await sql`drop database if exists ${sql.id(restoredName)} with (force)`.execute(original.db).catch(() => undefined);
  if (bus) await deleteTestStream(bus);
  // The bus owns its connection: closing it closes that too.
  await bus?.close();
  await original?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('backup and restore', () => {
  it('restores into a new database that verifies, and its relay resumes with no event republished or skipped', async () => {
    const engine = createEngine({ store: new PostgresEventStore(original.db), jurisdictions: TEST_JURISDICTIONS });
    await write(engine, 'before', 5);
    await relayAll(original.db);
    const before = await logIds(original.db);
    expect(before).toHaveLength(10);
    await bus.connection.flush();
    expect(published).toEqual(before);

    const file = join(dir, 'muster.dump');
    const backup = await muster(original.url, 'backup', '--file', file);
    expect(backup.code, backup.stderr).toBe(0);
    expect(backup.stdout).toMatch(/^BACKUP file=/m);

    const restore = await muster(original.url, 'restore', '--file', file, '--database', restoredName);
    expect(restore.code, restore.stderr).toBe(0);
    const checkpoint = await loadCheckpoint(original.db, 'main');
    expect(restore.stdout).toContain(`RESTORED database=${restoredName} events=10 checkpoints=main=${checkpoint}`);
    // Restoring into a database that exists already is refused, not merged.
    expect((await muster(original.url, 'restore', '--file', file, '--database', restoredName)).code).not.toBe(0);

    const restoredUrl = new URL(original.url);
    restoredUrl.pathname = `/${restoredName}`;
    const verify = await muster(restoredUrl.toString(), 'verify');
    expect(verify.stdout).toMatch(/^OK streams=5 events=10 broken=0 /m);
    expect(verify.code).toBe(0);

    // Commands keep coming on the restored database; its relay starts from the dumped checkpoint.
    restored = connect({ connectionString: restoredUrl.toString(), maxConnections: 4 });
    await write(createEngine({ store: new PostgresEventStore(restored), jurisdictions: TEST_JURISDICTIONS }), 'after', 3);
    const all = await logIds(restored);
    expect(all.slice(0, 10)).toEqual(before);
    published.length = 0;
    await relayAll(restored);
    await bus.connection.flush();
    expect(published).toEqual(all.slice(10));
    expect(published).toHaveLength(6);
    // Five CLI runs, each loading the code through tsx: minutes on a loaded machine, not a speed check.
  }, 300_000);
});
