import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureBundle } from '../../../scripts/bundle.mjs';

/**
 * scripts/bundle.mjs, the esbuild bundle `pnpm start` and `pnpm muster` run the server from (issue
 * 18): made again exactly when the content of a file it was made from changes, and safe to make from
 * processes starting side by side (the test suite starts many `muster` processes at once).
 */
const repo = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const bundleScript = pathToFileURL(join(repo, 'scripts/bundle.mjs')).href;
const root = mkdtempSync(join(tmpdir(), 'muster-bundle-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const outDir = join(root, 'dist');
const options = { root, entryPoints: ['src/main.ts'], outDir };
const write = (path: string, text: string) => {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), text);
};
/** What the bundled program prints, run by Node alone. */
const runBundle = (dir: string) => spawnSync(process.execPath, [join(dir, 'main.mjs')], { encoding: 'utf8' }).stdout.trim();
const folders = () => readdirSync(outDir).filter((name) => name !== 'bundle.json').sort();

write('src/main.ts', "import { answer } from './answer';\nconst late: string = await import('./late').then((m) => m.late);\nconsole.log(`${answer} ${late}`);\n");
write('src/answer.ts', 'export const answer: number = 41;\n');
write('src/late.ts', "export const late = 'loaded';\n");

describe('the server bundle (scripts/bundle.mjs)', () => {
  let first = '';

  it('is made on first use from the TypeScript sources, with the lazily imported ones in chunks, and runs with Node alone', async () => {
    const made = await ensureBundle(options);
    expect(made.built).toBe(true);
    expect(runBundle(made.dir)).toBe('41 loaded');
    const stamp = JSON.parse(readFileSync(join(outDir, 'bundle.json'), 'utf8')) as { inputs: string[]; dir: string };
    expect(stamp.inputs).toStrictEqual(['src/answer.ts', 'src/late.ts', 'src/main.ts']);
    expect(join(outDir, stamp.dir)).toBe(made.dir);
    expect(readdirSync(made.dir).filter((f) => f.startsWith('chunk-')).length).toBeGreaterThan(0);
    first = made.dir;
  });

  it('is used as it is while no source changed, even when a source was touched without a change', async () => {
    const again = await ensureBundle(options);
    expect(again).toStrictEqual({ dir: first, built: false });
    const later = new Date(Date.now() + 60_000);
    utimesSync(join(root, 'src/answer.ts'), later, later);
    expect(await ensureBundle(options)).toStrictEqual({ dir: first, built: false });
  });

  it('is made again into a folder of its own when the content of any source changes, a lazily imported one too', async () => {
    write('src/answer.ts', 'export const answer: number = 42;\n');
    const changed = await ensureBundle(options);
    expect(changed.built).toBe(true);
    expect(changed.dir).not.toBe(first);
    expect(runBundle(changed.dir)).toBe('42 loaded');
    write('src/late.ts', "export const late = 'changed';\n");
    const lateChanged = await ensureBundle(options);
    expect(lateChanged.built).toBe(true);
    expect(runBundle(lateChanged.dir)).toBe('42 changed');
    // The older folders stay for a day: a server started from one may still load its chunks.
    expect(folders()).toHaveLength(3);
  });

  it('is made again when it is asked for other entry points, its sources unchanged', async () => {
    const stamp = JSON.parse(readFileSync(join(outDir, 'bundle.json'), 'utf8')) as { dir: string };
    const renamed = await ensureBundle({ ...options, entryPoints: { renamed: 'src/main.ts' } });
    expect(renamed.built).toBe(true);
    expect(renamed.dir).not.toBe(join(outDir, stamp.dir));
    expect(spawnSync(process.execPath, [join(renamed.dir, 'renamed.mjs')], { encoding: 'utf8' }).stdout.trim()).toBe('42 changed');
    // And back: the first folder is still there, the same sources under the same settings.
    expect(await ensureBundle(options)).toStrictEqual({ dir: join(outDir, stamp.dir), built: true });
  });

  it('made by four processes at once: all get the same complete bundle, and no half-made folder is left', async () => {
    write('src/answer.ts', 'export const answer: number = 43;\n');
    const script = `const { ensureBundle } = await import(${JSON.stringify(bundleScript)}); const b = await ensureBundle(${JSON.stringify(options)}); console.log(b.dir);`;
    const dirs = await Promise.all(
      Array.from({ length: 4 }, () =>
        new Promise<string>((resolve, reject) => {
          const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: repo });
          let out = '';
          let err = '';
          child.stdout.on('data', (c: Buffer) => (out += c.toString()));
          child.stderr.on('data', (c: Buffer) => (err += c.toString()));
          child.on('exit', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`exit ${String(code)}: ${err}`))));
        }),
      ),
    );
    expect(new Set(dirs).size).toBe(1);
    expect(runBundle(dirs[0] ?? '')).toBe('43 changed');
    expect(folders().filter((name) => name.startsWith('.building-'))).toStrictEqual([]);
  });

  it('removes the folders of older sources once unused for a day, and keeps the one in use', async () => {
    const dayAgo = new Date(Date.now() - 25 * 60 * 60 * 1000);
    for (const name of folders()) utimesSync(join(outDir, name), dayAgo, dayAgo);
    expect(folders().length).toBeGreaterThan(2);
    // A process starting from the bundle of today's sources uses it: its folder counts as used now.
    const inUse = await ensureBundle(options);
    expect(inUse.built).toBe(false);
    write('src/answer.ts', 'export const answer: number = 44;\n');
    const made = await ensureBundle(options);
    expect(folders()).toStrictEqual([basename(inUse.dir), basename(made.dir)].sort());
  });

  it('refuses sources it cannot bundle with esbuild’s error, leaving no half-made folder and the stamp of the last bundle', async () => {
    const good = readFileSync(join(outDir, 'bundle.json'), 'utf8');
    write('src/answer.ts', "export const answer: number = await import('a-package-nobody-installed').then(() => 1);\n");
    await expect(ensureBundle(options)).rejects.toThrow(/a-package-nobody-installed/);
    expect(readFileSync(join(outDir, 'bundle.json'), 'utf8')).toBe(good);
    expect(folders().filter((name) => name.startsWith('.building-'))).toStrictEqual([]);
  });
});

