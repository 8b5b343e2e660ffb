import type { Actor } from '@muster/domain';
import type { Engine } from '@muster/engine';
import { type TestDatabase } from '@muster/testkit';
import { integrationTest } from '@muster/testkit/fixtures';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '@muster/contracts';
import { contentOf, eventHash, verifyHashChains } from './hash-chain';

const LEAD = '441224';
const room: Actor = { userId: 'do-huaiji', roles: ['duty_officer'], jurisdiction: LEAD };

let t: TestDatabase;
let engine: Engine;

integrationTest.beforeAll(({ database, engine: fileEngine }) => {
  [t, engine] = [database, fileEngine];
});

/** An incident with a few events on its own stream, a report obligation and a scene stream. */
async function incident(id: string): Promise<void> {
  await engine.handle({ streamType: 'incident', streamId: id, type: 'ReportIncident', actor: room, data: { title: `Flood ${id}`, leadJurisdiction: LEAD } });
  await engine.handle({ streamType: 'incident', streamId: id, type: 'BeginVerification', actor: room, data: {} });
  await engine.handle({ streamType: 'incident', streamId: id, type: 'ConfirmIncident', actor: room, data: { category: 'natural_disaster', severity: 'IV' } });
  await engine.handle({ streamType: 'incident', streamId: id, type: 'BeginInitialHandling', actor: room, data: { measures: 'Sandbags on the levee' } });
  await engine.handle({
    streamType: 'scene',
    streamId: `scene:${id}`,
    type: 'AppointCommander',
    actor: room,
    data: { commander: { userId: 'u-chief', name: 'Chief' }, deputies: [] },
  });
}

describe('canonicalJson', () => {
  it('sorts keys at every level and drops undefined members, so jsonb key order does not matter', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: null, y: 'x' }], c: undefined } })).toBe('{"a":{"d":[1,{"y":"x","z":null}]},"b":1}');
    expect(canonicalJson({ a: 1, b: 2 })).toBe(canonicalJson({ b: 2, a: 1 }));
  });
});

describe('hash chain per stream', () => {
  it('an untouched log verifies, including the reaction stream and streams written concurrently', async () => {
    await incident('hc-1');
    await incident('hc-2');
    // Concurrent writers on one stream: the loser retries, and the chain still links version to version.
    await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        engine.handle({ streamType: 'incident', streamId: 'hc-2', type: 'UpdateIncidentDetails', actor: room, data: { description: `update ${i}` } }),
      ),
    );
    const report = await verifyHashChains(t.db, { pageSize: 3 });
    expect(report.broken).toStrictEqual([]);
    expect(report.ok).toBe(true);
    expect(report.streams).toBe(6);
    const stored = await t.db.selectFrom('event').select(['stream_id', 'version', 'prev_hash', 'hash']).where('stream_id', '=', 'hc-1').orderBy('version').execute();
    expect(stored[0]?.prev_hash).toBeNull();
    expect(stored[1]?.prev_hash).toBe(stored[0]?.hash);
    const head = await t.db.selectFrom('stream').select('last_hash').where('stream_id', '=', 'hc-1').executeTakeFirstOrThrow();
    expect(head.last_hash).toBe(stored[stored.length - 1]?.hash);
  });

  it('changing one stored event row in PostgreSQL is reported at exactly that stream and version', async () => {
    await incident('hc-3');
    await sql`update event set data = jsonb_set(data, '{measures}', '"Nothing done"') where stream_id = 'hc-3' and version = 4`.execute(t.db);
    const report = await verifyHashChains(t.db);
    expect(report.ok).toBe(false);
    expect(report.broken).toStrictEqual([{ streamId: 'hc-3', version: 4, eventId: expect.any(String), reason: 'content' }]);
  });

  it('a changed time or meta is caught too; a rehashed row breaks the link of the next; removed rows show as gaps or a cut head', async () => {
    await incident('hc-4');
    await incident('hc-5');
    await incident('hc-6');
    await incident('hc-7');
    await incident('hc-8');
    // Someone who rewrites a row and its hash still breaks the link held by the next event.
    const target = await t.db
      .selectFrom('event')
      .select(['stream_id', 'stream_type', 'version', 'event_id', 'type', 'data', 'meta', 'jurisdiction', 'incident_id', 'rooms', 'exercise', 'recorded_at', 'prev_hash'])
      .where('stream_id', '=', 'hc-8')
      .where('version', '=', 2)
      .executeTakeFirstOrThrow();
    const forged = { ...target, data: { note: 'forged' } };
    await t.db
      .updateTable('event')
      .set({ data: JSON.stringify(forged.data), hash: eventHash(contentOf(forged), target.prev_hash) })
      .where('stream_id', '=', 'hc-8')
      .where('version', '=', 2)
      .execute();
    await sql`update event set recorded_at = recorded_at - interval '1 hour' where stream_id = 'hc-4' and version = 2`.execute(t.db);
    await sql`update event set meta = jsonb_set(meta, '{actor,userId}', '"someone-else"') where stream_id = 'hc-5' and version = 1`.execute(t.db);
    await sql`delete from event where stream_id = 'hc-6' and version = 2`.execute(t.db);
    await sql`delete from event where stream_id = 'hc-7' and version = 4`.execute(t.db);
    const report = await verifyHashChains(t.db);
    const byStream = Object.fromEntries(report.broken.map((b) => [b.streamId, [b.version, b.reason]]));
    expect(byStream).toStrictEqual({
      'hc-3': [4, 'content'],
      'hc-4': [2, 'content'],
      'hc-5': [1, 'content'],
      'hc-6': [2, 'gap'],
      'hc-7': [4, 'head'],
      'hc-8': [3, 'link'],
    });
  });
});
