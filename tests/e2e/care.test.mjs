// Follow-ups & care and Companies end to end, through accessible names: care reminders
// (birthday, 7 days after a purchase, membership expiry) with Done / Snooze / Undo that
// survive reload and sync to a second device; a company with a contracted flag, a contact
// with a buying role and the company's combined timeline.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  button,
  createCustomer,
  expectEventually,
  expectHidden,
  expectText,
  expectVisible,
  field,
  heading1,
  isoDate,
  launchBrowser,
  logInteraction,
  navLink,
  newPage,
  openApp,
  timeline,
} from './helpers.mjs';
import { SYNC_TIMEOUT, signIn, startServer, syncNow } from './server.mjs';

/** A birthday (in 1990) that falls `days` from today. */
function birthdayIn(days) {
  return `1990${isoDate(days).slice(4)}`;
}

function careList(page) {
  return page.getByRole('list', { name: 'Care reminders', exact: true });
}

function careRow(page, name, kind) {
  return careList(page).getByRole('listitem').filter({ hasText: name }).filter({ hasText: kind });
}

describe('follow-ups and care', () => {
  let browser;
  before(async () => {
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
  });

  test('birthday, purchase and membership reminders; done and snooze with undo; reload keeps them', async (t) => {
    const page = await newPage(browser, t);
    await openApp(page, '/follow-ups');
    await expectVisible(page.getByText(/No care reminders in the next 14 days/));

    await createCustomer(page, { Name: 'Chen Jing', Phone: '13900000002', Birthday: birthdayIn(3), 'Membership expires': isoDate(5) });
    await logInteraction(page, { Type: 'purchase', Date: isoDate(-7), Summary: 'Tianjin hotel package', Amount: '1500' });
    await expectVisible(timeline(page).getByText('Tianjin hotel package'));

    await navLink(page, 'Follow-ups').click();
    await expectVisible(careRow(page, 'Chen Jing', 'Birthday'));
    await expectText(careRow(page, 'Chen Jing', 'Birthday'), new RegExp(`Due: ${isoDate(3)}`));
    await expectVisible(careRow(page, 'Chen Jing', '7 days after purchase'));
    await expectText(careRow(page, 'Chen Jing', '7 days after purchase'), new RegExp(`Due: ${isoDate(0)}`));
    await expectVisible(careRow(page, 'Chen Jing', 'Membership expiry'));
    // 28 days after the purchase is three weeks away: outside the 14-day agenda.
    await expectHidden(careRow(page, 'Chen Jing', '28 days after purchase'));

    // Done, then Undo: the reminder comes back.
    await button(page, 'Done: Birthday – Chen Jing').click();
    await expectHidden(careRow(page, 'Chen Jing', 'Birthday'));
    await expectVisible(page.getByText('Reminder marked done'));
    await button(page, 'Undo').click();
    await expectVisible(careRow(page, 'Chen Jing', 'Birthday'));

    // Keyboard: snooze the purchase reminder until tomorrow.
    await button(page, 'Snooze: 7 days after purchase – Chen Jing').focus();
    await page.keyboard.press('Enter');
    await expectHidden(careRow(page, 'Chen Jing', '7 days after purchase'));
    await button(page, 'Done: Membership expiry – Chen Jing').click();
    await expectHidden(careRow(page, 'Chen Jing', 'Membership expiry'));

    await page.reload();
    await expectVisible(careRow(page, 'Chen Jing', 'Birthday'));
    await expectHidden(careRow(page, 'Chen Jing', '7 days after purchase'));
    await expectHidden(careRow(page, 'Chen Jing', 'Membership expiry'));
    assert.equal(await page.getByRole('checkbox', { name: 'Notify me of reminders due today' }).isChecked(), false);
  });

  test('a reminder marked done offline on one device is gone on the other after sync', { timeout: 180_000 }, async (t) => {
    const origin = await startServer(t);
    const a = await newPage(browser, t);
    const b = await newPage(browser, t);
    await signIn(a, origin);
    await signIn(b, origin);

    await navLink(a, 'Customers').click();
    await button(a, 'New customer').click();
    await field(a, 'Name').fill('Zhou Min');
    await field(a, 'Birthday').fill(birthdayIn(2));
    await button(a, 'Save').click();
    await expectText(heading1(a), 'Zhou Min');
    await syncNow(a);
    await syncNow(b);
    await navLink(b, 'Follow-ups').click();
    await expectVisible(careRow(b, 'Zhou Min', 'Birthday'), SYNC_TIMEOUT);

    await a.context().setOffline(true);
    await navLink(a, 'Follow-ups').click();
    await button(a, 'Done: Birthday – Zhou Min').click();
    await expectHidden(careRow(a, 'Zhou Min', 'Birthday'));
    await a.reload();
    await expectVisible(a.getByRole('heading', { name: 'Care reminders' }));
    await expectHidden(careRow(a, 'Zhou Min', 'Birthday'));
    await a.context().setOffline(false);
    await syncNow(a);

    await syncNow(b);
    await navLink(b, 'Follow-ups').click();
    await expectVisible(b.getByRole('heading', { name: 'Care reminders' }));
    await expectHidden(careRow(b, 'Zhou Min', 'Birthday'), SYNC_TIMEOUT);
  });
});

