import { REPO_ROOT } from './processes';
import { ensureServerBundle } from '../../scripts/bundle.mjs';

/**
 * Vitest global setup of the e2e project: makes the server's bundle (scripts/bundle.mjs) once before
 * any file runs `muster` from it. Files starting side by side would each make it (about a second of
 * CPU each); the bundle's own renaming keeps that safe, not cheap.
 * @public vitest calls it by name (test/vitest.config.ts, globalSetup).
 */
export async function setup(): Promise<void> {
  await ensureServerBundle(REPO_ROOT);
}
