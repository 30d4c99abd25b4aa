// Installable PWA, end to end: the service worker registers and controls the page, the app
// shell and the stored customers load offline, offline edits survive offline reloads, a new
// build is offered as an update, and Chromium's installability check passes.
// Each test serves its own copy of dist/ (so the update test can swap in a new build).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  CHROMIUM_PATH,
  TIMEOUT,
  button,
  customerCount,
  customerLink,
  expectEventually,
  expectText,
  expectVisible,
  field,
  heading1,
  launchBrowser,
  navLink,
  newPage,
  syncBadge,
} from './helpers.mjs';
import { chromium } from 'playwright-core';

const DIST = process.env.DIST_DIR ?? 'dist';
const TEST_TIMEOUT = 90_000;

/** Serves a private copy of dist/ on a free port; returns { origin, dir, stop }. */
async function serveCopy(t) {
  const dir = await mkdtemp(join(tmpdir(), 'crm-dist-'));
  await cp(DIST, dir, { recursive: true });
  const child = spawn(process.execPath, ['scripts/serve.mjs', '--dir', dir, '--addr', '127.0.0.1', '--port', '0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const origin = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/Serving (http:\/\/[\d.]+:\d+)/);
      if (m) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`serve.mjs exited with ${code}`)));
  });
  t.after(async () => {
    child.kill();
    await rm(dir, { recursive: true, force: true });
  });
  return { origin, dir };
}

/** Customers screen through the app's own navigation (works offline, any origin). */
async function openCustomersHere(page) {
  await navLink(page, 'Customers').click();
  await expectText(customerCount(page), /^\d+ customers?$/);
}

/** Creates a customer through the UI on whatever origin the page is on. */
async function createHere(page, fields) {
  await openCustomersHere(page);
  await button(page, 'New customer').click();
  for (const [label, value] of Object.entries(fields)) {
    await field(page, label).fill(value);
  }
  await button(page, 'Save').click();
  await expectText(heading1(page), fields.Name);
}

async function waitForController(page) {
  await expectEventually(async () => {
    const controlled = await page.evaluate(() => !!navigator.serviceWorker.controller);
    assert.ok(controlled, 'the service worker controls the page');
  }, { page, timeout: 20_000 });
}

describe('installable PWA', () => {
  let browser;
  before(async () => {
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
  });

  test('the worker registers, and the app and its customers load offline', { timeout: TEST_TIMEOUT }, async (t) => {
    const { origin } = await serveCopy(t);
    const page = await newPage(browser, t);
    await page.goto(`${origin}/customers`);
    await createHere(page, { Name: 'Offline Olga', Phone: '13800001234' });
    await waitForController(page);
    const scope = await page.evaluate(async () => (await navigator.serviceWorker.ready).scope);
    assert.equal(scope, `${origin}/`);

    await page.context().setOffline(true);
    await page.reload();
    await expectText(syncBadge(page), /Offline/);
    await openCustomersHere(page);
    await expectVisible(customerLink(page, 'Offline Olga'));

    // Created offline, still there after another offline reload.
    await createHere(page, { Name: 'Made Offline', City: '杭州' });
    await page.reload();
    await expectText(heading1(page), 'Made Offline');
    await expectText(syncBadge(page), /Offline/);
    await openCustomersHere(page);
    await expectVisible(customerLink(page, 'Made Offline'));
    await expectVisible(customerLink(page, 'Offline Olga'));
  });

  test('a new build is detected and offered as an update', { timeout: TEST_TIMEOUT }, async (t) => {
    const { origin, dir } = await serveCopy(t);
    const page = await newPage(browser, t);
    await page.goto(`${origin}/customers`);
    await waitForController(page);
    const versionOf = () =>
      page.evaluate(
        () =>
          new Promise((resolve) => {
            navigator.serviceWorker.addEventListener('message', (e) => resolve(e.data.version), { once: true });
            navigator.serviceWorker.controller.postMessage('version');
          }),
      );
    const before = await versionOf();
    assert.match(before, /^[0-9a-f]{16}$/);

    // A new build: same shell, new worker version (what gen-sw.mjs writes for any change).
    const sw = await readFile(join(dir, 'sw.js'), 'utf8');
    await writeFile(join(dir, 'sw.js'), sw.replace(`const VERSION = "${before}"`, 'const VERSION = "0000000000000001"'));
    await page.evaluate(() => window.crmCheckForUpdate());
    await expectText(page.getByText('New version available'), /New version available/, { timeout: 20_000 });
    await button(page, 'Reload').click();
    await page.waitForLoadState('load');
    await waitForController(page);
    await expectEventually(async () => assert.equal(await versionOf(), '0000000000000001'), { page, timeout: 20_000 });
  });

  test('Chromium finds the app installable', { timeout: TEST_TIMEOUT }, async (t) => {
    const { origin } = await serveCopy(t);
    // Installability is never reported for incognito-like contexts: use a real profile.
    const profile = await mkdtemp(join(tmpdir(), 'crm-profile-'));
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    t.after(async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    });
    context.setDefaultTimeout(TIMEOUT);
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(`${origin}/customers`);
    await waitForController(page);
    const manifest = await (await page.request.get(`${origin}/public/manifest.webmanifest`)).json();
    assert.equal(manifest.display, 'standalone');
    assert.equal(manifest.start_url, '/customers');
    const cdp = await page.context().newCDPSession(page);
    const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
    assert.deepEqual(installabilityErrors, []);
  });
});
