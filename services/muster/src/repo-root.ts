import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The checkout's root: the nearest folder above this module that holds pnpm-workspace.yaml. Found,
 * not counted in `../`: this module runs from services/muster/src (tsx, the tests) and from the
 * server's bundle in services/muster/dist/<hash>/ (scripts/bundle.mjs), one folder deeper.
 */
export function repoRoot(): string {
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no pnpm-workspace.yaml above ${start}: is this a Muster checkout?`);
  }
}
