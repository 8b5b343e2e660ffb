// Runs one entry of the server's bundle (scripts/bundle.mjs) in this process: scripts/start.mjs,
// scripts/muster.mjs and scripts/service.mjs. Plain JavaScript: it runs with Node alone.
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { ensureServerBundle, SERVER_ENTRY_POINTS } from './bundle.mjs';

/** esbuild's own errors, each with its place (its message only counts them), or any other error's message. */
function whyNot(error) {
  if (Array.isArray(error?.errors) && error.errors.length > 0) {
    return error.errors.map((e) => (e.location ? `${e.location.file}:${e.location.line}: ${e.text}` : e.text)).join('; ');
  }
  return error instanceof Error ? error.message : String(error);
}

/**
 * Imports `<bundle>/<entry>.mjs` (an entry of SERVER_ENTRY_POINTS). When the bundle cannot be made
 * (esbuild refused a source), says so and runs that entry's source through tsx instead, which
 * reports the same error with its place in the source, or runs: a server that could start is never
 * kept down by its bundler.
 */
export async function runServerModule(root, entry) {
  if (!Object.hasOwn(SERVER_ENTRY_POINTS, entry)) throw new Error(`not an entry of the server bundle: ${entry}`);
  const source = SERVER_ENTRY_POINTS[entry];
  let dir;
  try {
    ({ dir } = await ensureServerBundle(root));
  } catch (error) {
    process.stderr.write(`muster: could not bundle the server (${whyNot(error)}); running it through tsx\n`);
    const { register } = await import('tsx/esm/api');
    register();
    await import(pathToFileURL(join(root, source)).href);
    return;
  }
  await import(pathToFileURL(join(dir, `${entry}.mjs`)).href);
}
