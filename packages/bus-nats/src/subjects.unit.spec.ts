import { contractEvent } from '@muster/testkit';
import { describe, expect, it } from 'vitest';
import { eventStreamConfig } from './stream';
import { assertSubjectPrefix, eventSubjects, jurisdictionSubjects, subjectFor, subjectToken } from './subjects';

describe('subjects', () => {
  it('names an event muster.evt.<jurisdiction>.<streamType>.<streamId>', () => {
    const event = contractEvent('inc-42', 1);
    expect(subjectFor(event)).toBe('muster.evt.441203.incident.inc-42');
    expect(subjectFor(event, 't_abc.x')).toBe('t_abc.x.evt.441203.incident.inc-42');
  });

  it('encodes characters that would split a token or act as a wildcard, reversibly', () => {
    expect(subjectToken('a.b')).toBe('a%2Eb');
    expect(subjectToken('*')).toBe('%2A');
    expect(subjectToken('>')).toBe('%3E');
    expect(subjectToken('a b')).toBe('a%20b');
    expect(subjectToken('%2E')).toBe('%252E');
    expect(subjectToken('鼎湖')).toBe('%E9%BC%8E%E6%B9%96');
    expect(subjectToken('')).toBe('%');
    expect(subjectFor(contractEvent('x.*.>', 1))).toBe('muster.evt.441203.incident.x%2E%2A%2E%3E');
  });

  it('rejects prefixes that are not literal tokens', () => {
    for (const bad of ['', 'a.', '.a', 'a..b', 'a.*', 'a.>', 'a b']) expect(() => assertSubjectPrefix(bad)).toThrow(RangeError);
    expect(eventSubjects('t_1')).toBe('t_1.evt.>');
    expect(jurisdictionSubjects('441203')).toBe('muster.evt.441203.>');
  });

  it('configures a file-backed stream with a duplicate window, 2.9-compatible fields only', () => {
    const config = eventStreamConfig({ name: 'MUSTER_EVENTS' });
    expect(config.subjects).toEqual(['muster.evt.>']);
    expect(config.storage).toBe('file');
    expect(config.duplicate_window).toBe(120_000_000_000);
    expect(Object.keys(config)).not.toContain('metadata');
    expect(Object.keys(config)).not.toContain('first_seq');
  });
});
