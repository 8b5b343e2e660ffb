import { ForbiddenError, IllegalTransitionError, NotFoundError } from '@muster/contracts';
import { DEFAULT_PLAN_RULES, ruleBookOf, type Actor, type ReportContext, type RuleBook } from '@muster/domain';
import { describe, expect, it } from 'vitest';
import { reportStreamId } from './aggregates';
import { timersActor } from './authorization';
import { createEngine, type Engine } from './engine';
import { InMemoryEventStore } from './in-memory-event-store';

const COUNTY = '441203';
const CITY = '441200';
const actor = (userId: string, roles: Actor['roles'], jurisdiction: string): Actor => ({ userId, roles, jurisdiction });
const COUNTY_DUTY = actor('duty-dinghu', ['duty_officer'], COUNTY);
const CITY_DUTY = actor('duty-city', ['duty_officer'], CITY);
const OTHER_COUNTY = actor('duty-gaoyao', ['duty_officer'], '441204');
const T0 = Date.UTC(2026, 6, 1, 6, 0, 0);
const at = (minute: number) => new Date(T0 + minute * 60_000).toISOString();

function world(rules?: RuleBook) {
  const store = new InMemoryEventStore();
  let now = T0;
  let n = 0;
  const engine: Engine = createEngine({
    store,
    clock: { now: () => new Date(now) },
    ids: { newId: () => `id-${++n}` },
    ...(rules ? { rules } : {}),
  });
  const incident = (type: string, data: Record<string, unknown> = {}, by: Actor = COUNTY_DUTY, occurredAt?: string) =>
    engine.handle({ streamType: 'incident', streamId: 'inc-1', type, data, actor: by, ...(occurredAt ? { occurredAt } : {}) });
  const report = (type: string, data: Record<string, unknown>, by: Actor = COUNTY_DUTY, system?: 'timers') =>
    engine.handle({ streamType: 'report', streamId: reportStreamId('inc-1'), type, data, actor: by, ...(system ? { system } : {}) });
  return {
    store,
    engine,
    incident,
    report,
    at: (minute: number) => {
      now = T0 + minute * 60_000;
    },
    async confirmed(severity = 'III') {
      // It happened no later than it was confirmed (a command may not claim a time before the incident's record).
      await incident('ReportIncident', { title: 'Embankment breach', leadJurisdiction: COUNTY, category: 'natural_disaster' }, COUNTY_DUTY, at(0));
      await incident('BeginVerification');
      return incident('ConfirmIncident', { severity }, COUNTY_DUTY, at(0));
    },
    async obligation(): Promise<ReportContext> {
      return (await engine.load('report', reportStreamId('inc-1'))).state.context;
    },
  };
}

