import type { Actor } from '@muster/domain';
import { issueToken } from '@muster/identity';

/** The test secret as text, for a server started as a process (`MUSTER_JWT_SECRET`). */
export const TEST_JWT_SECRET_TEXT = 'muster-test-secret-0123456789-abcdefghij';

/** The HS256 secret the test servers are configured with. */
export const TEST_JWT_SECRET = new TextEncoder().encode(TEST_JWT_SECRET_TEXT);

/** `{ authorization: 'Bearer …' }` for an actor, signed with the test secret. */
export async function authHeader(actor: Actor, ttlSeconds = 3600): Promise<{ authorization: string }> {
  return { authorization: `Bearer ${await issueToken(actor, { secret: TEST_JWT_SECRET, ttlSeconds })}` };
}

/** A bare token for an actor, signed with the test secret: for `?access_token=` and the client's `token`. */
export async function testToken(actor: Actor, ttlSeconds = 3600): Promise<string> {
  return issueToken(actor, { secret: TEST_JWT_SECRET, ttlSeconds });
}
