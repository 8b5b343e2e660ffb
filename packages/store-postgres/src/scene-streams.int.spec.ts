// rename-scene: keep (this file writes the log as it was before the rename, under the old names).
import type { CommandResult } from '@muster/contracts';
import type { Actor } from '@muster/domain';
import { createEngine, fingerprintOf, type CommandEnvelope, type Engine } from '@muster/engine';
import { createTestDatabase, type TestDatabase } from '@muster/testkit';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from './database';
import { contentOf, eventHash, verifyHashChains, type ChainRow } from './hash-chain';
import { MigrationFailed, migrateTo, migrateToLatest } from './migrate';
import * as reportChain from './migrations/2026_12_09_10_00_00_report_chain';
import { PostgresEventStore } from './postgres-event-store';

/**
 * The migration that renames the on-scene command streams (`command:<incident>`, type `command`) to
 * `scene:<incident>`, type `scene` (issue 15): a log written before it keeps loading and verifying,
 * and a log with a changed row is refused, never re-hashed.
 *
 * The log before the rename is made the way the store wrote it then: the engine writes a real log
 * (events, snapshots, command rows, deadlines), and its scene streams are then stored under their old
 * names with the chain the old store computed over them (hash-chain.ts did not change). The schema
 * is the one before the migration, which changes no column.
 */

const BEFORE = '2026_12_06_10_00_00_scope_command_keys';
const RENAME = '2026_12_08_10_00_00_rename_command_streams_to_scene';
const LEAD = '441203';
const room: Actor = { userId: 'do-dinghu', roles: ['duty_officer'], jurisdiction: LEAD };
const chief: Actor = { userId: 'u-chief', roles: ['responder'], jurisdiction: LEAD };
const person = (userId: string) => ({ userId, name: `Officer ${userId}` });

let t: TestDatabase;
let db: Kysely<Database>;
let engine: Engine;

beforeAll(async () => {
  t = await createTestDatabase('scene_streams', { migrate: false });
  db = t.db;
  await migrateTo(db, BEFORE);
  // Today's store projects report rows with the columns of a later migration (the reporting chain);
  // they are added for the engine to write its log and taken away again below (reportRowsAsBefore).
  await reportChain.up(untyped(db));
  engine = createEngine({ store: new PostgresEventStore(db) });
});

/** Migrations take the database untyped: they run against schemas the Database interface no longer describes. */
const untyped = (typed: Kysely<Database>): Kysely<unknown> => typed as unknown as Kysely<unknown>;

/** The report rows as the old store kept them: they name no stream, so the rename leaves them be. */
async function reportRowsAsBefore(): Promise<void> {
  await reportChain.down(untyped(db));
}
afterAll(async () => {
  await t?.drop();
});

/** The commands sent to the scene streams, by stream and command id: what their fingerprints cover. */
const sent = new Map<string, CommandEnvelope>();

async function send(command: CommandEnvelope): Promise<CommandResult> {
  sent.set(`${command.streamId}/${command.commandId ?? ''}`, command);
  return engine.handle(command);
}

/** An incident, confirmed (a report obligation and its deadlines), with a command structure. */
async function incident(id: string): Promise<Record<string, CommandResult>> {
  await engine.handle({ streamType: 'incident', streamId: id, type: 'ReportIncident', actor: room, data: { title: `Flood ${id}`, leadJurisdiction: LEAD } });
  await engine.handle({ streamType: 'incident', streamId: id, type: 'BeginVerification', actor: room, data: {} });
  await engine.handle({ streamType: 'incident', streamId: id, type: 'ConfirmIncident', actor: room, data: { severity: 'III', category: 'natural_disaster' } });
  const scene = `scene:${id}`;
  const results: Record<string, CommandResult> = {};
  const appoint = { commander: person(chief.userId), deputies: [person('u-deputy')] };
  results['appoint'] = await send({ streamType: 'scene', streamId: scene, type: 'AppointCommander', actor: room, commandId: 'appoint', data: appoint });
  results['post'] = await send({ streamType: 'scene', streamId: scene, type: 'EstablishCommandPost', actor: chief, commandId: 'post', data: { location: { description: 'Shakeng school yard' } } });
  results['report'] = await send({ streamType: 'scene', streamId: scene, type: 'PostSceneReport', actor: chief, commandId: 'report', data: { reportId: 'r-1', injured: 3, evacuated: 120 } });
  results['offer'] = await send({ streamType: 'scene', streamId: scene, type: 'OfferTransfer', actor: chief, commandId: 'offer', data: { offerId: 'o-1', to: person('u-next') } });
  return results;
}

interface Rows {
  event: Record<string, unknown>[];
  stream: Record<string, unknown>[];
  command: Record<string, unknown>[];
  deadline: Record<string, unknown>[];
}

