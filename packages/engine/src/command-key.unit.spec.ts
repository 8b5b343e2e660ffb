import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fingerprintOf, pureSha256Hex } from './command-key';

const nodeSha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');

describe('command fingerprints', () => {
  it("the engine's pure SHA-256 and Node's (what the services pass) give the same digest, so stored fingerprints match either way", () => {
    const texts = ['', 'a', '预警 黄色 鼎湖区', 'x'.repeat(55), 'x'.repeat(56), 'x'.repeat(64), '🌊'.repeat(1000)];
    for (const text of texts) expect(pureSha256Hex(text)).toBe(nodeSha256Hex(text));
    const asked = { streamType: 'incident', type: 'UpdateIncidentDetails', data: { description: '水位上涨', b: [1, 2] }, expectedVersion: 3 };
    expect(fingerprintOf(asked, nodeSha256Hex)).toBe(fingerprintOf(asked));
    // Known answer: SHA-256 of "abc".
    expect(pureSha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('another payload, version or moment is another fingerprint', () => {
    const asked = { streamType: 'incident', type: 'UpdateIncidentDetails', data: { description: 'a' } };
    const base = fingerprintOf(asked, nodeSha256Hex);
    expect(fingerprintOf({ ...asked, data: { description: 'b' } }, nodeSha256Hex)).not.toBe(base);
    expect(fingerprintOf({ ...asked, expectedVersion: 1 }, nodeSha256Hex)).not.toBe(base);
    expect(fingerprintOf({ ...asked, occurredAt: '2026-12-07T08:00:00.000Z' }, nodeSha256Hex)).not.toBe(base);
  });
});
