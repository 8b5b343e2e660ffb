import { decide, initialState, warningAggregate } from '@muster/domain';
import { describe, expect, it } from 'vitest';
import { WARNING_COMMAND_SCHEMAS } from './warning.schemas';

const DUTY = { userId: 'dinghu-duty', roles: ['duty_officer' as const], jurisdiction: '441203' };
const meta = { commandId: 'c-1', actor: DUTY, now: '2026-07-01T06:00:00.000Z', occurredAt: '2026-07-01T06:00:00.000Z' };

const DRAFT = {
  level: 'yellow',
  sender: { name: '鼎湖区突发事件预警信息发布中心', agencyCode: '416' },
  content: {
    category: 'Met',
    zh: { event: '暴雨', headline: '鼎湖区暴雨黄色预警', description: '预计6小时内降雨量50毫米以上。', instruction: '转移低洼地带群众。' },
    expires: '2026-07-01T20:00:00+08:00',
    channels: ['SMS'],
    area: { description: '鼎湖区', jurisdictions: ['441203'] },
  },
};

/** The paths zod names for a refused payload. */
function refusedPaths(result: { success: boolean; error?: { issues: { path: PropertyKey[] }[] } }): string[] {
  return result.success ? [] : (result.error?.issues ?? []).map((issue) => issue.path.map(String).join('.'));
}

describe('warning command payloads', () => {
  it('one schema per command of the warning machine', () => {
    expect(Object.keys(WARNING_COMMAND_SCHEMAS).sort()).toEqual(Object.keys(warningAggregate.eventFor).sort());
  });

  it('a minimal draft parses with its defaults (actual, no polygon, no English) and the machine takes it', () => {
    const parsed = WARNING_COMMAND_SCHEMAS.DraftWarning.parse(DRAFT);
    expect(parsed.status).toBe('actual');
    expect(parsed.content).toMatchObject({ eventCode: null, en: null, onset: null, area: { polygon: null, circles: [] } });
    expect(decide(warningAggregate, initialState(warningAggregate), { type: 'DraftWarning', ...parsed, warningId: 'w-1', jurisdiction: '441203', meta }).ok).toBe(true);
  });

  it('bad input is refused naming the field', () => {
    const bad = (change: (d: typeof DRAFT) => unknown) => refusedPaths(WARNING_COMMAND_SCHEMAS.DraftWarning.safeParse(change(structuredClone(DRAFT))));
    expect(bad((d) => ({ ...d, level: 'purple' }))).toEqual(['level']);
    expect(bad((d) => ({ ...d, sender: { ...d.sender, agencyCode: '41' } }))).toEqual(['sender.agencyCode']);
    expect(bad((d) => ({ ...d, content: { ...d.content, channels: ['PIGEON'] } }))).toEqual(['content.channels.0']);
    expect(bad((d) => ({ ...d, content: { ...d.content, area: { ...d.content.area, jurisdictions: [] } } }))).toEqual(['content.area.jurisdictions']);
    const open = [
      { lat: 23.1, lon: 112.5 },
      { lat: 23.2, lon: 112.5 },
      { lat: 23.2, lon: 112.6 },
      { lat: 23.1, lon: 112.6 },
    ];
    expect(bad((d) => ({ ...d, content: { ...d.content, area: { ...d.content.area, polygon: open } } }))).toEqual(['content.area.polygon']);
    expect(bad((d) => ({ ...d, content: { ...d.content, area: { ...d.content.area, polygon: [...open, { lat: 123, lon: 112.5 }] } } }))).toEqual(['content.area.polygon.4.lat', 'content.area.polygon']);
    expect(bad((d) => ({ ...d, content: { ...d.content, expires: 'tomorrow' } }))).toEqual(['content.expires']);
    expect(bad((d) => ({ ...d, content: { ...d.content, eventCode: 'rain' } }))).toEqual(['content.eventCode']);
    expect(bad((d) => ({ ...d, extra: 1 }))).toEqual(['']);
  });

  it('an update needs its reason; a lift its reason', () => {
    const parsed = WARNING_COMMAND_SCHEMAS.DraftWarning.parse(DRAFT);
    expect(refusedPaths(WARNING_COMMAND_SCHEMAS.UpdateWarning.safeParse({ reason: ' ', level: 'orange', content: parsed.content }))).toEqual(['reason']);
    expect(refusedPaths(WARNING_COMMAND_SCHEMAS.LiftWarning.safeParse({}))).toEqual(['reason']);
  });
});
