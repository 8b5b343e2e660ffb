import type { Actor } from '@muster/domain';
import { bearerToken, type Identity, type TokenVerifier } from '@muster/identity';
import type { FastifyRequest } from 'fastify';

const identities = new WeakMap<FastifyRequest, Identity>();

/** Verifies the bearer token of a request and remembers who it is for the handlers. */
export async function authenticate(request: FastifyRequest, verifier: TokenVerifier): Promise<void> {
  const header = request.headers.authorization;
  identities.set(request, await verifier.verify(bearerToken(Array.isArray(header) ? header[0] : header)));
}

/** The caller of an authenticated request. */
export function actorOf(request: FastifyRequest): Actor {
  const identity = identities.get(request);
  // Routes reach here only after the onRequest hook authenticated them; a miss is a wiring bug.
  if (!identity) throw new Error(`route ${request.routeOptions.url ?? request.url} ran without authentication`);
  return identity.actor;
}
