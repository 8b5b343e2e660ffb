import { mkdtemp, readFile, rm, stat, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensureConsoleBuilt, type ConsoleBuildPlan } from './console-build';

/**
 * `pnpm start` builds the console only when its sources changed (issue 18). The plan here is a real
 * directory tree and a real build (it writes the output from the sources), so what is compared is
 * what `pnpm start` compares: file contents against the stamp of the last build, and the output's mtime.
 */
let dir: string;
let builds: number;
let plan: ConsoleBuildPlan;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'muster-console-build-'));
  await mkdir(join(dir, 'src/lib'), { recursive: true });
  await writeFile(join(dir, 'index.html'), '<div id="root"></div>');
  await writeFile(join(dir, 'src/main.tsx'), 'render(1)');
  await writeFile(join(dir, 'src/lib/a.ts'), 'export const a = 1;');
  builds = 0;
  plan = {
    sources: [join(dir, 'index.html'), join(dir, 'src')],
    output: join(dir, 'dist/index.html'),
    stampFile: join(dir, 'cache/console.sha256'),
    build: async () => {
      builds += 1;
      await mkdir(join(dir, 'dist'), { recursive: true });
      const parts = await Promise.all(['index.html', 'src/main.tsx', 'src/lib/a.ts'].map((f) => readFile(join(dir, f), 'utf8')));
      await writeFile(join(dir, 'dist/index.html'), parts.join('\n'));
    },
  };
});
afterEach(async () => rm(dir, { recursive: true, force: true }));

const mtime = async () => (await stat(plan.output)).mtimeMs;

describe('console build on start', () => {
  it('builds on the first start and not on a second one with nothing changed: the built file keeps its mtime', async () => {
    expect(await ensureConsoleBuilt(plan)).toBe('built');
    const first = await mtime();
    await new Promise((r) => setTimeout(r, 20));
    expect(await ensureConsoleBuilt(plan)).toBe('unchanged');
    expect(await mtime()).toBe(first);
    expect(builds).toBe(1);
  });

  it('builds again when a console source changed, also deep in a directory, and when a source file is added', async () => {
    await ensureConsoleBuilt(plan);
    await writeFile(join(dir, 'src/lib/a.ts'), 'export const a = 2;');
    expect(await ensureConsoleBuilt(plan)).toBe('built');
    expect(await readFile(plan.output, 'utf8')).toContain('a = 2');
    await writeFile(join(dir, 'src/lib/b.ts'), 'export const b = 1;');
    expect(await ensureConsoleBuilt(plan)).toBe('built');
    expect(await ensureConsoleBuilt(plan)).toBe('unchanged');
    expect(builds).toBe(3);
  });

  it('a touched file with the same content is no change (a content hash, not mtimes)', async () => {
    await ensureConsoleBuilt(plan);
    await writeFile(join(dir, 'src/main.tsx'), 'render(1)');
    expect(await ensureConsoleBuilt(plan)).toBe('unchanged');
  });

  it('builds when the output is gone even though the sources did not change', async () => {
    await ensureConsoleBuilt(plan);
    await rm(join(dir, 'dist'), { recursive: true });
    expect(await ensureConsoleBuilt(plan)).toBe('built');
    expect(builds).toBe(2);
  });

  it('a failed build leaves no stamp, so the next start tries again', async () => {
    const failing: ConsoleBuildPlan = { ...plan, build: () => Promise.reject(new Error('vite failed')) };
    await expect(ensureConsoleBuilt(failing)).rejects.toThrow('vite failed');
    expect(await ensureConsoleBuilt(plan)).toBe('built');
  });
});
