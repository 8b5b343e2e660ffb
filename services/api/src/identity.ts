import { ActorSchema, parseOrThrow } from '@muster/contracts';
import type { Actor } from '@muster/domain';
import type { FastifyRequest } from 'fastify';

/**
 * Development identity until signed tokens land: the caller names itself in headers
 * (x-muster-user, x-muster-roles comma-separated, x-muster-jurisdiction). Without them the caller is
 * a city duty officer. The headers are parsed like any input.
 */
export function actorOf(request: FastifyRequest): Actor {
  const header = (name: string): string | undefined => {
    const value = request.headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const roles = header('x-muster-roles');
  return parseOrThrow(
    ActorSchema,
    {
      userId: header('x-muster-user') ?? 'anonymous',
      roles: roles ? roles.split(',').map((r) => r.trim()) : ['duty_officer'],
      jurisdiction: header('x-muster-jurisdiction') ?? '441200',
    },
    ['headers'],
  );
}
