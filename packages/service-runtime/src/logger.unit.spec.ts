import { describe, expect, it } from 'vitest';
import { logFormatOf } from './logger';

describe('the log format of a process', () => {
  it('LOG_FORMAT decides when set; otherwise pretty in a terminal and JSON lines anywhere else', () => {
    expect(logFormatOf(undefined, true)).toBe('pretty');
    expect(logFormatOf(undefined, false)).toBe('json');
    expect(logFormatOf('json', true)).toBe('json');
    expect(logFormatOf('pretty', false)).toBe('pretty');
  });
});
