import { decide, incidentAggregate, initialState, type PersistedState } from '@muster/domain';
import type { Engine } from '@muster/engine';
import { type TestDatabase } from '@muster/testkit';
import { integrationTest } from '@muster/testkit/fixtures';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { readGlobalLog, readGlobalLogAhead } from './global-log';
import { PostgresEventStore } from './postgres-event-store';

function reportedState(now: string): PersistedState {
  const decision = decide(incidentAggregate, initialState(incidentAggregate), {
    type: 'ReportIncident',
    incidentId: 'slow',
    title: 'slow',
    leadJurisdiction: '441203',
    meta: { commandId: 'slow-command', actor, now, occurredAt: now },
  });
  if (!decision.ok) throw new Error('ReportIncident was refused');
  return decision.state;
}

// The city room may report into any of its counties.
const actor = { userId: 'duty-1', roles: ['duty_officer' as const], jurisdiction: '441200' };

async function eventually<T>(read: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 300; i++) {
    const value = await read();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('condition not reached in 30 s');
}

let t: TestDatabase;
let engine: Engine;
let store: PostgresEventStore;

integrationTest.beforeAll(({ database, engine: fileEngine }) => {
  [t, engine] = [database, fileEngine];
  store = new PostgresEventStore(t.db);
});

function report(id: string) {
  return engine.handle({
    streamType: 'incident',
    streamId: id,
    type: 'ReportIncident',
    data: { title: `incident ${id}`, leadJurisdiction: '441203' },
    actor,
  });
}

