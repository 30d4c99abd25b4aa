#!/usr/bin/env node
// Lighthouse audit of the release build (served locally) with the desktop preset: field reps
// use laptops. Prints one line per category and fails below the targets of issue 5:
// accessibility >= 95, best practices >= 95, performance >= 90.
//
//   node scripts/lighthouse.mjs http://127.0.0.1:8080/customers
import { writeFile, mkdir } from 'node:fs/promises';
import lighthouse from 'lighthouse';
import desktopConfig from 'lighthouse/core/config/desktop-config.js';
import * as chromeLauncher from 'chrome-launcher';

const url = process.argv[2] ?? 'http://127.0.0.1:8080/customers';
const targets = { performance: 90, accessibility: 95, 'best-practices': 95 };

const chrome = await chromeLauncher.launch({
  chromePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  chromeFlags: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
let failed = false;
try {
  const result = await lighthouse(
    url,
    { port: chrome.port, output: 'json', logLevel: 'error', onlyCategories: Object.keys(targets) },
    desktopConfig,
  );
  await mkdir('target', { recursive: true });
  await writeFile('target/lighthouse.json', result.report);
  for (const [id, min] of Object.entries(targets)) {
    const score = Math.round((result.lhr.categories[id]?.score ?? 0) * 100);
    const ok = score >= min;
    failed ||= !ok;
    console.log(`LIGHTHOUSE ${id} ${score} (target >= ${min}) ${ok ? 'ok' : 'FAIL'}`);
  }
  for (const audit of ['first-contentful-paint', 'largest-contentful-paint', 'total-blocking-time', 'cumulative-layout-shift']) {
    const a = result.lhr.audits[audit];
    if (a) console.log(`LIGHTHOUSE ${audit} ${a.displayValue}`);
  }
} finally {
  await chrome.kill();
}
process.exit(failed ? 1 : 0);
