import { ForbiddenError } from '@muster/contracts';
import { DEFAULT_PLAN_RULES, ruleBookOf, type Actor, type ReportContext } from '@muster/domain';
import { createEngine, reportStreamId, TIMERS_USER_ID, type Engine } from '@muster/engine';
import { connect, listDeadlines, PostgresEventStore, readGlobalLog, type Database } from '@muster/store-postgres';
import { closingSteps, type TestDatabase } from '@muster/testkit';
import { integrationTest } from '@muster/testkit/fixtures';
import { sql, type Kysely } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { deadlineCommandId, startTimers, type Timers } from './timers';

const COUNTY = '441203';
const CITY = '441200';
const COUNTY_DUTY: Actor = { userId: 'duty-dinghu', roles: ['duty_officer'], jurisdiction: COUNTY };
const T0 = Date.UTC(2026, 6, 1, 6, 0, 0);
const at = (minute: number) => new Date(T0 + minute * 60_000);

let t: TestDatabase;
/** One clock for every engine and timer of this file: tests move it instead of sleeping. */
let now = T0;
const clock = { now: () => new Date(now) };
let engine: Engine;
const pools: Kysely<Database>[] = [];

integrationTest.override('clock', { scope: 'file' }, clock);
integrationTest.beforeAll(({ database }) => {
  t = database;
  engine = createEngine({ store: new PostgresEventStore(database.db), clock, rules: TIMER_RULES });
});
afterAll(async () => {
  for (const pool of pools) await pool.destroy();
});

/**
 * The timers' mechanics do not depend on the rule table: one line (the county to the city), a phone
 * report 30 min and a 初报 60 min after 接报, whatever the severity.
 */
const TIMER_RULES = ruleBookOf([], {
  ...DEFAULT_PLAN_RULES,
  reporting: DEFAULT_PLAN_RULES.reporting.map((rule) => ({ ...rule, phoneMinutes: rule.phoneMinutes === null ? null : 30, writtenMinutes: rule.phoneMinutes === null ? 360 : 60, reportsReach: 'city' as const })),
});
const PHONE = `${COUNTY}/phone`;
const INITIAL = `${COUNTY}/initial`;

/** A timers process of its own: its own pool, its own engine, the shared clock. */
function timersProcess(batchSize: number): Timers {
  const db = connect({ connectionString: t.url, maxConnections: 3, applicationName: 'test-timers' });
  pools.push(db);
  return startTimers({ db, engine: createEngine({ store: new PostgresEventStore(db), clock, rules: TIMER_RULES }), clock, batchSize, autoStart: false });
}

async function confirmedIncident(id: string, severity = 'III', confirmedAt = at(0)): Promise<void> {
  const send = (type: string, data: Record<string, unknown>, occurredAt?: Date) =>
    engine.handle({ streamType: 'incident', streamId: id, type, data, actor: COUNTY_DUTY, ...(occurredAt ? { occurredAt: occurredAt.toISOString() } : {}) });
  // It happened no later than it was confirmed: no command may claim a time before the incident's record.
  // 接报 at the confirmation time, so the deadlines run from there.
  await send('ReportIncident', { title: `Flooding ${id}`, leadJurisdiction: COUNTY, category: 'natural_disaster', receivedAt: confirmedAt.toISOString() }, confirmedAt);
  await send('BeginVerification', {});
  await send('ConfirmIncident', { severity }, confirmedAt);
}

async function overdueEvents(prefix: string) {
  const { rows } = await sql<{ stream_id: string; key: string; command_id: string; rooms: string[] }>`
    select stream_id, data->>'key' as key, meta->>'commandId' as command_id, rooms from event
    where type = 'ReportOverdue' and stream_id like ${`report:${prefix}%`} order by stream_id, key`.execute(t.db);
  return rows;
}

