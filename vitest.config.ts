import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    alias: [
      { find: '#test', replacement: fileURLToPath(new URL('./test/support', import.meta.url)) },
      // graphql ships CJS and ESM builds. Node (production) gives our code and graphql-yoga the same
      // CJS one; Vite would hand our code the ESM one, and `instanceof GraphQLError` would then fail
      // across the two copies. Resolve it the way Node does so tests run what production runs.
      { find: /^graphql$/, replacement: createRequire(import.meta.url).resolve('graphql') },
    ],
  },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'apps/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    // The fault suite has its own config and run (vitest.faults.config.ts, `npm run test:faults`).
    exclude: ['test/faults/**', '**/node_modules/**'],
    globalSetup: ['test/support/global-setup.ts'],
    // Most tests wait on Postgres, Redis or child processes: two files at a time on the 2-core machines
    // (vitest's default there is one) took the suite from 281 s to 213 s.
    maxWorkers: 2,
    // Each file re-importing the domain, the api and their dependencies cost 106 s of the 177 s run;
    // sharing one module graph per worker took the suite to 121 s (`--no-isolate`, measured on the
    // 2-core machine). It is safe here because no test mocks modules, stubs globals or fakes timers,
    // and every app, registry and tracer a test makes is its own and closed by it.
    isolate: false,
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // .ci/run counts results from the JSON report.
    reporters: ['default', ['json', { outputFile: '.vitest-results.json' }]],
  },
});
