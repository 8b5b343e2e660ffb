import { ActorSchema, UnauthorizedError } from '@muster/contracts';
import type { Actor } from '@muster/domain';
import { createSecretKey, type KeyObject } from 'node:crypto';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, SignJWT, type JWTVerifyGetKey } from 'jose';
import { z } from 'zod';

export const TOKEN_ISSUER = 'muster';
export const TOKEN_AUDIENCE = 'muster';

/** What a verified token says: who the caller is, and until when. */
export interface Identity {
  actor: Actor;
  name: string;
  /** Epoch milliseconds at which the token stops being valid. */
  expiresAt: number;
}

/** Claims Muster reads besides the registered ones (sub, exp, iss, aud). */
const ClaimsSchema = z.object({
  sub: z.string(),
  roles: ActorSchema.shape.roles,
  jurisdiction: ActorSchema.shape.jurisdiction,
  name: z.string().max(200).optional(),
  exp: z.number(),
});

export interface IssueOptions {
  secret: Uint8Array;
  /** Seconds the token stays valid. */
  ttlSeconds: number;
  now?: Date;
}

/** Signs an HS256 token for an actor: `muster token`, the login endpoint and tests use it. */
export async function issueToken(actor: Actor & { name?: string }, options: IssueOptions): Promise<string> {
  const now = Math.floor((options.now ?? new Date()).getTime() / 1000);
  return new SignJWT({ roles: actor.roles, jurisdiction: actor.jurisdiction, name: actor.name ?? actor.userId })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(actor.userId)
    .setIssuer(TOKEN_ISSUER)
    .setAudience(TOKEN_AUDIENCE)
    .setIssuedAt(now)
    .setExpirationTime(now + options.ttlSeconds)
    .sign(options.secret);
}

export type VerifierOptions = (
  | { secret: Uint8Array }
  /** An identity provider's key set: it signs, Muster verifies. */
  | { jwksUrl: string; issuer?: string; audience?: string }
) & {
  /**
   * How many verified tokens to remember (default 10,000): a console sends the same token with every
   * request, and checking its signature each time was a quarter of the api's CPU under load. A
   * remembered token is still refused from the moment it expires. 0 turns the cache off.
   */
  cacheSize?: number;
  /** Epoch milliseconds; tests move it. */
  now?: () => number;
  /**
   * Is this a jurisdiction the deployment serves (its JurisdictionTree's `has`)? A token for any other
   * code is refused: a role, admin included, holds within a jurisdiction of the tree, never above it,
   * and a well-formed code outside the tree must not pass the rules as a room nobody is in. Services
   * always pass it; without it any six-digit code is accepted.
   */
  knownJurisdiction?: (code: string) => boolean;
};

export interface TokenVerifier {
  verify(token: string): Promise<Identity>;
}

export function createTokenVerifier(options: VerifierOptions): TokenVerifier {
  // The secret as a KeyObject once, not imported again on every verification.
  const key: KeyObject | JWTVerifyGetKey = 'secret' in options ? createSecretKey(options.secret) : createRemoteJWKSet(new URL(options.jwksUrl));
  const issuer = 'secret' in options ? TOKEN_ISSUER : (options.issuer ?? TOKEN_ISSUER);
  const audience = 'secret' in options ? TOKEN_AUDIENCE : (options.audience ?? TOKEN_AUDIENCE);
  const cacheSize = options.cacheSize ?? 10_000;
  const now = options.now ?? Date.now;
  // Keyed by the whole token: a changed byte is another key and goes through full verification.
  const verified = new Map<string, Identity>();

  return {
    async verify(token) {
      const known = verified.get(token);
      if (known) {
        if (known.expiresAt > now()) return known;
        verified.delete(token);
        throw new UnauthorizedError('the token has expired; log in again');
      }
      const identity = await verifyFully(token);
      if (cacheSize > 0) {
        // Oldest first out: a Map iterates in insertion order.
        if (verified.size >= cacheSize) verified.delete(verified.keys().next().value ?? '');
        verified.set(token, identity);
      }
      return identity;
    },
  };

  async function verifyFully(token: string): Promise<Identity> {
      let payload: unknown;
      try {
        const currentDate = new Date(now());
        const result = typeof key === 'function'
          ? await jwtVerify(token, key, { issuer, audience, algorithms: ['RS256', 'ES256', 'EdDSA'], currentDate })
          : await jwtVerify(token, key, { issuer, audience, algorithms: ['HS256'], currentDate });
        payload = result.payload;
      } catch (error) {
        if (error instanceof joseErrors.JWTExpired) throw new UnauthorizedError('the token has expired; log in again');
        throw new UnauthorizedError('the token is not valid', );
      }
      const claims = ClaimsSchema.safeParse(payload);
      if (!claims.success) throw new UnauthorizedError(`the token lacks Muster claims: ${claims.error.issues.map((i) => i.path.join('.')).join(', ')}`);
      const { sub, roles, jurisdiction, name, exp } = claims.data;
      const actor = ActorSchema.safeParse({ userId: sub, roles, jurisdiction });
      if (!actor.success) throw new UnauthorizedError('the token names an invalid user id');
      if (options.knownJurisdiction && !options.knownJurisdiction(actor.data.jurisdiction)) {
        throw new UnauthorizedError("the token's jurisdiction is not served here");
      }
      return { actor: actor.data, name: name ?? sub, expiresAt: exp * 1000 };
  }
}

/** The bearer token of an Authorization header, or an UnauthorizedError saying what is wrong. */
export function bearerToken(header: string | undefined): string {
  if (!header) throw new UnauthorizedError('missing Authorization: Bearer <token>');
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match?.[1]) throw new UnauthorizedError('the Authorization header must be "Bearer <token>"');
  return match[1];
}
