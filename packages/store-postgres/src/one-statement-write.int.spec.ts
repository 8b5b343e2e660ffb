import { ConflictError, type CommandResult } from '@muster/contracts';
import type { Actor } from '@muster/domain';
import { createEngine, StreamVersionConflict, type StreamWrite } from '@muster/engine';
import { createTestDatabase, type TestDatabase } from '@muster/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenForEvents } from './event-notifications';
import { GroupCommitEventStore } from './group-commit-event-store';
import { verifyHashChains } from './hash-chain';
import { listIncidents } from './incident-queries';
import { PostgresEventStore } from './postgres-event-store';

/**
 * A command to a stream the store has just peeked goes in one statement (issue 18): the same rows,
 * the same answers and the same refusals as the transaction it replaces.
 */

const LEAD = '441203';
const room: Actor = { userId: 'do-one', roles: ['duty_officer'], jurisdiction: LEAD };
let t: TestDatabase;

beforeAll(async () => {
  t = await createTestDatabase('one_statement');
});
afterAll(async () => {
  await t?.drop();
});

/** A write of one event to a stream of a type without inline projections. */
function probeWrite(streamId: string, expectedVersion: number, commandId: string): StreamWrite {
  const now = new Date().toISOString();
  const event = {
    eventId: crypto.randomUUID(),
    streamId,
    streamType: 'probe',
    version: expectedVersion + 1,
    type: 'Probed',
    data: { n: expectedVersion },
    meta: { commandId, actor: room, occurredAt: now, recordedAt: now, jurisdiction: LEAD, rooms: [LEAD], exercise: false, incidentId: streamId },
  };
  const result: CommandResult = { streamId, streamType: 'probe', version: expectedVersion + 1, state: 'open', events: [{ eventId: event.eventId, type: event.type, version: event.version }] };
  return { streamId, streamType: 'probe', expectedVersion, state: { value: 'open', context: { n: expectedVersion + 1 } }, events: [event], commandId, result, effects: [] };
}

async function rowsOf(streamId: string): Promise<{ events: number; version: number | undefined; commands: number }> {
  const events = await t.db.selectFrom('event').select((eb) => eb.fn.countAll<string>().as('n')).where('stream_id', '=', streamId).executeTakeFirstOrThrow();
  const stream = await t.db.selectFrom('stream').select('version').where('stream_id', '=', streamId).executeTakeFirst();
  const commands = await t.db.selectFrom('command').select((eb) => eb.fn.countAll<string>().as('n')).where('stream_id', '=', streamId).executeTakeFirstOrThrow();
  return { events: Number(events.n), version: stream?.version, commands: Number(commands.n) };
}

