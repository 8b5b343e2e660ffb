import { LoginSchema, NotFoundError, parseOrThrow } from '@muster/contracts';
import { issueToken, type UserDirectory } from '@muster/identity';
import { actorOf } from '../identity';
import { openApiDocument } from '../openapi';
import type { FastifyInstance } from 'fastify';
import { registerLoginThrottle, type LoginLimitOptions } from '../login-throttle';
import type { RouteContext } from './access';
import { readiness, type ReadinessProbe } from '../readiness';

export interface LoginOptions {
  users: UserDirectory;
  secret: Uint8Array;
  ttlSeconds: number;
}

/** Health, the OpenAPI document, password login, and who the caller is. */
export function registerAuthRoutes(
  app: FastifyInstance,
  { serve, tree }: RouteContext,
  login: LoginOptions | undefined,
  limits: LoginLimitOptions | undefined,
  probes: readonly ReadinessProbe[],
): void {
  // Made on first request, not at start: generating it from the route catalog took 0.3 s of a 2.0 s
  // restart to healthy (issue 18; 0.9–2.2 s through tsx on a busy machine), for a page few read.
  let document: ReturnType<typeof openApiDocument> | undefined;
  const loginThrottle = registerLoginThrottle(app, limits);

  // Liveness: the process answers. `/health` keeps its old meaning (what supervisors and scripts poll).
  serve('health', async () => ({ status: 'ok' }));
  serve('healthLive', async () => ({ status: 'ok' }));
  // Readiness: what this process needs to serve commands, each check with what it found; 503 when one fails.
  serve('healthReady', async (_request, reply) => {
    const answer = await readiness(probes);
    if (answer.status !== 'ok') void reply.status(503);
    return answer;
  });
  serve('openApi', async () => (document ??= openApiDocument()));

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
