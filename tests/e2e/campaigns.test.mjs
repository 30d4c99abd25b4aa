// Campaigns end to end: a saved segment as the target, a campaign with cost and period
// (an end before the start is refused next to End), a purchase linked to the campaign from
// the customer's Log interaction form, and the campaign's revenue, ROI and conversion on
// the Campaigns screen — offline, after an offline reload, with Edit and Delete / Undo; and
// between two devices through a real crm-server.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  button,
  createCustomer,
  customerLink,
  customerCount,
  expectAttribute,
  expectEventually,
  expectHidden,
  expectText,
  expectVisible,
  field,
  heading1,
  launchBrowser,
  navLink,
  newPage,
  syncBadge,
  timeline,
} from './helpers.mjs';
import { SYNC_TIMEOUT, signIn, startServer, syncNow } from './server.mjs';

const TEST_TIMEOUT = 180_000;
const CAMPAIGN = 'Spring Festival mailing';

function campaignCard(page, name = CAMPAIGN) {
  return page.getByRole('list', { name: 'Campaign list' }).getByRole('article', { name, exact: true });
}

async function waitForController(page) {
  await expectEventually(async () => {
    const controlled = await page.evaluate(() => !!navigator.serviceWorker.controller);
    assert.ok(controlled, 'the service worker controls the page');
  }, { page, timeout: 20_000 });
}

/** Campaigns → New campaign → fill → Save; waits for the campaign's card. */
async function createCampaign(page, values) {
  await navLink(page, 'Campaigns').click();
  await expectText(heading1(page), 'Campaigns');
  await button(page, 'New campaign').click();
  for (const [label, value] of Object.entries(values)) {
    if (label === 'Target segment') await field(page, label).selectOption({ label: value });
    else await field(page, label).fill(value);
  }
  await button(page, 'Save').click();
  await expectVisible(campaignCard(page, values.Name));
}

/** On the customer's page: logs a purchase of `amount` linked to `campaign`. */
async function logLinkedPurchase(page, customer, amount, campaign) {
  await navLink(page, 'Customers').click();
  await expectText(customerCount(page), /^\d+ customers?$/);
  await customerLink(page, customer).click();
  await expectText(heading1(page), customer);
  await button(page, 'Log interaction').click();
  await page.getByRole('combobox', { name: 'Type', exact: true }).selectOption('purchase');
  await field(page, 'Amount').fill(amount);
  const select = page.getByRole('combobox', { name: 'Campaign', exact: true });
  assert.equal(await select.inputValue(), '', 'no campaign is chosen by default');
  await select.selectOption({ label: campaign });
  await button(page, 'Save').click();
  await expectHidden(select);
  await expectText(timeline(page), /Purchase/);
}

async function expectResult(page, texts, opts = {}) {
  const card = campaignCard(page);
  for (const text of texts) await expectText(card, text, { contains: true, ...opts });
}

