import type { CommandEnvelope } from '@muster/engine';
import type { FastifyRequest } from 'fastify';
import { actorOf } from './identity';

/** The engine's envelope for a parsed command request sent by the request's caller. */
export function commandOf(
  request: FastifyRequest,
  streamType: string,
  streamId: string,
  body: { type: string; data?: Record<string, unknown> | undefined; commandId?: string | undefined; expectedVersion?: number | undefined; occurredAt?: string | undefined },
): CommandEnvelope {
  return {
    streamType,
    streamId,
    type: body.type,
    data: body.data ?? {},
    actor: actorOf(request),
    commandId: body.commandId,
    expectedVersion: body.expectedVersion,
    occurredAt: body.occurredAt,
    requestId: request.id,
  };
}