/** Every row that names a stream, in a stable order (answers as stored text). */
async function rows(): Promise<Rows> {
  return {
    event: await db.selectFrom('event').selectAll().orderBy('seq').execute(),
    stream: await db.selectFrom('stream').select(['stream_id', 'stream_type', 'version', 'snapshot', 'last_hash']).orderBy('stream_id').execute(),
    command: (await sql<Record<string, unknown>>`select command_key, command_id, stream_id, result::text as result, fingerprint from command order by command_id, command_key`.execute(db)).rows,
    deadline: await db.selectFrom('deadline').select(['deadline_id', 'stream_type', 'stream_id', 'key', 'command_type', 'command_data', 'due_at']).orderBy('deadline_id').execute(),
  };
}

const chainColumns = ['stream_id', 'stream_type', 'version', 'event_id', 'type', 'data', 'meta', 'jurisdiction', 'incident_id', 'rooms', 'exercise', 'recorded_at', 'prev_hash', 'hash'] as const;

/**
 * Stores the scene streams under the names the store gave them before the rename, with the chain it
 * computed over those names: `command:<id>`, type `command`, keys scoped to `command:<id>`, answers
 * naming them. (As a fixture of the old format: the rows differ from today's in the names alone.)
 */
async function asBeforeTheRename(): Promise<void> {
  const streams = await db.selectFrom('stream').select('stream_id').where('stream_type', '=', 'scene').execute();
  for (const { stream_id: newId } of streams) {
    const oldId = `command:${newId.slice('scene:'.length)}`;
    const events: ChainRow[] = await db.selectFrom('event').select([...chainColumns]).where('stream_id', '=', newId).orderBy('version').execute();
    let prev: string | null = null;
    for (const row of events) {
      const hash = eventHash({ ...contentOf(row), streamId: oldId, streamType: 'command' }, prev);
      await db.updateTable('event').set({ stream_id: oldId, stream_type: 'command', prev_hash: prev, hash }).where('event_id', '=', row.event_id).execute();
      prev = hash;
    }
    await db.updateTable('stream').set({ stream_id: oldId, stream_type: 'command', last_hash: prev }).where('stream_id', '=', newId).execute();
    // The old store's fingerprints covered the old stream type.
    const commands = await db.selectFrom('command').select(['command_key', 'command_id', 'fingerprint']).where('stream_id', '=', newId).execute();
    for (const { command_key, command_id, fingerprint } of commands) {
      const command = sent.get(`${newId}/${command_id}`);
      if (!command) throw new Error(`no command ${command_id} was sent to ${newId}`);
      const asSent = { type: command.type, data: command.data };
      // The fingerprint is rebuilt from what was sent: the one stored today must come out.
      expect(await fingerprintOf({ ...asSent, streamType: 'scene' })).toBe(fingerprint);
      await db.updateTable('command').set({ fingerprint: await fingerprintOf({ ...asSent, streamType: 'command' }) }).where('command_key', '=', command_key).execute();
    }
    await sql`
      update command set stream_id = ${oldId},
        command_key = replace(command_key, ${`/${newId}/`}, ${`/${oldId}/`}),
        result = replace(replace(result::text, ${`"streamId":"${newId}"`}, ${`"streamId":"${oldId}"`}), '"streamType":"scene"', '"streamType":"command"')::json
      where stream_id = ${newId}`.execute(db);
  }
}

