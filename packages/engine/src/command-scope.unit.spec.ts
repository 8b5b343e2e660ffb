import { ConflictError, IdSchema, MusterError, NotFoundError, UserIdSchema, ValidationError, type CommandResult } from '@muster/contracts';
import type { Actor } from '@muster/domain';
import { describe, expect, it } from 'vitest';
import { reportStreamId } from './aggregates';
import { timersActor } from './authorization';
import { commandKey, scopeOf } from './command-key';
import { createEngine, type CommandEnvelope, type EngineOptions } from './engine';
import { InMemoryEventStore } from './in-memory-event-store';

/** Issue 14 in the engine alone: scoped command ids, no oracle before authorization, bounded occurredAt. */

const DINGHU = '441203';
const HUAIJI = '441224';
const dinghu: Actor = { userId: 'do-dinghu', roles: ['duty_officer'], jurisdiction: DINGHU };
const huaiji: Actor = { userId: 'do-huaiji', roles: ['duty_officer'], jurisdiction: HUAIJI };
const T0 = Date.UTC(2026, 6, 1, 6, 0, 0);
const at = (minute: number) => new Date(T0 + minute * 60_000).toISOString();

function world(options: Partial<Omit<EngineOptions, 'store' | 'clock'>> = {}) {
  const store = new InMemoryEventStore();
  let now = T0;
  let n = 0;
  const engine = createEngine({ store, clock: { now: () => new Date(now) }, ids: { newId: () => `id-${++n}` }, ...options });
  const send = (by: Actor, streamType: string, streamId: string, type: string, data: Record<string, unknown>, extra: Partial<CommandEnvelope> = {}) =>
    engine.handle({ streamType, streamId, type, data, actor: by, ...extra });
  return {
    store,
    engine,
    send,
    at(minute: number) {
      now = T0 + minute * 60_000;
    },
    report: (by: Actor, id: string, extra: Partial<CommandEnvelope> = {}) =>
      send(by, 'incident', id, 'ReportIncident', { title: `Flooding ${id}`, leadJurisdiction: by.jurisdiction, category: 'natural_disaster' }, extra),
  };
}

async function rejection(p: Promise<unknown>): Promise<MusterError> {
  try {
    await p;
  } catch (error) {
    if (error instanceof MusterError) return error;
    throw error;
  }
  throw new Error('expected the command to be refused');
}

/** An error as a client would see it, with the id it sent written as TARGET. */
const seen = (error: MusterError, id: string) => JSON.stringify(error.toBody()).split(id).join('TARGET');

describe('command keys', () => {
  it('a client id, user id or stream id cannot hold "/": the user, system and creation scopes cannot meet', () => {
    for (const id of ['a/b', '/', 'sys/timers', 'u/x']) {
      expect(IdSchema.safeParse(id).success).toBe(false);
      expect(UserIdSchema.safeParse(id).success).toBe(false);
    }
    expect(commandKey({ userId: 'do-dinghu' }, 'inc-1', 'c-1')).toBe('u/do-dinghu/inc-1/c-1');
    expect(commandKey({ userId: 'muster-timers', system: 'timers' }, 'report:inc-1', 'deadline-1')).toBe('sys/timers/report:inc-1/deadline-1');
    expect(scopeOf('incident', 'inc-1', true)).toBe('new:incident');
    expect(IdSchema.safeParse('new:incident').success).toBe(false);
  });

  it('the same id from another room, or to another stream, is another command', async () => {
    const w = world();
    await w.report(dinghu, 'dh-1');
    await w.report(huaiji, 'hj-1');
    const a = await w.send(dinghu, 'incident', 'dh-1', 'UpdateIncidentDetails', { description: 'a' }, { commandId: 'same' });
    const b = await w.send(huaiji, 'incident', 'hj-1', 'UpdateIncidentDetails', { description: 'a' }, { commandId: 'same' });
    await w.report(dinghu, 'dh-2');
    const c = await w.send(dinghu, 'incident', 'dh-2', 'UpdateIncidentDetails', { description: 'a' }, { commandId: 'same' });
    expect(new Set([a, b, c].map((r) => `${r.streamId}@${r.version}`))).toStrictEqual(new Set(['dh-1@2', 'hj-1@2', 'dh-2@2']));
    expect(w.store.log.filter((e) => e.meta.commandId === 'same')).toHaveLength(3);
  });

  it('a creation retried under a stream id the server chose afresh finds its first answer', async () => {
    const w = world();
    const create = (streamId: string) => w.send(dinghu, 'incident', streamId, 'ReportIncident', { title: 'Landslide', leadJurisdiction: DINGHU }, { commandId: 'create' });
    const first = await create('server-id-1');
    expect(await create('server-id-2')).toStrictEqual(first);
    expect(await w.engine.tryLoad('incident', 'server-id-2')).toBeNull();
    // The same id for another creation is a conflict, not the first answer.
    const other = w.send(dinghu, 'incident', 'server-id-3', 'ReportIncident', { title: 'Another', leadJurisdiction: DINGHU }, { commandId: 'create' });
    expect(await rejection(other)).toBeInstanceOf(ConflictError);
  });

  it("reactions are recorded under the command's key: two rooms confirming under one id each open their own obligation", async () => {
    const w = world();
    for (const [by, id] of [[dinghu, 'dh-r'], [huaiji, 'hj-r']] as const) {
      await w.report(by, id);
      await w.send(by, 'incident', id, 'BeginVerification', {});
      await w.send(by, 'incident', id, 'ConfirmIncident', { severity: 'III' }, { commandId: 'confirm' });
    }
    const opened = w.store.log.filter((e) => e.type === 'ReportObligationOpened');
    expect(opened.map((e) => [e.streamId, e.meta.commandId])).toStrictEqual([
      [reportStreamId('dh-r'), 'confirm.1'],
      [reportStreamId('hj-r'), 'confirm.1'],
    ]);
  });
});

