import { JurisdictionTree, ZHAOQING_JURISDICTIONS } from '@muster/domain';
import { describe, expect, it } from 'vitest';
import { createTokenVerifier, issueToken } from './tokens';

const secret = new TextEncoder().encode('a-test-secret-of-at-least-32-characters!');
const tree = new JurisdictionTree(ZHAOQING_JURISDICTIONS);

// Issue 14 finding 3: a correctly signed admin token for a code outside the tree passed the incident rules everywhere.
describe('a token for a jurisdiction outside the tree is refused', () => {
  it('admin@999999, correctly signed, is refused as unauthorized, and stays refused when asked again', async () => {
    const verifier = createTokenVerifier({ secret, knownJurisdiction: (code) => tree.has(code) });
    const token = await issueToken({ userId: 'admin-1', roles: ['admin'], jurisdiction: '999999' }, { secret, ttlSeconds: 60 });
    await expect(verifier.verify(token)).rejects.toMatchObject({ code: 'unauthorized', message: "the token's jurisdiction is not served here" });
    // A refusal is never remembered as a verified identity.
    await expect(verifier.verify(token)).rejects.toMatchObject({ code: 'unauthorized' });
  });

  it('a token of a room in the tree is accepted by the same verifier', async () => {
    const verifier = createTokenVerifier({ secret, knownJurisdiction: (code) => tree.has(code) });
    const actor = { userId: 'admin-2', roles: ['admin' as const], jurisdiction: '441224' };
    expect((await verifier.verify(await issueToken(actor, { secret, ttlSeconds: 60 }))).actor).toEqual(actor);
  });
});
