/**
 * The web console is built only when what it is built from changed (issue 18, fast start): a content
 * hash of its sources against the hash stamped by the last successful build.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

export interface ConsoleBuildPlan {
  /** Files and directories whose content makes the build (directories walked, node_modules and dist left out). */
  sources: readonly string[];
  /** A file every build writes: without it there is nothing to serve, whatever the stamp says. */
  output: string;
  /** Where the hash of the sources of the last successful build is kept. */
  stampFile: string;
  build(): Promise<void>;
}

const SKIPPED = new Set(['node_modules', 'dist', '.cache']);

async function filesUnder(path: string): Promise<string[]> {
  if (!existsSync(path)) return [];
  const entries = await readdir(path, { withFileTypes: true }).catch(() => undefined);
  if (!entries) return [path];
  const nested = await Promise.all(
    entries.filter((e) => !SKIPPED.has(e.name)).map((e) => (e.isDirectory() ? filesUnder(join(path, e.name)) : Promise.resolve([join(path, e.name)]))),
  );
  return nested.flat();
}

/** SHA-256 over the sources' paths and contents, in a fixed order: the same tree gives the same hash. */
async function sourceHash(sources: readonly string[]): Promise<string> {
  const files = (await Promise.all(sources.map(filesUnder))).flat().sort();
  const contents = await Promise.all(files.map((f) => readFile(f)));
  const hash = createHash('sha256');
  for (const [i, file] of files.entries()) {
    hash.update(`${file}\0`);
    hash.update(contents[i] ?? '');
    hash.update('\0');
  }
  return hash.digest('hex');
}

/**
 * Builds when the sources' hash differs from the stamp of the last build or the output is missing;
 * leaves the built files untouched otherwise. The stamp is written only after a build succeeded, so
 * a failed build is tried again next time.
 */
export async function ensureConsoleBuilt(plan: ConsoleBuildPlan): Promise<'unchanged' | 'built'> {
  const wanted = await sourceHash(plan.sources);
  const stamp = existsSync(plan.stampFile) ? (await readFile(plan.stampFile, 'utf8')).trim() : '';
  if (stamp === wanted && existsSync(plan.output)) return 'unchanged';
  await plan.build();
  await mkdir(dirname(plan.stampFile), { recursive: true });
  await writeFile(plan.stampFile, `${wanted}\n`);
  return 'built';
}
