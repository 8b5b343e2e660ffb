import type { EventEnvelope } from '@muster/contracts';

/** The subject root of Muster's events; tests replace it to isolate themselves on a shared server. */
export const DEFAULT_SUBJECT_PREFIX = 'muster';

// A prefix is one or more literal subject tokens: no wildcards, whitespace or empty tokens, which
// would make the stream bind subjects it does not own or make publishes land nowhere.
const PREFIX_PATTERN = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

export function assertSubjectPrefix(prefix: string): string {
  if (!PREFIX_PATTERN.test(prefix)) {
    throw new RangeError(`not a subject prefix (tokens of letters, digits, _ or - joined by dots): ${JSON.stringify(prefix)}`);
  }
  return prefix;
}

/**
 * One subject token from an arbitrary string. Ids are validated to `[A-Za-z0-9_-]` at the api, but
 * the relay must never get stuck on an event whose subject it cannot build, so any other character
 * (a dot would split the token, `*` and `>` are wildcards) is percent-encoded; `%` itself is encoded
 * too so the mapping stays reversible and distinct ids never share a subject.
 */
export function subjectToken(value: string): string {
  if (value === '') return '%';
  let out = '';
  for (const ch of value) {
    if (/^[A-Za-z0-9_-]$/.test(ch)) {
      out += ch;
    } else {
      for (const byte of new TextEncoder().encode(ch)) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    }
  }
  return out;
}

/** The wildcard the event stream binds: every event under `prefix`. */
export function eventSubjects(prefix: string = DEFAULT_SUBJECT_PREFIX): string {
  return `${assertSubjectPrefix(prefix)}.evt.>`;
}

/** `<prefix>.evt.<jurisdiction>.<streamType>.<streamId>` (DESIGN §2, §7). */
export function subjectFor(event: Pick<EventEnvelope, 'streamType' | 'streamId' | 'meta'>, prefix: string = DEFAULT_SUBJECT_PREFIX): string {
  return [
    assertSubjectPrefix(prefix),
    'evt',
    subjectToken(event.meta.jurisdiction),
    subjectToken(event.streamType),
    subjectToken(event.streamId),
  ].join('.');
}

/** The subject filter of one jurisdiction's events, for consumers that only want a room's traffic. */
export function jurisdictionSubjects(jurisdiction: string, prefix: string = DEFAULT_SUBJECT_PREFIX): string {
  return `${assertSubjectPrefix(prefix)}.evt.${subjectToken(jurisdiction)}.>`;
}