describe('companies', () => {
  let browser;
  before(async () => {
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
  });

  test('a contracted company, a contact with a buying role, and the combined timeline', async (t) => {
    const page = await newPage(browser, t);
    await openApp(page, '/companies');
    await expectVisible(page.getByText(/No companies yet/));

    await navLink(page, 'Customers').click();
    await button(page, 'New customer').click();
    await field(page, 'Name').fill('Huazhu Hotels');
    await page.getByRole('combobox', { name: 'Kind', exact: true }).selectOption('company');
    await expectHidden(page.getByRole('combobox', { name: 'Buying role' }));
    await page.getByRole('checkbox', { name: 'Contracted organisation' }).check();
    await field(page, 'City').fill('上海');
    await button(page, 'Save').click();
    await expectText(heading1(page), 'Huazhu Hotels');
    await logInteraction(page, { Type: 'meeting', Date: isoDate(-2), Summary: 'Annual rate negotiation' });
    await expectVisible(timeline(page).getByText('Annual rate negotiation'));

    await navLink(page, 'Customers').click();
    await button(page, 'New customer').click();
    await field(page, 'Name').fill('Li Na');
    await page.getByRole('combobox', { name: 'Contact of company', exact: true }).selectOption({ label: 'Huazhu Hotels' });
    await expectEventually(async () => assert.equal(await field(page, 'Company').inputValue(), 'Huazhu Hotels'));
    await page.getByRole('combobox', { name: 'Buying role', exact: true }).selectOption('decider');
    await button(page, 'Save').click();
    await expectText(heading1(page), 'Li Na');
    await logInteraction(page, { Type: 'call', Date: isoDate(-1), Summary: 'Confirmed the group booking' });
    await expectVisible(timeline(page).getByText('Confirmed the group booking'));

    await navLink(page, 'Companies').click();
    const companies = page.getByRole('list', { name: 'Companies', exact: true });
    const row = companies.getByRole('link', { name: /^Huazhu Hotels/ });
    await expectText(row, /1 contacts · 上海 · Contracted organisation/);
    await row.click();
    await expectText(heading1(page), 'Huazhu Hotels');
    await expectText(page.getByRole('list', { name: 'Contacts', exact: true }), /Li Na.*Decider/);
    const combined = page.getByRole('list', { name: 'Combined timeline', exact: true });
    await expectVisible(combined.getByText('Confirmed the group booking'));
    await expectVisible(combined.getByText('Annual rate negotiation'));
    await expectText(combined.getByRole('listitem').first(), /Li Na/);

    await page.reload();
    await expectVisible(page.getByRole('list', { name: 'Combined timeline', exact: true }).getByText('Confirmed the group booking'));
  });
});
