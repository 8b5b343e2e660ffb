/**
 * The api as its integration specs build it, as vitest fixtures on top of @muster/testkit's
 * `integrationTest` (database, engine, clock, bus). Test code only: not exported from the package.
 */
// vitest requires an object pattern as a fixture's first parameter, `({}, …)` when it needs nothing.
/* oxlint-disable no-empty-pattern */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_RULE_BOOK, type Actor } from '@muster/domain';
import type { Engine } from '@muster/engine';
import { createTokenVerifier, demoDirectory, type UserDirectory } from '@muster/identity';
import { authHeader, TEST_JURISDICTIONS, TEST_JWT_SECRET, type TestDatabase } from '@muster/testkit';
import { integrationTest } from '@muster/testkit/fixtures';
import type { FastifyInstance, HTTPMethods, LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { buildApi, type ApiDependencies } from './app';
import type { LoginOptions } from './routes/auth';

/** What a spec may change of its api: anything buildApi takes but the engine and the database. */
type TestApiOptions = Partial<Omit<ApiDependencies, 'engine' | 'db'>>;

/**
 * An api on a test database: no logger, tokens checked against the test secret, the engine fixture's
 * tree (TEST_JURISDICTIONS) and the default rules, `options` on top.
 */
export function buildTestApi(database: TestDatabase, engine: Engine, options: TestApiOptions = {}): FastifyInstance {
  return buildApi({
    engine,
    db: database.db,
    logger: false,
    verifier: createTokenVerifier({ secret: TEST_JWT_SECRET }),
    jurisdictions: TEST_JURISDICTIONS,
    rules: DEFAULT_RULE_BOOK,
    ...options,
  });
}

/** Password logins for the demo users (each password is the user name), tokens signed with the test secret. */
export async function testLogins(users?: UserDirectory): Promise<LoginOptions> {
  return { users: users ?? (await demoDirectory()), secret: TEST_JWT_SECRET, ttlSeconds: 600 };
}

/** The built console the api serves in specs: an index page that loads one script. */
async function consoleFiles(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'muster-console-'));
  await mkdir(join(dir, 'assets'));
  await writeFile(join(dir, 'index.html'), '<!doctype html><title>console under test</title><script type="module" src="/console/assets/app.js"></script>');
  await writeFile(join(dir, 'assets', 'app.js'), 'export {};');
  return dir;
}

/**
 * `integrationTest` plus, all file-scoped:
 * - `apiOptions`: what the file changes of its api (`{}` unless it says
 *   `apiTest.override('apiOptions', { scope: 'file' }, …)`, a value or a fixture function);
 * - `api`: buildTestApi on the file's database and engine, ready, closed at the end;
 * - `apiUrl`: the same api listening on a free loopback port;
 * - `consoleDir`: a built console for `apiOptions.console` (index.html, assets/app.js), removed at the end.
 */
export const apiTest = integrationTest
  .extend('consoleDir', { scope: 'file' }, async ({}, { onCleanup }) => {
    const dir = await consoleFiles();
    onCleanup(() => rm(dir, { recursive: true, force: true }));
    return dir;
  })
  .extend('apiOptions', { scope: 'file' }, (): TestApiOptions => ({}))
  .extend('api', { scope: 'file' }, async ({ database, engine, apiOptions }, { onCleanup }) => {
    const app = buildTestApi(database, engine, apiOptions);
    onCleanup(() => app.close());
    await app.ready();
    return app;
  })
  .extend('apiUrl', { scope: 'file' }, ({ api }) => api.listen({ host: '127.0.0.1', port: 0 }));

/** A person as a scene command names one (commander, deputy, successor). */
export const person = (userId: string) => ({ userId, name: `Officer ${userId}` });

/** An ICS 201 briefing, as a transfer of command needs one before it is accepted. */
export const briefing = {
  situation: 'Mudslide across the S263, two vehicles buried',
  objectives: 'Find the missing, reopen one lane',
  actions: 'Search dogs deployed at 14:10',
  organisation: 'Fire leads search, police closes road',
  resources: '2 excavators, 40 rescuers',
  hazards: 'Further slides possible in rain',
};

interface ActorRequests {
  /** A request as `actor`, with a token signed for it; `payload` as the JSON body. */
  call(actor: Actor, method: HTTPMethods, url: string, payload?: unknown): Promise<LightMyRequestResponse>;
  /** The same, expecting a 2xx; the parsed answer. */
  ok<T = Record<string, unknown>>(actor: Actor, method: HTTPMethods, url: string, payload?: unknown): Promise<T>;
}

/** Requests as one actor or another against the api `app()` returns (the file's, once bound). */
export function actorRequests(app: () => FastifyInstance): ActorRequests {
  async function call(actor: Actor, method: HTTPMethods, url: string, payload?: unknown): Promise<LightMyRequestResponse> {
    return app().inject({ method, url, headers: await authHeader(actor), ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }) });
  }
  async function ok<T = Record<string, unknown>>(actor: Actor, method: HTTPMethods, url: string, payload?: unknown): Promise<T> {
    const response = await call(actor, method, url, payload);
    expect(response.statusCode, `${method} ${url}: ${response.body}`).toBeLessThan(300);
    return response.json<T>();
  }
  return { call, ok };
}
