import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { z } from 'zod';
import { TOKEN_ISSUER } from './tokens';

/**
 * The signed token of a warning's acknowledgement link (收到并知晓, issue 21): the recipient opens the
 * link on a phone and taps once, without logging in. Its own audience, so that a link never passes
 * for a login token (the api's verifier wants audience `muster`) and a login token never acknowledges.
 */
const ACK_AUDIENCE = 'muster-warning-ack';

const AckClaimsSchema = z.object({ sub: z.string().min(1), warningId: z.string().min(1), exp: z.number() });

/** Whom and which warning a verified link is for. */
interface AckLink {
  warningId: string;
  recipientId: string;
}

/** Signs the link of one recipient for one warning, valid `ttlSeconds` (until the warning can no longer matter). */
export async function signAckLink(link: AckLink, options: { secret: Uint8Array; ttlSeconds: number; now?: Date }): Promise<string> {
  const now = Math.floor((options.now ?? new Date()).getTime() / 1000);
  return new SignJWT({ warningId: link.warningId })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(link.recipientId)
    .setIssuer(TOKEN_ISSUER)
    .setAudience(ACK_AUDIENCE)
    .setIssuedAt(now)
    .setExpirationTime(now + options.ttlSeconds)
    .sign(options.secret);
}

/** The recipient and warning of a link; null for a forged, altered, expired or foreign token (one answer for all). */
export async function verifyAckLink(token: string, options: { secret: Uint8Array; now?: Date }): Promise<AckLink | null> {
  try {
    const { payload } = await jwtVerify(token, options.secret, {
      issuer: TOKEN_ISSUER,
      audience: ACK_AUDIENCE,
      algorithms: ['HS256'],
      ...(options.now ? { currentDate: options.now } : {}),
    });
    const claims = AckClaimsSchema.safeParse(payload);
    return claims.success ? { warningId: claims.data.warningId, recipientId: claims.data.sub } : null;
  } catch (error) {
    if (error instanceof joseErrors.JOSEError) return null;
    throw error;
  }
}
