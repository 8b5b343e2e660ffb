import { ActorSchema, UnauthorizedError } from '@muster/contracts';
import type { Actor } from '@muster/domain';
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

export type VerifierOptions =
  | { secret: Uint8Array }
  /** An identity provider's key set: it signs, Muster verifies. */
  | { jwksUrl: string; issuer?: string; audience?: string };

export interface TokenVerifier {
  verify(token: string): Promise<Identity>;
}

export function createTokenVerifier(options: VerifierOptions): TokenVerifier {
  const key: Uint8Array | JWTVerifyGetKey = 'secret' in options ? options.secret : createRemoteJWKSet(new URL(options.jwksUrl));
  const issuer = 'secret' in options ? TOKEN_ISSUER : (options.issuer ?? TOKEN_ISSUER);
  const audience = 'secret' in options ? TOKEN_AUDIENCE : (options.audience ?? TOKEN_AUDIENCE);
  return {
    async verify(token) {
      let payload: unknown;
      try {
        const verified = typeof key === 'function'
          ? await jwtVerify(token, key, { issuer, audience, algorithms: ['RS256', 'ES256', 'EdDSA'] })
          : await jwtVerify(token, key, { issuer, audience, algorithms: ['HS256'] });
        payload = verified.payload;
      } catch (error) {
        if (error instanceof joseErrors.JWTExpired) throw new UnauthorizedError('the token has expired; log in again');
        throw new UnauthorizedError('the token is not valid', );
      }
      const claims = ClaimsSchema.safeParse(payload);
      if (!claims.success) throw new UnauthorizedError(`the token lacks Muster claims: ${claims.error.issues.map((i) => i.path.join('.')).join(', ')}`);
      const { sub, roles, jurisdiction, name, exp } = claims.data;
      const actor = ActorSchema.safeParse({ userId: sub, roles, jurisdiction });
      if (!actor.success) throw new UnauthorizedError('the token names an invalid user id');
      return { actor: actor.data, name: name ?? sub, expiresAt: exp * 1000 };
    },
  };
}

/** The bearer token of an Authorization header, or an UnauthorizedError saying what is wrong. */
export function bearerToken(header: string | undefined): string {
  if (!header) throw new UnauthorizedError('missing Authorization: Bearer <token>');
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match?.[1]) throw new UnauthorizedError('the Authorization header must be "Bearer <token>"');
  return match[1];
}
