import type { ReportItemView, ReportsView } from '@muster/client';
import { describe, expect, it } from 'vitest';
import { translator } from './i18n';
import {
  awaitsReceiptBy,
  chineseNumber,
  filingOptions,
  groupByLine,
  isOverdue,
  minutesLate,
  minutesOverdue,
  missingFieldLabels,
  nameIn,
  parseReportKey,
  personName,
  rechargeNotice,
  reportTitle,
  roomsAbove,
  supplementaryUntil,
  titleOfKey,
} from './reports';

const HUAIJI = '441224';
const CITY = '441200';
const PROVINCE = '440000';
const NAMES: Record<string, string> = { [HUAIJI]: '怀集县', [CITY]: '肇庆市', [PROVINCE]: '广东省' };
const room = (code: string) => NAMES[code] ?? code;
const zh = translator('zh-CN').tr;
const en = translator('en').tr;

const now = Date.parse('2026-12-01T10:00:00+08:00');
const at = (hhmm: string) => `2026-12-01T${hhmm}:00+08:00`;

/** A report item as GET /incidents/:id/reports answers it: owed, with a deadline. */
function item(from: string, key: string, extra: Partial<ReportItemView> = {}): ReportItemView {
  const parsed = parseReportKey(key);
  if (!parsed) throw new Error(`bad key ${key}`);
  return {
    id: `${from}/${key}`,
    key,
    kind: parsed.kind,
    number: parsed.number,
    from,
    to: from === HUAIJI ? CITY : PROVINCE,
    dueAt: at('11:00'),
    firstDueAt: at('11:00'),
    submittedAt: null,
    submittedBy: null,
    firstSubmittedAt: null,
    overdueAt: null,
    receivedAt: null,
    receivedBy: null,
    directTo: null,
    copiedTo: [],
    missingFields: [],
    returns: [],
    ...extra,
  };
}
const filed = (when: string, extra: Partial<ReportItemView> = {}): Partial<ReportItemView> => ({ submittedAt: at(when), firstSubmittedAt: at(when), submittedBy: 'huaiji-duty', ...extra });
const line = (from: string, to: string, role: 'lead' | 'relay') => ({ from, to, role, clockFrom: at('09:00'), since: at('09:00') });
/** A level III Huaiji incident: Huaiji owes the city, the city passes on to the province. */
const chain = [line(HUAIJI, CITY, 'lead'), line(CITY, PROVINCE, 'relay')];
const view = (items: ReportItemView[], extra: Partial<ReportsView> = {}): ReportsView => ({ state: 'open', version: 3, lead: HUAIJI, lines: chain, items, deadlines: [], ...extra });

describe('report names as the notices write them', () => {
  it.each([
    [1, '一'],
    [9, '九'],
    [10, '十'],
    [12, '十二'],
    [20, '二十'],
    [23, '二十三'],
    [99, '九十九'],
    [100, '100'],
  ])('%i is %s', (n, text) => {
    expect(chineseNumber(n)).toBe(text);
  });

  it('names each kind, numbered 续报 and 补报, in Chinese and English', () => {
    expect(['phone', 'initial', 'final'].map((k) => titleOfKey(k, zh, 'zh-CN'))).toEqual(['电话报告', '初报', '终报']);
    expect(reportTitle({ kind: 'followUp', number: 2 }, zh, 'zh-CN')).toBe('续报二');
    expect(reportTitle({ kind: 'supplementary', number: 1 }, zh, 'zh-CN')).toBe('补报一');
    expect(reportTitle({ kind: 'followUp', number: 2 }, en, 'en')).toBe('Follow-up 2');
  });

  it('reads a key or an item id, and never shows a key it cannot read', () => {
    expect(parseReportKey('followUp-12')).toEqual({ kind: 'followUp', number: 12 });
    expect(parseReportKey('initial')).toEqual({ kind: 'initial', number: null });
    expect(parseReportKey('initial-2')).toBeNull();
    expect(parseReportKey('followUp')).toBeNull();
    expect(titleOfKey(`${HUAIJI}/followUp-3`, zh, 'zh-CN')).toBe('续报三');
    expect(titleOfKey('something-else', zh, 'zh-CN')).toBe('报告');
  });
});