describe('nothing about an incident a room cannot see comes before the refusal', () => {
  it('a stale expectedVersion, a state the machine refuses and a missing incident give Huaiji the same NotFound', async () => {
    const w = world();
    await w.report(dinghu, 'dh-1');
    await w.send(dinghu, 'incident', 'dh-1', 'DismissIncident', { reason: 'false alarm' });
    const missing = seen(await rejection(w.send(huaiji, 'incident', 'none', 'BeginVerification', {}, { expectedVersion: 7 })), 'none');
    expect(JSON.parse(missing)).toStrictEqual({ error: { code: 'not_found', message: 'incident TARGET does not exist', details: { what: 'incident', id: 'TARGET' } } });
    for (const extra of [{ expectedVersion: 7 }, { expectedVersion: 2 }, {}]) {
      expect(seen(await rejection(w.send(huaiji, 'incident', 'dh-1', 'BeginVerification', {}, extra)), 'dh-1')).toBe(missing);
    }
    // Its scene stream, existing or not, is the incident's: the same answer.
    expect(seen(await rejection(w.send(huaiji, 'scene', 'scene:dh-1', 'EstablishCommandPost', { location: { description: 'x' } })), 'dh-1')).toBe(missing);
    expect(seen(await rejection(w.send(huaiji, 'scene', 'scene:none', 'EstablishCommandPost', { location: { description: 'x' } })), 'none')).toBe(missing);
    // The lead room itself still hears the truth: the incident is dismissed.
    expect((await rejection(w.send(dinghu, 'incident', 'dh-1', 'BeginVerification', {}))).code).toBe('illegal_transition');
  });

  it('a room that sees the incident still gets version conflicts and 403s as before', async () => {
    const w = world();
    await w.report(dinghu, 'dh-1');
    const stale = await rejection(w.send(dinghu, 'incident', 'dh-1', 'BeginVerification', {}, { expectedVersion: 0 }));
    expect(stale.details).toStrictEqual({ expectedVersion: 0, actualVersion: 1 });
    // The city sees Dinghu's incident; a rule refuses it something: that is a 403, not a 404.
    const city: Actor = { userId: 'do-city', roles: ['duty_officer'], jurisdiction: '441200' };
    expect((await rejection(w.send(city, 'incident', 'dh-1', 'HandBackLead', { reason: 'x' }))).code).toBe('forbidden');
    expect(await rejection(w.send(huaiji, 'incident', 'dh-1', 'HandBackLead', { reason: 'x' }))).toBeInstanceOf(NotFoundError);
  });
});

