import { ForbiddenError } from '@muster/contracts';
import type { Actor } from '@muster/domain';

export interface AuthorizationRequest {
  actor: Actor;
  streamType: string;
  command: string;
  /** The stream's state before the command; null for a command that opens a stream. */
  context: Record<string, unknown> | null;
}

/** Decides whether an actor may send a command; throws ForbiddenError otherwise (DESIGN §3.7). */
export type Policy = (request: AuthorizationRequest) => void;

/** Reviewers read and never write; everyone else with a role may command. */
export const baselinePolicy: Policy = ({ actor, command }) => {
  if (actor.roles.every((role) => role === 'reviewer')) {
    throw new ForbiddenError(`a reviewer may not send ${command}`, { command, roles: actor.roles });
  }
};
