import type { IncidentView } from '@muster/contracts';
import { describe, expect, it } from 'vitest';
import { cardFacts, casualtiesText } from './board-card';
import { translator } from './i18n';

const zh = translator('zh-CN');

const incident: IncidentView = {
  incidentId: '6f1c2d3e-0000-4000-8000-000000000001',
  version: 7,
  state: 'responseActive',
  title: '怀集县城区内涝',
  description: '',
  category: 'natural_disaster',
  subtype: null,
  severity: 'III',
  responseLevel: 'III',
  leadJurisdiction: '441224',
  upperJurisdiction: '441200',
  linkedJurisdictions: [],
  supportingJurisdictions: [],
  location: { description: '怀集县怀城街道解放路' },
  exercise: false,
  reportedAt: '2026-12-06T23:10:00Z',
  // 22:04 UTC is 06:04 the next day in Beijing.
  receivedAt: '2026-12-06T22:04:05Z',
  occurredAt: null,
  confirmedAt: null,
  responseActivatedAt: null,
  controlledAt: null,
  liftedAt: null,
  closedAt: null,
  updatedAt: null,
};

const text = (facts: ReturnType<typeof cardFacts>) => Object.fromEntries(facts.map((f) => [f.key, f.text]));

describe('board card facts', () => {
  it('shows category, place, 接报 in Beijing time, response level and casualties in Chinese', () => {
    const facts = cardFacts(incident, { reportId: 'sr-1', dead: 2, injured: 5, trapped: 3 }, zh, 'zh-CN');
    expect(text(facts)).toEqual({
      category: '自然灾害',
      place: '怀集县怀城街道解放路',
      received: '2026-12-07 06:04:05 (UTC+8 北京时间)',
      response: '三级响应',
      casualties: '死亡 2 · 受伤 5',
    });
    expect(facts.map((f) => zh.t(f.label))).toEqual(['类别', '地点', '接报', '响应级别', '伤亡']);
    const shown = facts.map((f) => `${zh.t(f.label)} ${f.text}`).join(' ');
    expect(shown).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}|natural_disaster|441224|sr-1/);
  });

  it('falls back to the first report time and shows — for what the incident does not say yet', () => {
    const bare = { ...incident, category: null, responseLevel: null, location: null, receivedAt: null };
    expect(text(cardFacts(bare, null, zh, 'zh-CN'))).toEqual({
      category: '—',
      place: '—',
      received: '2026-12-07 07:10:00 (UTC+8 北京时间)',
      response: '—',
      casualties: '—',
    });
  });

  it('labels each response level as a response, never as a severity', () => {
    const levels = (['I', 'II', 'III', 'IV'] as const).map((responseLevel) => text(cardFacts({ ...incident, responseLevel }, null, zh, 'zh-CN'))['response']);
    expect(levels).toEqual(['一级响应', '二级响应', '三级响应', '四级响应']);
  });

  it('shows a reported zero and leaves out figures the report did not give', () => {
    expect(casualtiesText({ reportId: 'sr-2', dead: 0, injured: null, missing: 1 }, zh.t)).toBe('死亡 0 · 失联 1');
    expect(casualtiesText({ reportId: 'sr-3', evacuated: 40 }, zh.t)).toBeNull();
    expect(casualtiesText(null, zh.t)).toBeNull();
  });
});
