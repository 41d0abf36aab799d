import { defineConfig } from 'vitest/config';

// The fault suite (npm run test:faults): the bundled server against private MariaDB and Redis
// instances it kills and restarts. One file at a time: scenarios measure latencies and share ports.
export default defineConfig({
  test: {
    reporters: ['default', 'json'],
    outputFile: { json: '.test-results/faults.json' },
    include: ['faults/**/*.test.ts'],
    environment: 'node',
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});