/** The checkouts made below, removed once the file is done. */
const checkouts: string[] = [];
afterAll(() => {
  for (const dir of checkouts) rmSync(dir, { recursive: true, force: true });
});

/** A checkout holding only the server's entry points, `main` as given; every other entry prints nothing of interest. */
function checkoutWith(main: string): string {
  const server = mkdtempSync(join(tmpdir(), 'muster-unbundled-'));
  checkouts.push(server);
  mkdirSync(join(server, 'services/muster/src'), { recursive: true });
  writeFileSync(join(server, 'services/muster/package.json'), '{ "type": "module" }\n');
  writeFileSync(join(server, 'services/muster/src/fast-start.ts'), "console.log('not this one');\n");
  for (const service of ['api', 'relay', 'gateway', 'timers']) {
    mkdirSync(join(server, `services/${service}/src`), { recursive: true });
    writeFileSync(join(server, `services/${service}/src/main.ts`), "console.log('not this one');\n");
  }
  writeFileSync(join(server, 'services/muster/src/main.ts'), main);
  return server;
}

/** scripts/server-entry.mjs's runServerModule on that checkout's `muster` entry, in a process of its own. */
function runMuster(server: string) {
  const entry = pathToFileURL(join(repo, 'scripts/server-entry.mjs')).href;
  const script = `const { runServerModule } = await import(${JSON.stringify(entry)}); await runServerModule(${JSON.stringify(server)}, 'muster');`;
  return spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
}

describe('a server that cannot be bundled (scripts/server-entry.mjs)', () => {
  it('still runs through tsx when esbuild refuses its sources, saying why', () => {
    // tsx runs this: the import esbuild cannot resolve is never reached.
    const run = runMuster(checkoutWith("const never = false as boolean;\nif (never) await import('a-package-nobody-installed');\nconsole.log('ran');\n"));
    expect(run.stdout.trim()).toBe('ran');
    expect(run.stderr).toBe('muster: could not bundle the server (services/muster/src/main.ts:2: Could not resolve "a-package-nobody-installed"); running it through tsx\n');
    expect(run.status).toBe(0);
  });

  it('still runs through tsx when the bundle’s folder cannot be written (a read-only checkout), saying why', () => {
    const server = checkoutWith("console.log('ran');\n");
    // Where the folder should be, a file: no bundle can be made there, as in a checkout mounted read-only.
    writeFileSync(join(server, 'services/muster/dist'), 'not a folder\n');
    const run = runMuster(server);
    expect(run.stdout.trim()).toBe('ran');
    expect(run.stderr).toMatch(/^muster: could not bundle the server \(E[A-Z]+: .*services\/muster\/dist.*\); running it through tsx\n$/);
    expect(run.status).toBe(0);
  });

  it('runs from the bundle when it can be made: nothing said, the same output', () => {
    const server = checkoutWith("console.log('ran');\n");
    const run = runMuster(server);
    expect(run.stderr).toBe('');
    expect(run.stdout.trim()).toBe('ran');
    expect(readdirSync(join(server, 'services/muster/dist')).some((name) => /^[0-9a-f]{16}$/.test(name))).toBe(true);
  });
});