describe('migration: on-scene command streams renamed to scene', () => {
  let written: Rows;
  let results: Record<string, CommandResult>;
  let state: unknown;

  beforeAll(async () => {
    results = await incident('inc-a');
    await incident('inc-b');
    // A deadline on the structure's stream (none is scheduled there today; the rows are renamed all the same).
    await db
      .insertInto('deadline')
      .values({
        stream_type: 'scene',
        stream_id: 'scene:inc-a',
        incident_id: 'inc-a',
        jurisdiction: LEAD,
        key: 'offer:o-1',
        command_type: 'ExpireTransfer',
        command_data: JSON.stringify({ offerId: 'o-1' }),
        due_at: new Date(Date.now() + 3_600_000).toISOString(),
      })
      .execute();
    state = (await engine.load('scene', 'scene:inc-a')).state;
    written = await rows();
    await asBeforeTheRename();
    await reportRowsAsBefore();
  });

  it('the log before the rename is what the store wrote then: command:<id> streams that verify', async () => {
    const before = await rows();
    expect(before.event.filter((e) => e['stream_type'] === 'command').map((e) => e['stream_id'])).toStrictEqual([...Array(4).fill('command:inc-a'), ...Array(4).fill('command:inc-b')]);
    expect(before.event.some((e) => e['stream_type'] === 'scene')).toBe(false);
    expect(before.command.filter((c) => c['stream_id'] === 'command:inc-a').map((c) => c['command_key'])).toStrictEqual([
      'u/do-dinghu/command:inc-a/appoint',
      'u/u-chief/command:inc-a/offer',
      'u/u-chief/command:inc-a/post',
      'u/u-chief/command:inc-a/report',
    ]);
    expect(before.command.find((c) => c['command_id'] === 'appoint' && c['stream_id'] === 'command:inc-a')?.['result']).toContain('"streamId":"command:inc-a","streamType":"command"');
    const report = await verifyHashChains(db);
    expect(report.broken).toStrictEqual([]);
    expect(report.ok).toBe(true);
  });

  it.each([
    {
      change: 'an event changed in place',
      tamper: sql`update event set data = jsonb_set(data, '{injured}', '30') where stream_id = 'command:inc-b' and version = 3`,
      restore: sql`update event set data = jsonb_set(data, '{injured}', '3') where stream_id = 'command:inc-b' and version = 3`,
      refusal: /stream command:inc-b fails its hash chain at version 3 \(content\)/,
    },
    {
      change: 'an event removed from the end',
      tamper: sql`update stream set version = 3 where stream_id = 'command:inc-a'`,
      restore: sql`update stream set version = 4 where stream_id = 'command:inc-a'`,
      refusal: /stream command:inc-a fails its hash chain at version 3 \(head\)/,
    },
  ])('a log with $change is refused, naming the stream and version; nothing is renamed', async ({ tamper, restore, refusal }) => {
    await tamper.execute(db);
    const tampered = await rows();
    const failure = await migrateToLatest(db).then(
      () => null,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(MigrationFailed);
    expect((failure as MigrationFailed).message).toBe(`migration ${RENAME} failed`);
    expect(String((failure as MigrationFailed).cause)).toMatch(refusal);
    // One transaction: the streams before the broken one were not renamed either, and the migration is not recorded.
    expect(await rows()).toStrictEqual(tampered);
    const { rows: done } = await sql<{ name: string }>`select name from kysely_migration where name = ${RENAME}`.execute(db);
    expect(done).toStrictEqual([]);
    await restore.execute(db);
    expect((await verifyHashChains(db)).ok).toBe(true);
  });

  it('renames every row, recomputes the chains (equal to what the engine writes today), and the log verifies', async () => {
    await migrateToLatest(db);
    const after = await rows();
    // Events and streams: exactly what the engine wrote under the new names, hashes included.
    expect(after.event).toStrictEqual(written.event);
    expect(after.stream).toStrictEqual(written.stream);
    expect(after.deadline).toStrictEqual(written.deadline);
    // Commands: keys, stream ids and answers as written today; the fingerprints of renamed streams
    // are cleared (they covered the old stream type), the others kept.
    expect(after.command).toStrictEqual(written.command.map((c) => (String(c['stream_id']).startsWith('scene:') ? { ...c, fingerprint: null } : c)));
    expect(written.command.filter((c) => String(c['stream_id']).startsWith('scene:')).every((c) => typeof c['fingerprint'] === 'string')).toBe(true);
    const report = await verifyHashChains(db);
    expect(report.broken).toStrictEqual([]);
    expect(report.ok).toBe(true);
    expect(report.events).toBe(written.event.length);
  });

  it('the renamed stream loads with the same state; the engine appends to it and answers retries of earlier commands', async () => {
    const store = new PostgresEventStore(db);
    expect(await store.loadStream('command:inc-a')).toBeNull();
    expect((await store.loadStream('scene:inc-a'))?.state).toStrictEqual(state);
    expect((await engine.load('scene', 'scene:inc-a')).state).toStrictEqual(state);

    // A retry of a command handled before the upgrade gets its first answer, now under the new name.
    const retried = await engine.handle({ streamType: 'scene', streamId: 'scene:inc-a', type: 'PostSceneReport', actor: chief, commandId: 'report', data: { reportId: 'r-1', injured: 3, evacuated: 120 } });
    expect(retried).toStrictEqual(results['report']);

    const next = await engine.handle({ streamType: 'scene', streamId: 'scene:inc-a', type: 'PostSceneReport', actor: chief, commandId: 'report-2', data: { reportId: 'r-2', injured: 5 } });
    expect(next).toMatchObject({ streamId: 'scene:inc-a', streamType: 'scene', version: 5 });
    const loaded = await engine.load('scene', 'scene:inc-a');
    expect(loaded.state.context.latestReport).toMatchObject({ reportId: 'r-2', injured: 5, evacuated: 120 });
    expect(loaded.state.context.reportCount).toBe(2);
    expect((await verifyHashChains(db)).ok).toBe(true);
  });

  it('down renames back to command:<id>, verified and re-hashed alike; up again restores the new names', async () => {
    await migrateTo(db, BEFORE);
    const down = await rows();
    expect(down.event.filter((e) => String(e['stream_id']).includes(':inc-a') && !String(e['stream_id']).startsWith('report:')).map((e) => [e['stream_id'], e['stream_type']])).toStrictEqual(
      Array(5).fill(['command:inc-a', 'command']),
    );
    expect((await verifyHashChains(db)).ok).toBe(true);
    await migrateToLatest(db);
    expect((await db.selectFrom('stream').select('stream_id').where('stream_type', '=', 'scene').orderBy('stream_id').execute()).map((s) => s.stream_id)).toStrictEqual([
      'scene:inc-a',
      'scene:inc-b',
    ]);
    expect((await verifyHashChains(db)).ok).toBe(true);
  });
});
