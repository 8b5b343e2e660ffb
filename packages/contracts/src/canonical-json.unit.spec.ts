import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-json';

/**
 * The first implementation, kept as the oracle: event hashes and command fingerprints are computed
 * over canonicalJson, so a faster one must give the very same text for every value.
 */
function reference(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map((v: unknown) => reference(v)).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined && typeof v !== 'function' && typeof v !== 'symbol')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${reference(v)}`).join(',')}}`;
}

/** The text, or the error thrown (an invalid Date throws in both). */
function outcome(serialize: (value: unknown) => string, value: unknown): { text: string } | { error: string } {
  try {
    return { text: serialize(value) };
  } catch (error) {
    return { error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  }
}

describe('canonicalJson', () => {
  it('sorts keys at every level and leaves out undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, undefined, 'x'], c: null }, e: undefined })).toBe('{"a":{"c":null,"d":[1,null,"x"]},"b":1}');
    expect(canonicalJson({ é: 1, z: 2, A: 3, '10': 4, '9': 5 })).toBe('{"10":4,"9":5,"A":3,"z":2,"é":1}');
    expect(canonicalJson(new Date('2026-12-07T08:00:00Z'))).toBe('"2026-12-07T08:00:00.000Z"');
  });

  it('gives the text of the first implementation for any value (hashes and fingerprints stay valid)', () => {
    fc.assert(
      fc.property(fc.anything({ withDate: true, withSparseArray: true, withNullPrototype: true, withObjectString: true }), (value) => {
        expect(outcome(canonicalJson, value)).toEqual(outcome(reference, value));
      }),
      { numRuns: 2000 },
    );
  });
});
