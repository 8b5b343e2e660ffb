import { describe, expect, it } from 'vitest';
import { signAckLink, verifyAckLink } from './ack-links';
import { createTokenVerifier, issueToken } from './tokens';

const secret = new TextEncoder().encode('a-test-secret-of-thirty-two-bytes!!');
const other = new TextEncoder().encode('another-secret-of-thirty-two-bytes!');
const now = new Date('2026-07-01T06:00:00Z');
const link = { warningId: 'w-1', recipientId: 'r-007' };

describe('acknowledgement links', () => {
  it('say whom and which warning they are for', async () => {
    const token = await signAckLink(link, { secret, ttlSeconds: 3600, now });
    expect(await verifyAckLink(token, { secret, now })).toEqual(link);
  });

  it('are refused when altered, signed with another secret, or expired', async () => {
    const token = await signAckLink(link, { secret, ttlSeconds: 3600, now });
    const [header, , signature] = token.split('.');
    const forged = `${header}.${Buffer.from(JSON.stringify({ warningId: 'w-1', sub: 'r-008', iss: 'muster', aud: 'muster-warning-ack', exp: 1_900_000_000 })).toString('base64url')}.${signature}`;
    expect(await verifyAckLink(forged, { secret, now })).toBeNull();
    expect(await verifyAckLink(token, { secret: other, now })).toBeNull();
    expect(await verifyAckLink(token, { secret, now: new Date(now.getTime() + 3601_000) })).toBeNull();
    expect(await verifyAckLink('not-a-token', { secret, now })).toBeNull();
  });

  it('never pass for a login token, and a login token never acknowledges', async () => {
    const token = await signAckLink(link, { secret, ttlSeconds: 3600, now });
    const verifier = createTokenVerifier({ secret, now: () => now.getTime() });
    // Refused for its audience, before its claims are read.
    await expect(verifier.verify(token)).rejects.toThrow('the token is not valid');
    const login = await issueToken({ userId: 'r-007', roles: ['duty_officer'], jurisdiction: '441203' }, { secret, ttlSeconds: 3600, now });
    expect(await verifyAckLink(login, { secret, now })).toBeNull();
  });
});
