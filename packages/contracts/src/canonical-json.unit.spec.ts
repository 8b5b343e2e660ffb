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

/** A deterministic generator (mulberry32): the same values on every run, so a failure can be replayed. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const KEYS = ['a', 'b', 'B', 'é', '10', '9', '', 'z', '事件', '__proto__x', '"q"', 'a b'];
const STRINGS = ['', 'x', '预警 黄色', '"\\', '\n\t', '\u0000', '🌊', '\ud800'];

/** Any value canonicalJson may meet: JSON, undefined, dates (valid or not), functions, symbols, sparse arrays, null prototypes. */
function anyValue(random: () => number, depth: number): unknown {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const kind = Math.floor(random() * (depth > 0 ? 13 : 9));
  switch (kind) {
    case 0: return null;
    case 1: return undefined;
    case 2: return random() < 0.5;
    case 3: return pick([0, -0, 1, -1.5, 1e21, Number.MAX_SAFE_INTEGER, Number.NaN, Number.POSITIVE_INFINITY]);
    case 4: return Math.floor(random() * 1e6) / 7;
    case 5: return pick(STRINGS);
    case 6: return random() < 0.8 ? new Date(Math.floor(random() * 4e12)) : new Date(Number.NaN);
    case 7: return pick([() => 1, Symbol('s')]);
    case 8: return pick(KEYS);
    case 9:
    case 10: {
      const out: unknown[] = [];
      const length = Math.floor(random() * 5);
      for (let i = 0; i < length; i++) if (random() < 0.9) out[i] = anyValue(random, depth - 1);
      out.length = length;
      return out;
    }
    default: {
      const out: Record<string, unknown> = random() < 0.2 ? Object.create(null) : {};
      const size = Math.floor(random() * 5);
      for (let i = 0; i < size; i++) out[pick(KEYS)] = anyValue(random, depth - 1);
      return out;
    }
  }
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
    const random = seeded(20261207);
    for (let i = 0; i < 5000; i++) {
      const value = anyValue(random, 4);
      expect(outcome(canonicalJson, value)).toEqual(outcome(reference, value));
    }
  });
});