describe('who owes what to whom', () => {
  it('groups the reports by line of the chain, lead first, in the order of the notices', () => {
    const groups = groupByLine(view([item(CITY, 'initial'), item(HUAIJI, 'initial'), item(CITY, 'phone'), item(HUAIJI, 'followUp-1'), item(HUAIJI, 'phone')]));
    expect(groups.map((g) => [g.from, g.to, g.role, g.items.map((i) => i.key)])).toEqual([
      [HUAIJI, CITY, 'lead', ['phone', 'initial', 'followUp-1']],
      [CITY, PROVINCE, 'relay', ['phone', 'initial']],
    ]);
  });

  it('after a lead change, what the former lead still owes is its own group, counted', () => {
    // Raised to the city after Huaiji's 初报 fell due: the city leads, Huaiji keeps the 初报 it owes.
    const raised = view([item(HUAIJI, 'initial', { to: CITY }), item(HUAIJI, 'phone', { ...filed('09:10'), to: CITY }), item(CITY, 'initial')], {
      lead: CITY,
      lines: [line(CITY, PROVINCE, 'lead')],
    });
    const groups = groupByLine(raised, new Set([HUAIJI]));
    expect(groups.map((g) => ({ from: g.from, to: g.to, role: g.role, formerLead: g.formerLead, owed: g.owed }))).toEqual([
      { from: CITY, to: PROVINCE, role: 'lead', formerLead: false, owed: 1 },
      { from: HUAIJI, to: CITY, role: 'former', formerLead: true, owed: 1 },
    ]);
    // A room that left the chain without having led (a relay after a downgrade) is no 原主办单位.
    expect(groupByLine(raised).find((g) => g.from === HUAIJI)?.formerLead).toBe(false);
  });

  it('an obligation not yet opened has no groups', () => {
    expect(groupByLine({ lines: [], items: [] })).toEqual([]);
    expect(groupByLine({})).toEqual([]);
  });
});

describe('overdue and late', () => {
  it.each([
    ['owed, deadline ahead', { dueAt: at('10:30'), submittedAt: null, overdueAt: null }, false],
    ['owed, deadline passed (timers not yet run)', { dueAt: at('09:30'), submittedAt: null, overdueAt: null }, true],
    ['owed, marked overdue by the timers', { dueAt: at('09:30'), submittedAt: null, overdueAt: at('09:30') }, true],
    ['filed late: no longer overdue (its lateness shows instead)', { dueAt: at('09:30'), submittedAt: at('09:45'), overdueAt: at('09:30') }, false],
    ['owed with no deadline', { dueAt: null, submittedAt: null, overdueAt: null }, false],
  ] as const)('%s', (_name, report, expected) => {
    expect(isOverdue(report, now)).toBe(expected);
  });

  it('counts minutes late against the first deadline and the first filing, as the scores do', () => {
    expect(minutesLate({ firstDueAt: at('09:00'), firstSubmittedAt: at('10:30') })).toBe(90);
    expect(minutesLate({ firstDueAt: at('09:00'), firstSubmittedAt: at('08:59') })).toBeNull();
    expect(minutesLate({ firstDueAt: null, firstSubmittedAt: at('08:59') })).toBeNull();
    expect(minutesLate({ firstDueAt: at('09:00'), firstSubmittedAt: null })).toBeNull();
  });

  it('counts minutes an owed report is past its current deadline', () => {
    expect(minutesOverdue({ dueAt: at('09:15'), submittedAt: null }, now)).toBe(45);
    expect(minutesOverdue({ dueAt: at('10:15'), submittedAt: null }, now)).toBeNull();
    expect(minutesOverdue({ dueAt: at('09:15'), submittedAt: at('09:30') }, now)).toBeNull();
  });
});

