// Browser tests: @playwright/test on Debian's Chromium (never a downloaded
// browser). globalSetup starts chuangdai on a free port with a fresh SQLite
// file and the demo data; the tests run in order, one worker, because later
// journeys continue what earlier ones started (an application's whole path).
import { defineConfig } from '@playwright/test';

export default defineConfig({
  testDir: './tests',
  testMatch: /.*\.spec\.js$/,
  globalSetup: './tests/setup.js',
  workers: 1,
  fullyParallel: false,
  retries: 0,
  timeout: 180_000,
  expect: { timeout: 30_000 },
  reporter: [['list'], ['./tests/summary.js']],
  outputDir: '../test-results',
  use: {
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    },
    viewport: { width: 1440, height: 900 },
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    acceptDownloads: true,
    trace: 'retain-on-failure',
    actionTimeout: 30_000,
    navigationTimeout: 30_000,
  },
});
