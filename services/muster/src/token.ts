import { ActorSchema, parseOrThrow, ValidationError } from '@muster/contracts';
import { issueToken } from '@muster/identity';
import { JurisdictionsEnvShape, jurisdictionsFromEnv } from '@muster/service-runtime';
import { z } from 'zod';
import { existingTokenSecret } from './token-secret';

/**
 * What `muster token` reads of the environment: only what the token depends on. It does not parse the
 * server's whole environment (config.ts), because that imports the api and every service with it,
 * and the command should answer within a second (issue 18). The two variables here are declared as in
 * the server's schema (MUSTER_DATA_DIR in config.ts, MUSTER_JWT_SECRET in the api's AuthEnvShape).
 */
const TokenEnvSchema = z.object({
  MUSTER_DATA_DIR: z.string().min(1).default('.muster'),
  MUSTER_JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  ...JurisdictionsEnvShape,
});

export interface TokenOptions {
  user: string;
  roles: string;
  jurisdiction: string;
  name?: string;
  ttl: string;
  /** Make a new secret in the data directory when it has none (otherwise that is an error). */
  createSecret?: boolean;
}

/** A signed token for development, with the secret the server of the same MUSTER_DATA_DIR uses. */
export async function developmentToken(options: TokenOptions, processEnv: NodeJS.ProcessEnv = process.env): Promise<string> {
  const env = parseOrThrow(TokenEnvSchema, processEnv, ['env']);
  const actor = parseOrThrow(ActorSchema, { userId: options.user, roles: options.roles.split(','), jurisdiction: options.jurisdiction }, ['options']);
  // A token for a room outside the served tree would be refused by every service: refuse to print it.
  const tree = await jurisdictionsFromEnv(env);
  if (!tree.has(actor.jurisdiction)) throw new ValidationError([{ path: 'options.jurisdiction', message: `unknown jurisdiction ${actor.jurisdiction}: not in the served tree` }]);
  const ttlSeconds = parseOrThrow(z.coerce.number().int().min(1).max(30 * 24 * 3600), options.ttl, ['options', 'ttl']);
  return issueToken({ ...actor, name: options.name ?? actor.userId }, { secret: await existingTokenSecret(env, options.createSecret === true), ttlSeconds });
}
