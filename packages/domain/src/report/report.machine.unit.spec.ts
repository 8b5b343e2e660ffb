import { describe, expect, it } from 'vitest';
import { decide, initialState, replay, type PersistedState, type ReplayableEvent } from '../aggregate';
import type { Actor } from '../shared';
import { minutesLate, pendingDeadlines, reportAggregate } from './report.machine';
import { DEFAULT_REPORT_RULES, reportTermsFor } from './report.rules';
import { followUpTitle, type ReportCommand, type ReportContext, type InitialReportContent } from './report.types';

const T0 = Date.UTC(2026, 6, 1, 6, 0, 0);
const at = (minute: number): string => new Date(T0 + minute * 60_000).toISOString();
const LEAD: Actor = { userId: 'duty-dinghu', roles: ['duty_officer'], jurisdiction: '441203' };
const UPPER: Actor = { userId: 'duty-city', roles: ['duty_officer'], jurisdiction: '441200' };
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

function opened(severity: 'I' | 'II' | 'III' | 'IV' = 'III') {
  const o = obligation();
  o.ok(
    {
      type: 'OpenReportObligation',
      incidentId: 'inc-1',
      severity,
      category: 'natural_disaster',
      confirmedAt: at(0),
      jurisdiction: '441203',
      upperJurisdiction: '441200',
      exercise: false,
      terms: reportTermsFor(DEFAULT_REPORT_RULES, severity, 'natural_disaster'),
    },
    0,
  );
  return o;
}

const written = { type: 'SubmitInitialReport', content: CONTENT, signedBy: 'Director Li' } as const;
const followUp = { type: 'SubmitFollowUpReport', progress: 'breach closed to 5 m', signedBy: 'Director Li' } as const;

describe('report obligation: opening', () => {
  it('level III opens with the phone report due in 30 min and the written 初报 in 60 min', () => {
    const o = opened('III');
    expect(o.value).toBe('initialDue');
    expect(pendingDeadlines(o.context)).toStrictEqual([
      { key: 'phone', dueAt: at(30) },
      { key: 'initial', dueAt: at(60) },
    ]);
    expect(o.events.map((e) => e.type)).toStrictEqual(['ReportObligationOpened']);
  });

  it('level IV owes no phone report on a clock, and the 初报 within 6 h', () => {
    const o = opened('IV');
    expect(pendingDeadlines(o.context)).toStrictEqual([{ key: 'initial', dueAt: at(360) }]);
  });

  it('nothing but the opening is accepted before it is open', () => {
    const o = obligation();
    const d = o.send(written, 1);
    expect(d).toMatchObject({ ok: false, state: 'none', allowed: ['OpenReportObligation'] });
  });
});