describe('global log reader', () => {
  it('does not skip an event whose transaction took a lower position but committed after later ones', async () => {
    await report('before');
    // Start after 'before' once it is readable (another file's open transaction may hold the horizon).
    const start = await eventually(async () => (await readGlobalLog(t.db, '0.0', 1000)).find((e) => e.streamId === 'before')?.position);

    // A transaction takes its sequence number first and stays open.
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    let inserted: () => void = () => undefined;
    const insertedSignal = new Promise<void>((resolve) => (inserted = resolve));
    const slow = t.db.transaction().execute(async (trx) => {
      const now = new Date().toISOString();
      await store.write(trx, {
        streamId: 'slow',
        streamType: 'incident',
        expectedVersion: 0,
        state: reportedState(now),
        commandId: 'slow-command',
        effects: [],
        result: { streamId: 'slow', streamType: 'incident', version: 1, state: 'reported', events: [] },
        events: [
          {
            eventId: crypto.randomUUID(),
            streamId: 'slow',
            streamType: 'incident',
            version: 1,
            type: 'IncidentReported',
            data: { title: 'slow' },
            meta: { commandId: 'slow-command', actor, occurredAt: now, recordedAt: now, jurisdiction: '441203', exercise: false },
          },
        ],
      });
      inserted();
      await held;
    });
    await insertedSignal;
    try {

    // Later transactions take higher sequence numbers and commit first.
    await report('fast-1');
    await report('fast-2');
    const seqs = await t.db.selectFrom('event').select(['stream_id', 'seq']).where('stream_id', 'in', ['slow', 'fast-1', 'fast-2']).execute();
    const seqOf = (id: string) => BigInt(seqs.find((r) => r.stream_id === id)?.seq ?? -1);
    expect(seqOf('slow')).toBeLessThan(seqOf('fast-1'));

    // While the slow transaction is open, a reader must not move past it: it sees neither fast event.
    const whileOpen = await readGlobalLog(t.db, start, 1000);
    expect(whileOpen.map((e) => e.streamId)).toEqual([]);
    // The relay's read says so in the same round trip: nothing to publish, but events held back.
    expect(await readGlobalLogAhead(t.db, start, 1000)).toEqual({ events: [], heldBack: true, horizon: expect.stringMatching(/^\d+$/) });
    } finally {
      // Never leave the transaction open: it holds back the horizon of every reader on the server.
      release();
    }
    await slow;

    // Once it commits, the reader delivers all three, the slow one included, in one stable order.
    // Transactions of other test files on the same server can hold the horizon a moment longer.
    const after = await eventually(async () => {
      const events = await readGlobalLog(t.db, start, 1000);
      return events.length >= 3 ? events : undefined;
    });
    expect(after.map((e) => e.streamId).sort()).toEqual(['fast-1', 'fast-2', 'slow']);
    const positions = after.map((e) => e.position);
    const again = await readGlobalLog(t.db, start, 1000);
    expect(again.map((e) => e.position)).toEqual(positions);
    // The relay's read returns the same envelopes, and nothing is held back any more.
    expect(await readGlobalLogAhead(t.db, start, 1000)).toEqual({ events: after, heldBack: false, horizon: expect.stringMatching(/^\d+$/) });
    expect(await readGlobalLogAhead(t.db, start, 2)).toEqual({ events: after.slice(0, 2), heldBack: false, horizon: expect.stringMatching(/^\d+$/) });

    // Reading page by page from each returned position yields the same sequence, nothing skipped.
    const paged: string[] = [];
    let cursor = start;
    for (;;) {
      const page = await readGlobalLog(t.db, cursor, 1);
      const event = page[0];
      if (!event) break;
      paged.push(event.streamId);
      cursor = event.position;
    }
    expect(paged).toEqual(after.map((e) => e.streamId));
  });

  it('filters by jurisdiction and stream', async () => {
    await engine.handle({
      streamType: 'incident',
      streamId: 'sihui-1',
      type: 'ReportIncident',
      data: { title: 'Sihui landslide', leadJurisdiction: '441284' },
      actor,
    });
    // Another test file's open transaction on the same cluster can hold the horizon back for a moment.
    const sihui = await eventually(async () => {
      const events = await readGlobalLog(t.db, '0.0', 1000, { jurisdictions: ['441284'] });
      return events.length > 0 ? events : undefined;
    });
    expect(sihui.map((e) => e.streamId)).toEqual(['sihui-1']);
    const byStream = await readGlobalLog(t.db, '0.0', 1000, { streamIds: ['fast-1'] });
    expect(byStream.map((e) => e.streamId)).toEqual(['fast-1']);
    const none = await readGlobalLog(t.db, '0.0', 1000, { jurisdictions: [] });
    expect(none).toEqual([]);
  });

  it('hands out the same envelopes as the stream reader, key for key, with the position PostgreSQL formats', async () => {
    // The global log formats the position in SQL (a lean mapping for replay speed, issue 9); the
    // envelope must still be what every other reader builds, down to the order of its keys, since
    // relay and gateway serialize it as it is.
    const streamIds = ['before', 'fast-1', 'fast-2', 'slow', 'sihui-1'];
    const fromLog = (await readGlobalLog(t.db, '0.0', 1000, { streamIds })).sort((a, b) => a.streamId.localeCompare(b.streamId));
    const fromStreams = (await Promise.all(streamIds.map((id) => store.readStream(id)))).flat().sort((a, b) => a.streamId.localeCompare(b.streamId));
    expect(fromLog.length).toBe(streamIds.length);
    expect(fromLog.map((e) => JSON.stringify(e))).toEqual(fromStreams.map((e) => JSON.stringify(e)));
    const rows = await t.db.selectFrom('event').select(['event_id', 'tx_id', 'seq']).where('stream_id', 'in', streamIds).execute();
    for (const event of fromLog) {
      const row = rows.find((r) => r.event_id === event.eventId);
      expect(event.position).toBe(`${row?.tx_id}.${row?.seq}`);
      expect(event.position).toMatch(/^\d+\.\d+$/);
    }
  });

  it('stores the writing transaction id with every event', async () => {
    const rows = await sql<{ n: string }>`select count(*)::text as n from event where tx_id is null`.execute(t.db);
    expect(rows.rows[0]?.n).toBe('0');
  });
});
