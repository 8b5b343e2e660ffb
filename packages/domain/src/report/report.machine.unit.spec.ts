import { describe, expect, it } from 'vitest';
import { decide, initialState, replay, type PersistedState, type ReplayableEvent } from '../aggregate';
import type { Actor } from '../shared';
import { DEFAULT_PLAN_RULES, reportingRuleFor, type ReportingRule } from '../rules/plan-rules';
import { pendingDeadlines, reportAggregate } from './report.machine';
import { minutesLate } from './report.schedule';
import { followUpTitle, type ChainLink, type ReportCommand, type ReportContext, type InitialReportContent, type ReportTerms } from './report.types';

const T0 = Date.UTC(2026, 6, 1, 6, 0, 0);
const at = (minute: number): string => new Date(T0 + minute * 60_000).toISOString();
const LEAD: Actor = { userId: 'duty-dinghu', roles: ['duty_officer'], jurisdiction: '441203' };
const UPPER: Actor = { userId: 'duty-city', roles: ['duty_officer'], jurisdiction: '441200' };
const PROVINCE: Actor = { userId: 'duty-gd', roles: ['duty_officer'], jurisdiction: '440000' };
const TIMERS: Actor = { userId: 'muster-timers', roles: ['admin'], jurisdiction: '441203' };

const CONTENT: InitialReportContent = {
  receivedAt: at(-5),
  source: 'village informant by phone',
  occurredAt: at(-20),
  place: 'Shakeng embankment, Dinghu',
  nature: 'embankment breach',
  scope: 'two villages, 300 residents',
  losses: { dead: 0, injured: 2, missing: 1 },
  trend: 'water still rising',
  leadersOnSite: 'deputy district head on site 14:20',
  measures: 'evacuation under way, sandbags',
  requests: 'two pumps',
};

type Body = { [K in ReportCommand['type']]: Omit<Extract<ReportCommand, { type: K }>, 'meta'> }[ReportCommand['type']];

/** Drives the machine like the engine does, keeping the stored events for a replay check. */
function obligation() {
  let state: PersistedState = initialState(reportAggregate);
  const events: ReplayableEvent[] = [];
  let n = 0;
  const send = (body: Body, minute: number, by: Actor = LEAD, occurredMinute = minute) => {
    n += 1;
    const meta = { commandId: `c-${n}`, actor: by, now: at(minute), occurredAt: at(occurredMinute) };
    const decision = decide(reportAggregate, state, { ...body, meta });
    if (decision.ok) {
      state = decision.state;
      for (const e of decision.events) events.push({ type: e.type, data: e.data, meta: { commandId: meta.commandId, actor: by, occurredAt: meta.occurredAt, recordedAt: meta.now } });
    }
    return decision;
  };
  const ok = (body: Body, minute: number, by: Actor = LEAD, occurredMinute = minute) => {
    const decision = send(body, minute, by, occurredMinute);
    if (!decision.ok) throw new Error(`${body.type} refused in ${decision.state}; allowed ${decision.allowed.join(', ')}`);
    return decision.events;
  };
  return {
    send,
    ok,
    events,
    get value() {
      return state.value;
    },
    get context() {
      // A test shortcut: these states come from decide() on this very machine, so their context is its context.
      return state.context as ReportContext;
    },
    get state() {
      return state;
    },
  };
}

/** Terms as the engine records them from the default rules (no 补报 window unless given). */
function termsFor(severity: 'I' | 'II' | 'III' | 'IV', extra: Partial<ReportTerms> = {}): ReportTerms {
  const rule = reportingRuleFor(DEFAULT_PLAN_RULES, severity, 'natural_disaster') as ReportingRule;
  return {
    rule: rule.id,
    phoneMinutes: rule.phoneMinutes,
    writtenMinutes: rule.writtenMinutes,
    relayPhoneMinutes: rule.relayPhoneMinutes,
    relayWrittenMinutes: rule.relayWrittenMinutes,
    followUp: rule.followUp,
    finalWithinMinutes: rule.finalWithinMinutes,
    correctionWithinMinutes: rule.correctionWithinMinutes,
    supplementaryWindowDays: null,
    supplementaryRule: null,
    ...extra,
  };
}