describe('report obligation: filing and deadlines', () => {
  it('a phone report is filed at the time of the call, and its deadline is no longer pending', () => {
    const o = opened();
    const [event] = o.ok({ type: 'RecordPhoneReport', recipient: 'city duty room', summary: 'breach, 2 injured' }, 25, LEAD, 18);
    expect(event).toMatchObject({ type: 'PhoneReportRecorded', data: { key: 'phone', dueAt: at(30), submittedAt: at(18), minutesLate: 0 } });
    expect(pendingDeadlines(o.context)).toStrictEqual([{ key: 'initial', dueAt: at(60) }]);
  });

  it('a call claimed to be in the future is filed when it was recorded', () => {
    const o = opened();
    o.ok({ type: 'RecordPhoneReport', recipient: 'city', summary: 's' }, 40, LEAD, 90);
    expect(o.context.items.find((i) => i.key === 'phone')).toMatchObject({ submittedAt: at(40) });
    expect(minutesLate({ dueAt: at(30), submittedAt: at(40) })).toBe(10);
  });

  it('a second phone report is refused', () => {
    const o = opened();
    o.ok({ type: 'RecordPhoneReport', recipient: 'city', summary: 's' }, 10);
    expect(o.send({ type: 'RecordPhoneReport', recipient: 'city', summary: 'again' }, 11)).toMatchObject({ ok: false });
  });

  it('DeadlinePassed makes the report overdue once, naming the unit and the room above', () => {
    const o = opened();
    const [event] = o.ok({ type: 'DeadlinePassed', key: 'phone', dueAt: at(30) }, 31, TIMERS, 30);
    expect(event).toStrictEqual({
      type: 'ReportOverdue',
      data: { key: 'phone', dueAt: at(30), kind: 'phone', number: null, jurisdiction: '441203', upperJurisdiction: '441200', incidentId: 'inc-1' },
    });
    expect(o.context.items.find((i) => i.key === 'phone')).toMatchObject({ overdueAt: at(31), submittedAt: null });
    expect(pendingDeadlines(o.context)).toStrictEqual([{ key: 'initial', dueAt: at(60) }]);
    // The same deadline firing again (a second timer, a re-fire after a crash) is refused.
    expect(o.send({ type: 'DeadlinePassed', key: 'phone', dueAt: at(30) }, 32, TIMERS)).toMatchObject({ ok: false });
  });

  it('a met obligation never becomes overdue, even when its deadline fires', () => {
    const o = opened();
    o.ok({ type: 'RecordPhoneReport', recipient: 'city', summary: 's' }, 29);
    expect(o.send({ type: 'DeadlinePassed', key: 'phone', dueAt: at(30) }, 30, TIMERS)).toMatchObject({ ok: false });
    expect(o.events.some((e) => e.type === 'ReportOverdue')).toBe(false);
  });

  it('a stale deadline (another due time, or an unknown key) is refused', () => {
    const o = opened();
    expect(o.send({ type: 'DeadlinePassed', key: 'initial', dueAt: at(59) }, 61, TIMERS)).toMatchObject({ ok: false });
    expect(o.send({ type: 'DeadlinePassed', key: 'followUp-1', dueAt: at(60) }, 61, TIMERS)).toMatchObject({ ok: false });
  });

  it('an overdue report filed late records how late it was, and 续报 follow at the cadence from it', () => {
    const o = opened();
    o.ok({ type: 'DeadlinePassed', key: 'initial', dueAt: at(60) }, 60, TIMERS);
    const [event] = o.ok(written, 90);
    expect(event).toMatchObject({ type: 'InitialReportSubmitted', data: { key: 'initial', dueAt: at(60), submittedAt: at(90), minutesLate: 30, signedBy: 'Director Li' } });
    expect(o.value).toBe('continuing');
    expect(o.context.items.find((i) => i.key === 'initial')).toMatchObject({ overdueAt: at(60), submittedAt: at(90) });
    expect(pendingDeadlines(o.context)).toStrictEqual([
      { key: 'phone', dueAt: at(30) },
      { key: 'followUp-1', dueAt: at(90 + 720) },
    ]);
  });

  it('续报 are numbered 续报一, 续报二 … and each sets the next one due', () => {
    const o = opened();
    o.ok(written, 50);
    const [first] = o.ok(followUp, 600);
    const [second] = o.ok(followUp, 1400);
    expect(first).toMatchObject({ data: { key: 'followUp-1', number: 1, title: '续报一', dueAt: at(50 + 720), minutesLate: 0 } });
    expect(second).toMatchObject({ data: { key: 'followUp-2', number: 2, title: '续报二', dueAt: at(600 + 720), minutesLate: 80 } });
    expect(o.context.followUps).toBe(2);
    expect(pendingDeadlines(o.context)).toContainEqual({ key: 'followUp-3', dueAt: at(1400 + 720) });
  });

  it('the 终报 is refused before the response is lifted', () => {
    const o = opened();
    o.ok(written, 50);
    expect(o.send({ type: 'SubmitFinalReport', summary: 'over', signedBy: 'Li' }, 60)).toMatchObject({ ok: false, state: 'continuing' });
  });
});

describe('report obligation: the 终报', () => {
  it('lifting the response makes the 终报 due within 7 days and ends the 续报 cadence', () => {
    const o = opened();
    o.ok({ type: 'RecordPhoneReport', recipient: 'city', summary: 's' }, 10);
    o.ok(written, 50);
    o.ok({ type: 'RequireFinalReport', liftedAt: at(3000) }, 3000);
    expect(o.value).toBe('finalDue');
    expect(pendingDeadlines(o.context)).toStrictEqual([{ key: 'final', dueAt: at(3000 + 7 * 24 * 60) }]);
    const [event] = o.ok({ type: 'SubmitFinalReport', summary: 'handled, 2 injured discharged', signedBy: 'Li' }, 5000);
    expect(event).toMatchObject({ type: 'FinalReportSubmitted', data: { key: 'final', minutesLate: 0 } });
    expect(o.value).toBe('finalSubmitted');
    expect(pendingDeadlines(o.context)).toStrictEqual([]);
    expect(o.send({ type: 'DeadlinePassed', key: 'final', dueAt: at(3000 + 7 * 24 * 60) }, 20_000, TIMERS)).toMatchObject({ ok: false });
  });

  it('an overdue 续报 stays on record as missing after the response is lifted', () => {
    const o = opened();
    o.ok(written, 50);
    o.ok({ type: 'DeadlinePassed', key: 'followUp-1', dueAt: at(770) }, 771, TIMERS);
    o.ok({ type: 'RequireFinalReport', liftedAt: at(900) }, 900);
    expect(o.context.items.find((i) => i.key === 'followUp-1')).toMatchObject({ overdueAt: at(771), submittedAt: null });
  });

  it('lifted before the 初报: the 初报 is owed first, then the 终报, with no 续报 in between', () => {
    const o = opened();
    o.ok({ type: 'RequireFinalReport', liftedAt: at(40) }, 40);
    expect(o.value).toBe('initialDue');
    o.ok(written, 45);
    expect(o.value).toBe('finalDue');
    expect(pendingDeadlines(o.context).map((d) => d.key)).toStrictEqual(['phone', 'final']);
  });
});

