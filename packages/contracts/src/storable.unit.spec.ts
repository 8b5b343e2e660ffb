import { describe, expect, it } from 'vitest';
import { ClientFrameSchema } from './ws-frames';
import { ComputedTimeSchema, IsoTimeSchema, MAX_TERM_MINUTES, TIME_RANGE } from './incident.schemas';
import { DEFAULT_MAX_JSON_DEPTH, findUnstorable } from './storable';

const check = (value: unknown, maxDepth = DEFAULT_MAX_JSON_DEPTH) => findUnstorable(value, { maxDepth });

/** `levels` objects nested under one another, built without recursion. */
function nested(levels: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < levels; i++) value = { a: value };
  return value;
}

describe('findUnstorable: what PostgreSQL cannot keep as sent, named by its path', () => {
  it('a NUL anywhere in a value is found and named', () => {
    expect(check({ data: { title: 'Flood\u0000' } })).toStrictEqual({ path: 'data.title', message: expect.stringContaining('NUL') });
    expect(check({ items: [{ kind: 'pump' }, { kind: '\u0000' }] })?.path).toBe('items.1.kind');
    expect(check('\u0000')?.path).toBe('');
  });

  it('a lone high or low surrogate is found; a pair (an emoji, a rare CJK character) is text', () => {
    expect(check({ reason: 'x\ud800' })?.message).toContain('lone surrogate (\\ud800)');
    expect(check({ reason: '\udc00x' })?.message).toContain('lone surrogate (\\udc00)');
    expect(check({ reason: '\udc00\ud800' })?.path).toBe('reason');
    expect(check({ reason: '🌊 𠀋 \uffff \u2028 \u0001' })).toBeNull();
  });

  it('keys are checked like values, and the path shows the bad key escaped', () => {
    expect(check({ data: { 'ti\u0000tle': 'x' } })).toStrictEqual({ path: 'data.ti\\u0000tle', message: expect.stringContaining('the key') });
    expect(check({ data: { '\ud800': 1 } })?.path).toBe('data.\\ud800');
  });

  it('a number JSON cannot carry (Infinity from 1e999) is refused', () => {
    expect(check(JSON.parse('{"amendedData":{"dead":1e999}}'))?.path).toBe('amendedData.dead');
    expect(check({ n: 1e308, m: -0, k: 2 ** 53 + 1 })).toBeNull();
  });

  it('reports the first problem in document order', () => {
    expect(check({ a: 'ok', b: ['fine', '\u0000'], c: '\u0000' })?.path).toBe('b.1');
  });

  it('nesting is bounded: exactly maxDepth levels pass, one more is refused at its path', () => {
    expect(check(nested(DEFAULT_MAX_JSON_DEPTH))).toBeNull();
    expect(check(nested(DEFAULT_MAX_JSON_DEPTH + 1))).toStrictEqual({ path: Array(DEFAULT_MAX_JSON_DEPTH).fill('a').join('.'), message: 'nests deeper than 32 levels' });
    expect(check([[[1]]], 2)?.path).toBe('0.0');
  });

  it('walks 100,000 levels without overflowing the stack', () => {
    const deep = JSON.parse('['.repeat(100_000) + ']'.repeat(100_000)) as unknown;
    expect(check(deep)?.message).toContain('deeper than 32');
  });

  it('takes a prefix for query strings and path parameters', () => {
    expect(findUnstorable({ jurisdiction: '441200\u0000' }, { maxDepth: 4, prefix: ['query'] })?.path).toBe('query.jurisdiction');
  });
});

describe('IsoTimeSchema: dates held to TIME_RANGE before PostgreSQL', () => {
  it('refuses year 0000, 9999, +275760, 30 February, and anything outside 2000–2100, once per field', () => {
    for (const value of ['0000-01-01T00:00:00Z', '9999-12-31T23:59:59Z', '+275760-09-13T00:00:00Z', '2026-02-30T00:00:00Z', '1999-12-31T23:59:59.999Z', '2101-01-01T00:00:00Z', 'monday']) {
      const result = IsoTimeSchema.safeParse(value);
      expect(result.success, value).toBe(false);
      expect(result.error?.issues, value).toHaveLength(1);
    }
  });

  it('accepts both ends of the range, with offsets read as instants', () => {
    expect(IsoTimeSchema.safeParse(TIME_RANGE.earliest).success).toBe(true);
    expect(IsoTimeSchema.safeParse(TIME_RANGE.latest).success).toBe(true);
    expect(IsoTimeSchema.safeParse('2000-01-01T08:00:00+08:00').success).toBe(true);
    expect(IsoTimeSchema.safeParse('2000-01-01T07:59:59+08:00').success).toBe(false);
  });

  it('a deadline the engine computes from the latest accepted time still parses: nothing computed overflows', () => {
    const latestDeadline = new Date(Date.parse(TIME_RANGE.latest) + MAX_TERM_MINUTES * 60_000).toISOString();
    expect(ComputedTimeSchema.safeParse(latestDeadline).success).toBe(true);
    expect(IsoTimeSchema.safeParse(latestDeadline).success).toBe(false);
  });
});

describe('live feed frames cannot carry what PostgreSQL cannot store', () => {
  // Every string of a client frame is an enum, a six-digit code, an id or a position: none admits a
  // NUL or a surrogate, so the gateway refuses them with its ordinary 4400 error frame.
  it('a NUL or a lone surrogate in a room, an incident or a position is refused', () => {
    for (const frame of [
      { type: 'subscribe', rooms: ['441200\u0000'] },
      { type: 'subscribe', incidents: ['inc-1\ud800'] },
      { type: 'subscribe', after: '1.1\u0000' },
      { type: 'unsubscribe', incidents: ['\udc00'] },
      { type: 'ping\u0000' },
    ]) {
      expect(ClientFrameSchema.safeParse(frame).success, JSON.stringify(frame)).toBe(false);
    }
  });

  it('a frame nested 8,000 deep (the most 16 KiB can hold) is refused without recursing into it', () => {
    const deep = JSON.parse(`{"type":"subscribe","rooms":${'['.repeat(8_000)}${']'.repeat(8_000)}}`) as unknown;
    expect(ClientFrameSchema.safeParse(deep).success).toBe(false);
  });
});