describe('timers: deadlines are rows, fired through the engine', () => {
  it('confirming an incident writes its deadlines in the same transaction; filing a report cancels its own', async () => {
    now = at(1).getTime();
    await confirmedIncident('rows-1');
    const rows = await listDeadlines(t.db, { incidentId: 'rows-1' });
    expect(rows.map((r) => [r.key, r.dueAt, r.outcome])).toStrictEqual([
      [PHONE, at(30).toISOString(), null],
      [INITIAL, at(60).toISOString(), null],
    ]);
    await engine.handle({ streamType: 'report', streamId: reportStreamId('rows-1'), type: 'RecordPhoneReport', data: { recipient: 'city', summary: 's' }, actor: COUNTY_DUTY });
    expect((await listDeadlines(t.db, { incidentId: 'rows-1' })).map((r) => [r.key, r.outcome])).toStrictEqual([
      [PHONE, 'cancelled'],
      [INITIAL, null],
    ]);
  });

  it('with three timers running at once, every due deadline fires exactly once', async () => {
    now = at(1).getTime();
    const incidents = Array.from({ length: 30 }, (_, i) => `three-${i}`);
    for (const id of incidents) await confirmedIncident(id);
    // A third of them met the phone deadline: those rows must not fire.
    for (const id of incidents.slice(0, 10)) {
      await engine.handle({ streamType: 'report', streamId: reportStreamId(id), type: 'RecordPhoneReport', data: { recipient: 'city', summary: 's' }, actor: COUNTY_DUTY });
    }
    const due = (await listDeadlines(t.db)).filter((d) => d.incidentId.startsWith('three-') && d.outcome === null);
    expect(due).toHaveLength(50);

    now = at(120).getTime();
    // Everything due now, this test's 50 and whatever earlier tests left pending.
    const allDue = (await listDeadlines(t.db)).filter((d) => d.outcome === null && Date.parse(d.dueAt) <= now);
    const timers = [timersProcess(3), timersProcess(3), timersProcess(3)];
    // Each keeps scanning until a scan finds nothing it can claim; together they drain the table.
    const drain = async (timer: Timers) => {
      for (let i = 0; i < 100; i++) if ((await timer.tick()).claimed === 0) return;
    };
    await Promise.all(timers.map(drain));
    await Promise.all(timers.map(drain));

    const fired = timers.map((timer) => timer.stats().fired);
    expect(fired.reduce((a, b) => a + b, 0)).toBe(allDue.length);
    // Not one process doing all the work: the claims really competed.
    expect(fired.filter((n) => n > 0).length).toBeGreaterThan(1);

    const after = (await listDeadlines(t.db)).filter((d) => d.incidentId.startsWith('three-'));
    expect(after.filter((d) => d.outcome === 'fired')).toHaveLength(50);
    expect(after.filter((d) => d.outcome === null)).toHaveLength(0);
    expect(after.filter((d) => d.key === PHONE && d.outcome === 'cancelled')).toHaveLength(10);

    const events = await overdueEvents('three-');
    expect(events).toHaveLength(50);
    expect(new Set(events.map((e) => `${e.stream_id}/${e.key}`)).size).toBe(50);
    // One command per fired row, with the id derived from the row.
    const firedIds = new Set(after.filter((d) => d.outcome === 'fired').map((d) => deadlineCommandId(d.deadlineId)));
    expect(new Set(events.map((e) => e.command_id))).toStrictEqual(firedIds);
    const { rows: commands } = await sql<{ n: number }>`select count(*)::int as n from command where command_id like 'deadline-%' and stream_id like 'report:three-%' and command_key like 'sys/timers/%'`.execute(t.db);
    expect(commands[0]?.n).toBe(50);
    expect(events.filter((e) => e.key === PHONE)).toHaveLength(20);
  });

  it('a deadline not yet due does not fire; it fires once its time comes', async () => {
    now = at(0).getTime();
    await confirmedIncident('later-1');
    const timer = timersProcess(10);
    now = at(29).getTime();
    expect((await timer.tick()).fired).toBe(0);
    now = at(30).getTime();
    expect(await timer.tick()).toMatchObject({ claimed: 1, fired: 1 });
    expect((await overdueEvents('later-1')).map((e) => e.key)).toStrictEqual([PHONE]);
    now = at(61).getTime();
    expect(await timer.tick()).toMatchObject({ claimed: 1, fired: 1 });
    expect((await overdueEvents('later-1')).map((e) => e.key)).toStrictEqual([INITIAL, PHONE]);
  });

  it('a met obligation’s deadline never fires, even when its cancellation lost a race with the claim', async () => {
    now = at(0).getTime();
    await confirmedIncident('met-1');
    await engine.handle({ streamType: 'report', streamId: reportStreamId('met-1'), type: 'RecordPhoneReport', data: { recipient: 'city', summary: 's' }, actor: COUNTY_DUTY });
    // As if the timers had claimed the phone row just before the filing committed: the row is still pending.
    await t.db.updateTable('deadline').set({ cancelled_at: null, outcome: null }).where('incident_id', '=', 'met-1').where('key', '=', PHONE).execute();
    now = at(45).getTime();
    const batch = await timersProcess(10).tick();
    expect(batch).toMatchObject({ claimed: 1, fired: 0, obsolete: 1 });
    expect(await overdueEvents('met-1')).toStrictEqual([]);
    expect((await listDeadlines(t.db, { incidentId: 'met-1' })).find((d) => d.key === PHONE)?.outcome).toBe('obsolete');
  });

  it('a report filed while its deadline is being fired: no deadlock, and never overdue after it was filed', async () => {
    const timer = timersProcess(5);
    for (let round = 0; round < 8; round++) {
      const id = `race-${round}`;
      now = at(0).getTime();
      await confirmedIncident(id);
      now = at(31).getTime();
      await Promise.all([
        timer.tick(),
        engine.handle({ streamType: 'report', streamId: reportStreamId(id), type: 'RecordPhoneReport', data: { recipient: 'city', summary: 's' }, actor: COUNTY_DUTY }),
      ]);
      const phone = (await listDeadlines(t.db, { incidentId: id })).find((d) => d.key === PHONE);
      expect(['fired', 'obsolete', 'cancelled']).toContain(phone?.outcome);
      const events = await t.db.selectFrom('event').select(['type', 'version']).where('stream_id', '=', reportStreamId(id)).orderBy('version').execute();
      const overdue = events.filter((e) => e.type === 'ReportOverdue');
      const filed = events.find((e) => e.type === 'PhoneReportRecorded');
      expect(overdue.length).toBeLessThanOrEqual(1);
      expect(overdue.length === 1).toBe(phone?.outcome === 'fired');
      // Overdue only if the deadline fired before the report was filed.
      if (overdue[0] && filed) expect(overdue[0].version).toBeLessThan(filed.version);
    }
  });

  it('closing an incident cancels its pending deadlines: they never fire', async () => {
    now = at(0).getTime();
    await confirmedIncident('closed-1');
    // A level III incident under the county's own level IV response: III is the city's to activate.
    for (const [type, data] of closingSteps('IV')) {
      await engine.handle({ streamType: 'incident', streamId: 'closed-1', type, data, actor: COUNTY_DUTY });
    }
    const rows = await listDeadlines(t.db, { incidentId: 'closed-1' });
    expect(rows.length).toBeGreaterThanOrEqual(2);
    expect(rows.every((r) => r.outcome === 'cancelled')).toBe(true);
    now = at(30 * 24 * 60).getTime();
    await timersProcess(10).tick();
    expect(await overdueEvents('closed-1')).toStrictEqual([]);
    expect((await listDeadlines(t.db, { incidentId: 'closed-1' })).every((r) => r.outcome === 'cancelled')).toBe(true);
  });

  it('a firing repeated after a crash (command committed, row not marked) is absorbed: one event', async () => {
    now = at(0).getTime();
    await confirmedIncident('crash-1');
    const phone = (await listDeadlines(t.db, { incidentId: 'crash-1' })).find((d) => d.key === PHONE);
    if (!phone) throw new Error('no phone deadline');
    now = at(31).getTime();
    // What a timers process that died right after its command committed had done.
    await engine.handle({
      streamType: 'report',
      streamId: reportStreamId('crash-1'),
      type: 'DeadlinePassed',
      data: { key: PHONE, dueAt: phone.dueAt },
      actor: { userId: 'muster-timers', roles: ['admin'], jurisdiction: COUNTY },
      system: 'timers',
      commandId: deadlineCommandId(phone.deadlineId),
      occurredAt: phone.dueAt,
    });
    expect(await timersProcess(10).tick()).toMatchObject({ claimed: 1, fired: 1 });
    expect(await overdueEvents('crash-1')).toHaveLength(1);
  });

  it('an overdue report escalates: its event goes to the room above, even for a level IV incident the city does not follow', async () => {
    now = at(0).getTime();
    await confirmedIncident('escalate-1', 'IV');
    now = at(361).getTime();
    await timersProcess(10).tick();
    const [overdue] = await overdueEvents('escalate-1');
    expect(overdue).toMatchObject({ key: INITIAL });
    expect(overdue?.rooms).toContain(CITY);
    expect(overdue?.rooms).toContain(COUNTY);
    const incident = await engine.load('incident', 'escalate-1');
    expect(incident.state.context['linkedJurisdictions']).toStrictEqual([]);
    const report: ReportContext = (await engine.load('report', reportStreamId('escalate-1'))).state.context;
    expect(report.items.find((i) => i.id === INITIAL)?.overdueAt).toBe(at(361).toISOString());
    // What the gateway reads for a console subscribed to the city room (rooms filter of the global log).
    // The log is read below the snapshot horizon, which a transaction open elsewhere in the cluster may hold back a moment.
    const cityFeed = async () => (await readGlobalLog(t.db, '0.0', 10_000, { rooms: [CITY], match: 'any' })).filter((e) => e.meta.incidentId === 'escalate-1');
    const until = Date.now() + 30_000;
    while ((await cityFeed()).length < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    const escalated = await cityFeed();
    expect(escalated.map((e) => e.type)).toStrictEqual(['ReportObligationOpened', 'ReportOverdue']);
    expect(escalated[1]?.data).toMatchObject({ key: INITIAL, kind: 'initial', jurisdiction: COUNTY, upperJurisdiction: CITY });
  });
});

describe('timers: deadline command ids are out of the clients\' reach (issue 14)', () => {
  it('a squatted deadline command id does not stop the deadline firing', async () => {
    now = at(0).getTime();
    await confirmedIncident('squat-1');
    // The deadline's id is no secret: the county's own reports view lists its deadlines.
    const phone = (await listDeadlines(t.db, { incidentId: 'squat-1' })).find((d) => d.key === PHONE);
    if (!phone) throw new Error('no phone deadline');
    const squatted = deadlineCommandId(phone.deadlineId);
    now = at(5).getTime();
    // The county pre-claims the id the timers will fire with: on its incident, and on the report stream itself.
    const claimed = await engine.handle({
      streamType: 'incident',
      streamId: 'squat-1',
      type: 'UpdateIncidentDetails',
      data: { description: 'nothing to see' },
      actor: COUNTY_DUTY,
      commandId: squatted,
    });
    await expect(
      engine.handle({ streamType: 'report', streamId: reportStreamId('squat-1'), type: 'DeadlinePassed', data: { key: PHONE, dueAt: phone.dueAt }, actor: COUNTY_DUTY, commandId: squatted }),
    ).rejects.toBeInstanceOf(ForbiddenError);

    now = at(31).getTime();
    await timersProcess(10).tick();
    expect((await listDeadlines(t.db, { incidentId: 'squat-1' })).find((d) => d.key === PHONE)?.outcome).toBe('fired');
    // The overdue report is recorded, under the id the timers fired with, and the county's own command stands beside it.
    const overdue = await overdueEvents('squat-1');
    expect(overdue.map((e) => [e.key, e.command_id])).toStrictEqual([[PHONE, squatted]]);
    const report: ReportContext = (await engine.load('report', reportStreamId('squat-1'))).state.context;
    expect(report.items.find((i) => i.id === PHONE)?.overdueAt).toBe(at(31).toISOString());
    const updated = await t.db.selectFrom('event').select(['event_id', 'type']).where('stream_id', '=', 'squat-1').where(sql<boolean>`meta->>'commandId' = ${squatted}`).execute();
    expect(updated).toStrictEqual([{ event_id: claimed.events[0]?.eventId, type: 'IncidentDetailsUpdated' }]);
    const { rows: keys } = await sql<{ command_key: string }>`select command_key from command where command_id = ${squatted} order by command_key`.execute(t.db);
    expect(keys.map((k) => k.command_key)).toStrictEqual([`sys/timers/${reportStreamId('squat-1')}/${squatted}`, `u/${COUNTY_DUTY.userId}/squat-1/${squatted}`]);
  });

  it('a client token with sub muster-timers and role admin cannot fire DeadlinePassed', async () => {
    now = at(0).getTime();
    await confirmedIncident('forged-1');
    const phone = (await listDeadlines(t.db, { incidentId: 'forged-1' })).find((d) => d.key === PHONE);
    if (!phone) throw new Error('no phone deadline');
    now = at(31).getTime();
    // What the api builds from such a token: the timers' user id and role, but never the system caller.
    const forged: Actor = { userId: TIMERS_USER_ID, roles: ['admin'], jurisdiction: COUNTY };
    await expect(
      engine.handle({ streamType: 'report', streamId: reportStreamId('forged-1'), type: 'DeadlinePassed', data: { key: PHONE, dueAt: phone.dueAt }, actor: forged, commandId: 'forged' }),
    ).rejects.toBeInstanceOf(ForbiddenError);
    expect(await overdueEvents('forged-1')).toStrictEqual([]);
    // The real timers still fire it.
    await timersProcess(10).tick();
    expect((await overdueEvents('forged-1')).map((e) => e.key)).toStrictEqual([PHONE]);
  });
});
