import { describe, expect, it } from 'vitest';
import { domainNames, findLeaks } from './dom-scan';

describe('DOM scan of the zh-CN console', () => {
  it('knows the domain’s states, events and commands', () => {
    const names = domainNames();
    for (const name of ['responseActive', 'underReview', 'transferPending', 'CommanderAppointed', 'IncidentReported', 'AppointCommander', 'ResourcesDispatched', 'LeadPrompted', 'enRoute']) {
      expect(names).toContain(name);
    }
  });

  it('passes Chinese text with names, times and numbers', () => {
    const text = '鼎湖区坑口街道山体滑坡\n状态 应急响应中\n现场指挥官 李指挥 · 13800000000\n2026-07-01 14:10:00 (UTC+8 北京时间)\nICS 209 时间线 CSV\n鼎湖区值班员 Dinghu duty officer\n安置名单.xlsx';
    expect(findLeaks(text)).toStrictEqual([]);
  });

  it('fails a UUID, with its context', () => {
    const leaks = findLeaks('待接受的移交 王副指挥 (3f2b8c1a-9d4e-4b7a-8c2d-1e2f3a4b5c6d)');
    expect(leaks).toHaveLength(1);
    expect(leaks[0]).toContain('UUID');
    expect(leaks[0]).toContain('3f2b8c1a-9d4e');
  });

  it('fails English state and event names as whole words, not inside other words', () => {
    expect(findLeaks('状态 responseActive')).toStrictEqual([expect.stringContaining('"responseActive"')]);
    expect(findLeaks('14:10 CommanderAppointed 鼎湖区')).toStrictEqual([expect.stringContaining('"CommanderAppointed"')]);
    expect(findLeaks('recordedAt=2026 type=TransferOffered')).toStrictEqual([expect.stringContaining('"TransferOffered"')]);
    // A longer word that merely contains a name is not that name.
    expect(findLeaks('Reopened reportedly')).toStrictEqual([]);
  });

  it('fails an untranslated i18n key', () => {
    expect(findLeaks('状态 state.transferPendingX')).toStrictEqual([expect.stringContaining('untranslated key "state.transferPendingX"')]);
    expect(findLeaks('类别 cat.flood')[0]).toContain('cat.flood');
    expect(findLeaks('event.SomethingNew')[0]).toContain('event.SomethingNew');
  });
});
