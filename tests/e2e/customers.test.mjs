// Customers, interactions, search, validation, demo data and undoable delete, end to end in
// headless Chromium against the release build. See helpers.mjs for how to run.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  UUID_RE,
  button,
  countText,
  createCustomer,
  customerCount,
  customerLink,
  customerList,
  expectAttribute,
  expectCount,
  expectEventually,
  expectHidden,
  expectPath,
  expectText,
  expectValue,
  expectVisible,
  field,
  heading1,
  isoDate,
  launchBrowser,
  logInteraction,
  navLink,
  newPage,
  openApp,
  openCustomers,
  syncBadge,
  timeline,
} from './helpers.mjs';

const LI_WEI = {
  Name: '李伟',
  Company: 'Jinjiang Star Travel',
  Email: 'li.wei@example.com',
  Phone: '138 0013 5678',
  City: '上海',
  Tags: 'vip, hotel',
};
const TEST_TIMEOUT = 90_000;

describe('customers', () => {
  let browser;
  before(async () => {
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
  });

  test('the app opens on Customers with navigation and a sync badge', { timeout: TEST_TIMEOUT }, async (t) => {
    const page = await newPage(browser, t);
    await openApp(page, '/');
    await expectPath(page, '/customers');
    for (const name of ['Customers', 'Follow-ups', 'Segments', 'Dashboard', 'Sync']) {
      await expectVisible(navLink(page, name));
    }
    await expectText(syncBadge(page), /^(Online|Offline)\b.*\b0 pending\b/);
    await expectText(customerCount(page), '0 customers');
    await expectVisible(button(page, 'New customer'));
    await expectVisible(button(page, 'Load demo data'));
    await expectVisible(page.getByRole('searchbox', { name: 'Search customers', exact: true }));
  });

  test('create a customer; it is still there after a reload', { timeout: TEST_TIMEOUT }, async (t) => {
    const page = await newPage(browser, t);
    const path = await createCustomer(page, LI_WEI);
    assert.match(path, new RegExp(`^/customers/${UUID_RE.source}$`, 'i'));

    // The customer page survives a reload (data comes back from IndexedDB).
    await page.reload();
    await expectPath(page, path);
    await expectText(heading1(page), LI_WEI.Name);

    // The list shows it, also after a reload.
    await navLink(page, 'Customers').click();
    await expectPath(page, '/customers');
    await expectVisible(customerLink(page, LI_WEI.Name));
    await expectText(customerCount(page), countText(1));
    await page.reload();
    await expectVisible(customerLink(page, LI_WEI.Name));
    await expectCount(customerList(page).getByRole('link'), 1);

    // The link leads back to the customer page.
    await customerLink(page, LI_WEI.Name).click();
    await expectPath(page, path);
    await expectText(heading1(page), LI_WEI.Name);
  });

  test('log a purchase; the timeline shows it newest first with the amount in CNY', { timeout: TEST_TIMEOUT }, async (t) => {
    const page = await newPage(browser, t);
    const path = await createCustomer(page, LI_WEI);

    await button(page, 'Log interaction').click();
    const type = page.getByRole('combobox', { name: 'Type', exact: true });
    await expectVisible(type);
    const options = await type.getByRole('option').evaluateAll((os) => os.map((o) => [o.value, o.textContent.trim()]));
    assert.deepEqual(options, [
      ['call', 'Call'],
      ['visit', 'Visit'],
      ['email', 'Email'],
      ['wechat', 'WeChat'],
      ['meeting', 'Meeting'],
      ['note', 'Note'],
      ['purchase', 'Purchase'],
    ]);
    await expectValue(field(page, 'Date'), isoDate(0));

    // An older call first, then today's purchase: the purchase must come first.
    await logInteraction(page, {
      Type: 'call',
      Date: isoDate(-1),
      Summary: 'Asked about the spring group tour',
      'Next visit': isoDate(7),
    });
    const items = timeline(page).getByRole('listitem');
    await expectCount(items, 1);
    await expectText(items.first(), 'Asked about the spring group tour', { contains: true });

    await logInteraction(page, {
      Type: 'purchase',
      Date: isoDate(0),
      Amount: '1280.50',
      Summary: 'Two nights, Jinjiang Inn Pudong',
    });
    await expectCount(items, 2);
    await expectText(items.first(), '¥1,280.50', { contains: true });
    await expectText(items.first(), 'Two nights, Jinjiang Inn Pudong', { contains: true });
    await expectText(items.nth(1), 'Asked about the spring group tour', { contains: true });

    // Durable: still there after a reload.
    await page.reload();
    await expectPath(page, path);
    await expectCount(items, 2);
    await expectText(items.first(), '¥1,280.50', { contains: true });
  });

  test('search finds a customer by part of the name and by the last 4 phone digits', { timeout: TEST_TIMEOUT }, async (t) => {
    const page = await newPage(browser, t);
    await createCustomer(page, LI_WEI);
    await openCustomers(page);
    const search = page.getByRole('searchbox', { name: 'Search customers', exact: true });
    const link = customerLink(page, LI_WEI.Name);

    await search.fill('伟');
    await expectVisible(link);

    await search.fill('xyz-no-such-customer');
    await expectHidden(link);
    await expectCount(customerList(page).getByRole('link'), 0);

    await search.fill(LI_WEI.Phone.replace(/\D/g, '').slice(-4));
    await expectVisible(link);

    await search.fill('0000');
    await expectHidden(link);

    await search.fill('');
    await expectVisible(link);
  });

  test('a bad email shows an error next to the field and saves nothing', { timeout: TEST_TIMEOUT }, async (t) => {
    const page = await newPage(browser, t);
    await openCustomers(page);
    await button(page, 'New customer').click();
    await expectPath(page, '/customers/new');

    await field(page, 'Name').fill(LI_WEI.Name);
    await field(page, 'Email').fill('li.wei@example');
    await button(page, 'Save').click();

    await expectVisible(page.getByText('Enter a valid email address'));
    await expectAttribute(field(page, 'Email'), 'aria-invalid', 'true');
    await expectPath(page, '/customers/new');
    // Still on the form after the error had time to show, with the input kept.
    await expectValue(field(page, 'Email'), 'li.wei@example');

    await navLink(page, 'Customers').click();
    await expectPath(page, '/customers');
    await expectText(customerCount(page), '0 customers');
    await expectHidden(customerLink(page, LI_WEI.Name));
    await page.reload();
    await expectText(customerCount(page), '0 customers');
  });

  test('load demo data: 500 customers', { timeout: TEST_TIMEOUT }, async (t) => {
    const page = await newPage(browser, t);
    await openCustomers(page);
    await expectText(customerCount(page), '0 customers');
    await button(page, 'Load demo data').click();
    // ~500 customers and ~5,000 interactions go into IndexedDB: allow more than the default.
    await expectText(customerCount(page), '500 customers', { timeout: 60_000 });
    await expectEventually(
      async () => assert.ok((await customerList(page).getByRole('link').count()) > 0, 'the customer list is empty'),
      { page, message: 'the customer list should show demo customers' },
    );
    await page.reload();
    await expectText(customerCount(page), '500 customers');
  });

  test('delete a customer, then Undo brings it back', { timeout: TEST_TIMEOUT }, async (t) => {
    const page = await newPage(browser, t);
    const path = await createCustomer(page, LI_WEI);

    await button(page, 'Delete').click();
    await expectPath(page, '/customers');
    const alert = page.getByRole('alert').filter({ hasText: 'Customer deleted' });
    await expectVisible(alert);
    await expectHidden(customerLink(page, LI_WEI.Name));
    await expectText(customerCount(page), '0 customers');

    await button(page, 'Undo').click();
    await expectVisible(customerLink(page, LI_WEI.Name));
    await expectText(customerCount(page), countText(1));

    // The restored customer is durable and keeps its id.
    await page.reload();
    await expectVisible(customerLink(page, LI_WEI.Name));
    await customerLink(page, LI_WEI.Name).click();
    await expectPath(page, path);
    await expectText(heading1(page), LI_WEI.Name);
  });
});