const COUNTY_TO_CITY: ChainLink = { from: '441203', to: '441200', role: 'lead' };
const CITY_TO_PROVINCE: ChainLink = { from: '441200', to: '440000', role: 'relay' };
const CITY_LEADS: ChainLink = { from: '441200', to: '440000', role: 'lead' };

/** Opened at minute 0 (confirmation) for an incident first received (接报) at minute -10. */
function opened(severity: 'I' | 'II' | 'III' | 'IV' = 'III', extra: Partial<ReportTerms> = {}, occurredMinute = -20) {
  const o = obligation();
  o.ok(
    {
      type: 'OpenReportObligation',
      incidentId: 'inc-1',
      severity,
      category: 'natural_disaster',
      subtype: null,
      receivedAt: at(-10),
      occurredAt: at(occurredMinute),
      confirmedAt: at(0),
      lead: '441203',
      chain: severity === 'IV' ? [COUNTY_TO_CITY] : [COUNTY_TO_CITY, CITY_TO_PROVINCE],
      exercise: false,
      terms: termsFor(severity, extra),
    },
    0,
  );
  return o;
}

const written = { type: 'SubmitInitialReport', content: CONTENT, signedBy: 'Director Li' } as const;
const followUp = { type: 'SubmitFollowUpReport', progress: 'breach closed to 5 m', signedBy: 'Director Li' } as const;
const item = (o: ReturnType<typeof obligation>, id: string) => o.context.items.find((i) => i.id === id);

describe('report obligation: opening, with the clock from 接报', () => {
  it('level III: the county owes phone 30 min and 初报 60 min after 接报; the city passes them to the province within 30 min and 3 h', () => {
    const o = opened('III');
    expect(o.value).toBe('open');
    expect(pendingDeadlines(o.context)).toStrictEqual([
      { key: '441203/phone', dueAt: at(20), from: '441203' },
      { key: '441203/initial', dueAt: at(50), from: '441203' },
      { key: '441200/phone', dueAt: at(20), from: '441200' },
      { key: '441200/initial', dueAt: at(170), from: '441200' },
    ]);
    expect(item(o, '441200/initial')).toMatchObject({ from: '441200', to: '440000' });
  });

  it('levels I and II: phone within 15 min and 初报 within 30 min of 接报 (reference §1.3), the city on to the province within 2 h', () => {
    for (const severity of ['I', 'II'] as const) {
      expect(pendingDeadlines(opened(severity).context)).toStrictEqual([
        { key: '441203/phone', dueAt: at(5), from: '441203' },
        { key: '441203/initial', dueAt: at(20), from: '441203' },
        { key: '441200/phone', dueAt: at(5), from: '441200' },
        { key: '441200/initial', dueAt: at(110), from: '441200' },
      ]);
    }
  });

  it('level IV: one line, no phone report on a clock, the 初报 within 6 h', () => {
    expect(pendingDeadlines(opened('IV').context)).toStrictEqual([{ key: '441203/initial', dueAt: at(350), from: '441203' }]);
  });

  it('a confirmation long after 接报 opens with the reports already due (they fall due when they fall due)', () => {
    const o = obligation();
    o.ok(
      {
        type: 'OpenReportObligation',
        incidentId: 'inc-1',
        severity: 'II',
        category: null,
        subtype: null,
        receivedAt: at(-60),
        occurredAt: null,
        confirmedAt: at(0),
        lead: '441203',
        chain: [COUNTY_TO_CITY],
        exercise: false,
        terms: termsFor('II'),
      },
      0,
    );
    expect(pendingDeadlines(o.context).map((d) => d.dueAt)).toStrictEqual([at(-45), at(-30)]);
  });

  it('nothing but the opening is accepted before it is open', () => {
    expect(obligation().send(written, 1)).toMatchObject({ ok: false, state: 'none', allowed: ['OpenReportObligation'] });
  });
});

