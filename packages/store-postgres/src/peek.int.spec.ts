import type { Actor } from '@muster/domain';
import { createEngine, fingerprintOf } from '@muster/engine';
import { createTestDatabase, type TestDatabase } from '@muster/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GroupCommitEventStore } from './group-commit-event-store';
import { PostgresEventStore } from './postgres-event-store';

/**
 * EventStore.peek (issue 18): the engine's one round trip before a command to a stream it keeps —
 * the earlier answer under the command key and the stream's stored version — is what PostgreSQL holds.
 */

const room: Actor = { userId: 'do-peek', roles: ['duty_officer'], jurisdiction: '441203' };
let t: TestDatabase;

beforeAll(async () => {
  t = await createTestDatabase('peek');
});
afterAll(async () => {
  await t?.drop();
});

describe('PostgresEventStore.peek', () => {
  it('answers the stored version and the command under a key; nothing for what is not stored', async () => {
    const store = new PostgresEventStore(t.db);
    const engine = createEngine({ store });
    expect(await store.peek('u/do-peek/peek-1/c-1', 'peek-1')).toStrictEqual({ command: null, version: null });

    await engine.handle({ streamType: 'incident', streamId: 'peek-1', type: 'ReportIncident', data: { title: 'Peek', leadJurisdiction: '441203' }, actor: room });
    const data = { description: 'second' };
    const answer = await engine.handle({ streamType: 'incident', streamId: 'peek-1', type: 'UpdateIncidentDetails', commandId: 'c-1', data, actor: room });

    const key = 'u/do-peek/peek-1/c-1';
    const seen = await store.peek(key, 'peek-1');
    expect(seen.version).toBe(2);
    expect(seen.command).toStrictEqual({ result: answer, fingerprint: fingerprintOf({ streamType: 'incident', type: 'UpdateIncidentDetails', data }) });
    // Without a key only the version is asked; an unknown key finds nothing.
    expect(await store.peek(undefined, 'peek-1')).toStrictEqual({ command: null, version: 2 });
    expect(await store.peek('u/do-peek/peek-1/other', 'peek-1')).toStrictEqual({ command: null, version: 2 });
    // The group-commit store answers the same.
    expect(await new GroupCommitEventStore(t.db).peek(key, 'peek-1')).toStrictEqual(seen);
  });

  it('peeks asked together share one query, each answered as if asked alone', async () => {
    const engine = createEngine({ store: new PostgresEventStore(t.db) });
    await engine.handle({ streamType: 'incident', streamId: 'peek-3', type: 'ReportIncident', data: { title: 'Peek 3', leadJurisdiction: '441203' }, actor: room });
    await engine.handle({ streamType: 'incident', streamId: 'peek-3', type: 'UpdateIncidentDetails', commandId: 'c-3', data: { description: 'third' }, actor: room });
    const asked: [string | undefined, string][] = [
      ['u/do-peek/peek-3/c-3', 'peek-3'],
      [undefined, 'peek-3'],
      ['u/do-peek/peek-3/unknown', 'peek-3'],
      ['u/do-peek/none/c-3', 'none'],
      [undefined, 'peek-1'],
    ];
    const alone = new PostgresEventStore(t.db);
    const expected = [];
    for (const [key, stream] of asked) expected.push(await alone.peek(key, stream));
    expect(expected[0]?.command).not.toBeNull();
    expect(expected.map((e) => e.version)).toStrictEqual([2, 2, 2, null, 2]);

    const shared = new GroupCommitEventStore(t.db);
    const together = await Promise.all(asked.map(([key, stream]) => shared.peek(key, stream)));
    expect(together).toStrictEqual(expected);
    expect(shared.stats().sharedPeeks).toBe(asked.length);
  });

  it('an engine that keeps a stream sees another writer move it: its next command lands on the stored state', async () => {
    const mine = createEngine({ store: new GroupCommitEventStore(t.db) });
    const other = createEngine({ store: new GroupCommitEventStore(t.db) });
    await mine.handle({ streamType: 'incident', streamId: 'peek-2', type: 'ReportIncident', data: { title: 'Peek 2', leadJurisdiction: '441203' }, actor: room });
    await other.handle({ streamType: 'incident', streamId: 'peek-2', type: 'UpdateIncidentDetails', data: { description: 'by the other' }, actor: room });
    // expectedVersion 2 is refused by a stale copy (version 1) and accepted on the stored stream.
    const answer = await mine.handle({ streamType: 'incident', streamId: 'peek-2', type: 'UpdateIncidentDetails', commandId: 'c-2', expectedVersion: 2, data: { title: 'Peek 2, renamed' }, actor: room });
    expect(answer.version).toBe(3);
    const stored = await mine.load('incident', 'peek-2');
    expect(stored.state.context).toMatchObject({ title: 'Peek 2, renamed', description: 'by the other' });
  });
});
