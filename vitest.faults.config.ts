/**
 * The fault suite (issue 14, `npm run test:faults`): tests that break real things — worker and api
 * processes killed, a Postgres of their own restarted, a Redis of their own flushed or killed — during
 * real imports. Slower than the unit and data tests, so outside `npm test`'s budget; `.ci/run` runs
 * it after `npm test` and counts both.
 */
import { defineConfig } from 'vitest/config';
import base from './vitest.config';

// Spread, not mergeConfig: that would concatenate the include and reporter lists.
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ['test/faults/**/*.test.ts'],
    exclude: [],
    // Each file starts its own processes and services; two at a time is what the 2-core machines hold.
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 60_000,
    reporters: ['default', ['json', { outputFile: '.vitest-faults-results.json' }]],
  },
});