describe('report obligation: filing', () => {
  it('a phone report is filed at the time of the call; a call claimed in the future when it was recorded', () => {
    const o = opened();
    const [event] = o.ok({ type: 'RecordPhoneReport', recipient: 'city duty room', summary: 'breach, 2 injured' }, 25, LEAD, 18);
    expect(event).toMatchObject({ type: 'PhoneReportRecorded', data: { id: '441203/phone', from: '441203', to: '441200', dueAt: at(20), submittedAt: at(18), minutesLate: 0 } });
    const city = o.ok({ type: 'RecordPhoneReport', recipient: 'province duty room', summary: 'breach' }, 30, UPPER, 90);
    expect(city[0]?.data).toMatchObject({ id: '441200/phone', submittedAt: at(30), minutesLate: 10 });
  });

  it('each room files its own line: the county its reports to the city, the city its reports to the province', () => {
    const o = opened();
    o.ok(written, 40);
    o.ok(written, 100, UPPER);
    expect(item(o, '441203/initial')).toMatchObject({ submittedAt: at(40), submittedBy: LEAD.userId, to: '441200' });
    expect(item(o, '441200/initial')).toMatchObject({ submittedAt: at(100), submittedBy: UPPER.userId, to: '440000' });
    // The province owes nobody here: it has no line.
    expect(o.send(written, 110, PROVINCE)).toMatchObject({ ok: false });
  });

  it('续报 fall due at the fixed daily times (08:00 and 17:00 China time) after the last written report', () => {
    // T0 is 14:00 in China: the 初报 at 14:40 makes 续报一 due at 17:00, 续报一 at 17:20 makes 续报二 due at 08:00 next day.
    const o = opened();
    o.ok(written, 40);
    expect(item(o, '441203/followUp-1')).toMatchObject({ dueAt: at(180), number: 1 });
    const [event] = o.ok(followUp, 200);
    expect(event?.data).toMatchObject({ id: '441203/followUp-1', title: followUpTitle(1), minutesLate: 20 });
    expect(item(o, '441203/followUp-2')?.dueAt).toBe(at(18 * 60));
  });

  it('a rule may instead ask for 续报 at an interval', () => {
    const o = opened('III', { followUp: { kind: 'interval', minutes: 240 } });
    o.ok(written, 40);
    expect(item(o, '441203/followUp-1')?.dueAt).toBe(at(280));
  });

  it('a 初报 is filed with what is known; the fields it leaves out are recorded for completeness', () => {
    const o = opened();
    const [event] = o.ok({ type: 'SubmitInitialReport', content: { occurredAt: at(-20), place: 'Shakeng', nature: 'breach' }, signedBy: 'Li' }, 40);
    expect(event?.data['missingFields']).toStrictEqual(['receivedAt', 'source', 'scope', 'losses', 'trend', 'leadersOnSite', 'measures']);
    o.ok(written, 45, UPPER);
    expect(item(o, '441200/initial')?.missingFields).toStrictEqual([]);
  });

  it('a report already filed is not filed twice; a 续报 comes only after the 初报', () => {
    const o = opened();
    expect(o.send(followUp, 10)).toMatchObject({ ok: false });
    o.ok(written, 40);
    expect(o.send(written, 41)).toMatchObject({ ok: false });
  });
});

describe('report obligation: deadlines', () => {
  it('the deadline held now makes a report overdue, once; a stale or repeated firing changes nothing', () => {
    const o = opened();
    expect(o.send({ type: 'DeadlinePassed', key: '441203/initial', dueAt: at(60) }, 60, TIMERS)).toMatchObject({ ok: false });
    const [event] = o.ok({ type: 'DeadlinePassed', key: '441203/initial', dueAt: at(50) }, 51, TIMERS);
    expect(event?.data).toMatchObject({ key: '441203/initial', reportKey: 'initial', jurisdiction: '441203', upperJurisdiction: '441200' });
    expect(o.send({ type: 'DeadlinePassed', key: '441203/initial', dueAt: at(50) }, 52, TIMERS)).toMatchObject({ ok: false });
    expect(pendingDeadlines(o.context).map((d) => d.key)).not.toContain('441203/initial');
  });
});

