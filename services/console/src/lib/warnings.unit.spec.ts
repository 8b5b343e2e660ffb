import { COMMAND_PAYLOAD_SCHEMAS } from '@muster/contracts';
import { describe, expect, it } from 'vitest';
import { areaDescriptionOf, areaTree, contentPayload, emptyInputs, inputsOf, parsePolygon, toggleArea } from './warnings';
import { warningWord, warningWordOf } from './warning-text';

const places = new Map(
  [
    { code: '440000', name: '广东省', level: 'province', parent: null },
    { code: '441200', name: '肇庆市', level: 'city', parent: '440000' },
    { code: '441203', name: '鼎湖区', level: 'county', parent: '441200' },
    { code: '441224', name: '怀集县', level: 'county', parent: '441200' },
    { code: '441203100', name: '永安镇', level: 'township', parent: '441203' },
  ].map((p) => [p.code, p]),
);

describe('area picker (county → townships)', () => {
  it('a county room picks itself and its townships, from the tree and from elsewhere, by code', () => {
    const tree = areaTree('441203', places, [
      { code: '441203101', name: '沙浦镇' },
      { code: '441224100', name: '怀城街道' },
      { code: '441203100', name: '重复的永安镇' },
    ]);
    expect(tree).toEqual([
      {
        code: '441203',
        name: '鼎湖区',
        townships: [
          { code: '441203100', name: '永安镇' },
          { code: '441203101', name: '沙浦镇' },
        ],
      },
    ]);
  });

  it('the city picks each county below it; the province every county of its cities', () => {
    expect(areaTree('441200', places).map((n) => n.name)).toEqual(['鼎湖区', '怀集县']);
    expect(areaTree('440000', places).map((n) => n.code)).toEqual(['441203', '441224']);
  });

  it('a county covers its townships: ticking one drops the other', () => {
    expect(toggleArea(['441203100', '441224'], '441203')).toEqual(['441224', '441203']);
    expect(toggleArea(['441203', '441224'], '441203100')).toEqual(['441224', '441203100']);
    expect(toggleArea(['441203100'], '441203100')).toEqual([]);
  });

  it('names the picked areas, a township after its county', () => {
    const tree = areaTree('441200', places);
    expect(areaDescriptionOf(['441224', '441203100'], tree)).toBe('鼎湖区永安镇、怀集县');
  });
});

describe('polygon typed as text', () => {
  it('reads one point a line, or CAP’s space-separated pairs, and a full-width comma', () => {
    const ring = [
      { lat: 23.1, lon: 112.5 },
      { lat: 23.2, lon: 112.5 },
      { lat: 23.2, lon: 112.6 },
      { lat: 23.1, lon: 112.5 },
    ];
    expect(parsePolygon('23.1,112.5\n23.2, 112.5\n23.2，112.6\n23.1,112.5\n')).toEqual({ ok: true, points: ring });
    expect(parsePolygon('23.1,112.5 23.2,112.5 23.2,112.6 23.1,112.5')).toEqual({ ok: true, points: ring });
    expect(parsePolygon('  \n')).toEqual({ ok: true, points: null });
  });

  it('names the line that is not a point, too few points, or a ring left open', () => {
    expect(parsePolygon('23.1,112.5\n北纬23度\n23.2,112.6\n23.1,112.5')).toEqual({ ok: false, word: 'polygonPoint', slots: { n: 2 } });
    expect(parsePolygon('23.1,112.5\n95,112.5\n23.2,112.6\n23.1,112.5')).toEqual({ ok: false, word: 'polygonPoint', slots: { n: 2 } });
    expect(parsePolygon('23.1,112.5\n23.2,112.6\n23.1,112.5')).toEqual({ ok: false, word: 'polygonTooFew' });
    expect(parsePolygon('23.1,112.5\n23.2,112.5\n23.2,112.6\n23.3,112.5')).toEqual({ ok: false, word: 'polygonOpen' });
  });
});

describe('content form ⇄ the api’s payload', () => {
  const inputs = {
    ...emptyInputs(),
    level: 'yellow',
    event: '暴雨',
    headline: '鼎湖区暴雨黄色预警',
    description: '预计未来6小时降雨量将达50毫米以上',
    instruction: '转移低洼地带群众',
    expires: '2026-07-02T08:00',
    channels: ['SMS', 'SPEAKER'],
    areas: ['441203100'],
  };

  it('gives a payload the DraftWarning schema accepts: Beijing time with its offset, the names as the area by default', () => {
    const { level, content } = contentPayload(inputs, null, '鼎湖区永安镇');
    const parsed = COMMAND_PAYLOAD_SCHEMAS.warning.DraftWarning.safeParse({ level, sender: { name: '鼎湖区预警发布中心', agencyCode: '416' }, content });
    expect(parsed.success).toBe(true);
    expect(content['expires']).toBe('2026-07-02T08:00:00+08:00');
    expect(content['onset']).toBeNull();
    expect(content['area']).toMatchObject({ description: '鼎湖区永安镇', jurisdictions: ['441203100'], polygon: null });
  });

  it('an empty level and an unreadable time reach the schema, which names their fields', () => {
    const { level, content } = contentPayload({ ...inputs, level: '', expires: '明天' }, null, '');
    const parsed = COMMAND_PAYLOAD_SCHEMAS.warning.DraftWarning.safeParse({ level, sender: { name: 'x', agencyCode: '416' }, content });
    expect(parsed.success).toBe(false);
    const paths = parsed.error?.issues.map((i) => i.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['level', 'content.expires', 'content.area.description']));
  });

  it('reads a stored warning back into the same inputs', () => {
    const { content } = contentPayload(inputs, null, '鼎湖区永安镇');
    const stored = COMMAND_PAYLOAD_SCHEMAS.warning.UpdateWarning.shape.content.parse({ ...content, expires: '2026-07-02T00:00:00.000Z' });
    expect(inputsOf('yellow', stored)).toEqual({ ...inputs, areaDescription: '鼎湖区永安镇', expires: '2026-07-02T08:00:00' });
  });
});

describe('warning words', () => {
  it('fills slots, and names levels and states in Chinese', () => {
    expect(warningWord('zh-CN', 'ackCount', { x: 190, y: 200 })).toBe('已签收 190 / 200');
    expect(warningWordOf('zh-CN', 'level', 'yellow')).toBe('黄色预警（三级）');
    expect(warningWordOf('zh-CN', 'wstate', 'issued')).toBe('已发布');
    expect(warningWordOf('zh-CN', 'wstate', 'unknown')).toBe('unknown');
  });
});
