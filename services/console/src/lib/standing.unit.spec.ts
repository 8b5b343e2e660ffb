import { describe, expect, it } from 'vitest';
import { involves, leadsOrAbove } from './standing';

const PARENTS: Record<string, string | null> = { '440000': null, '441200': '440000', '441203': '441200', '441224': '441200', '441284': '441200' };
const parentOf = (code: string) => PARENTS[code];
const incident = { leadJurisdiction: '441203', linkedJurisdictions: ['441224'], supportingJurisdictions: [] };

describe('where a room stands to an incident', () => {
  it('the lead and every room above it lead or stand above', () => {
    expect(leadsOrAbove('441203', '441203', parentOf)).toBe(true);
    expect(leadsOrAbove('441200', '441203', parentOf)).toBe(true);
    expect(leadsOrAbove('440000', '441203', parentOf)).toBe(true);
    expect(leadsOrAbove('441224', '441203', parentOf)).toBe(false);
    // A tree with a loop in it does not hang the console.
    expect(leadsOrAbove('440000', 'a', (code) => (code === 'a' ? 'b' : 'a'))).toBe(false);
  });

  it('a linked or supporting room is involved, a sibling that is neither is not', () => {
    expect(involves('441203', incident, parentOf)).toBe(true);
    expect(involves('441224', incident, parentOf)).toBe(true);
    expect(involves('441200', incident, parentOf)).toBe(true);
    expect(involves('441284', incident, parentOf)).toBe(false);
    expect(involves('441284', { ...incident, supportingJurisdictions: ['441284'] }, parentOf)).toBe(true);
  });
});
