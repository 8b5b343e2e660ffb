import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const TSX = resolve(here, '../../../node_modules/.bin/tsx');

describe('@muster/testkit outside vitest', () => {
  it('loads its entry point in a plain process (pnpm bench uses it): the vitest fixtures live behind @muster/testkit/fixtures', () => {
    const run = spawnSync(TSX, ['-e', `import(${JSON.stringify(resolve(here, 'index.ts'))}).then((m) => console.log(typeof m.createTestDatabase))`], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout.trim()).toBe('function');
  });
});