describe('receipt: only the room a report was sent to', () => {
  it('the room above acknowledges; with 越级 the room it went to, not the room passed over; never the filer', () => {
    const normal = item(HUAIJI, 'initial', filed('09:30'));
    expect(awaitsReceiptBy(normal, CITY)).toBe(true);
    expect(awaitsReceiptBy(normal, HUAIJI)).toBe(false);
    const direct = item(HUAIJI, 'initial', filed('09:30', { directTo: PROVINCE, copiedTo: [CITY] }));
    expect(awaitsReceiptBy(direct, PROVINCE)).toBe(true);
    expect(awaitsReceiptBy(direct, CITY)).toBe(false);
    expect(awaitsReceiptBy(item(HUAIJI, 'initial'), CITY)).toBe(false);
    expect(awaitsReceiptBy(item(HUAIJI, 'initial', { ...filed('09:30'), receivedAt: at('09:40') }), CITY)).toBe(false);
  });
});

describe('what the signed-in room may file', () => {
  const kinds = (options: ReturnType<typeof filingOptions>) => options.map((o) => [o.kind, o.item?.id ?? null, o.to]);

  it('the lead room files what it owes on its line; no 续报 before any 初报', () => {
    const reports = view([item(HUAIJI, 'phone'), item(HUAIJI, 'initial'), item(CITY, 'phone'), item(CITY, 'initial')]);
    expect(kinds(filingOptions(reports, HUAIJI, false))).toEqual([
      ['phone', `${HUAIJI}/phone`, CITY],
      ['initial', `${HUAIJI}/initial`, CITY],
    ]);
    // The city files its own line only, to the province.
    expect(kinds(filingOptions(reports, CITY, false))).toEqual([
      ['phone', `${CITY}/phone`, PROVINCE],
      ['initial', `${CITY}/initial`, PROVINCE],
    ]);
  });

  it('once a 初报 is in, the owed 续报; a filed report is not offered again; 补报 while the window is open', () => {
    const reports = view([item(HUAIJI, 'phone', filed('09:10')), item(HUAIJI, 'initial', filed('09:40')), item(HUAIJI, 'followUp-1')]);
    expect(kinds(filingOptions(reports, HUAIJI, true))).toEqual([
      ['followUp', `${HUAIJI}/followUp-1`, CITY],
      ['supplementary', null, CITY],
    ]);
    // Nothing of the city's is due: it may still file its phone report and 初报, and a 续报 of its own.
    expect(kinds(filingOptions(reports, CITY, false))).toEqual([
      ['phone', null, PROVINCE],
      ['initial', null, PROVINCE],
      ['followUp', null, PROVINCE],
    ]);
  });

  it('a returned report is the one filed again', () => {
    const returned = item(HUAIJI, 'initial', { dueAt: at('12:00'), returns: [{ at: at('10:00'), by: 'city-duty', reason: '伤亡人数不清', submittedAt: at('09:40') }] });
    const options = filingOptions(view([item(HUAIJI, 'phone', filed('09:10')), returned]), HUAIJI, false);
    expect(options.find((o) => o.kind === 'initial')?.item).toBe(returned);
  });

  it('a former lead files only what it still owes; a room off the chain with nothing owed files nothing', () => {
    const raised = view([item(HUAIJI, 'initial', { to: CITY }), item(CITY, 'initial', filed('09:50'))], { lead: CITY, lines: [line(CITY, PROVINCE, 'lead')] });
    expect(kinds(filingOptions(raised, HUAIJI, true))).toEqual([['initial', `${HUAIJI}/initial`, CITY]]);
    expect(filingOptions(raised, '441203', true)).toEqual([]);
  });

  it('the 终报 once the response is lifted, and no 续报 after it is filed', () => {
    const lifted = view([item(HUAIJI, 'initial', filed('09:40')), item(HUAIJI, 'final')], { state: 'lifted', lines: [line(HUAIJI, CITY, 'lead')] });
    expect(kinds(filingOptions(lifted, HUAIJI, false))).toEqual([
      ['phone', null, CITY],
      ['followUp', null, CITY],
      ['final', `${HUAIJI}/final`, CITY],
    ]);
    const done = view([item(HUAIJI, 'phone', filed('09:10')), item(HUAIJI, 'initial', filed('09:40')), item(HUAIJI, 'final', filed('09:50'))], { state: 'lifted', lines: [line(HUAIJI, CITY, 'lead')] });
    expect(filingOptions(done, HUAIJI, false)).toEqual([]);
    expect(filingOptions({ ...done, state: 'open' }, HUAIJI, false).map((o) => o.kind)).toEqual(['followUp']);
  });
});

