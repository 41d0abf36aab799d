import { defineConfig } from 'vitest/config';

// The integration suites: the mini-program's client (its tRPC link, sign-in, uploads) against the
// real server in this process. The Playwright journeys (tests/) run with `npm run e2e`.
export default defineConfig({
  test: {
    reporters: ['default', 'json'],
    outputFile: { json: '.test-results/vitest.json' },
    include: ['integration/**/*.test.ts'],
    environment: 'node',
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
