// End-to-end test helpers (node:test + node:assert + playwright-core, no other dependencies).
//
// How to run
//   bash scripts/test.sh runs these after `trunk build --release`: it serves dist/ with
//   scripts/serve.mjs on a free port and runs
//     APP_URL=http://127.0.0.1:PORT node --test --test-concurrency=1 tests/e2e/
//   By hand, against `bash scripts/run.sh` (port 8080):
//     APP_URL=http://127.0.0.1:8080 node --test --test-concurrency=1 tests/e2e/
//   One test: add `--test-name-pattern "bad email"`.
//
// Browser
//   Debian's /usr/bin/chromium (apt package chromium), headless, launched by playwright-core
//   (Playwright never downloads a browser here). The flags stop Chromium from reaching for
//   Google's hosts, which this machine's closed network refuses.
//   One browser per test file; every test gets a fresh browser context, hence an empty
//   IndexedDB, so tests are independent and can run in any order.
//
// Rules for tests
//   - Locate by role and accessible name or label only (getByRole / getByLabel), as users and
//     screen readers do; the one exception is the #customer-count element the UI contract names.
//   - No fixed sleeps. Wait on events (Playwright auto-waiting, locator.waitFor) or poll an
//     assertion until it holds with expectEventually() and the expect* helpers (10 s default).
//   - On a failed expectation the error lists the page URL, uncaught page errors and console
//     errors, and a screenshot is written to test-results/.
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { chromium } from 'playwright-core';

export const APP_URL = (process.env.APP_URL ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const TIMEOUT = Number(process.env.E2E_TIMEOUT_MS ?? 10_000);
export const UUID_RE = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

/** Absolute URL of an app path, e.g. url('/customers/new'). */
export function url(path = '/') {
  return APP_URL + (path.startsWith('/') ? path : `/${path}`);
}

export function launchBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

// page -> { errors: string[] } (uncaught exceptions and console errors, for failure messages)
const diagnostics = new WeakMap();

/**
 * A fresh context (empty IndexedDB, storage, service workers) and page for one test; both are
 * closed when the test ends. `t` is the node:test context.
 */
export async function newPage(browser, t) {
  const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 900 } });
  context.setDefaultTimeout(TIMEOUT);
  context.setDefaultNavigationTimeout(3 * TIMEOUT);
  const page = await context.newPage();
  const diag = { errors: [] };
  diagnostics.set(page, diag);
  page.on('pageerror', (err) => diag.errors.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') diag.errors.push(`console.error: ${msg.text()}`);
  });
  t?.after(() => context.close());
  return page;
}

