import fastifyStatic from '@fastify/static';
import type { UserDirectory } from '@muster/identity';
import type { FastifyInstance } from 'fastify';
import { pathParam, type RouteContext } from './access';

export interface ConsoleOptions {
  /** The console's built files (services/console/dist). */
  dir: string;
  /** The gateway's port; the console connects to ws://<the host it was loaded from>:<port><path>. */
  gatewayPort: number;
  gatewayPath?: string;
  /** List the login directory's users on the login page (embedded demo mode only: their password is their name). */
  showDemoUsers?: boolean;
}

/** The console's files, its start page, and the configuration it reads before anyone logs in. */
export function registerConsoleRoutes(app: FastifyInstance, { serve }: RouteContext, options: ConsoleOptions, users: UserDirectory | undefined): void {
  // Serves the catalog's `consoleFiles` route (GET /console/*).
  void app.register(fastifyStatic, { root: options.dir, prefix: '/console/', index: 'index.html', maxAge: 0 });
  serve('root', async (_request, reply) => reply.redirect('/console/'));
  serve('consoleRoot', async (_request, reply) => reply.redirect('/console/'));
  // The link in a warning's SMS has no `#` (some phones cut a link there); the console routes by hash.
  serve('consoleAckLink', async (request, reply) => reply.redirect(`/console/#/ack/${encodeURIComponent(pathParam(request, 'token'))}`));
  serve('consoleConfig', async () => ({
    gateway: { port: options.gatewayPort, path: options.gatewayPath ?? '/ws' },
    demoUsers: options.showDemoUsers && users ? users.list().map((u) => ({ username: u.username, name: u.name, roles: [...u.roles], jurisdiction: u.jurisdiction })) : [],
  }));
}
