import { subscribe } from '@muster/client';
import type { EventEnvelope } from '@muster/contracts';
import type { Actor, Person, SceneContext } from '@muster/domain';
import { sceneStreamId, type Engine } from '@muster/engine';
import { startGateway, type RunningGateway } from '@muster/gateway';
import { createTokenVerifier } from '@muster/identity';
import { startRelay, type Relay } from '@muster/relay';
import { listDeadlines, PostgresEventStore } from '@muster/store-postgres';
import { closingSteps, TEST_JURISDICTIONS, TEST_JWT_SECRET, testToken, type TestDatabase } from '@muster/testkit';
import { integrationTest } from '@muster/testkit/fixtures';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killTimersProcesses, started, startTimersProcess, until, type TimersChild } from './timers-child';
import { deadlineCommandId } from './timers';

/**
 * Timed transfers of command (issue 20): the effective time of an accepted transfer and the expiry of
 * an offer are deadline rows, fired by a real timers process (src/main.ts, real clock) through the
 * engine; real PostgreSQL, and the live feed through NATS.
 */
const COUNTY = '441203';
const COUNTY_DUTY: Actor = { userId: 'duty-dinghu', roles: ['duty_officer'], jurisdiction: COUNTY };
const OUTGOING: Person = { userId: 'cmdr-li', name: '李娜', rank: '副区长' };
const INCOMING: Person = { userId: 'cmdr-huang', name: '黄敏', rank: '区长' };
const OTHER: Person = { userId: 'cmdr-liu', name: '刘洋', unit: '市应急管理局' };
const responder = (p: Person): Actor => ({ userId: p.userId, roles: ['responder'], jurisdiction: COUNTY });

const BRIEFING = {
  situation: '山体滑坡，两辆车被埋',
  objectives: '搜救被埋人员，保持道路封闭',
  actions: '北端已开始挖掘',
  organisation: '消防：救援；公安：警戒；卫健：分诊',
  resources: '挖掘机2台，救援队1支，救护车3辆',
  hazards: '降雨后可能再次滑坡',
  facilities: '指挥部设在村小学操场；集结点S358线41公里处',
  communications: '消防3频道，公安12号通话组；指挥部电话0758-1234567',
  constraints: 'S358线封闭；雨停前直升机无法起降',
  incidentPotential: '持续降雨可能引发村庄上方二次滑坡',
  delegationOfAuthority: '区政府授权下达撤离令和封路；超过100万元的支出须区长批准',
};

let t: TestDatabase;
let engine: Engine;
let store: PostgresEventStore;
let relay: Relay;
let gateway: RunningGateway;

integrationTest.beforeAll(async ({ database, engine: fileEngine, bus }) => {
  [t, engine] = [database, fileEngine];
  store = new PostgresEventStore(t.db);
  relay = startRelay({ db: t.db, bus, idlePollMs: 20 });
  gateway = await startGateway({ db: t.db, bus, jurisdictions: TEST_JURISDICTIONS, verifier: createTokenVerifier({ secret: TEST_JWT_SECRET }), heartbeatIntervalMs: 60_000 });
});
afterAll(async () => {
  await killTimersProcesses();
  await gateway?.close();
  await relay?.stop();
});

const inSeconds = (s: number) => new Date(Date.now() + s * 1_000).toISOString();

function sceneCommand(incidentId: string, actor: Actor, type: string, data: Record<string, unknown>) {
  return engine.handle({ streamType: 'scene', streamId: sceneStreamId(incidentId), type, data, actor });
}

/** An incident of the county with OUTGOING appointed commander by the county room. */
async function commandedIncident(incidentId: string): Promise<void> {
  await engine.handle({ streamType: 'incident', streamId: incidentId, type: 'ReportIncident', data: { title: `山体滑坡 ${incidentId}`, leadJurisdiction: COUNTY }, actor: COUNTY_DUTY });
  await sceneCommand(incidentId, COUNTY_DUTY, 'AppointCommander', { commander: OUTGOING });
}

async function sceneOf(incidentId: string): Promise<{ state: string; context: SceneContext }> {
  const stream = await store.loadStream(sceneStreamId(incidentId));
  if (stream === null) throw new Error(`no scene for ${incidentId}`);
  return { state: stream.state.value, context: stream.state.context as SceneContext };
}

const rowsOf = (incidentId: string) => listDeadlines(t.db, { incidentId });

async function eventsOf(incidentId: string, type: string) {
  const { rows } = await sql<{ command_id: string; occurred_at: string; data: Record<string, unknown> }>`
    select meta->>'commandId' as command_id, meta->>'occurredAt' as occurred_at, data from event
    where stream_id = ${sceneStreamId(incidentId)} and type = ${type} order by version`.execute(t.db);
  return rows;
}