describe('occurredAt is bounded', () => {
  it('not later than now plus the clock skew allowed (5 minutes by default, configurable)', async () => {
    const w = world();
    await w.report(dinghu, 'inc-1');
    const before = w.store.log.length;
    const future = await rejection(w.send(dinghu, 'incident', 'inc-1', 'BeginVerification', {}, { occurredAt: at(6) }));
    expect(future).toBeInstanceOf(ValidationError);
    if (future instanceof ValidationError) expect(future.issues.map((i) => i.path)).toStrictEqual(['occurredAt']);
    expect(w.store.log.length).toBe(before);
    await w.send(dinghu, 'incident', 'inc-1', 'BeginVerification', {}, { occurredAt: at(4) });

    const strict = world({ maxClockSkewMs: 30_000 });
    await strict.report(dinghu, 'inc-1');
    expect((await rejection(strict.send(dinghu, 'incident', 'inc-1', 'BeginVerification', {}, { occurredAt: at(1) }))).code).toBe('validation');
  });

  it("not before the stream's first record; a new child stream's first record is its incident's", async () => {
    const w = world();
    w.at(10);
    await w.report(dinghu, 'inc-1', { occurredAt: at(5) });
    // The record opens when the incident happened (minute 5), though it was recorded at minute 10.
    expect((await rejection(w.send(dinghu, 'incident', 'inc-1', 'BeginVerification', {}, { occurredAt: at(4) }))).code).toBe('validation');
    await w.send(dinghu, 'incident', 'inc-1', 'BeginVerification', {}, { occurredAt: at(6) });
    const commander = { userId: 'u-c', name: 'C' };
    expect((await rejection(w.send(dinghu, 'scene', 'scene:inc-1', 'AppointCommander', { commander }, { occurredAt: at(4) }))).code).toBe('validation');
    w.at(20);
    await w.send(dinghu, 'scene', 'scene:inc-1', 'AppointCommander', { commander }, { occurredAt: at(15) });
    // The scene stream's own record opens at minute 15.
    expect((await rejection(w.send(dinghu, 'scene', 'scene:inc-1', 'EstablishCommandPost', { location: { description: 'school' } }, { occurredAt: at(12) }))).code).toBe('validation');
    await w.send(dinghu, 'scene', 'scene:inc-1', 'EstablishCommandPost', { location: { description: 'school' } }, { occurredAt: at(16) });
  });

  it('a new incident may say it happened at most 30 days ago (configurable)', async () => {
    const w = world();
    expect((await rejection(w.report(dinghu, 'old', { occurredAt: at(-31 * 24 * 60) }))).code).toBe('validation');
    await w.report(dinghu, 'recent', { occurredAt: at(-29 * 24 * 60) });
    const tight = world({ maxReportBackdateMs: 60 * 60_000 });
    expect((await rejection(tight.report(dinghu, 'old', { occurredAt: at(-61) }))).code).toBe('validation');
    await tight.report(dinghu, 'recent', { occurredAt: at(-59) });
  });

  it('years 0000 and 9999 never pass, whatever the limits and whoever sends them', async () => {
    const lax = world({ maxClockSkewMs: 1e15, maxReportBackdateMs: 1e15 });
    for (const occurredAt of ['0000-01-01T00:00:00Z', '9999-12-31T23:59:59Z', '1969-12-31T23:59:59Z', 'yesterday']) {
      const error = await rejection(lax.report(dinghu, 'inc-y', { occurredAt }));
      expect(error, occurredAt).toBeInstanceOf(ValidationError);
      if (error instanceof ValidationError) expect(error.issues[0]?.path).toBe('occurredAt');
    }
    // The timers' occurredAt (a due time, however late it fires) is trusted, but not beyond the sanity check.
    const w = world();
    await w.report(dinghu, 'inc-t', { occurredAt: at(0) });
    await w.send(dinghu, 'incident', 'inc-t', 'BeginVerification', {});
    await w.send(dinghu, 'incident', 'inc-t', 'ConfirmIncident', { severity: 'III' }, { occurredAt: at(0) });
    const fire = (occurredAt: string): Promise<CommandResult> =>
      w.send(timersActor(DINGHU), 'report', reportStreamId('inc-t'), 'DeadlinePassed', { key: `${DINGHU}/phone`, dueAt: at(30) }, { system: 'timers', occurredAt });
    expect((await rejection(fire('9999-12-31T23:59:59Z'))).code).toBe('validation');
    expect((await rejection(fire('0000-01-01T00:00:00Z'))).code).toBe('validation');
    const fired = await fire(at(30));
    expect(fired.events.map((e) => e.type)).toStrictEqual(['ReportOverdue']);
  });
});