describe('engine: confirming an incident opens its report obligation in the same write', () => {
  it('one append carries IncidentConfirmed and ReportObligationOpened, with the deadlines of the rule table', async () => {
    const w = world();
    w.at(3);
    const result = await w.confirmed('III');
    // The incident stream's own events (the city room may be linked too); the report stream is another write.
    expect(result.events.map((e) => e.type)).toContain('IncidentConfirmed');
    expect(result.events.every((e) => !e.type.startsWith('Report'))).toBe(true);
    const opened = w.store.log.filter((e) => e.streamId === reportStreamId('inc-1'));
    expect(opened.map((e) => e.type)).toStrictEqual(['ReportObligationOpened']);
    // The reaction's command id derives from the confirming command's: a retry re-derives it.
    const confirm = w.store.log.find((e) => e.type === 'IncidentConfirmed');
    expect(opened[0]?.meta.commandId).toBe(`${confirm?.meta.commandId}.1`);
    // The clock runs from 接报 (the report at minute 3); the city passes the reports on to the province.
    expect((await w.obligation()).items.map((i) => [i.id, i.dueAt])).toStrictEqual([
      [`${COUNTY}/phone`, at(33)],
      [`${COUNTY}/initial`, at(63)],
      [`${CITY}/phone`, at(33)],
      [`${CITY}/initial`, at(183)],
    ]);
    const schedule = w.store.effects.filter((e) => e.kind === 'scheduleDeadline');
    expect(schedule).toStrictEqual([
      {
        kind: 'scheduleDeadline',
        deadline: {
          streamType: 'report',
          streamId: 'report:inc-1',
          incidentId: 'inc-1',
          jurisdiction: COUNTY,
          key: `${COUNTY}/phone`,
          dueAt: at(33),
          command: { type: 'DeadlinePassed', data: { key: `${COUNTY}/phone`, dueAt: at(33) } },
        },
      },
      expect.objectContaining({ deadline: expect.objectContaining({ key: `${COUNTY}/initial`, dueAt: at(63), jurisdiction: COUNTY }) }),
      expect.objectContaining({ deadline: expect.objectContaining({ key: `${CITY}/phone`, dueAt: at(33), jurisdiction: CITY }) }),
      expect.objectContaining({ deadline: expect.objectContaining({ key: `${CITY}/initial`, dueAt: at(183), jurisdiction: CITY }) }),
    ]);
  });

  it('report events go to the incident rooms and the room above, even for a level IV incident the city does not follow', async () => {
    const w = world();
    await w.confirmed('IV');
    const opened = w.store.log.find((e) => e.type === 'ReportObligationOpened');
    const confirmed = w.store.log.find((e) => e.type === 'IncidentConfirmed');
    expect(confirmed?.meta.rooms).toStrictEqual([COUNTY]);
    expect(opened?.meta.rooms).toStrictEqual([COUNTY, CITY]);
    expect(opened?.meta).toMatchObject({ jurisdiction: COUNTY, incidentId: 'inc-1' });
  });

  it('the rules are configuration: a county’s own rules give other deadlines there, and only there', async () => {
    const strict = ruleBookOf([
      {
        jurisdiction: COUNTY,
        version: 'test',
        reporting: [
          {
            id: 'strict',
            severities: ['I', 'II', 'III', 'IV'],
            phoneMinutes: 15,
            writtenMinutes: 35,
            relayPhoneMinutes: null,
            relayWrittenMinutes: null,
            followUp: null,
            finalWithinMinutes: null,
            correctionWithinMinutes: null,
            reportsReach: 'city',
            source: 'unsourced: test',
          },
        ],
      },
    ]);
    const w = world(strict);
    await w.confirmed('IV');
    expect((await w.obligation()).items.map((i) => [i.key, i.dueAt])).toStrictEqual([
      ['phone', at(15)],
      ['initial', at(35)],
    ]);
    expect((await w.obligation()).terms?.rule).toBe('strict');
    expect(DEFAULT_PLAN_RULES.reporting.some((r) => r.id === 'strict')).toBe(false);
  });

  it('reclassifying after confirmation moves the deadlines; before confirmation nothing is opened', async () => {
    const w = world();
    await w.incident('ReportIncident', { title: 'Landslide', leadJurisdiction: COUNTY });
    await w.incident('ClassifyIncident', { category: 'natural_disaster', severity: 'IV' });
    expect(w.store.log.some((e) => e.streamId === reportStreamId('inc-1'))).toBe(false);
    await w.incident('BeginVerification');
    await w.incident('ConfirmIncident', {}, COUNTY_DUTY, at(0));
    expect((await w.obligation()).items.map((i) => i.id)).toStrictEqual([`${COUNTY}/initial`]);
    await w.incident('ClassifyIncident', { category: 'natural_disaster', severity: 'III' });
    // III reaches the province: the city's line opens, its clock from the moment it began to owe.
    expect((await w.obligation()).items.map((i) => [i.id, i.dueAt])).toStrictEqual([
      [`${COUNTY}/initial`, at(60)],
      [`${COUNTY}/phone`, at(30)],
      [`${CITY}/phone`, at(30)],
      [`${CITY}/initial`, at(180)],
    ]);
    expect(w.store.log.filter((e) => e.streamId === reportStreamId('inc-1')).map((e) => e.type)).toStrictEqual([
      'ReportObligationOpened',
      'ReportObligationAdjusted',
    ]);
  });

  it('lifting the response makes the 终报 due', async () => {
    const w = world();
    await w.confirmed('III');
    await w.report('SubmitInitialReport', {
      content: {
        receivedAt: at(0),
        source: 'informant',
        occurredAt: at(-10),
        place: 'Shakeng',
        nature: 'breach',
        scope: 'two villages',
        losses: {},
        trend: 'stable',
        leadersOnSite: 'deputy head',
        measures: 'evacuated',
      },
      signedBy: 'Li',
    });
    await w.incident('BeginInitialHandling', { measures: 'sandbags' });
    // a level III response is the city's to activate (the county leads on)
    await w.incident('ActivateResponse', { level: 'III', measures: 'pumps' }, CITY_DUTY);
    await w.incident('DeclareControlled');
    w.at(100);
    await w.incident('LiftResponse', {}, COUNTY_DUTY, at(100));
    const report = await w.engine.load('report', reportStreamId('inc-1'));
    expect(report.state.value).toBe('lifted');
    expect(report.state.context.items.find((i) => i.id === `${COUNTY}/final`)?.dueAt).toBe(at(100 + 7 * 24 * 60));
  });

  it('closing or dismissing an incident cancels every deadline under it', async () => {
    const w = world();
    await w.incident('ReportIncident', { title: 'Rumour', leadJurisdiction: COUNTY });
    await w.incident('DismissIncident', { reason: 'false alarm' });
    expect(w.store.effects).toStrictEqual([{ kind: 'cancelDeadlines', incidentId: 'inc-1' }]);
  });
});

