import type { Actor } from '@muster/domain';
import { issueToken } from '@muster/identity';

/** The HS256 secret the test servers are configured with. */
export const TEST_JWT_SECRET = new TextEncoder().encode('muster-test-secret-0123456789-abcdefghij');

/** `{ authorization: 'Bearer …' }` for an actor, signed with the test secret. */
export async function authHeader(actor: Actor, ttlSeconds = 3600): Promise<{ authorization: string }> {
  return { authorization: `Bearer ${await issueToken(actor, { secret: TEST_JWT_SECRET, ttlSeconds })}` };
}
