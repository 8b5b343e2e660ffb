import { MusterApiError } from '@muster/client';
import { describe, expect, it } from 'vitest';
import { apiErrors } from './forms';
import { translator } from './i18n';

const zh = translator('zh-CN');
const forbidden = (details: Record<string, unknown>, message = 'ActivateResponse may be sent only by …') =>
  new MusterApiError(403, { code: 'forbidden', message, details }, {});

describe('refusals read in the console language', () => {
  it('a response level above the room names the level and the lowest room, in Chinese', () => {
    const error = forbidden({ command: 'ActivateResponse', level: 'III', lowestRoom: 'city', rule: 'level-iii' });
    expect(apiErrors(error, zh)).toStrictEqual({ _form: '三级响应须由市级或以上指挥中心启动' });
    expect(apiErrors(forbidden({ command: 'ChangeResponseLevel', level: 'I', lowestRoom: 'province' }), zh)['_form']).toBe('一级响应须由省级或以上指挥中心启动');
  });

  it("a command the room above may not send names what it may, in Chinese", () => {
    const error = forbidden({ command: 'DeclareControlled', rule: 'upperRoomRights', upperRoomCommands: ['RaiseLead', 'ClassifyIncident', 'ActivateResponse'] });
    expect(apiErrors(error, zh)['_form']).toBe('该操作由牵头单位执行；上级指挥中心未接管指挥时只可：提级牵头、定级、启动响应');
  });

  it('any other refusal by rule is 无权执行此操作 with the command; other codes keep the api words; field issues stay by field', () => {
    expect(apiErrors(forbidden({ command: 'DeclineLead' }), zh)['_form']).toBe('无权执行此操作（不接管指挥）');
    const conflict = new MusterApiError(409, { code: 'conflict', message: 'depot depot-1 has 1 冲锋舟, 2 asked' }, {});
    expect(apiErrors(conflict, zh)['_form']).toBe('conflict: depot depot-1 has 1 冲锋舟, 2 asked');
    const invalid = new MusterApiError(400, { code: 'validation', message: 'x', issues: [{ path: 'data.reason', message: '必填' }] }, {});
    expect(apiErrors(invalid, zh)).toStrictEqual({ reason: '必填' });
  });
});
