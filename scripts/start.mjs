// `pnpm start` (issue 18, fast start). Plain JavaScript on purpose: it must run before dependencies
// are installed, so it cannot rely on tsx; once they are, it hands over in this same process to
// services/muster/src/fast-start.ts, from the server's bundle (scripts/bundle.mjs).
//
// The install check runs only when what it depends on changed: a SHA-256 of the lockfile, the
// workspace file and the root package.json, kept in node_modules/.cache/muster-start/install.sha256
// (so deleting node_modules forgets it too). An unchanged checkout skips pnpm entirely.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sha256OfFiles } from './content-hash.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const stampFile = join(root, 'node_modules/.cache/muster-start/install.sha256');

const wanted = sha256OfFiles(root, ['pnpm-lock.yaml', 'pnpm-workspace.yaml', 'package.json']);
const installed = existsSync(join(root, 'node_modules/.modules.yaml')) && existsSync(stampFile) ? readFileSync(stampFile, 'utf8').trim() : '';
if (installed !== wanted) {
  const result = spawnSync('pnpm', ['install', '--frozen-lockfile', '--prefer-offline', '--reporter=silent'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
  mkdirSync(dirname(stampFile), { recursive: true });
  writeFileSync(stampFile, `${wanted}\n`);
}

const { runServerModule } = await import('./server-entry.mjs');
await runServerModule(root, 'fast-start');
