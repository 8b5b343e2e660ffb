import { defineConfig } from 'vitest/config';

// Root config: `pnpm test` (scripts/test.sh) runs every project from here.
// Each project directory has its own vitest.config.ts (defineProject) with its name, include and timeouts.
// Note (vitest 4): project config files do NOT inherit `test` options from this file (testTimeout,
// hookTimeout, pool, setupFiles, ...); only run-wide options below apply to all projects. Integration
// projects set their own testTimeout/hookTimeout; every project runs in the default `forks` pool
// (separate processes: native drivers and per-file databases stay isolated). The pure projects
// (contracts, domain, engine, console: no database, bus, server, fake timer or environment change)
// set `isolate: false`: their files share a process per worker instead of loading the same modules
// again for each of ~50 files, which took about half of their run (37 s → 20 s measured here).
export default defineConfig({
  test: {
    projects: ['packages/*', 'services/*', 'test'],
    // Run-wide scheduling, shared by all projects: files in parallel, at most 2 at a time (2-core
    // machines; integration files hold PostgreSQL and NATS connections and child processes).
    fileParallelism: true,
    maxWorkers: 2,
    // Give workers time to close pools, servers and child processes before vitest gives up on them.
    teardownTimeout: 30_000,
  },
});
