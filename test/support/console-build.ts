import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './processes';

/** The console's Vite build that every browser test serves (read only: `muster start` serves it as it is). */
export const CONSOLE_DIST = join(REPO_ROOT, 'test-results/console-dist');

/**
 * Vitest global setup of the e2e project: builds the console once before any file runs. Each browser
 * test file built it again for itself (a folder each, so that builds side by side could not empty
 * each other's): ten builds of 6 s and 9 s of CPU each on a 2-core machine, with the tests beside them.
 * @public vitest calls it by name (test/vitest.config.ts, globalSetup).
 */
export async function setup(): Promise<void> {
  await promisify(execFile)(join(REPO_ROOT, 'node_modules/.bin/vite'), ['build', '--logLevel', 'warn', '--outDir', CONSOLE_DIST, '--emptyOutDir'], {
    cwd: join(REPO_ROOT, 'services/console'),
  });
}
