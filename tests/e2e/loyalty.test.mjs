// Loyalty and organisation settings end to end: the points rate and the discount approval
// limit on the Settings screen (bad values refused next to their field), points and the
// member tier on a customer's page with the points history, an offline change of the rate
// that survives an offline reload, and a settings change synced to a second device.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  button,
  createCustomer,
  customerCount,
  customerLink,
  expectAttribute,
  expectEventually,
  expectText,
  expectValue,
  field,
  heading1,
  launchBrowser,
  logInteraction,
  navLink,
  newPage,
  syncBadge,
  timeline,
} from './helpers.mjs';
import { SYNC_TIMEOUT, signIn, startServer, syncNow } from './server.mjs';

const TEST_TIMEOUT = 180_000;
const RATE = 'Points per yuan';
const LIMIT = 'Discount approval limit (%)';

async function waitForController(page) {
  await expectEventually(async () => {
    const controlled = await page.evaluate(() => !!navigator.serviceWorker.controller);
    assert.ok(controlled, 'the service worker controls the page');
  }, { page, timeout: 20_000 });
}

async function openSettings(page) {
  await navLink(page, 'Settings').click();
  await expectText(heading1(page), 'Settings');
}

/** Fills one settings field, saves, and waits for "Settings saved". */
async function saveSetting(page, label, value) {
  await openSettings(page);
  await field(page, label).fill(value);
  await button(page, 'Save').click();
  await expectText(page.getByRole('status').filter({ hasText: 'Settings saved' }), 'Settings saved');
}

/** The error text next to a field (the element its aria-describedby names last). */
async function fieldError(page, label) {
  await expectAttribute(field(page, label), 'aria-invalid', 'true');
  const ids = (await field(page, label).getAttribute('aria-describedby')).split(' ');
  return page.locator(`#${ids[ids.length - 1]}`);
}

function loyalty(page) {
  return page.getByRole('region', { name: 'Loyalty', exact: true });
}

async function openCustomer(page, name) {
  await navLink(page, 'Customers').click();
  await expectText(customerCount(page), /^\d+ customers?$/);
  await customerLink(page, name).click();
  await expectText(heading1(page), name);
}

describe('loyalty and settings', () => {
  let browser;
  before(async () => {
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
  });

  test('points rate on Settings, points and tier on the customer page, offline change survives reload', { timeout: TEST_TIMEOUT }, async (t) => {
    const page = await newPage(browser, t);
    await createCustomer(page, { Name: '陈静' });
    await expectText(loyalty(page), /Points 0/);
    await expectText(loyalty(page), /No purchases yet/);

    // Invalid rates are refused next to the field.
    await openSettings(page);
    await expectValue(field(page, RATE), '1');
    await expectValue(field(page, LIMIT), '10');
    await expectValue(field(page, 'Tier 2 name'), 'Silver');
    await expectValue(field(page, 'Tier 2 minimum points'), '5000');
    for (const bad of ['0', 'abc']) {
      await field(page, RATE).fill(bad);
      await button(page, 'Save').click();
      await expectText(await fieldError(page, RATE), 'Enter a number above 0, such as 1 or 0.5');
    }
    await field(page, LIMIT).fill('120');
    await button(page, 'Save').click();
    await expectText(await fieldError(page, LIMIT), 'Enter a percentage from 0 to 100');
    await field(page, LIMIT).fill('10');
    await saveSetting(page, RATE, '2');
    assert.equal(await field(page, RATE).getAttribute('aria-invalid'), null);

    // A ¥1,500 purchase earns 3,000 points: Bronze under the default tiers.
    await openCustomer(page, '陈静');
    await logInteraction(page, { Type: 'purchase', Amount: '1500' });
    await expectText(timeline(page), /¥1,500\.00/);
    await expectText(loyalty(page), /Points 3,000 Member tier Bronze/);
    const history = page.getByRole('table', { name: 'Points history' });
    await expectText(history.getByRole('row').nth(1), /^\d{4}-\d{2}-\d{2} ¥1,500\.00 \+3,000 3,000$/);

    // Offline: a new rate is saved and survives an offline reload.
    await waitForController(page);
    await page.context().setOffline(true);
    await expectText(syncBadge(page), /Offline/);
    await saveSetting(page, RATE, '4');
    await page.reload();
    await expectText(syncBadge(page), /Offline/);
    await expectText(heading1(page), 'Settings');
    await expectValue(field(page, RATE), '4');
    await openCustomer(page, '陈静');
    await expectText(loyalty(page), /Points 6,000 Member tier Silver/);
  });

  test('a discount limit changed on one device shows on the other', { timeout: TEST_TIMEOUT }, async (t) => {
    const origin = await startServer(t);
    const a = await newPage(browser, t);
    const b = await newPage(browser, t);
    await signIn(a, origin);
    await signIn(b, origin);

    await saveSetting(a, LIMIT, '15');
    await syncNow(a);
    await syncNow(b);
    await openSettings(b);
    await expectValue(field(b, LIMIT), '15', SYNC_TIMEOUT);
    await expectValue(field(b, RATE), '1');
  });
});
