// `pnpm muster <command>` (issue 18). Plain JavaScript, like scripts/start.mjs.
//
// `muster token` must answer within a second. Through tsx it took about 1.1 s, most of it tsx
// compiling and resolving each module the command needs, on every run. So `token` runs from a bundle
// of services/muster/src/token-main.ts, made by esbuild into node_modules/.cache/muster-cli/ and
// made again only when one of the files it was made from changed (their SHA-256 is kept beside it).
// Every other command runs through tsx as before.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { sha256OfFiles } from './content-hash.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cacheDir = join(root, 'node_modules/.cache/muster-cli');
const bundle = join(cacheDir, 'token.mjs');
const stampFile = join(cacheDir, 'token.inputs.json');

/** The bundle's stamp: its input files and the lockfile (a dependency's new version is a change too). */
const hashOf = (files) => sha256OfFiles(root, ['pnpm-lock.yaml', ...files]);

function upToDate() {
  if (!existsSync(bundle) || !existsSync(stampFile)) return false;
  try {
    const { inputs, sha256 } = JSON.parse(readFileSync(stampFile, 'utf8'));
    return Array.isArray(inputs) && hashOf(inputs) === sha256;
  } catch {
    return false;
  }
}

async function buildTokenBundle() {
  const { build } = await import('esbuild');
  const result = await build({
    absWorkingDir: root,
    entryPoints: ['services/muster/src/token-main.ts'],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: bundle,
    metafile: true,
    logLevel: 'silent',
    // CommonJS dependencies bundled into an ES module still call require() for Node's own modules.
    banner: { js: "import { createRequire as __musterCreateRequire } from 'node:module'; const require = __musterCreateRequire(import.meta.url);" },
  });
  const inputs = Object.keys(result.metafile.inputs).sort();
  mkdirSync(cacheDir, { recursive: true });
  writeFileSync(stampFile, `${JSON.stringify({ inputs, sha256: hashOf(inputs) })}\n`);
}

if (process.argv[2] === 'token') {
  if (!upToDate()) await buildTokenBundle();
  await import(pathToFileURL(bundle).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../services/muster/src/main.ts');
}
