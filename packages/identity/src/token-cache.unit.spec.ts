import { describe, expect, it } from 'vitest';
import { createTokenVerifier, issueToken } from './tokens';

const secret = new TextEncoder().encode('a-test-secret-of-at-least-32-characters!');
const actor = { userId: 'duty-1', roles: ['duty_officer' as const], jurisdiction: '441203' };

describe('verified tokens are remembered, never past their expiry', () => {
  it('a remembered token is refused from the moment it expires, with the expiry message', async () => {
    let clock = Date.parse('2026-11-30T10:00:00Z');
    const verifier = createTokenVerifier({ secret, now: () => clock });
    const token = await issueToken(actor, { secret, ttlSeconds: 60, now: new Date(clock) });
    expect((await verifier.verify(token)).actor).toEqual(actor);
    clock += 59_000;
    expect((await verifier.verify(token)).actor).toEqual(actor);
    clock += 1_000;
    await expect(verifier.verify(token)).rejects.toThrow(/expired/);
    // and again after it was dropped from the cache: full verification says the same
    await expect(verifier.verify(token)).rejects.toThrow(/expired/);
  });

  it('a token changed by one byte is verified on its own and refused', async () => {
    const verifier = createTokenVerifier({ secret });
    const token = await issueToken(actor, { secret, ttlSeconds: 60 });
    await verifier.verify(token);
    const [header, payload, signature] = token.split('.');
    const forgedPayload = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()), jurisdiction: '441200' })).toString('base64url');
    await expect(verifier.verify(`${header}.${forgedPayload}.${signature}`)).rejects.toThrow(/not valid/);
    const otherSecret = new TextEncoder().encode('another-secret-of-at-least-32-characters');
    await expect(createTokenVerifier({ secret: otherSecret }).verify(token)).rejects.toThrow(/not valid/);
  });

  it('holds at most cacheSize tokens, the oldest going first, and still verifies evicted ones', async () => {
    const verifier = createTokenVerifier({ secret, cacheSize: 2 });
    const tokens = await Promise.all([1, 2, 3].map((n) => issueToken({ ...actor, userId: `duty-${n}` }, { secret, ttlSeconds: 60 })));
    for (const token of tokens) await verifier.verify(token);
    const again = await Promise.all(tokens.map((token) => verifier.verify(token)));
    expect(again.map((i) => i.actor.userId)).toEqual(['duty-1', 'duty-2', 'duty-3']);
  });
});
