import { describe, expect, it } from 'vitest';
import { actionState, parseCapabilities, parseCorrectiveActions } from './drill';

describe('drill screens', () => {
  it('read capability lines: capability, rating, strengths | improvements; a line without a rating keeps the rating empty for the schema to name', () => {
    expect(parseCapabilities('信息报送 S 初报及时；口径统一 | 续报迟了；缺伤亡数字\n\n群众转移 P\n现场指挥')).toStrictEqual([
      { capability: '信息报送', rating: 'S', strengths: ['初报及时', '口径统一'], improvements: ['续报迟了', '缺伤亡数字'] },
      { capability: '群众转移', rating: 'P', strengths: [], improvements: [] },
      { capability: '现场指挥', rating: '', strengths: [], improvements: [] },
    ]);
  });

  it('read corrective action lines with the room by name and the deadline as the end of a Beijing day', () => {
    const rooms = new Map([['鼎湖区', '441203']]);
    let n = 0;
    expect(parseCorrectiveActions('修订转移名单｜鼎湖区｜2026-08-01', (name) => rooms.get(name) ?? name, () => `ca-${++n}`)).toStrictEqual([
      { actionId: 'ca-1', action: '修订转移名单', owner: '441203', deadline: '2026-08-01T23:59:59+08:00' },
    ]);
  });

  it('say whether a corrective action is open, overdue (escalated) or closed', () => {
    expect(actionState({ closedAt: null, overdueAt: null })).toBe('open');
    expect(actionState({ closedAt: null, overdueAt: '2026-08-02T00:00:00Z' })).toBe('overdue');
    expect(actionState({ closedAt: '2026-08-03T00:00:00Z', overdueAt: '2026-08-02T00:00:00Z' })).toBe('closed');
  });
});