describe('campaigns', () => {
  let browser;
  before(async () => {
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
  });

  test('target a segment, link a purchase, see ROI and conversion; offline, reload, edit, delete and undo', { timeout: TEST_TIMEOUT }, async (t) => {
    const page = await newPage(browser, t);
    await createCustomer(page, { Name: '王芳', City: '上海' });

    // A saved segment to target: customers in Shanghai (one).
    await navLink(page, 'Segments').click();
    await expectText(heading1(page), 'Segments');
    await page.getByRole('combobox', { name: 'Condition 1', exact: true }).selectOption('city');
    await page.getByLabel('Cities, separated by commas (e.g. 上海, 北京)').fill('上海');
    await field(page, 'Segment name').fill('Shanghai customers');
    await button(page, 'Save segment').click();
    await expectText(page.getByRole('list', { name: 'Saved segments' }), /Shanghai customers\s*1 customers/, { timeout: 30_000 });

    // An end before the start is refused next to End; nothing is saved.
    await navLink(page, 'Campaigns').click();
    await expectText(page.getByText(/No campaigns yet/), /New campaign/);
    await button(page, 'New campaign').click();
    await field(page, 'Name').fill(CAMPAIGN);
    await field(page, 'Target segment').selectOption({ label: 'Shanghai customers' });
    await field(page, 'Cost').fill('1000');
    await field(page, 'Start').fill('2026-03-10');
    await field(page, 'End').fill('2026-03-01');
    await button(page, 'Save').click();
    await expectAttribute(field(page, 'End'), 'aria-invalid', 'true');
    const endError = page.locator(`#${await field(page, 'End').getAttribute('aria-describedby')}`);
    await expectText(endError, 'The end date cannot be before the start date');
    assert.equal(await field(page, 'Start').getAttribute('aria-invalid'), null, 'Start itself is fine');
    await field(page, 'End').fill('2026-03-31');
    await button(page, 'Save').click();
    await expectVisible(campaignCard(page));
    await expectResult(page, ['Target segment Shanghai customers', 'Period 2026-03-10 – 2026-03-31', 'Cost ¥1,000.00', 'Revenue ¥0.00', 'ROI 0.0×']);
    await expectResult(page, ['Targets 1', 'Conversion 0%'], { timeout: 30_000 });

    // Offline from here on: link a purchase, see the result, reload.
    await waitForController(page);
    await page.context().setOffline(true);
    await expectText(syncBadge(page), /Offline/);
    await logLinkedPurchase(page, '王芳', '3200', CAMPAIGN);
    await navLink(page, 'Campaigns').click();
    await expectResult(page, ['Revenue ¥3,200.00', 'Purchases 1', 'Buyers 1', 'ROI 3.2×']);
    await expectResult(page, ['Targets 1', 'Conversion 100%'], { timeout: 30_000 });
    await page.reload();
    await expectText(syncBadge(page), /Offline/);
    await expectResult(page, ['Revenue ¥3,200.00', 'ROI 3.2×', 'Cost ¥1,000.00']);
    await expectResult(page, ['Conversion 100%'], { timeout: 30_000 });

    // Edit: a higher cost lowers the ROI.
    await campaignCard(page).getByRole('button', { name: `Edit ${CAMPAIGN}` }).click();
    await expectText(page.getByRole('form', { name: 'Edit campaign' }).getByRole('heading'), 'Edit campaign');
    assert.equal(await field(page, 'Cost').inputValue(), '1000');
    await field(page, 'Cost').fill('1600');
    await button(page, 'Save').click();
    await expectResult(page, ['Cost ¥1,600.00', 'ROI 2.0×']);

    // Delete, then Undo.
    await campaignCard(page).getByRole('button', { name: `Delete ${CAMPAIGN}` }).click();
    await expectHidden(campaignCard(page));
    await expectVisible(page.getByText('No campaigns yet. Choose New campaign to plan the first one.'));
    await page.getByRole('alert').getByRole('button', { name: 'Undo' }).click();
    await expectResult(page, ['Revenue ¥3,200.00', 'ROI 2.0×']);
    await page.reload();
    await expectResult(page, ['Revenue ¥3,200.00', 'ROI 2.0×']);
  });

  test('a campaign and its linked purchase sync to a second device with the same ROI', { timeout: TEST_TIMEOUT }, async (t) => {
    const origin = await startServer(t);
    const a = await newPage(browser, t);
    const b = await newPage(browser, t);
    await signIn(a, origin);
    await signIn(b, origin);

    // Device A: a campaign without a target segment, and a purchase linked to it.
    await navLink(a, 'Customers').click();
    await button(a, 'New customer').click();
    await field(a, 'Name').fill('李雷');
    await button(a, 'Save').click();
    await expectText(heading1(a), '李雷');
    await createCampaign(a, { Name: CAMPAIGN, Cost: '1000' });
    await expectResult(a, ['Target segment No segment', 'Targets —', 'Conversion —']);
    await logLinkedPurchase(a, '李雷', '3200', CAMPAIGN);
    await navLink(a, 'Campaigns').click();
    await expectResult(a, ['Revenue ¥3,200.00', 'ROI 3.2×']);
    await syncNow(a);

    // Device B receives both and computes the same result.
    await syncNow(b);
    await navLink(b, 'Campaigns').click();
    await expectResult(b, ['Cost ¥1,000.00', 'Revenue ¥3,200.00', 'Purchases 1', 'Buyers 1', 'ROI 3.2×'], SYNC_TIMEOUT);

    // B starts raising the cost; meanwhile A adds notes and syncs. B's background sync
    // shows the notes in the card, the open form keeps B's cost, and saving writes only
    // the cost, so both edits end up on both devices.
    await campaignCard(b).getByRole('button', { name: `Edit ${CAMPAIGN}` }).click();
    await field(b, 'Cost').fill('1600');
    await navLink(a, 'Campaigns').click();
    await campaignCard(a).getByRole('button', { name: `Edit ${CAMPAIGN}` }).click();
    await field(a, 'Notes').fill('Printed flyers too');
    await button(a, 'Save').click();
    await expectVisible(campaignCard(a).getByText('Printed flyers too', { exact: true }));
    await syncNow(a);
    await b.context().setOffline(true);
    await expectText(syncBadge(b), /Offline/);
    await b.context().setOffline(false);
    await expectVisible(campaignCard(b).getByText('Printed flyers too', { exact: true }), SYNC_TIMEOUT);
    assert.equal(await field(b, 'Cost').inputValue(), '1600', 'the open form keeps what B typed');
    await button(b, 'Save').click();
    await expectResult(b, ['Cost ¥1,600.00', 'ROI 2.0×']);
    await expectVisible(campaignCard(b).getByText('Printed flyers too', { exact: true }));
    await syncNow(b);
    await syncNow(a);
    await navLink(a, 'Campaigns').click();
    await expectResult(a, ['Cost ¥1,600.00', 'ROI 2.0×'], SYNC_TIMEOUT);
    await expectVisible(campaignCard(a).getByText('Printed flyers too', { exact: true }));
  });
});
