import { defineProject } from 'vitest/config';

// The console's pure logic (times, routes, phases); the views themselves are tested in chromium (test/e2e/console.spec.ts).
export default defineProject({
  test: { name: 'console', include: ['src/**/*.spec.ts'], testTimeout: 60_000, isolate: false },
});
