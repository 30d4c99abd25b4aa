#!/usr/bin/env node
// Browser benchmarks on the release build (dist/, served gzip-compressed by serve.mjs) in
// headless Chromium. Prints `BENCH <name> <value> <unit>` lines (medians of 5 after a
// warm-up where it says so). Sizes S and M; L takes many minutes to write (see BENCH.md).
//
//   node scripts/bench-browser.mjs [S,M]
import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';

const sizes = (process.argv[2] ?? 'S,M').split(',');
const expected = { S: 500, M: 10000, L: 100000 };
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const line = (name, value, unit) => console.log(`BENCH ${name} ${typeof value === 'number' ? Math.round(value * 10) / 10 : value} ${unit}`);

// bundle_gz: wasm + js of the app (the workers load later, on demand).
let appBytes = 0;
for (const f of await readdir('dist')) {
  if (/^crm-app-.*(\.js|_bg\.wasm)$/.test(f)) appBytes += gzipSync(await readFile(`dist/${f}`), { level: 9 }).length;
}
line('bundle_gz', appBytes / 1024, 'KB');

const server = spawn(process.execPath, ['scripts/serve.mjs', '--dir', 'dist', '--addr', '127.0.0.1', '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
const origin = await new Promise((resolve) => {
  let out = '';
  server.stdout.on('data', (d) => {
    out += d;
    const m = out.match(/Serving (http:\/\/[\d.]+:\d+)/);
    if (m) resolve(m[1]);
  });
});
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  for (const size of sizes) {
    const s = size.toLowerCase();
    const context = await browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(30 * 60_000);
    await page.goto(`${origin}/customers?demo=${size}`);
    const t0 = Date.now();
    await page.getByRole('button', { name: 'Load demo data' }).click();
    await page.locator('#customer-count', { hasText: `${expected[size]} customers` }).waitFor();
    line(`idb_load_${s}`, (Date.now() - t0) / 1000, 's');

    const firstRow = page.getByRole('list', { name: 'Customer list' }).getByRole('link').first();
    const lists = [];
    for (let i = 0; i < 6; i++) {
      const start = Date.now();
      await page.reload();
      await firstRow.waitFor();
      if (i > 0) lists.push(Date.now() - start);
    }
    line(`first_list_${s}`, median(lists), 'ms');

    const search = page.getByRole('searchbox', { name: 'Search customers' });
    const searches = [];
    for (const q of ['王', '李娜', '1380', 'hilton', '张伟', '上海']) {
      await search.fill('');
      await page.waitForTimeout(100);
      const ms = await page.evaluate(async (query) => {
        const input = document.querySelector('input[type=search]');
        const list = () => document.querySelector('[aria-label="Customer list"]')?.textContent ?? '';
        const before = list();
        const start = performance.now();
        input.value = query;
        input.dispatchEvent(new Event('input', { bubbles: true }));
        while (list() === before && performance.now() - start < 5000) await new Promise((r) => requestAnimationFrame(r));
        return performance.now() - start;
      }, q);
      searches.push(ms);
    }
    // The first query may read the search blocks (the list reads them in the background
    // as soon as it shows, so usually it does not); the median leaves it out.
    line(`search_first_${s}`, searches[0], 'ms');
    line(`search_${s}`, median(searches.slice(1)), 'ms');

    await page.goto(`${origin}/segments`);
    await page.getByRole('checkbox', { name: 'Gold', exact: true }).check();
    await page.locator('#segment-count', { hasText: 'customers match' }).waitFor();
    const segs = [];
    for (let i = 0; i < 6; i++) {
      const ms = await page.evaluate(async () => {
        const count = () => document.querySelector('#segment-count')?.textContent ?? '';
        const box = [...document.querySelectorAll('label.check')].find((l) => l.textContent.trim() === 'Silver')?.querySelector('input');
        const before = count();
        const start = performance.now();
        box.click();
        while ((count() === before || !/customers match/.test(count())) && performance.now() - start < 20000) {
          await new Promise((r) => requestAnimationFrame(r));
        }
        return performance.now() - start;
      });
      if (i > 0) segs.push(ms);
    }
    line(`segment_update_${s}`, median(segs), 'ms');
    await context.close();
  }
} finally {
  await browser.close();
  server.kill();
}
