import type { TimelineEntry } from '@muster/client';
import { describe, expect, it } from 'vitest';
import { translator } from './i18n';
import { amendableFields, correctionLine, correctionsOf, eventName, isStruck, labelRows, labelWidth, latenessLine, leadTimeLine, metricLines, sceneFigureLines, tenureLine, timelinessText, tooltipHtml, type ReviewWords } from './review-text';
import { formatTime } from './time';

const { tr } = translator('zh-CN');
const NAMES: Record<string, string> = { '441224': '怀集县', '441200': '肇庆市', '440000': '广东省' };
const words: ReviewWords = { tr, lang: 'zh-CN', room: (code) => NAMES[code] ?? code, time: (iso) => formatTime(iso, 'zh-CN', { zone: false }) };
const en = translator('en');
const enWords: ReviewWords = { tr: en.tr, lang: 'en', room: (code) => code, time: (iso) => formatTime(iso, 'en') };

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;
/** English words (a key, a state, an event type): any run of two or more Latin letters. */
const LATIN = /[A-Za-z]{2,}/;
const REQUEST_ID = '5b0f7a2e-3c1d-4e8f-9a6b-1c2d3e4f5a6b';

const lateness = (over: Partial<{ key: string; owedBy: string; dueAt: string | null; submittedAt: string | null; minutesLate: number | null }>) => ({
  key: '441224/initial',
  kind: 'initial',
  owedBy: '441224',
  dueAt: '2026-07-01T02:00:00.000Z',
  submittedAt: '2026-07-01T01:50:00.000Z',
  minutesLate: 0,
  ...over,
});

describe('review metrics in Chinese', () => {
  it('labels every duration by what it measures, in minutes, and a dash for a step not reached', () => {
    const lines = metricLines({ verification: 12.5, commanderOnScene: null, responseActivation: 30, control: null, lifting: null }, words);
    expect(lines.map((l) => `${l.label} ${l.value}`)).toEqual(['至确认 12.5 分钟', '至指挥官到位 —', '至启动响应 30.0 分钟', '至控制 —', '至响应终止 —']);
    for (const line of lines) expect(`${line.label}${line.value}`).not.toMatch(LATIN);
  });

  it('leaves a metric the console has no words for off the screen rather than showing its key', () => {
    const lines = metricLines({ verification: 1, somethingNew: 2 }, words);
    expect(lines.map((l) => l.key)).toEqual(['verification']);
    expect(lines.map((l) => l.label).join('')).not.toContain('somethingNew');
  });

  it('says 按时 for a report filed by its deadline, never 超时 0.0', () => {
    const line = latenessLine(lateness({}), words);
    expect(line.text).toBe(`怀集县 初报 · 应报 ${formatTime('2026-07-01T02:00:00.000Z', 'zh-CN', { zone: false })} · 按时`);
    expect(line.late).toBe(false);
    expect(line.text).not.toContain('超时');
    expect(line.text).not.toContain('0.0');
  });

  it('says 迟报 N 分钟 for a late one, in whole minutes, and names the report by room and kind, not its id', () => {
    const line = latenessLine(lateness({ key: '441200/followUp-2', owedBy: '441200', submittedAt: '2026-07-01T02:42:00.000Z', minutesLate: 42.4 }), words);
    expect(line.text).toContain('肇庆市 续报二');
    expect(line.text).toContain('迟报 42 分钟');
    expect(line.late).toBe(true);
    expect(line.text).not.toMatch(LATIN);
    expect(line.text).not.toContain('441200');
  });

  it('tells an owed report past its deadline (已逾期) from one not yet due (待报), and one without a deadline', () => {
    expect(timelinessText({ dueAt: '2026-07-01T02:00:00.000Z', submittedAt: null, minutesLate: 15 }, words)).toEqual({ text: '已逾期 15 分钟', late: true });
    expect(timelinessText({ dueAt: '2026-07-01T02:00:00.000Z', submittedAt: null, minutesLate: 0 }, words)).toEqual({ text: '待报', late: false });
    expect(latenessLine(lateness({ key: '441224/supplementary-1', dueAt: null, minutesLate: null }), words).text).toBe('怀集县 补报一 · 无时限 · 按时');
  });

  it('reads in English in the English console', () => {
    expect(latenessLine(lateness({ submittedAt: '2026-07-01T02:10:00.000Z', minutesLate: 10 }), enWords).text).toContain('filed 10 min late');
    expect(metricLines({ control: 5 }, enWords)[0]).toEqual({ key: 'control', label: 'to control', value: '5.0 min' });
  });

  it('names a resource request by what it asked for and its state in Chinese, never by id', () => {
    const text = leadTimeLine({ requestId: REQUEST_ID, state: 'arrived', minutes: 42 }, { items: [{ kind: '冲锋舟', quantity: 2 }, { kind: '救生衣', quantity: 50 }] }, 0, words);
    expect(text).toBe('冲锋舟 × 2、救生衣 × 50 · 已到达 · 42.0 分钟到达');
    expect(text).not.toMatch(UUID);
  });

  it('names a request the console has no items for by its place in the list, and one not arrived as such', () => {
    const text = leadTimeLine({ requestId: REQUEST_ID, state: 'enRoute', minutes: null }, undefined, 2, words);
    expect(text).toBe('资源请求 3 · 在途 · 未到达');
    expect(text).not.toMatch(UUID);
  });

  it('names a commander in Chinese with how they came to command', () => {
    const text = tenureLine({ commander: { userId: 'u-4f1c', name: '县消防救援大队长 County fire chief' }, kind: 'provisional', from: '2026-07-01T01:00:00.000Z', until: null, minutes: 90 }, words);
    expect(text).toBe(`县消防救援大队长（临时指挥）· 自 ${formatTime('2026-07-01T01:00:00.000Z', 'zh-CN', { zone: false })} · 90.0 分钟`);
    expect(text).not.toMatch(LATIN);
  });
});

