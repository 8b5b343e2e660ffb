import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'e2e',
    include: ['**/*.spec.ts'],
    exclude: ['**/node_modules/**'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // The console, built once for every browser test file, and the server's bundle that `muster` runs from.
    globalSetup: ['./support/console-build.ts', './support/server-bundle.ts'],
  },
});