describe('report obligation: lead changes re-charge the reports (issue 16)', () => {
  it('raised after the 初报 fell due: the county keeps what fell due and may still file it; the city owes what falls due after', () => {
    const o = opened('III');
    o.ok({ type: 'RecordPhoneReport', recipient: 'city', summary: 'breach' }, 15);
    o.ok({ type: 'DeadlinePassed', key: '441203/initial', dueAt: at(50) }, 50, TIMERS);
    const [event] = o.ok({ type: 'RechargeReportObligation', lead: '441200', chain: [CITY_LEADS], reason: 'beyond the county' }, 70, UPPER);
    expect(event).toMatchObject({ type: 'ReportObligationRecharged', data: { formerLead: '441203', lead: '441200' } });
    expect(event?.data['changes']).toStrictEqual([{ key: 'initial', from: '441203', to: '441200', dueAt: at(50), outcome: 'kept' }]);
    // The city's own line (it passed the reports on) is now the lead's, due times unchanged.
    expect(o.context.lines).toMatchObject([{ from: '441200', to: '440000', role: 'lead' }]);
    expect(pendingDeadlines(o.context)).toStrictEqual([
      { key: '441200/phone', dueAt: at(20), from: '441200' },
      { key: '441200/initial', dueAt: at(170), from: '441200' },
    ]);
    // The county still files the 初报 it owes; its lateness is its own.
    const [filed] = o.ok(written, 80);
    expect(filed?.data).toMatchObject({ id: '441203/initial', from: '441203', to: '441200', minutesLate: 30 });
    // But nothing new: the county owes no 续报 any more.
    expect(o.send(followUp, 90)).toMatchObject({ ok: false });
    expect(replay(reportAggregate, o.events)).toStrictEqual(o.state);
  });

  it('what fell due stays with the room that owed it even when the timers have not yet marked it overdue', () => {
    const o = opened('IV');
    const [event] = o.ok({ type: 'RechargeReportObligation', lead: '441200', chain: [CITY_LEADS], reason: 'r' }, 400, UPPER);
    expect(event?.data['changes']).toStrictEqual([{ key: 'initial', from: '441203', to: '441200', dueAt: at(350), outcome: 'kept' }]);
    expect(pendingDeadlines(o.context)).toStrictEqual([{ key: '441203/initial', dueAt: at(350), from: '441203' }]);
  });

  it('raised before anything fell due (IV): the open 初报 moves to the city, owed to the province, due when it was due', () => {
    const o = opened('IV');
    const [event] = o.ok({ type: 'RechargeReportObligation', lead: '441200', chain: [CITY_LEADS], reason: 'r' }, 30, UPPER);
    expect(event?.data['changes']).toStrictEqual([
      { key: 'initial', from: '441203', to: '441200', dueAt: at(350), outcome: 'moved', id: '441200/initial', newTo: '440000' },
    ]);
    expect(pendingDeadlines(o.context)).toStrictEqual([{ key: '441200/initial', dueAt: at(350), from: '441200' }]);
    expect(o.send(written, 40)).toMatchObject({ ok: false });
    expect(o.send(written, 40, UPPER)).toMatchObject({ ok: true });
  });

  it('handed back: what the city still owes goes back to the county with its due time', () => {
    const o = opened('IV');
    o.ok({ type: 'RechargeReportObligation', lead: '441200', chain: [CITY_LEADS], reason: 'r' }, 30, UPPER);
    o.ok({ type: 'RechargeReportObligation', lead: '441203', chain: [COUNTY_TO_CITY], reason: 'back' }, 60, UPPER);
    expect(pendingDeadlines(o.context)).toStrictEqual([{ key: '441203/initial', dueAt: at(350), from: '441203' }]);
    expect(replay(reportAggregate, o.events)).toStrictEqual(o.state);
  });

  it('a chain unchanged is no re-charge', () => {
    expect(opened('III').send({ type: 'RechargeReportObligation', lead: '441203', chain: [COUNTY_TO_CITY, CITY_TO_PROVINCE], reason: 'x' }, 5, UPPER)).toMatchObject({ ok: false });
  });
});