describe('engine: who may file, receive and fire reports', () => {
  it('the lead room files; the room above acknowledges (it files only its own line); another county may do neither', async () => {
    const w = world();
    await w.confirmed('III');
    const phone = { recipient: 'city duty room', summary: 'breach' };
    // The city files its own phone report to the province (III reaches it), never the county's.
    await w.report('RecordPhoneReport', phone, CITY_DUTY);
    expect((await w.obligation()).items.find((i) => i.id === `${COUNTY}/phone`)?.submittedAt).toBeNull();
    await expect(w.report('RecordPhoneReport', phone, actor('duty-huaiji', ['responder'], COUNTY))).rejects.toBeInstanceOf(ForbiddenError);
    // Another county cannot see the incident: for it, the incident does not exist (issue 14).
    await expect(w.report('RecordPhoneReport', phone, OTHER_COUNTY)).rejects.toBeInstanceOf(NotFoundError);
    await w.report('RecordPhoneReport', phone, COUNTY_DUTY);
    await expect(w.report('AcknowledgeReport', { key: 'phone' }, COUNTY_DUTY)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(w.report('AcknowledgeReport', { key: 'phone' }, OTHER_COUNTY)).rejects.toBeInstanceOf(NotFoundError);
    await w.report('AcknowledgeReport', { key: 'phone' }, CITY_DUTY);
    expect((await w.obligation()).items.find((i) => i.id === `${COUNTY}/phone`)).toMatchObject({ receivedBy: 'duty-city' });
    // The city cannot acknowledge the report it filed itself; the province receives it.
    await expect(w.report('AcknowledgeReport', { key: 'phone', from: CITY }, CITY_DUTY)).rejects.toBeInstanceOf(ForbiddenError);
    await w.report('AcknowledgeReport', { key: 'phone', from: CITY }, actor('duty-gd', ['duty_officer'], '440000'));
  });

  it('only the timers service sends DeadlinePassed; nobody sends the engine’s own commands', async () => {
    const w = world();
    await w.confirmed('III');
    const phone = { key: `${COUNTY}/phone`, dueAt: at(30) };
    await expect(w.report('DeadlinePassed', phone, COUNTY_DUTY)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(w.report('DeadlinePassed', phone, actor('someone', ['admin'], CITY))).rejects.toBeInstanceOf(ForbiddenError);
    // A token whose subject is the timers' user id, with role admin, is still not the timers process.
    await expect(w.report('DeadlinePassed', phone, timersActor(COUNTY))).rejects.toBeInstanceOf(ForbiddenError);
    await expect(w.report('DeadlinePassed', phone, COUNTY_DUTY, 'timers')).rejects.toBeInstanceOf(ForbiddenError);
    await expect(w.report('RechargeReportObligation', { lead: CITY, chain: [{ from: CITY, to: '440000', role: 'lead' }], reason: 'x' }, CITY_DUTY)).rejects.toBeInstanceOf(ForbiddenError);
    w.at(31);
    const result = await w.report('DeadlinePassed', phone, timersActor(COUNTY), 'timers');
    expect(result.events.map((e) => e.type)).toStrictEqual(['ReportOverdue']);
  });

  it('a deadline of a closed incident is refused; a report for an unconfirmed incident does not exist', async () => {
    const w = world();
    await w.confirmed('III');
    for (const [type, data, by] of [
      ['BeginInitialHandling', { measures: 'm' }, COUNTY_DUTY],
      // a level III response is the city's to activate (the county leads on)
      ['ActivateResponse', { level: 'III', measures: 'm' }, CITY_DUTY],
      ['DeclareControlled', {}, COUNTY_DUTY],
      ['LiftResponse', {}, COUNTY_DUTY],
      ['BeginRecovery', {}, COUNTY_DUTY],
      ['BeginReview', {}, COUNTY_DUTY],
      ['CloseIncident', { summary: 'done' }, COUNTY_DUTY],
    ] as const) {
      await w.incident(type, data, by);
    }
    expect(w.store.effects.at(-1)).toStrictEqual({ kind: 'cancelDeadlines', incidentId: 'inc-1' });
    await expect(w.report('DeadlinePassed', { key: `${COUNTY}/phone`, dueAt: at(30) }, timersActor(COUNTY), 'timers')).rejects.toBeInstanceOf(IllegalTransitionError);
    await w.engine.handle({ streamType: 'incident', streamId: 'inc-2', type: 'ReportIncident', data: { title: 'x', leadJurisdiction: COUNTY }, actor: COUNTY_DUTY });
    await expect(
      w.engine.handle({ streamType: 'report', streamId: reportStreamId('inc-2'), type: 'RecordPhoneReport', data: { recipient: 'c', summary: 's' }, actor: COUNTY_DUTY }),
    ).rejects.toBeInstanceOf(NotFoundError);
  });

  it('filing a report cancels its own deadline in the same write and keeps the others', async () => {
    const w = world();
    await w.confirmed('III');
    const before = w.store.effects.length;
    await w.report('RecordPhoneReport', { recipient: 'city', summary: 's' });
    expect(w.store.effects.slice(before)).toStrictEqual([
      {
        kind: 'cancelDeadlines',
        incidentId: 'inc-1',
        streamId: 'report:inc-1',
        keep: [
          { key: `${COUNTY}/initial`, dueAt: at(60) },
          { key: `${CITY}/phone`, dueAt: at(30) },
          { key: `${CITY}/initial`, dueAt: at(180) },
        ],
      },
      expect.objectContaining({ kind: 'scheduleDeadline', deadline: expect.objectContaining({ key: `${COUNTY}/initial` }) }),
      expect.objectContaining({ kind: 'scheduleDeadline', deadline: expect.objectContaining({ key: `${CITY}/phone` }) }),
      expect.objectContaining({ kind: 'scheduleDeadline', deadline: expect.objectContaining({ key: `${CITY}/initial` }) }),
    ]);
  });
});