describe('report obligation: severity changes', () => {
  it('IV raised to III: the phone report becomes due and the 初报 moves to 60 min', () => {
    const o = opened('IV');
    o.ok({ type: 'AdjustReportObligation', severity: 'III', category: 'natural_disaster', terms: reportTermsFor(DEFAULT_REPORT_RULES, 'III', 'natural_disaster') }, 10);
    expect(pendingDeadlines(o.context)).toStrictEqual([
      { key: 'initial', dueAt: at(60) },
      { key: 'phone', dueAt: at(30) },
    ]);
  });

  it('III lowered to IV: an open phone report is no longer owed, an overdue one stays on record', () => {
    const o = opened('III');
    o.ok({ type: 'AdjustReportObligation', severity: 'IV', category: 'natural_disaster', terms: reportTermsFor(DEFAULT_REPORT_RULES, 'IV', 'natural_disaster') }, 10);
    expect(pendingDeadlines(o.context)).toStrictEqual([{ key: 'initial', dueAt: at(360) }]);
    const again = opened('III');
    again.ok({ type: 'DeadlinePassed', key: 'phone', dueAt: at(30) }, 30, TIMERS);
    again.ok({ type: 'AdjustReportObligation', severity: 'IV', category: 'natural_disaster', terms: reportTermsFor(DEFAULT_REPORT_RULES, 'IV', 'natural_disaster') }, 40);
    expect(again.context.items.find((i) => i.key === 'phone')).toMatchObject({ overdueAt: at(30) });
  });

  it('an adjustment that changes nothing is refused (the engine then writes nothing)', () => {
    const o = opened('III');
    const same = { type: 'AdjustReportObligation', severity: 'III', category: 'natural_disaster', terms: reportTermsFor(DEFAULT_REPORT_RULES, 'III', 'natural_disaster') } as const;
    expect(o.send(same, 5)).toMatchObject({ ok: false });
  });
});

describe('report obligation: receipt by the upper room', () => {
  it('a filed report is acknowledged once; an unfiled one cannot be', () => {
    const o = opened();
    expect(o.send({ type: 'AcknowledgeReport', key: 'initial' }, 20, UPPER)).toMatchObject({ ok: false });
    o.ok(written, 50);
    o.ok({ type: 'AcknowledgeReport', key: 'initial' }, 52, UPPER);
    expect(o.context.items.find((i) => i.key === 'initial')).toMatchObject({ receivedAt: at(52), receivedBy: 'duty-city' });
    expect(o.send({ type: 'AcknowledgeReport', key: 'initial' }, 53, UPPER)).toMatchObject({ ok: false });
  });
});

describe('report obligation: replay', () => {
  it('replaying the stored events rebuilds the same state, overdue and late filings included', () => {
    const o = opened('III');
    o.ok({ type: 'DeadlinePassed', key: 'phone', dueAt: at(30) }, 31, TIMERS, 30);
    o.ok({ type: 'RecordPhoneReport', recipient: 'city', summary: 's' }, 35, LEAD, 33);
    o.ok(written, 55);
    o.ok(followUp, 700);
    o.ok({ type: 'AdjustReportObligation', severity: 'II', category: 'natural_disaster', terms: { ...reportTermsFor(DEFAULT_REPORT_RULES, 'II', 'natural_disaster'), followUpEveryMinutes: 360 } }, 710);
    o.ok({ type: 'AcknowledgeReport', key: 'followUp-1' }, 720, UPPER);
    o.ok({ type: 'RequireFinalReport', liftedAt: at(2000) }, 2000);
    o.ok({ type: 'SubmitFinalReport', summary: 'done', signedBy: 'Li' }, 2100);
    expect(replay(reportAggregate, o.events)).toStrictEqual(o.state);
  });
});

describe('followUpTitle', () => {
  it.each([
    [1, '续报一'],
    [2, '续报二'],
    [10, '续报十'],
    [12, '续报十二'],
    [20, '续报二十'],
    [21, '续报二十一'],
    [100, '续报100'],
  ])('%i → %s', (n, title) => {
    expect(followUpTitle(n)).toBe(title);
  });
});

describe('report machine: terms compared by content, not key order', () => {
  it('an adjustment whose terms differ only in key order (as jsonb returns them) is not a change', () => {
    const terms = reportTermsFor(DEFAULT_REPORT_RULES, 'III', 'natural_disaster');
    const reordered = Object.fromEntries(Object.entries(terms).reverse()) as typeof terms;
    expect(JSON.stringify(reordered)).not.toBe(JSON.stringify(terms));
    const o = opened('III');
    const decision = o.send({ type: 'AdjustReportObligation', severity: 'III', category: 'natural_disaster', terms: reordered }, 10);
    expect(decision.ok).toBe(false);
  });
});
