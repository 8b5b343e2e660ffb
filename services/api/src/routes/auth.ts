import { LoginSchema, NotFoundError, parseOrThrow } from '@muster/contracts';
import { issueToken, type UserDirectory } from '@muster/identity';
import { actorOf } from '../identity';
import { openApiDocument } from '../openapi';
import type { RouteContext } from './access';

export interface LoginOptions {
  users: UserDirectory;
  secret: Uint8Array;
  ttlSeconds: number;
}

/** Health, the OpenAPI document, password login, and who the caller is. */
export function registerAuthRoutes({ serve, tree }: RouteContext, login: LoginOptions | undefined): void {
  const document = openApiDocument();

  serve('health', async () => ({ status: 'ok' }));
  serve('openApi', async () => document);

  serve('login', async (request) => {
    if (!login) throw new NotFoundError('route', 'POST /auth/login');
    const body = parseOrThrow(LoginSchema, request.body);
    const user = await login.users.authenticate(body.username, body.password);
    const token = await issueToken(user, { secret: login.secret, ttlSeconds: login.ttlSeconds });
    return { token, expiresAt: new Date(Date.now() + login.ttlSeconds * 1000).toISOString(), user };
  });

  serve('me', async (request) => actorOf(request));
  serve('jurisdictions', async () => ({ items: tree.all() }));
}