describe('scene figures at a moment', () => {
  it('shows each figure of the latest scene report, labelled in Chinese, a dash for one never reported', () => {
    const lines = sceneFigureLines({ latestReport: { dead: 0, injured: 3, missing: null, trapped: 2, evacuated: 120, sheltered: null } }, words);
    expect(lines.map((l) => `${l.label}${l.value}`)).toEqual(['死亡0', '受伤3', '失踪—', '被困2', '疏散120', '安置—']);
  });

  it('shows dashes, not zeros, before any scene report', () => {
    expect(sceneFigureLines({ latestReport: null }, words).map((l) => l.value)).toEqual(['—', '—', '—', '—', '—', '—']);
    expect(sceneFigureLines(undefined, words)).toHaveLength(6);
  });
});

describe('the chart tooltip', () => {
  const entry = (type: string, data: Record<string, unknown> = {}): TimelineEntry & { roles: string[] } => ({
    eventId: 'e-1',
    position: '1.1',
    streamId: 'inc-7d4060ee',
    streamType: 'scene',
    version: 1,
    type,
    occurredAt: '2026-07-01T01:00:00.000Z',
    recordedAt: '2026-07-01T01:00:00.000Z',
    actor: '9c1e0b7a-52c4-4d2e-8f3a-0b1c2d3e4f50',
    actorJurisdiction: '441224',
    jurisdiction: '441224',
    data,
    correctedBy: [],
    roles: ['duty_officer'],
  });

  it('names the event in Chinese and the actor by room and role, never the type or the user id', () => {
    const html = tooltipHtml(entry('CommanderAppointed'), words);
    expect(html).toContain('任命现场指挥官');
    expect(html).toContain('怀集县 值班员');
    expect(html).not.toContain('CommanderAppointed');
    expect(html).not.toMatch(UUID);
    expect(html.replaceAll('<br/>', '')).not.toMatch(LATIN);
  });

  it('calls an event it has no name for 其他记录 and escapes what people typed', () => {
    expect(eventName('SomethingNew', words)).toBe('其他记录');
    const html = tooltipHtml(entry('SceneReportPosted', { objectives: '<img src=x onerror=alert(1)>' }), words);
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;img');
  });
});

describe('phase labels on the chart', () => {
  it('puts labels that would touch on separate rows, and lets a row be reused once clear', () => {
    // 接报, 先期处置 and 应急响应 began within minutes of each other: a few pixels apart.
    const rows = labelRows([
      { x: 0, width: 30 },
      { x: 3, width: 50 },
      { x: 8, width: 50 },
      { x: 400, width: 30 },
    ]);
    expect(rows).toEqual([0, 1, 2, 0]);
  });

  it('keeps labels far apart on one row, whatever order they come in', () => {
    expect(
      labelRows([
        { x: 300, width: 40 },
        { x: 0, width: 40 },
        { x: 100, width: 40 },
      ]),
    ).toEqual([0, 0, 0]);
  });

  it('measures a Chinese label wider than a Latin one of the same length', () => {
    expect(labelWidth('应急响应', 11)).toBeGreaterThan(labelWidth('resp', 11));
    expect(labelWidth('先期处置', 11)).toBe(4 * 11 + 6);
  });
});

describe('corrections of the record, in words', () => {
  const people: Record<string, string> = { 'dinghu-duty': '鼎湖区值班员' };
  const correctionWords = { ...words, person: (userId: string) => people[userId] ?? '—' };
  const strike = { eventId: REQUEST_ID, kind: 'strike', reason: '误报', amendedData: null, by: 'dinghu-duty', recordedAt: '2026-07-01T02:00:00.000Z' };
  const amend = { eventId: REQUEST_ID, kind: 'amend', reason: '核实后更正', amendedData: { injured: 3 }, by: 'dinghu-duty', recordedAt: '2026-07-01T03:00:00.000Z' };

  it('reads the corrections of an entry, and skips what it cannot read', () => {
    const list = correctionsOf({ correctedBy: [strike, 'junk', { kind: 'delete' }, amend] });
    expect(list.map((c) => c.kind)).toStrictEqual(['strike', 'amend']);
    expect(isStruck({ correctedBy: [amend] })).toBe(false);
    expect(isStruck({ correctedBy: [amend, strike] })).toBe(true);
  });

  it('says what was struck or amended, why, by whom by name and when, without ids', () => {
    const [struck, amended] = correctionsOf({ correctedBy: [strike, amend] });
    if (!struck || !amended) throw new Error('two corrections expected');
    expect(correctionLine(struck, correctionWords)).toBe('已划除　更正理由：误报　更正人：鼎湖区值班员　2026-07-01 10:00:00');
    expect(correctionLine(amended, correctionWords)).toBe('已更正　受伤：3　更正理由：核实后更正　更正人：鼎湖区值班员　2026-07-01 11:00:00');
    expect(correctionLine(amended, correctionWords)).not.toMatch(UUID);
    expect(correctionLine(amended, correctionWords)).not.toMatch(LATIN);
  });

  it('offers to amend only the plain fields it has a name for', () => {
    const fields = amendableFields({ requestId: REQUEST_ID, injured: 2, needs: '帐篷', items: [{ kind: 'x' }], reportId: 'sr-1' }, words);
    expect(fields).toStrictEqual([
      { key: 'injured', label: '受伤', value: '2', numeric: true },
      { key: 'needs', label: '需求', value: '帐篷', numeric: false },
    ]);
  });
});
