import { nextBeijingSecond } from '@muster/domain';
import { createTestDatabase, type TestDatabase } from '@muster/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reserveWarningIdentifier } from './warnings';

/** GB/T 35965.1 identifier slots (issue 21): unique per sender code, second and sequence 0–9. */

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase('warning_identifier');
});
afterAll(async () => {
  await t?.drop();
});

const SENDER = '44120341600000';
const reserve = (key: string, senderCode = SENDER) => reserveWarningIdentifier(t.db, { senderCode, stamp: '20260701140300', key, nextStamp: nextBeijingSecond });

describe('identifier slots', () => {
  it('twelve releases of one sender in one second: 0–9 of that second, then the next second; concurrent callers never share one', async () => {
    const slots = await Promise.all(Array.from({ length: 12 }, (_, i) => reserve(`k-${i}`)));
    const keys = slots.map((s) => `${s.stamp}_${s.sequence}`);
    expect(new Set(keys).size).toBe(12);
    expect(slots.filter((s) => s.stamp === '20260701140300').map((s) => s.sequence).sort((a, b) => a - b)).toStrictEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(slots.filter((s) => s.stamp === '20260701140301').map((s) => s.sequence).sort((a, b) => a - b)).toStrictEqual([0, 1]);
  });

  it('a retried command (same key) gets its slot again; another sender has its own sequence', async () => {
    const first = await reserve('k-0');
    expect(await reserve('k-0')).toStrictEqual(first);
    expect(await reserve('other-0', '44122341600000')).toStrictEqual({ stamp: '20260701140300', sequence: 0 });
  });
});
