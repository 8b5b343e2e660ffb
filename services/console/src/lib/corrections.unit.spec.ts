import { describe, expect, it } from 'vitest';
import { mayCorrect } from './corrections';

const PARENTS: Record<string, string | null> = { '440000': null, '441200': '440000', '441203': '441200', '441224': '441200' };
const parentOf = (code: string) => PARENTS[code];
const duty = (room: string) => ({ roles: ['duty_officer'], room });

describe('who is offered to correct the record', () => {
  it('the lead room and the rooms above it, while the incident is open', () => {
    expect(mayCorrect('responseActive', duty('441203'), '441203', parentOf)).toBe(true);
    expect(mayCorrect('responseActive', duty('441200'), '441203', parentOf)).toBe(true);
    expect(mayCorrect('responseActive', duty('440000'), '441203', parentOf)).toBe(true);
    expect(mayCorrect('responseActive', { roles: ['leader'], room: '441203' }, '441203', parentOf)).toBe(true);
  });

  it('never a sibling room, a responder or a reviewer', () => {
    expect(mayCorrect('responseActive', duty('441224'), '441203', parentOf)).toBe(false);
    expect(mayCorrect('responseActive', { roles: ['responder'], room: '441203' }, '441203', parentOf)).toBe(false);
    expect(mayCorrect('responseActive', { roles: ['reviewer'], room: '441200' }, '441203', parentOf)).toBe(false);
    expect(mayCorrect('responseActive', { roles: ['reviewer', 'duty_officer'], room: '441200' }, '441203', parentOf)).toBe(false);
  });

  it('nothing once the incident is closed or dismissed', () => {
    expect(mayCorrect('closed', duty('441203'), '441203', parentOf)).toBe(false);
    expect(mayCorrect('dismissed', duty('441200'), '441203', parentOf)).toBe(false);
  });
});
