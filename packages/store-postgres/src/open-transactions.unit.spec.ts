import { describe, expect, it } from 'vitest';
import { TransactionHold } from './open-transactions';

describe('TransactionHold: one transaction\'s hold on the log', () => {
  it('lasts while events are held behind the same horizon, and ends when nothing is held', () => {
    const hold = new TransactionHold();
    expect(hold.note(false, '100', 0)).toBeNull();
    expect(hold.heldFor(0)).toBe(0);
    expect(hold.note(true, '100', 10)).toBeNull();
    expect(hold.note(true, '100', 4_010)).toBeNull();
    expect(hold.heldFor(5_010)).toBe(5_000);
    expect(hold.lasted(5_000, 5_010)).toBe(true);
    expect(hold.lasted(5_001, 5_010)).toBe(false);
    expect(hold.note(false, '120', 6_010)).toBe(6_000);
    expect(hold.heldFor(6_010)).toBe(0);
    expect(hold.lasted(0, 6_010), 'no hold lasts').toBe(false);
  });

  it('events held at every read behind a horizon that moves on (short transactions one after another) are short holds, each ended by the next', () => {
    const hold = new TransactionHold();
    const ended: (number | null)[] = [];
    for (let i = 0; i < 50; i++) ended.push(hold.note(true, String(100 + i), i * 100));
    expect(hold.heldFor(4_950)).toBe(50);
    expect(Math.max(...ended.map((e) => e ?? 0))).toBe(100);
    expect(ended.filter((e) => e !== null)).toHaveLength(49);
  });

  it('a hold that moves to a younger transaction starts anew; reset forgets it', () => {
    const hold = new TransactionHold();
    hold.note(true, '100', 0);
    expect(hold.note(true, '105', 3_000)).toBe(3_000);
    expect(hold.heldFor(3_500)).toBe(500);
    hold.reset();
    expect(hold.heldFor(3_500)).toBe(0);
    expect(hold.note(true, '105', 4_000)).toBeNull();
    expect(hold.heldFor(4_000)).toBe(0);
    expect(hold.heldFor(4_100)).toBe(100);
  });
});
