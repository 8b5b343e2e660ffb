import { describe, expect, it } from 'vitest';
import { coverage, dispatchDepots, needsByKind, shortage } from './stock';

describe('stock against need for the dispatch picker', () => {
  it('merges the rows of one kind and keeps the order they were asked in', () => {
    expect(
      needsByKind([
        { kind: '应急帐篷', quantity: 10 },
        { kind: '冲锋舟', quantity: 2 },
        { kind: '应急帐篷', quantity: 5 },
      ]),
    ).toEqual([
      { kind: '应急帐篷', quantity: 15 },
      { kind: '冲锋舟', quantity: 2 },
    ]);
  });

  it('reads each kind asked against the stock, a kind not held as 0, short when fewer than needed', () => {
    const result = coverage(
      [
        { kind: '应急帐篷', quantity: 40 },
        { kind: '冲锋舟', quantity: 1 },
        { kind: '沙袋', quantity: 900 },
      ],
      [
        { kind: '应急帐篷', quantity: 10 },
        { kind: '冲锋舟', quantity: 2 },
        { kind: '救生衣', quantity: 20 },
      ],
    );
    expect(result.lines).toEqual([
      { kind: '应急帐篷', have: 40, need: 10, short: false },
      { kind: '冲锋舟', have: 1, need: 2, short: true },
      { kind: '救生衣', have: 0, need: 20, short: true },
    ]);
    expect(result.enough).toBe(false);
  });

  it('is enough when exactly the quantity asked is there', () => {
    expect(coverage([{ kind: '冲锋舟', quantity: 2 }], [{ kind: '冲锋舟', quantity: 2 }]).enough).toBe(true);
  });

  it("offers the room's own depots only, those that cover the request first", () => {
    const depots = [
      { depotId: 'a', jurisdiction: '441203', stock: [{ kind: '冲锋舟', quantity: 1 }] },
      { depotId: 'b', jurisdiction: '441200', stock: [{ kind: '冲锋舟', quantity: 50 }] },
      { depotId: 'c', jurisdiction: '441203', stock: [{ kind: '冲锋舟', quantity: 5 }] },
    ];
    const picked = dispatchDepots(depots, '441203', [{ kind: '冲锋舟', quantity: 2 }]);
    expect(picked.map((d) => [d.depotId, d.coverage.enough])).toEqual([
      ['c', true],
      ['a', false],
    ]);
  });

  it("reads the api's refusal of a depot short of a kind, and nothing else", () => {
    expect(shortage({ depotId: 'd', kind: '冲锋舟', requested: 2, available: 1 })).toEqual({ kind: '冲锋舟', requested: 2, available: 1 });
    expect(shortage({ unavailable: ['team-1'] })).toBeNull();
    expect(shortage(undefined)).toBeNull();
  });
});
