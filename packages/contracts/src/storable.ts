import type { FieldIssue } from './errors';

/**
 * Input PostgreSQL cannot keep as sent (issue 14, finding 8), found before any schema or handler
 * sees it:
 * - a NUL character (U+0000): `text` refuses the byte and `jsonb` the `\u0000` escape, so the write
 *   failed with a 500;
 * - a lone surrogate (U+D800–U+DFFF without its pair): not Unicode text; the driver's UTF-8
 *   encoding silently replaced it with U+FFFD in tables, and `jsonb` refused it in events;
 * - a number JSON cannot carry (`1e999` parses to Infinity, which would be stored as `null`);
 * - nesting deeper than a bound: schemas, `JSON.stringify` and the hash chain recurse, and 10,000
 *   levels overflowed the stack.
 * Keys are checked like values: they are stored too (in `jsonb` and in issue paths).
 */

/** Default bound on the nesting of a request body: far above any command's (5 levels), far below the stack's. */
export const DEFAULT_MAX_JSON_DEPTH = 32;

const NUL = '\u0000';
// Without the `u` flag the pattern sees UTF-16 code units, so it finds a high surrogate not followed
// by a low one, and a low one not preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const UNSTORABLE = new RegExp(`\\u0000|${LONE_SURROGATE.source}`, 'g');

/** What is wrong with a string, or null when PostgreSQL stores it exactly as sent. */
function textProblem(text: string): string | null {
  if (text.includes(NUL)) return 'contains a NUL character (\\u0000), which cannot be stored';
  const lone = LONE_SURROGATE.exec(text);
  if (lone) return `contains a lone surrogate (${escape(lone[0])}), which is not Unicode text`;
  return null;
}

/** A key as it may appear in a path: NUL and lone surrogates written as \uXXXX escapes. */
function escape(text: string): string {
  return text.replace(UNSTORABLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A path step, kept as a linked list so that a wide body costs one small object per value, not a copy of its path. */
interface Step {
  readonly key: string;
  readonly parent: Step | null;
}

function pathOf(prefix: readonly string[], step: Step | null): string {
  const keys: string[] = [];
  for (let s = step; s !== null; s = s.parent) keys.push(escape(s.key));
  return [...prefix, ...keys.reverse()].join('.');
}

export interface StorableOptions {
  /** Containers may nest this deep (the outermost object or array is level 1). */
  maxDepth: number;
  /** Prepended to every issue path, e.g. `['query']`. */
  prefix?: readonly string[];
}

/**
 * The first place in a parsed JSON value (or a query string / path parameters object) that cannot
 * be stored as sent, as a field issue naming its path (`data.title`, `query.jurisdiction`), or null.
 * Iterative, so that no input depth can overflow the stack here.
 */
export function findUnstorable(value: unknown, options: StorableOptions): FieldIssue | null {
  const prefix = options.prefix ?? [];
  // `keyed`: the step's key is an object key, checked when the value under it is reached.
  const pending: { value: unknown; at: Step | null; depth: number; keyed: boolean }[] = [{ value, at: null, depth: 0, keyed: false }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const { value: current, at, depth, keyed } = next;
    if (keyed && at !== null) {
      const problem = textProblem(at.key);
      if (problem) return { path: pathOf(prefix, at), message: `the key ${problem}` };
    }
    if (typeof current === 'string') {
      const problem = textProblem(current);
      if (problem) return { path: pathOf(prefix, at), message: problem };
      continue;
    }
    if (typeof current === 'number') {
      if (!Number.isFinite(current)) return { path: pathOf(prefix, at), message: 'is a number out of range' };
      continue;
    }
    if (current === null || typeof current !== 'object') continue;
    if (depth + 1 > options.maxDepth) {
      return { path: pathOf(prefix, at), message: `nests deeper than ${options.maxDepth} levels` };
    }
    const array = Array.isArray(current);
    const entries: [string, unknown][] = array ? current.map((item: unknown, i) => [String(i), item]) : Object.entries(current);
    // Pushed in reverse so that the walk reports the first problem in document order.
    for (let i = entries.length - 1; i >= 0; i--) {
      const entry = entries[i];
      if (entry === undefined) continue;
      pending.push({ value: entry[1], at: { key: entry[0], parent: at }, depth: depth + 1, keyed: !array });
    }
  }
  return null;
}
