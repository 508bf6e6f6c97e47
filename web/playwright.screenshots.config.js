// make screenshots: the server of the browser tests (globalSetup), then
// tests/screenshots.shot.js takes each role's main pages at 1440 px and
// 375 px into docs/screenshots/. The regular run (playwright.config.js)
// matches *.spec.js only, so it never rewrites the pictures.
import { defineConfig } from '@playwright/test';
import base from './playwright.config.js';

export default defineConfig({
  ...base,
  testMatch: /.*\.shot\.js$/,
  reporter: [['list']],
  outputDir: '../test-results/screenshots',
});
