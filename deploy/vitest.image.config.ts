import { defineConfig } from 'vitest/config';

// The image test alone (npm run test:image, through docker/test-image.sh, which builds the image).
export default defineConfig({
  root: import.meta.dirname,
  test: {
    include: ['test/image.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
