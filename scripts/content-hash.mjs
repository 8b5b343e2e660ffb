// SHA-256 over named files of the checkout (name, then content), the stamp scripts/start.mjs and
// scripts/muster.mjs keep to redo work (an install, a bundle) only when what it depends on changed.
// Plain JavaScript: it runs before dependencies are installed.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** `files` relative to `root`; a missing file counts as such, so its appearance is a change too. */
export function sha256OfFiles(root, files) {
  const hash = createHash('sha256');
  for (const file of files) {
    const path = resolve(root, file);
    hash.update(`${file}\0`);
    hash.update(existsSync(path) ? readFileSync(path) : 'missing');
    hash.update('\0');
  }
  return hash.digest('hex');
}