/**
 * Reads the scene until `done` says so, checking at every read that exactly one commander holds
 * command: the outgoing one until the hand-over, the incoming one from then on, never none, never back.
 */
async function watchCommand(incidentId: string, done: (scene: { state: string; context: SceneContext }) => boolean) {
  const reads: { state: string; commander: string | null; at: number }[] = [];
  await until(`the scene of ${incidentId}`, async () => {
    const scene = await sceneOf(incidentId);
    reads.push({ state: scene.state, commander: scene.context.commander?.userId ?? null, at: Date.now() });
    return done(scene) ? true : undefined;
  });
  return reads;
}

describe('timed transfers: deadlines fired by the timers process', () => {
  let timers: TimersChild;
  beforeAll(async () => {
    timers = startTimersProcess(t.url);
    await started(timers);
  });
  afterAll(() => timers.kill('SIGTERM'));

  it('a transfer with an effective time 2 s ahead takes effect by itself; exactly one commander at every read; live on the room feed', async () => {
    const seen: EventEnvelope[] = [];
    const feed = subscribe({ url: gateway.url, rooms: [COUNTY], token: () => testToken(COUNTY_DUTY), onEvent: (e) => seen.push(e), onError: () => undefined });
    await until('the feed to be live', async () => (feed.state() === 'live' ? true : undefined));

    await commandedIncident('eff-1');
    const effectiveAt = inSeconds(2);
    // The offer carries the whole ICS 201 briefing and proposes the effective time; it would lapse in a minute.
    await sceneCommand('eff-1', responder(OUTGOING), 'OfferTransfer', { offerId: 'o-1', to: INCOMING, expiresAt: inSeconds(60), effectiveAt, briefing: BRIEFING });
    expect((await rowsOf('eff-1')).map((r) => [r.key, r.outcome])).toStrictEqual([['transfer/o-1/expiry', null]]);
    await sceneCommand('eff-1', responder(INCOMING), 'AcceptTransfer', { offerId: 'o-1' });

    // Accepted early: the expiry row is cancelled in the acceptance's transaction, the effective time is a row.
    const afterAccept = await rowsOf('eff-1');
    expect(afterAccept.map((r) => [r.key, r.dueAt, r.outcome])).toStrictEqual([
      ['transfer/o-1/effective', effectiveAt, null],
      ['transfer/o-1/expiry', expect.any(String), 'cancelled'],
    ]);
    expect((await sceneOf('eff-1')).state).toBe('transferAccepted');

    const reads = await watchCommand('eff-1', (s) => s.state === 'commanded');
    for (const [i, read] of reads.entries()) {
      expect(read.commander, `read ${i} in ${read.state}`).not.toBeNull();
      expect(read.commander).toBe(read.state === 'transferAccepted' ? OUTGOING.userId : INCOMING.userId);
      // Never back to the outgoing commander once the incoming one holds command.
      if (i > 0 && reads[i - 1]?.commander === INCOMING.userId) expect(read.commander).toBe(INCOMING.userId);
    }
    // The hand-over was not early: every read before the effective time saw the outgoing commander.
    expect(reads.filter((r) => r.at < Date.parse(effectiveAt)).every((r) => r.commander === OUTGOING.userId)).toBe(true);
    expect(reads.filter((r) => r.state === 'transferAccepted').length).toBeGreaterThan(1);

    const scene = await sceneOf('eff-1');
    expect(scene.context.commander).toStrictEqual(INCOMING);
    expect(scene.context.pendingTransfer).toBeNull();
    // The tenure starts at the agreed time, and the successor commands under the briefing he accepted.
    expect(scene.context.tenures.at(-1)).toStrictEqual({ commander: INCOMING, kind: 'appointed', from: effectiveAt, appointedBy: OUTGOING.userId });
    expect(scene.context.briefingOnRecord).toStrictEqual({ offerId: 'o-1', to: INCOMING, briefing: BRIEFING, effectiveAt });

    const [row] = (await rowsOf('eff-1')).filter((r) => r.key === 'transfer/o-1/effective');
    await until('the effective row to be marked fired', async () => ((await rowsOf('eff-1')).some((r) => r.key === 'transfer/o-1/effective' && r.outcome === 'fired') ? true : undefined));
    const effects = await eventsOf('eff-1', 'TransferEffective');
    expect(effects).toHaveLength(1);
    expect(effects[0]?.command_id).toBe(deadlineCommandId(row?.deadlineId ?? ''));
    expect(effects[0]?.data).toStrictEqual({ offerId: 'o-1', commander: INCOMING });

    // The room saw the hand-over live (relay → NATS → gateway).
    await until('TransferEffective on the county feed', async () => (seen.some((e) => e.type === 'TransferEffective' && e.streamId === sceneStreamId('eff-1')) ? true : undefined));
    feed.close();
  });

  it('an offer expires by itself; the commander never changes', async () => {
    await commandedIncident('exp-1');
    const expiresAt = inSeconds(1.5);
    await sceneCommand('exp-1', responder(OUTGOING), 'OfferTransfer', { offerId: 'o-1', to: INCOMING, expiresAt, briefing: BRIEFING });
    expect((await sceneOf('exp-1')).state).toBe('transferPending');

    const reads = await watchCommand('exp-1', (s) => s.state === 'commanded');
    expect(reads.every((r) => r.commander === OUTGOING.userId)).toBe(true);
    expect((await sceneOf('exp-1')).context.offers).toStrictEqual([]);
    await until('the expiry row to be marked fired', async () => ((await rowsOf('exp-1'))[0]?.outcome === 'fired' ? true : undefined));
    const [row] = await rowsOf('exp-1');
    const expired = await eventsOf('exp-1', 'TransferExpired');
    expect(expired.map((e) => [e.command_id, e.data])).toStrictEqual([[deadlineCommandId(row?.deadlineId ?? ''), { offerId: 'o-1' }]]);
    // The fact is the lapse at the expiry time; the timers only noticed it.
    expect(Date.parse(expired[0]?.occurred_at ?? '')).toBe(Date.parse(expiresAt));
    // Acceptance after the lapse is refused.
    await expect(sceneCommand('exp-1', responder(INCOMING), 'AcceptTransfer', { offerId: 'o-1' })).rejects.toMatchObject({ code: 'illegal_transition' });
  });

  it('a withdrawn offer and a declined one never fire; a deadline due after them does (the timers did scan past them)', async () => {
    await commandedIncident('wd-1');
    await commandedIncident('dc-1');
    await commandedIncident('sentinel-1');
    await sceneCommand('wd-1', responder(OUTGOING), 'OfferTransfer', { offerId: 'o-1', to: INCOMING, expiresAt: inSeconds(1) });
    await sceneCommand('dc-1', COUNTY_DUTY, 'OfferTransfer', { offerId: 'o-1', to: OTHER, expiresAt: inSeconds(1) });
    // Due after both: once it has fired, the timers have scanned past their due times.
    await sceneCommand('sentinel-1', responder(OUTGOING), 'OfferTransfer', { offerId: 'o-1', to: OTHER, expiresAt: inSeconds(2) });
    await sceneCommand('wd-1', responder(OUTGOING), 'WithdrawTransfer', { offerId: 'o-1', reason: '天气好转，不再交接' });
    await sceneCommand('dc-1', responder(OTHER), 'DeclineTransfer', { offerId: 'o-1', reason: '人在外地' });
    expect((await rowsOf('wd-1')).map((r) => r.outcome)).toStrictEqual(['cancelled']);
    expect((await rowsOf('dc-1')).map((r) => r.outcome)).toStrictEqual(['cancelled']);

    await until('the sentinel offer to expire', async () => ((await rowsOf('sentinel-1'))[0]?.outcome === 'fired' ? true : undefined));
    for (const id of ['wd-1', 'dc-1']) {
      expect((await rowsOf(id)).map((r) => r.outcome)).toStrictEqual(['cancelled']);
      expect(await eventsOf(id, 'TransferExpired')).toStrictEqual([]);
      expect((await sceneOf(id)).context.commander).toStrictEqual(OUTGOING);
    }
    expect(await eventsOf('sentinel-1', 'TransferExpired')).toHaveLength(1);
  });

  it('closing the incident cancels a pending effective time: the outgoing commander stays, nothing fires', async () => {
    await commandedIncident('close-1');
    await sceneCommand('close-1', responder(OUTGOING), 'OfferTransfer', { offerId: 'o-1', to: INCOMING, briefing: BRIEFING });
    await sceneCommand('close-1', responder(INCOMING), 'AcceptTransfer', { offerId: 'o-1', effectiveAt: inSeconds(2) });
    const close = (type: string, data: Record<string, unknown>) => engine.handle({ streamType: 'incident', streamId: 'close-1', type, data, actor: COUNTY_DUTY });
    await close('BeginVerification', {});
    await close('ConfirmIncident', { severity: 'IV' });
    for (const [type, data] of closingSteps('IV')) await close(type, data);
    const transferRows = async () => (await rowsOf('close-1')).filter((r) => r.key.startsWith('transfer/'));
    expect((await transferRows()).map((r) => [r.key, r.outcome])).toStrictEqual([['transfer/o-1/effective', 'cancelled']]);
    await commandedIncident('sentinel-2');
    await sceneCommand('sentinel-2', responder(OUTGOING), 'OfferTransfer', { offerId: 'o-1', to: OTHER, expiresAt: inSeconds(1.5) });
    await until('the sentinel offer to expire', async () => ((await rowsOf('sentinel-2'))[0]?.outcome === 'fired' ? true : undefined));
    expect(await eventsOf('close-1', 'TransferEffective')).toStrictEqual([]);
    expect((await transferRows()).map((r) => r.outcome)).toStrictEqual(['cancelled']);
    expect((await sceneOf('close-1')).context.commander).toStrictEqual(OUTGOING);
  });
});