describe('one-statement writes', () => {
  it('commands through the engine to peeked streams go in one statement each: events, board row, command key and hash chain as before', async () => {
    const store = new PostgresEventStore(t.db);
    const engine = createEngine({ store });
    await engine.handle({ streamType: 'incident', streamId: 'one-1', type: 'ReportIncident', data: { title: 'One', leadJurisdiction: LEAD }, actor: room });
    const before = store.stats();
    const answers: CommandResult[] = [];
    for (let i = 0; i < 3; i++) {
      answers.push(await engine.handle({ streamType: 'incident', streamId: 'one-1', type: 'UpdateIncidentDetails', commandId: `d-${i}`, data: { description: `text ${i}` }, actor: room }));
    }
    expect(store.stats().oneStatement - before.oneStatement).toBe(3);
    expect(store.stats().transaction).toBe(before.transaction);
    expect(answers.map((a) => a.version)).toStrictEqual([2, 3, 4]);

    expect(await rowsOf('one-1')).toStrictEqual({ events: 4, version: 4, commands: 4 });
    const board = await listIncidents(t.db, { jurisdiction: LEAD, incidentId: 'one-1' });
    expect(board.items.find((i) => i.incidentId === 'one-1')).toMatchObject({ version: 4, description: 'text 2' });
    const stored = await engine.load('incident', 'one-1');
    expect(stored.state.context).toMatchObject({ description: 'text 2' });
    const events = await store.readStream('one-1');
    expect(events.map((e) => e.version)).toStrictEqual([1, 2, 3, 4]);
    expect(events[3]?.data).toMatchObject({ description: 'text 2' });
    expect((await verifyHashChains(t.db)).broken).toStrictEqual([]);

    // A retry gets the first answer and writes nothing.
    const again = await engine.handle({ streamType: 'incident', streamId: 'one-1', type: 'UpdateIncidentDetails', commandId: 'd-1', data: { description: 'text 1' }, actor: room });
    expect(again).toStrictEqual(answers[1]);
    expect(await rowsOf('one-1')).toStrictEqual({ events: 4, version: 4, commands: 4 });
  });

  it('a stream another store moved since the peek: nothing is written and the write is refused as a lost race', async () => {
    const mine = new PostgresEventStore(t.db);
    const other = new PostgresEventStore(t.db);
    await mine.append(probeWrite('one-2', 0, 'p-0'));
    expect((await mine.peek(undefined, 'one-2')).version).toBe(1);
    await other.append(probeWrite('one-2', 1, 'p-1'));

    await expect(mine.append(probeWrite('one-2', 1, 'p-late'))).rejects.toBeInstanceOf(StreamVersionConflict);
    expect(await rowsOf('one-2')).toStrictEqual({ events: 2, version: 2, commands: 2 });
    // Read afresh, the next write goes through and the chain holds.
    expect((await mine.peek(undefined, 'one-2')).version).toBe(2);
    await mine.append(probeWrite('one-2', 2, 'p-2'));
    expect(await rowsOf('one-2')).toStrictEqual({ events: 3, version: 3, commands: 3 });
    expect((await verifyHashChains(t.db)).broken).toStrictEqual([]);
  });

  it('a command sent again after its stream moved on gets its first answer, not a lost race', async () => {
    const mine = new PostgresEventStore(t.db);
    const first = { ...probeWrite('one-7', 0, 'first'), fingerprint: 'asked' };
    await mine.append(first);
    await mine.append(probeWrite('one-7', 1, 'second'));
    expect(await mine.append(first)).toStrictEqual({ kind: 'duplicate', result: first.result });
    expect(await rowsOf('one-7')).toStrictEqual({ events: 2, version: 2, commands: 2 });
  });

  it('a command key committed by another transaction: the whole statement is undone and the stored answer returned', async () => {
    const mine = new PostgresEventStore(t.db);
    const other = new PostgresEventStore(t.db);
    const first = { ...probeWrite('one-3a', 0, 'shared'), fingerprint: 'asked' };
    await other.append(first);
    await mine.append(probeWrite('one-3b', 0, 'own'));
    await mine.peek(undefined, 'one-3b');

    // The same key for the same command: the first write's answer, nothing of the second.
    expect(await mine.append({ ...probeWrite('one-3b', 1, 'shared'), fingerprint: 'asked' })).toStrictEqual({ kind: 'duplicate', result: first.result });
    expect(await rowsOf('one-3b')).toStrictEqual({ events: 1, version: 1, commands: 1 });
    // With another fingerprint the same key is a conflict, never the first answer.
    await expect(mine.append({ ...probeWrite('one-3b', 1, 'shared'), fingerprint: 'another' })).rejects.toBeInstanceOf(ConflictError);
    expect(await rowsOf('one-3b')).toStrictEqual({ events: 1, version: 1, commands: 1 });
  });

  it('a group-commit store writes a command alone in one statement when nothing else is queued', async () => {
    const store = new GroupCommitEventStore(t.db);
    const engine = createEngine({ store });
    await engine.handle({ streamType: 'incident', streamId: 'one-4', type: 'ReportIncident', data: { title: 'Alone', leadJurisdiction: LEAD }, actor: room });
    const before = store.stats();
    await engine.handle({ streamType: 'incident', streamId: 'one-4', type: 'UpdateIncidentDetails', commandId: 'alone-1', data: { description: 'alone' }, actor: room });
    expect(store.stats().soloAppends - before.soloAppends).toBe(1);
    expect(store.stats().oneStatementAppends - before.oneStatementAppends).toBe(1);
    expect(await rowsOf('one-4')).toStrictEqual({ events: 2, version: 2, commands: 2 });
  });

  it('a group of appends to peeked streams goes in one statement; a member whose stream moved writes nothing and is refused alone', async () => {
    const store = new GroupCommitEventStore(t.db);
    const other = new PostgresEventStore(t.db);
    const ids = Array.from({ length: 5 }, (_, i) => `one-5-${i}`);
    for (const id of ids) await other.append(probeWrite(id, 0, `${id}-open`));
    await Promise.all(ids.map((id) => store.peek(undefined, id)));
    await other.append(probeWrite('one-5-2', 1, 'moved-meanwhile'));
    const before = store.stats();

    const settled = await Promise.allSettled(ids.map((id) => store.append(probeWrite(id, 1, `${id}-next`))));
    expect(settled.map((s) => s.status)).toStrictEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect(settled[2]).toMatchObject({ reason: expect.any(StreamVersionConflict) });
    const after = store.stats();
    expect(after.oneStatementAppends - before.oneStatementAppends).toBe(4);
    expect(after.batches - before.batches).toBe(1);
    const written = ids.filter((id) => id !== 'one-5-2');
    const transactions = await t.db.selectFrom('event').select('tx_id').distinct().where('stream_id', 'in', written).where('version', '=', 2).execute();
    expect(transactions).toHaveLength(1);
    expect(await rowsOf('one-5-2')).toStrictEqual({ events: 2, version: 2, commands: 2 });
    expect((await verifyHashChains(t.db)).broken).toStrictEqual([]);
  });

  it('wakes the relay like a transaction: a notification once the statement has committed', async () => {
    const store = new PostgresEventStore(t.db);
    await store.append(probeWrite('one-6', 0, 'n-0'));
    await store.peek(undefined, 'one-6');
    let notified = 0;
    let woken: () => void = () => undefined;
    const wake = new Promise<void>((resolve) => (woken = resolve));
    const listener = await listenForEvents({
      source: { connectionString: t.url, applicationName: 'one-statement-spec' },
      onEvents: () => {
        notified += 1;
        woken();
      },
      onLost: () => undefined,
    });
    try {
      const written = store.stats().oneStatement;
      await store.append(probeWrite('one-6', 1, 'n-1'));
      expect(store.stats().oneStatement - written).toBe(1);
      await wake;
      expect(notified).toBeGreaterThan(0);
      expect(await rowsOf('one-6')).toStrictEqual({ events: 2, version: 2, commands: 2 });
    } finally {
      await listener.close();
    }
  });
});
