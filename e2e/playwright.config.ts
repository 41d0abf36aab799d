/**
 * End-to-end journeys: Debian's Chromium (never `playwright install`) drives the H5 production
 * build against the real stack, which fixtures/global-setup.ts starts and stops.
 * One worker: the journeys share one server and one WeChat mock, whose faults are global.
 */
import { defineConfig } from '@playwright/test';
import { chromiumPath, onCi, stack } from './fixtures/stack-config';

export default defineConfig({
  testDir: 'tests',
  // Screenshots and traces of failures stay here (CI leaves the folder in place).
  outputDir: 'test-results',
  globalSetup: './fixtures/global-setup.ts',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: onCi,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [['list'], ['html', { outputFolder: 'playwright-report', open: 'never' }]],
  use: {
    // A phone-sized window (a mobile user agent would make chooseImage ask camera-or-album first).
    viewport: { width: 390, height: 844 },
    baseURL: stack.appUrl,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: chromiumPath,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  projects: [{ name: 'h5', use: { browserName: 'chromium' } }],
});
