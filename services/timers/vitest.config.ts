import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'timers', include: ['src/**/*.spec.ts'], testTimeout: 90_000, hookTimeout: 60_000 },
});