describe('report obligation: receipt, 退回, 越级 and 补报', () => {
  it('the receiving room acknowledges once; a report acknowledged can no longer be sent back', () => {
    const o = opened();
    o.ok(written, 40);
    o.ok({ type: 'AcknowledgeReport', key: 'initial' }, 45, UPPER);
    expect(item(o, '441203/initial')).toMatchObject({ receivedAt: at(45), receivedBy: UPPER.userId });
    expect(o.send({ type: 'AcknowledgeReport', key: 'initial' }, 46, UPPER)).toMatchObject({ ok: false });
    expect(o.send({ type: 'ReturnReport', key: 'initial', reason: 'x' }, 46, UPPER)).toMatchObject({ ok: false });
  });

  it('退回 reopens the report with its own deadline; the corrected filing stays late against the first deadline', () => {
    const o = opened('III');
    o.ok(written, 60);
    const [returned] = o.ok({ type: 'ReturnReport', key: 'initial', reason: 'casualty figures missing' }, 70, UPPER);
    expect(returned?.data).toMatchObject({ id: '441203/initial', from: '441203', reason: 'casualty figures missing' });
    expect(item(o, '441203/initial')).toMatchObject({ submittedAt: null, dueAt: at(190), firstDueAt: at(50), firstSubmittedAt: at(60) });
    expect(pendingDeadlines(o.context)).toContainEqual({ key: '441203/initial', dueAt: at(190), from: '441203' });
    const [again] = o.ok(written, 100);
    expect(again?.data).toMatchObject({ resubmitted: true, minutesLate: 10 });
    expect(item(o, '441203/initial')?.returns).toMatchObject([{ at: at(70), by: UPPER.userId, reason: 'casualty figures missing', submittedAt: at(60) }]);
    expect(replay(reportAggregate, o.events)).toStrictEqual(o.state);
  });

  it('越级上报: the county files straight to the province; the city it passed over gets a copy', () => {
    const o = opened('III');
    const [event] = o.ok({ ...written, directTo: '440000' }, 30);
    expect(event?.data).toMatchObject({ id: '441203/initial', to: '441200', directTo: '440000', copiedTo: ['441200'] });
    expect(replay(reportAggregate, o.events)).toStrictEqual(o.state);
  });

  it('补报 of casualty changes is taken within the window after the incident happened, and not after', () => {
    const o = opened('III', { supplementaryWindowDays: 7, supplementaryRule: 'road-traffic-and-fire' }, -20);
    const change = { type: 'SubmitSupplementaryReport', losses: { dead: 1 }, note: 'one injured died in hospital', signedBy: 'Li' } as const;
    const [first] = o.ok(change, 6 * 24 * 60);
    expect(first?.data).toMatchObject({ id: '441203/supplementary-1', kind: 'supplementary', number: 1 });
    // Seven days after the incident happened (minute -20), the window has closed.
    expect(o.send(change, 7 * 24 * 60 - 20)).toMatchObject({ ok: true });
    expect(o.send(change, 7 * 24 * 60 - 19)).toMatchObject({ ok: false });
  });

  it('without a window in the terms, no 补报 is taken', () => {
    expect(opened('III').send({ type: 'SubmitSupplementaryReport', losses: { dead: 1 }, note: 'n', signedBy: 'Li' }, 60)).toMatchObject({ ok: false });
  });
});

describe('report obligation: lifting', () => {
  it('lifting makes the 终报 due on every line and stops the 续报 clock', () => {
    const o = opened('III');
    o.ok(written, 40);
    o.ok({ type: 'RequireFinalReport', liftedAt: at(600) }, 600);
    expect(o.value).toBe('lifted');
    expect(pendingDeadlines(o.context).filter((d) => d.key.endsWith('/final'))).toStrictEqual([
      { key: '441203/final', dueAt: at(600 + 7 * 24 * 60), from: '441203' },
      { key: '441200/final', dueAt: at(600 + 7 * 24 * 60), from: '441200' },
    ]);
    expect(item(o, '441203/followUp-1')).toBeUndefined();
    o.ok({ type: 'SubmitFinalReport', summary: 'done', signedBy: 'Li' }, 700);
    expect(pendingDeadlines(o.context).some((d) => d.key === '441203/final')).toBe(false);
  });

  it('a severity change moves what is still open and keeps what is filed', () => {
    const o = opened('IV');
    o.ok({ type: 'AdjustReportObligation', severity: 'II', category: 'natural_disaster', subtype: null, terms: termsFor('II'), chain: [COUNTY_TO_CITY, CITY_TO_PROVINCE] }, 10, UPPER);
    expect(pendingDeadlines(o.context)).toStrictEqual([
      { key: '441203/initial', dueAt: at(20), from: '441203' },
      { key: '441203/phone', dueAt: at(5), from: '441203' },
      // The city began to owe when the incident became II: its clock starts then.
      { key: '441200/phone', dueAt: at(25), from: '441200' },
      { key: '441200/initial', dueAt: at(130), from: '441200' },
    ]);
    expect(minutesLate({ firstDueAt: at(5), firstSubmittedAt: at(12) })).toBe(7);
  });
});
