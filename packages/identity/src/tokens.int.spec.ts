import { createServer, type Server } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenVerifier, issueToken, TOKEN_AUDIENCE, TOKEN_ISSUER } from './tokens';

// An identity provider on loopback: it publishes its public key as a JWKS and signs with the private one.
let server: Server;
let jwksUrl = '';
let privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

beforeAll(async () => {
  const pair = await generateKeyPair('RS256');
  privateKey = pair.privateKey;
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'idp-1', alg: 'RS256', use: 'sig' };
  server = createServer((request, response) => {
    if (request.url === '/.well-known/jwks.json') response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
    else response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  jwksUrl = `http://127.0.0.1:${address.port}/.well-known/jwks.json`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function providerToken(claims: Record<string, unknown>, key: typeof privateKey = privateKey, ttl = 600) {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid: 'idp-1' })
    .setSubject('zhang.wei')
    .setIssuer(TOKEN_ISSUER)
    .setAudience(TOKEN_AUDIENCE)
    .setIssuedAt(now)
    .setExpirationTime(now + ttl)
    .sign(key);
}

describe('tokens signed by an identity provider (JWKS)', () => {
  it('accepts a token the provider signed, with Muster claims', async () => {
    const verifier = createTokenVerifier({ jwksUrl });
    const identity = await verifier.verify(await providerToken({ roles: ['duty_officer'], jurisdiction: '441224', name: '张伟' }));
    expect(identity.actor).toEqual({ userId: 'zhang.wei', roles: ['duty_officer'], jurisdiction: '441224' });
    expect(identity.name).toBe('张伟');
  });

  it('refuses a token signed by another key, one without Muster claims, and an HS256 token meant for the shared secret', async () => {
    const verifier = createTokenVerifier({ jwksUrl });
    const stranger = await generateKeyPair('RS256');
    await expect(verifier.verify(await providerToken({ roles: ['duty_officer'], jurisdiction: '441224' }, stranger.privateKey))).rejects.toMatchObject({ code: 'unauthorized' });
    await expect(verifier.verify(await providerToken({ jurisdiction: '441224' }))).rejects.toMatchObject({ code: 'unauthorized' });
    const hs = await issueToken({ userId: 'u', roles: ['duty_officer'], jurisdiction: '441224' }, { secret: new TextEncoder().encode('x'.repeat(40)), ttlSeconds: 60 });
    await expect(verifier.verify(hs)).rejects.toMatchObject({ code: 'unauthorized' });
  });

  it('refuses an expired provider token with a message that says so', async () => {
    const verifier = createTokenVerifier({ jwksUrl });
    await expect(verifier.verify(await providerToken({ roles: ['leader'], jurisdiction: '441200' }, privateKey, -60))).rejects.toThrow(/expired/);
  });
});
