import { LoginSchema, NotFoundError, parseOrThrow } from '@muster/contracts';
import { issueToken, type UserDirectory } from '@muster/identity';
import { actorOf } from '../identity';
import { openApiDocument } from '../openapi';
import type { FastifyInstance } from 'fastify';
import { registerLoginThrottle, type LoginLimitOptions } from '../login-throttle';
import type { RouteContext } from './access';

export interface LoginOptions {
  users: UserDirectory;
  secret: Uint8Array;
  ttlSeconds: number;
}

/** Health, the OpenAPI document, password login, and who the caller is. */
export function registerAuthRoutes(app: FastifyInstance, { serve, tree }: RouteContext, login: LoginOptions | undefined, limits: LoginLimitOptions | undefined): void {
  const document = openApiDocument();
  const loginThrottle = registerLoginThrottle(app, limits);

  serve('health', async () => ({ status: 'ok' }));
  serve('openApi', async () => document);

  serve('login', async (request, reply) => {
    if (!login) throw new NotFoundError('route', 'POST /auth/login');
    const body = parseOrThrow(LoginSchema, request.body);
    // Failed logins count per user name and per address; past either limit every login is a 429.
    const user = await loginThrottle.attempt(request, reply, body.username, () => login.users.authenticate(body.username, body.password));
    const token = await issueToken(user, { secret: login.secret, ttlSeconds: login.ttlSeconds });
    return { token, expiresAt: new Date(Date.now() + login.ttlSeconds * 1000).toISOString(), user };
  });

  serve('me', async (request) => actorOf(request));
  serve('jurisdictions', async () => ({ items: tree.all() }));
}
