import type { CommandResult } from '@muster/contracts';
import type { Actor } from '@muster/domain';
import { createEngine } from '@muster/engine';
import { type TestDatabase } from '@muster/testkit';
import { integrationTest } from '@muster/testkit/fixtures';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { migrateTo, migrateToLatest } from './migrate';
import { PostgresEventStore } from './postgres-event-store';

/**
 * The migration that scopes command ids (issue 14): rows written before it, keyed by the bare command
 * id, get the key the engine now derives, so a retry of an earlier command still gets its first answer
 * while another room's command under the same id is its own.
 */

const BEFORE = '2026_12_02_10_10_00_index_corrections';
const dinghu: Actor = { userId: 'do-dinghu', roles: ['duty_officer'], jurisdiction: '441203' };
const huaiji: Actor = { userId: 'do-huaiji', roles: ['duty_officer'], jurisdiction: '441224' };
const timers: Actor = { userId: 'muster-timers', roles: ['admin'], jurisdiction: '441203' };

let t: TestDatabase;

// Migrated step by step here: the schema before the change, rows in it, then the change.
integrationTest.override('migrate', { scope: 'file' }, false);
integrationTest.beforeAll(async ({ database }) => {
  t = database;
  await migrateTo(t.db, BEFORE);
});

const resultOf = (streamId: string, streamType: string, version: number, eventId: string, type: string): CommandResult => ({
  streamId,
  streamType,
  version,
  state: 'whatever it was',
  events: [{ eventId, type, version }],
});

/** What the schema before the migration held: events, and command rows keyed by the bare id. */
async function oldRows(): Promise<Record<string, CommandResult>> {
  const at = new Date().toISOString();
  const events: [string, string, number, string, string, Actor][] = [
    ['inc-old', 'incident', 1, 'IncidentReported', 'c-create', dinghu],
    ['inc-old', 'incident', 2, 'IncidentConfirmed', 'c-confirm', dinghu],
    ['report:inc-old', 'report', 1, 'ReportObligationOpened', 'c-confirm.1', dinghu],
    ['report:inc-old', 'report', 2, 'ReportOverdue', 'deadline-d1', timers],
  ];
  const results: Record<string, CommandResult> = {};
  for (const [streamId, streamType, version, type, commandId, actor] of events) {
    const eventId = crypto.randomUUID();
    await sql`insert into event (event_id, stream_id, stream_type, version, type, data, meta, jurisdiction, exercise, recorded_at, incident_id, rooms)
      values (${eventId}, ${streamId}, ${streamType}, ${version}, ${type}, '{}'::jsonb,
        ${JSON.stringify({ commandId, actor, occurredAt: at, recordedAt: at, jurisdiction: '441203' })}::jsonb, '441203', false, ${at}, 'inc-old', '{441203}')`.execute(t.db);
    results[commandId] = resultOf(streamId, streamType, version, eventId, type);
  }
  results['c-noevents'] = { streamId: 'inc-old', streamType: 'incident', version: 2, state: 'confirmed', events: [] };
  for (const [commandId, result] of Object.entries(results)) {
    await sql`insert into command (command_id, stream_id, result) values (${commandId}, ${result.streamId}, ${JSON.stringify(result)}::json)`.execute(t.db);
  }
  return results;
}

describe('migration: command ids scoped to sender and stream', () => {
  it('gives every earlier command the key the engine now derives; a retry still gets its first answer', async () => {
    const results = await oldRows();
    await migrateToLatest(t.db);

    const rows = await t.db.selectFrom('command').select(['command_key', 'command_id', 'fingerprint']).orderBy('command_id').execute();
    expect(rows).toStrictEqual([
      { command_key: 'u/do-dinghu/inc-old/c-confirm', command_id: 'c-confirm', fingerprint: null },
      // A reaction is keyed under the command that caused it, as the engine derives it.
      { command_key: 'u/do-dinghu/inc-old/c-confirm.1', command_id: 'c-confirm.1', fingerprint: null },
      // A command that opened a stream is scoped to the stream's type.
      { command_key: 'u/do-dinghu/new:incident/c-create', command_id: 'c-create', fingerprint: null },
      // No event says who sent it: its bare id, which no scoped key can meet.
      { command_key: 'c-noevents', command_id: 'c-noevents', fingerprint: null },
      // The timers' firings are in the system namespace.
      { command_key: 'sys/timers/report:inc-old/deadline-d1', command_id: 'deadline-d1', fingerprint: null },
    ]);

    const store = new PostgresEventStore(t.db);
    const engine = createEngine({ store });
    // Dinghu retries its confirmation: the stored answer, whatever the retry carries (no fingerprint was kept).
    const retried = await engine.handle({ streamType: 'incident', streamId: 'inc-old', type: 'ConfirmIncident', data: { severity: 'II' }, actor: dinghu, commandId: 'c-confirm' });
    expect(retried).toStrictEqual(results['c-confirm']);
    const recreated = await engine.handle({
      streamType: 'incident',
      streamId: 'another-server-id',
      type: 'ReportIncident',
      data: { title: 'x', leadJurisdiction: '441203' },
      actor: dinghu,
      commandId: 'c-create',
    });
    expect(recreated).toStrictEqual(results['c-create']);

    // Huaiji's commands under the same ids are its own.
    const own = await engine.handle({ streamType: 'incident', streamId: 'inc-hj', type: 'ReportIncident', data: { title: 'y', leadJurisdiction: '441224' }, actor: huaiji, commandId: 'c-create' });
    expect(own).toMatchObject({ streamId: 'inc-hj', version: 1, state: 'reported' });
    const update = await engine.handle({ streamType: 'incident', streamId: 'inc-hj', type: 'UpdateIncidentDetails', data: { description: 'z' }, actor: huaiji, commandId: 'c-confirm' });
    expect(update).toMatchObject({ streamId: 'inc-hj', version: 2 });
    const keys = await t.db.selectFrom('command').select(['command_key', 'fingerprint']).where('stream_id', '=', 'inc-hj').orderBy('command_key').execute();
    expect(keys.map((k) => k.command_key)).toStrictEqual(['u/do-huaiji/inc-hj/c-confirm', 'u/do-huaiji/new:incident/c-create']);
    expect(keys.every((k) => /^[0-9a-f]{64}$/.test(k.fingerprint ?? ''))).toBe(true);
  });

  it('loadStream says when the stream record opens: the earlier of its first event happening and being recorded', async () => {
    const store = new PostgresEventStore(t.db);
    const engine = createEngine({ store });
    const occurredAt = new Date(Date.now() - 20 * 60_000).toISOString();
    await engine.handle({ streamType: 'incident', streamId: 'opened-1', type: 'ReportIncident', data: { title: 'x', leadJurisdiction: '441203' }, actor: dinghu, occurredAt });
    expect(await store.openingOf('opened-1')).toBe(occurredAt);
    await engine.handle({ streamType: 'incident', streamId: 'opened-2', type: 'ReportIncident', data: { title: 'x', leadJurisdiction: '441203' }, actor: dinghu });
    const [first] = await store.readStream('opened-2');
    expect(await store.openingOf('opened-2')).toBe(first?.meta.recordedAt);
  });
});
