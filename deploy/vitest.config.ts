import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    reporters: ['default', 'json'],
    outputFile: { json: '.test-results/vitest.json' },
    include: ['test/**/*.test.ts'],
    // Needs a Docker engine and a few minutes: npm run test:image (vitest.image.config.ts).
    exclude: ['test/image.test.ts'],
  },
});