function slug(text) {
  return String(text).replace(/[^a-zA-Z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60) || 'failure';
}

async function describeFailure(page, err, what) {
  const lines = [`${what} (after ${TIMEOUT} ms)`, `  last error: ${err?.message ?? err}`];
  if (page) {
    lines.push(`  page url: ${page.url()}`);
    const diag = diagnostics.get(page);
    if (diag?.errors.length) lines.push('  page errors:', ...diag.errors.slice(-10).map((e) => `    ${e}`));
    try {
      await mkdir('test-results', { recursive: true });
      const file = `test-results/${slug(what)}-${Date.now()}.png`;
      await page.screenshot({ path: file, fullPage: true, timeout: 5_000 });
      lines.push(`  screenshot: ${file}`);
    } catch {
      // the page may be gone; the message above is what matters
    }
  }
  return lines.join('\n');
}

/**
 * Polls `assertion` (an async function that throws while the condition does not hold) until it
 * passes, like Playwright Test's expect.poll/toPass. Returns the assertion's result.
 */
export async function expectEventually(assertion, { timeout = TIMEOUT, interval = 100, page, message } = {}) {
  const deadline = Date.now() + timeout;
  let lastError;
  for (;;) {
    try {
      return await assertion();
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) break;
    await delay(Math.min(interval, Math.max(0, deadline - Date.now())));
  }
  throw new assert.AssertionError({
    message: await describeFailure(page, lastError, message ?? 'condition did not hold'),
  });
}

function matches(actual, expected) {
  return expected instanceof RegExp ? expected.test(actual) : actual === expected;
}

/** Waits until the page URL's path (without origin) matches `expected` (string or RegExp). */
export async function expectPath(page, expected, opts = {}) {
  return expectEventually(
    () => {
      const path = new URL(page.url()).pathname;
      assert.ok(matches(path, expected), `path is ${path}, want ${expected}`);
      return path;
    },
    { page, message: `URL path should match ${expected}`, ...opts },
  );
}

/** Waits until the locator's (single) element is visible. */
export async function expectVisible(locator, opts = {}) {
  const { timeout = TIMEOUT } = opts;
  try {
    await locator.waitFor({ state: 'visible', timeout });
  } catch (err) {
    throw new assert.AssertionError({ message: await describeFailure(locator.page(), err, `${locator} should be visible`) });
  }
}

/** Waits until no element matches the locator, or it is hidden. */
export async function expectHidden(locator, opts = {}) {
  const { timeout = TIMEOUT } = opts;
  try {
    await locator.waitFor({ state: 'hidden', timeout });
  } catch (err) {
    throw new assert.AssertionError({ message: await describeFailure(locator.page(), err, `${locator} should be hidden`) });
  }
}

/**
 * Waits until the locator's text (innerText, whitespace collapsed and trimmed) equals the
 * string, or matches the RegExp. `{ contains: true }` accepts a string contained in the text.
 */
export async function expectText(locator, expected, opts = {}) {
  const { contains = false, ...rest } = opts;
  return expectEventually(
    async () => {
      const text = (await locator.innerText({ timeout: 1_000 })).replace(/\s+/g, ' ').trim();
      const ok = contains && typeof expected === 'string' ? text.includes(expected) : matches(text, expected);
      assert.ok(ok, `text is ${JSON.stringify(text)}, want ${contains ? 'to contain ' : ''}${expected}`);
      return text;
    },
    { page: locator.page(), message: `${locator} text should ${contains ? 'contain' : 'be'} ${expected}`, ...rest },
  );
}

/** Waits until the locator matches exactly `n` elements. */
export async function expectCount(locator, n, opts = {}) {
  return expectEventually(
    async () => {
      const count = await locator.count();
      assert.equal(count, n, `count is ${count}, want ${n}`);
      return count;
    },
    { page: locator.page(), message: `${locator} should match ${n} element(s)`, ...opts },
  );
}

/** Waits until the element's attribute equals the string (or matches the RegExp). */
export async function expectAttribute(locator, name, expected, opts = {}) {
  return expectEventually(
    async () => {
      const value = await locator.getAttribute(name, { timeout: 1_000 });
      assert.ok(value !== null && matches(value, expected), `${name}=${JSON.stringify(value)}, want ${expected}`);
      return value;
    },
    { page: locator.page(), message: `${locator} should have ${name}=${expected}`, ...opts },
  );
}

/** Waits until an input's value equals the string (or matches the RegExp). */
export async function expectValue(locator, expected, opts = {}) {
  return expectEventually(
    async () => {
      const value = await locator.inputValue({ timeout: 1_000 });
      assert.ok(matches(value, expected), `value is ${JSON.stringify(value)}, want ${expected}`);
      return value;
    },
    { page: locator.page(), message: `${locator} should have value ${expected}`, ...opts },
  );
}

/** A local calendar date as YYYY-MM-DD (the value format of <input type="date">). */
export function isoDate(offsetDays = 0, from = new Date()) {
  const d = new Date(from.getFullYear(), from.getMonth(), from.getDate() + offsetDays);
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

export function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// --- the app's screens (locators from the UI contract in PRODUCT.md) ---------------------------

/** A link in the main navigation: Customers, Follow-ups, Segments, Dashboard, Sync. */
export function navLink(page, name) {
  return page.getByRole('navigation').getByRole('link', { name, exact: true }).first();
}

/** The always-visible sync badge (role="status"), e.g. "Online · 0 pending · Last sync: never". */
export function syncBadge(page) {
  return page.getByRole('status').filter({ hasText: /pending/ });
}

export function customerCount(page) {
  return page.locator('#customer-count');
}

export function customerList(page) {
  return page.getByRole('list', { name: 'Customer list', exact: true });
}

/** The list link of a customer (its accessible name starts with the customer's name). */
export function customerLink(page, name) {
  return customerList(page).getByRole('link', { name: new RegExp(`^${escapeRegExp(name)}`) });
}

export function heading1(page) {
  return page.getByRole('heading', { level: 1 });
}

export function button(page, name) {
  return page.getByRole('button', { name, exact: true });
}

export function field(page, label) {
  return page.getByLabel(label, { exact: true });
}

export function timeline(page) {
  return page.getByRole('list', { name: 'Timeline', exact: true });
}

/** Text such as "0 customers" / "500 customers" ("1 customer" is accepted for one). */
export function countText(n) {
  return n === 1 ? /^1 customers?$/ : new RegExp(`^${n} customers$`);
}

/** Opens the app at `path` and waits until the shell (navigation + sync badge) is up. */
export async function openApp(page, path = '/customers') {
  await page.goto(url(path));
  await expectVisible(syncBadge(page));
}

/** Opens the Customers screen and waits for its count to show. */
export async function openCustomers(page) {
  await openApp(page, '/customers');
  await expectPath(page, '/customers');
  await expectText(customerCount(page), /^\d+ customers?$/);
}

/**
 * Creates a customer through the UI (Customers → New customer → fill → Save) and waits for its
 * page. `fields` keys are the form labels: Name, Company, Email, Phone, City, Tags.
 * Returns the customer's path, /customers/<uuid>.
 */
export async function createCustomer(page, fields) {
  await openCustomers(page);
  await button(page, 'New customer').click();
  await expectPath(page, '/customers/new');
  for (const [label, value] of Object.entries(fields)) {
    await field(page, label).fill(value);
  }
  await button(page, 'Save').click();
  const path = await expectPath(page, new RegExp(`^/customers/${UUID_RE.source}$`, 'i'));
  await expectText(heading1(page), fields.Name);
  return path;
}

/**
 * On a customer page: opens the "Log interaction" form if it is not open, fills it and saves.
 * `values` keys: Type (option value, e.g. 'purchase'), Date, Summary, Amount, Next visit.
 */
export async function logInteraction(page, values) {
  const type = page.getByRole('combobox', { name: 'Type', exact: true });
  if (!(await type.isVisible())) {
    await button(page, 'Log interaction').click();
    await expectVisible(type);
  }
  for (const [label, value] of Object.entries(values)) {
    if (label === 'Type') await type.selectOption(value);
    else await field(page, label).fill(value);
  }
  await button(page, 'Save').click();
}
