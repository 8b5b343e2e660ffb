/**
 * What `pnpm start` runs after its install check (scripts/start.mjs, issue 18): builds the web console
 * only when its sources changed, then runs `muster start` in this same process.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ensureConsoleBuilt, type ConsoleBuildPlan } from './console-build';
import { repoRoot } from './repo-root';

function run(command: string, args: readonly string[], cwd: string): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { cwd, stdio: 'inherit' });
    child.on('error', fail);
    child.on('exit', (code) => (code === 0 ? done() : fail(new Error(`${command} ${args.join(' ')} exited with ${String(code)}`))));
  });
}

const root = repoRoot();

/** The real console: its own files, the workspace packages it bundles, and the lockfile (its dependencies). */
function consolePlan(): ConsoleBuildPlan {
  const at = (path: string) => join(root, path);
  return {
    sources: [
      at('services/console/index.html'),
      at('services/console/package.json'),
      at('services/console/tsconfig.json'),
      at('services/console/vite.config.ts'),
      at('services/console/src'),
      ...['client', 'contracts', 'domain'].flatMap((p) => [at(`packages/${p}/package.json`), at(`packages/${p}/src`)]),
      at('pnpm-lock.yaml'),
    ],
    output: at('services/console/dist/index.html'),
    stampFile: at('node_modules/.cache/muster-start/console.sha256'),
    build: () => run('pnpm', ['--filter', '@muster/console', 'build', '--logLevel', 'warn'], root),
  };
}

// A console of one's own (MUSTER_CONSOLE_DIR) is served as it is: nothing here to build.
if (!process.env['MUSTER_CONSOLE_DIR']) await ensureConsoleBuilt(consolePlan());
// main.ts reads its command from the arguments: `muster start`, with whatever `pnpm start -- …` added.
process.argv = [process.argv[0] ?? process.execPath, join(root, 'services/muster/src/main.ts'), 'start', ...process.argv.slice(2)];
await import('./main');
