import { START_POSITION, comparePositions } from '@muster/contracts';
import type { Engine } from '@muster/engine';
import { type TestDatabase } from '@muster/testkit';
import { integrationTest } from '@muster/testkit/fixtures';
import { describe, expect, it } from 'vitest';
import { readGlobalLog, readHeadPosition } from './global-log';

// What the gateway reads for a console: rooms OR incidents, and the head to start a live-only feed.
const actor = { userId: 'duty-1', roles: ['duty_officer' as const], jurisdiction: '441200' };

let t: TestDatabase;
let engine: Engine;

integrationTest.beforeAll(({ database, engine: fileEngine }) => {
  [t, engine] = [database, fileEngine];
});

/**
 * Waits until `count` events are readable: the horizon is cluster-wide, so a transaction open in
 * another test's database can hold it back for a moment.
 */
async function readable(count: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  while ((await readGlobalLog(t.db, START_POSITION, 1000)).length < count) {
    if (Date.now() > deadline) throw new Error(`fewer than ${count} events readable`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Events appended so far. */
let appended = 0;

/** The lead room's duty officer: the county runs its own incident (以县为主); the city only reports it here. */
const leadRoom = (jurisdiction: string) => ({ userId: `duty-${jurisdiction}`, roles: ['duty_officer' as const], jurisdiction });

async function handle(streamId: string, type: string, data: Record<string, unknown>, by: typeof actor = actor) {
  const result = await engine.handle({ streamType: 'incident', streamId, type, data, actor: by });
  // Counted in the table, not from the engine's answer: a command also writes the streams it causes
  // (confirming an incident opens its report obligation, `report:<id>`), which the answer does not list.
  const row = await t.db.selectFrom('event').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
  appended = Number(row.n);
  return result;
}

function report(id: string, jurisdiction: string) {
  return handle(id, 'ReportIncident', { title: id, leadJurisdiction: jurisdiction });
}

describe('global log for a subscription', () => {
  it('reads the head of an empty log as the start position', async () => {
    expect(await readHeadPosition(t.db)).toBe(START_POSITION);
  });

  it("with match 'any' keeps events in one of the rooms or of one of the incidents, once each, in log order", async () => {
    await report('dinghu-1', '441203');
    await report('sihui-1', '441284');
    await report('gaoyao-1', '441204');
    await report('dinghu-2', '441203');
    // Linkage: confirming at severity III carries the Sihui incident to the city room as well.
    await handle('sihui-1', 'BeginVerification', {}, leadRoom('441284'));
    await handle('sihui-1', 'ConfirmIncident', { severity: 'III' }, leadRoom('441284'));
    const total = appended;
    await readable(total);

    const any = await readGlobalLog(t.db, START_POSITION, 100, { rooms: ['441203'], incidentIds: ['sihui-1', 'dinghu-1'], match: 'any' });
    expect(any.map((e) => e.meta.incidentId)).toEqual(['dinghu-1', 'sihui-1', 'dinghu-2', ...any.slice(3).map(() => 'sihui-1')]);
    // The incident's report obligation, opened by the confirmation, is one of its streams.
    expect(new Set(any.map((e) => e.streamId))).toEqual(new Set(['dinghu-1', 'sihui-1', 'dinghu-2', 'report:sihui-1']));
    expect(any.length).toBe(total - 1);
    const city = await readGlobalLog(t.db, START_POSITION, 100, { rooms: ['441200'], match: 'any' });
    expect(city.length).toBeGreaterThan(0);
    expect(city.every((e) => e.meta.incidentId === 'sihui-1' && (e.meta.rooms ?? []).includes('441200'))).toBe(true);
    const all = await readGlobalLog(t.db, START_POSITION, 100, { jurisdictions: ['441203'], streamIds: ['sihui-1', 'dinghu-1'] });
    expect(all.map((e) => e.streamId)).toEqual(['dinghu-1']);
    const incidentOnly = await readGlobalLog(t.db, START_POSITION, 100, { rooms: [], incidentIds: ['gaoyao-1'], match: 'any' });
    expect(incidentOnly.map((e) => e.streamId)).toEqual(['gaoyao-1']);
    const nothing = await readGlobalLog(t.db, START_POSITION, 100, { rooms: [], incidentIds: [], match: 'any' });
    expect(nothing).toEqual([]);
  });

  it('reads the head as the last readable position: everything later comes after it', async () => {
    await readable(appended);
    const before = await readGlobalLog(t.db, START_POSITION, 1000);
    const head = await readHeadPosition(t.db);
    expect(head).toBe(before.at(-1)?.position);
    await report('later-1', '441203');
    await readable(appended);
    const later = await readGlobalLog(t.db, head, 1000);
    expect(later.map((e) => e.streamId)).toEqual(['later-1']);
    expect(comparePositions(await readHeadPosition(t.db), head)).toBeGreaterThan(0);
  });
});