describe('the 补报 window and 越级 targets', () => {
  it('runs the window from when the incident happened', () => {
    expect(supplementaryUntil('2026-07-01T05:40:00.000Z', 7)).toBe('2026-07-08T05:40:00.000Z');
    expect(supplementaryUntil(null, 7)).toBeNull();
    expect(supplementaryUntil('2026-07-01T05:40:00.000Z', null)).toBeNull();
  });

  it('offers the rooms above the receiving room, nearest first', () => {
    const tree = new Map([
      [PROVINCE, { parent: null }],
      [CITY, { parent: PROVINCE }],
      [HUAIJI, { parent: CITY }],
    ]);
    expect(roomsAbove(tree, CITY)).toEqual([PROVINCE]);
    expect(roomsAbove(tree, HUAIJI)).toEqual([CITY, PROVINCE]);
    expect(roomsAbove(tree, PROVINCE)).toEqual([]);
  });
});

describe('words for the duty officer', () => {
  const words = { tr: zh, lang: 'zh-CN', room, time: (iso: string) => iso.slice(11, 16) };

  it('says what a lead change did to each report, by room name and report name', () => {
    const notice = rechargeNotice(
      {
        lead: CITY,
        formerLead: HUAIJI,
        reason: '跨县影响扩大',
        chain: [{ from: CITY, to: PROVINCE, role: 'lead' }],
        changes: [
          { key: 'initial', from: HUAIJI, to: CITY, dueAt: '2026-07-01T06:00:00.000Z', outcome: 'kept' },
          { key: 'phone', from: HUAIJI, to: CITY, dueAt: '2026-07-01T07:00:00.000Z', outcome: 'moved', id: `${CITY}/phone`, newTo: PROVINCE },
          { key: 'followUp-1', from: HUAIJI, to: CITY, dueAt: null, outcome: 'merged' },
          { key: 'bogus', outcome: 'teleported' },
        ],
      },
      words,
    );
    expect(notice).toBe(
      '报送责任已随主办单位调整：主办单位由怀集县改为肇庆市。初报（应报 06:00）已到期，仍由怀集县报送肇庆市；电话报告（应报 07:00）转由肇庆市报送广东省；续报一并入肇庆市应报的报告',
    );
    expect(notice).not.toMatch(/\d{6}|initial|phone|followUp/);
  });

  it('names missing fields in Chinese', () => {
    expect(missingFieldLabels(['scope', 'trend', 'leadersOnSite', 'losses'], zh)).toEqual(['影响范围', '发展趋势', '领导到位情况', '伤亡损失']);
  });

  it('names people, never by user id: a known name in the console language, else the room they act for', () => {
    const known = new Map([
      ['city-duty', '市应急值班员 City duty officer'],
      ['li', '李明'],
    ]);
    expect(personName('city-duty', CITY, known, room, zh, 'zh-CN')).toBe('市应急值班员');
    expect(personName('city-duty', CITY, known, room, en, 'en')).toBe('City duty officer');
    expect(personName('li', CITY, known, room, zh, 'zh-CN')).toBe('李明');
    expect(personName('duty-huaiji-07', HUAIJI, known, room, zh, 'zh-CN')).toBe('怀集县值班室');
    expect(personName(null, HUAIJI, known, room, zh, 'zh-CN')).toBe('—');
    expect(nameIn('Wang Wei', 'zh-CN')).toBe('Wang Wei');
  });
});