describe('timed transfers across a kill -9 of the timers process', () => {
  it('deadlines that fall due while no timers process runs fire exactly once after a restart; a withdrawn one never', async () => {
    const first = startTimersProcess(t.url);
    await started(first);
    await commandedIncident('kill-eff');
    await commandedIncident('kill-exp');
    await commandedIncident('kill-wd');
    const effectiveAt = inSeconds(2);
    const expiresAt = inSeconds(2);
    await sceneCommand('kill-eff', responder(OUTGOING), 'OfferTransfer', { offerId: 'o-1', to: INCOMING, effectiveAt, briefing: BRIEFING });
    await sceneCommand('kill-eff', responder(INCOMING), 'AcceptTransfer', { offerId: 'o-1' });
    await sceneCommand('kill-exp', responder(OUTGOING), 'OfferTransfer', { offerId: 'o-1', to: INCOMING, expiresAt });
    await sceneCommand('kill-wd', responder(OUTGOING), 'OfferTransfer', { offerId: 'o-1', to: INCOMING, expiresAt });

    await first.kill('SIGKILL');
    await sceneCommand('kill-wd', responder(OUTGOING), 'WithdrawTransfer', { offerId: 'o-1' });
    // Both fall due while no timers process runs: nothing happens by itself.
    await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(effectiveAt) - Date.now()) + 500));
    expect((await sceneOf('kill-eff')).state).toBe('transferAccepted');
    expect((await sceneOf('kill-eff')).context.commander).toStrictEqual(OUTGOING);
    expect((await sceneOf('kill-exp')).state).toBe('transferPending');

    const second = startTimersProcess(t.url);
    await started(second);
    const reads = await watchCommand('kill-eff', (s) => s.state === 'commanded');
    expect(reads.every((r) => r.commander === (r.state === 'commanded' ? INCOMING.userId : OUTGOING.userId))).toBe(true);
    await until('both rows to be marked fired', async () =>
      (await rowsOf('kill-eff'))[0]?.outcome === 'fired' && (await rowsOf('kill-exp'))[0]?.outcome === 'fired' ? true : undefined,
    );
    // A third process changes nothing: the rows are fired, none is claimed again.
    const third = startTimersProcess(t.url);
    await started(third);
    await commandedIncident('sentinel-3');
    await sceneCommand('sentinel-3', responder(OUTGOING), 'OfferTransfer', { offerId: 'o-1', to: OTHER, expiresAt: inSeconds(1) });
    await until('the sentinel offer to expire', async () => ((await rowsOf('sentinel-3'))[0]?.outcome === 'fired' ? true : undefined));
    await second.kill('SIGTERM');
    await third.kill('SIGTERM');

    const [effRow] = await rowsOf('kill-eff');
    const [expRow] = await rowsOf('kill-exp');
    expect((await eventsOf('kill-eff', 'TransferEffective')).map((e) => e.command_id)).toStrictEqual([deadlineCommandId(effRow?.deadlineId ?? '')]);
    expect((await eventsOf('kill-exp', 'TransferExpired')).map((e) => e.command_id)).toStrictEqual([deadlineCommandId(expRow?.deadlineId ?? '')]);
    expect((await sceneOf('kill-eff')).context.tenures.at(-1)?.from).toBe(effectiveAt);
    expect((await sceneOf('kill-exp')).state).toBe('commanded');
    expect((await rowsOf('kill-wd')).map((r) => r.outcome)).toStrictEqual(['cancelled']);
    expect(await eventsOf('kill-wd', 'TransferExpired')).toStrictEqual([]);
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from command where command_id like 'deadline-%'`.execute(t.db);
    // One command per fired row of this file, none twice.
    const fired = (await listDeadlines(t.db)).filter((d) => d.outcome === 'fired');
    expect(rows[0]?.n).toBe(fired.length);
  });
});
