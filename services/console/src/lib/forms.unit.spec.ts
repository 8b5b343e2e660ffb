import { MusterApiError } from '@muster/client';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { en, zhCN } from 'zod/locales';
import { apiErrors, check } from './forms';
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

  it('any other refusal by rule is 无权执行此操作 with the command; other codes read in Chinese by code; field issues stay by field', () => {
    expect(apiErrors(forbidden({ command: 'DeclineLead' }), zh)['_form']).toBe('无权执行此操作（不接管指挥）');
    // The api's words follow the sentence only when they are Chinese already.
    const short = new MusterApiError(409, { code: 'conflict', message: 'depot depot-1 has 1 冲锋舟, 2 asked' }, {});
    expect(apiErrors(short, zh)['_form']).toBe('操作未执行：与当前数据冲突（如库存不足、队伍已派出或记录已被更新）：depot depot-1 has 1 冲锋舟, 2 asked');
    const busy = new MusterApiError(409, { code: 'conflict', message: 'team t-1 is assigned' }, {});
    expect(apiErrors(busy, zh)['_form']).toBe('操作未执行：与当前数据冲突（如库存不足、队伍已派出或记录已被更新）');
    const stale = new MusterApiError(409, { code: 'conflict', message: 'incident x is at version 4, not 3', details: { expectedVersion: 3, actualVersion: 4 } }, {});
    expect(apiErrors(stale, zh)['_form']).toBe('记录已被他人更新，请刷新后再试');
    const illegal = new MusterApiError(409, { code: 'illegal_transition', message: 'CloseIncident is not allowed while the incident is responseActive', details: { state: 'responseActive', allowed: [] } }, {});
    expect(apiErrors(illegal, zh)['_form']).toBe('当前状态为“应急响应中”，不能执行此操作；请刷新查看最新状态');
    const onRequest = new MusterApiError(409, { code: 'illegal_transition', message: 'x', details: { state: 'zzzUnknown', allowed: [] } }, {});
    expect(apiErrors(onRequest, zh)['_form']).toBe('当前状态不能执行此操作');
    expect(apiErrors(new MusterApiError(503, { code: 'unavailable', message: 'database unreachable' }, {}), zh)['_form']).toBe('服务暂不可用（数据库未连接），请稍后重试');
    const invalid = new MusterApiError(400, { code: 'validation', message: 'x', issues: [{ path: 'data.reason', message: '必填' }] }, {});
    expect(apiErrors(invalid, zh)).toStrictEqual({ reason: '必填' });
    // An English field message of the api reads 填写有误 in Chinese, as it is in English.
    const english = new MusterApiError(400, { code: 'validation', message: 'x', issues: [{ path: 'data.jurisdiction', message: 'unknown jurisdiction 999999' }] }, {});
    expect(apiErrors(english, zh)).toStrictEqual({ jurisdiction: '填写有误' });
    expect(apiErrors(english, translator('en'))).toStrictEqual({ jurisdiction: 'unknown jurisdiction 999999' });
  });

  it("a form's own check reads in the console's language, even where the schema carries an English message", () => {
    z.config(zhCN());
    const checked = check(z.strictObject({ reason: z.string().trim().min(1, 'must not be empty') }), { reason: '' });
    expect(checked.ok).toBe(false);
    if (!checked.ok) expect(checked.errors['reason']).toMatch(/[\u4e00-\u9fff]/);
    z.config(en());
    const english = check(z.strictObject({ reason: z.string().min(1, 'must not be empty') }), { reason: '' });
    if (!english.ok) expect(english.errors['reason']).not.toMatch(/[\u4e00-\u9fff]/);
    expect(english.ok).toBe(false);
  });
});
