import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort, TEST_JWT_SECRET_TEXT } from '@muster/testkit';
import { createHttpClient, type MusterHttpClient } from '@muster/client';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
import { CONSOLE_DIST } from './console-build';
import { MUSTER_CLI, REPO_ROOT, startProcess, waitForHttp } from './processes';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
/** Screenshots of the console's views, for people to look at (CI keeps test-results/). */
export const SHOTS = join(REPO_ROOT, 'test-results/console');

// As root in CI: no sandbox; and no calls home, which this machine's closed network refuses.
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/**
 * A browser with a profile on disk (IndexedDB, service workers), as a phone keeps it: closing the
 * context and opening the same directory again is a restart of the browser.
 */
export async function browserWithProfile(profileDir: string, options: Parameters<typeof chromium.launchPersistentContext>[1] = {}): Promise<BrowserContext> {
  return chromium.launchPersistentContext(profileDir, { ...options, executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/** A desk screen in the duty room. */
export const DESK: BrowserContextOptions = { viewport: { width: 1366, height: 900 } };
/** A commander's or a recipient's phone. */
export const PHONE: BrowserContextOptions = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

/**
 * A new browser context in zh-CN (a DESK unless `options` say otherwise), logged in through the login
 * page's demo button of `username`; the page's errors are printed under the user's name.
 */
export async function loginAs(ui: { browser: Browser; base: string }, username: string, options: BrowserContextOptions = DESK): Promise<{ context: BrowserContext; page: Page }> {
  const context = await ui.browser.newContext({ locale: 'zh-CN', ...options });
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error(`[${username}] page error:`, error.message));
  await page.goto(`${ui.base}/console/`);
  await page.getByTestId(`demo-${username}`).click();
  await page.getByTestId('who').waitFor();
  return { context, page };
}

/** The api as a demo user (whose password is its name), to set a scene up around the screens under test. */
export async function apiFor(base: string, username: string): Promise<MusterHttpClient> {
  const answer = await createHttpClient({ baseUrl: base }).login(username, username);
  return createHttpClient({ baseUrl: base, token: answer.token });
}

export interface ConsoleUnderTest {
  /** Where `muster start` serves the api and the console, e.g. `http://127.0.0.1:41234`. */
  base: string;
  browser: Browser;
  /** `muster start`'s data directory (MUSTER_DATA_DIR): the local delivery adapter's outbox is there. */
  dataDir: string;
  stop(): Promise<void>;
}

/**
 * The web console as the browser tests use it: the e2e project's one Vite build (console-build.ts),
 * `muster start` as a process of its own on the test database (demo users, no NATS), and Debian's
 * chromium driven by playwright-core. `name` keeps each spec file's data folder apart, so files
 * running side by side cannot empty each other's.
 */
export async function startConsoleUnderTest(databaseUrl: string, name: string): Promise<ConsoleUnderTest> {
  if (!existsSync(CHROMIUM)) throw new Error(`no chromium at ${CHROMIUM}: .ci/run installs Debian's chromium (apt-get install chromium)`);
  await mkdir(SHOTS, { recursive: true });
  if (!existsSync(join(CONSOLE_DIST, 'index.html'))) throw new Error(`no console build at ${CONSOLE_DIST}: the e2e project's global setup (support/console-build.ts) makes it`);
  const [port, gatewayPort] = [await freePort(), await freePort()];
  const dataDir = join(REPO_ROOT, `test-results/console-data-${name}`);
  const base = `http://127.0.0.1:${port}`;
  const muster = startProcess(process.execPath, [MUSTER_CLI, 'start'], {
    DATABASE_URL: databaseUrl,
    NATS_URL: undefined,
    PORT: String(port),
    GATEWAY_PORT: String(gatewayPort),
    MUSTER_DEMO_USERS: 'true',
    MUSTER_JWT_SECRET: TEST_JWT_SECRET_TEXT,
    MUSTER_CONSOLE_DIR: CONSOLE_DIST,
    MUSTER_DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
  });
  await waitForHttp(`${base}/console/`).catch(async (error: unknown) => {
    await muster.stop();
    throw new Error(`muster start did not serve the console: ${String(error)}\n${muster.output()}`);
  });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS }).catch(async (error: unknown) => {
    await muster.stop();
    throw error;
  });
  return {
    base,
    browser,
    dataDir,
    async stop() {
      await browser.close();
      await muster.stop();
    },
  };
}
