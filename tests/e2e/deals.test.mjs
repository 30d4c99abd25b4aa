// Deals end to end, through accessible names only: the pipeline board (one region per
// stage, one article per deal), the deal form with errors next to the fields and the
// customer combobox, keyboard moves, delete with Undo, reload; then a rep and a manager
// on two devices with a real crm-server: a discount above the limit waits for approval,
// winning is refused until the manager approves, and an offline edit syncs.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  button,
  createCustomer,
  expectAttribute,
  expectCount,
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
} from './helpers.mjs';
import { SYNC_TIMEOUT, signIn, startServer, syncNow } from './server.mjs';

const TEST_TIMEOUT = 180_000;

/** The kanban column of a stage (a region named by its heading). */
function column(page, stage) {
  return page.getByRole('region', { name: stage, exact: true });
}

/** A deal's card in a column (an article named by the deal's title). */
function card(page, stage, title) {
  return column(page, stage).getByRole('article', { name: title, exact: true });
}

async function openDeals(page) {
  await navLink(page, 'Deals').click();
  await expectText(heading1(page), 'Deals');
  await expectVisible(column(page, 'Lead'));
}

/** Fills the open deal form; keys are field labels. */
async function fillDeal(page, values) {
  for (const [label, value] of Object.entries(values)) await field(page, label).fill(value);
}

/** The text of the elements an input's aria-describedby points to (hint and error). */
function description(locator) {
  return locator.evaluate((el) =>
    (el.getAttribute('aria-describedby') ?? '')
      .split(/\s+/)
      .map((id) => document.getElementById(id)?.textContent ?? '')
      .join(' '),
  );
}

async function expectFocused(locator) {
  await expectEventually(async () => assert.ok(await locator.evaluate((el) => el === document.activeElement), 'focused'), {
    page: locator.page(),
    message: `${locator} should have keyboard focus`,
  });
}

async function waitForServiceWorker(page) {
  await expectEventually(async () => assert.ok(await page.evaluate(() => !!navigator.serviceWorker.controller)), {
    page,
    timeout: 20_000,
    message: 'the service worker controls the page',
  });
}

describe('deals', () => {
  let browser;
  before(async () => {
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
  });

  test('create a deal, errors next to the fields, move it with the keyboard, delete and undo, reload', { timeout: TEST_TIMEOUT }, async (t) => {
    const page = await newPage(browser, t);
    await createCustomer(page, { Name: 'Zhou Min', Company: 'West Lake Travel', City: '杭州' });
    await openDeals(page);
    await expectVisible(page.getByText(/No deals yet/));

    // An invalid amount: the error is next to Amount and focus goes there.
    const title = 'Hangzhou incentive trip';
    await button(page, 'New deal').click();
    await expectFocused(field(page, 'Title'));
    await fillDeal(page, { Title: title, Amount: '128k', 'Discount %': '5', 'Expected close': '2026-09-30' });
    await page.getByRole('combobox', { name: 'Customer', exact: true }).fill('zhou');
    await page.getByRole('option', { name: /^Zhou Min/ }).click();
    assert.equal(await field(page, 'Customer').inputValue(), 'Zhou Min');
    await button(page, 'Save').click();
    const amount = field(page, 'Amount');
    await expectAttribute(amount, 'aria-invalid', 'true');
    assert.match(await description(amount), /Enter an amount such as 1280\.50/);
    await expectFocused(amount);
    await expectText(page.getByRole('alert').filter({ hasText: 'Nothing was saved' }), /correct the highlighted fields/);
    await expectCount(column(page, 'Lead').getByRole('article'), 0);

    // Fixed: saved as a lead with the stage's default probability.
    await amount.fill('128000');
    await button(page, 'Save').click();
    const lead = card(page, 'Lead', title);
    await expectText(lead, /Zhou Min/);
    await expectText(lead, /¥128,000\.00/);
    await expectText(lead, /Discount 5 %/);
    await expectText(lead, /Probability 10 %/);
    await expectText(lead, /2026-09-30/);
    await expectVisible(page.getByText('¥12,800.00', { exact: true })); // weighted pipeline
    assert.equal(await lead.getByText('Pending approval').count(), 0);

    // Keyboard only: focus "Move … to Qualified", press Enter; focus follows the card.
    const toQualified = button(page, `Move ${title} to Qualified`);
    await toQualified.focus();
    await page.keyboard.press('Enter');
    const qualified = card(page, 'Qualified', title);
    await expectText(qualified, /Probability 25 %/);
    await expectCount(column(page, 'Lead').getByRole('article'), 0);
    await expectFocused(button(page, `Move ${title} to Proposal`));

    // Delete, then Undo from the toast.
    await button(page, `Delete ${title}`).click();
    await expectHidden(qualified);
    await button(page, 'Undo').click();
    await expectVisible(qualified);

    // Survives a reload.
    await page.reload();
    await expectText(card(page, 'Qualified', title), /¥128,000\.00/);
    await expectCount(column(page, 'Lead').getByRole('article'), 0);
  });

  test('a rep and a manager: a discount above the limit waits for approval, offline edits sync', { timeout: TEST_TIMEOUT }, async (t) => {
    const origin = await startServer(t, [
      { email: 'rep@example.com', role: 'rep' },
      { email: 'manager@example.com', role: 'manager' },
    ]);
    const rep = await newPage(browser, t);
    const manager = await newPage(browser, t);
    await signIn(rep, origin, 'rep@example.com');
    await signIn(manager, origin, 'manager@example.com');

    // The rep offers 25 % (the default limit is 10 %): pending, and Won is refused.
    const title = 'Suzhou sales conference';
    await openDeals(rep);
    await button(rep, 'New deal').click();
    await expectVisible(rep.getByText("Discounts above 10 % need a manager's approval."));
    await fillDeal(rep, { Title: title, Amount: '56000', 'Discount %': '25' });
    await button(rep, 'Save').click();
    const repLead = card(rep, 'Lead', title);
    await expectVisible(repLead.getByText('Pending approval', { exact: true }));
    await expectVisible(repLead.getByText('A manager must approve this discount before the deal can be won.'));
    await expectCount(repLead.getByRole('button', { name: /^Approve/ }), 0);
    await button(rep, `Move ${title} to Won`).click();
    await expectText(repLead.getByRole('alert'), /Cannot mark this deal won: its discount is waiting for a manager's approval/);
    await expectCount(column(rep, 'Won').getByRole('article'), 0);
    await syncNow(rep);

    // The manager receives it, pending, and approves.
    await syncNow(manager);
    await openDeals(manager);
    const managerLead = card(manager, 'Lead', title);
    await expectVisible(managerLead.getByText('Pending approval', { exact: true }), SYNC_TIMEOUT);
    await button(manager, `Approve discount on ${title}`).click();
    await expectText(managerLead, /Discount approved by/);
    await syncNow(manager);

    // The rep sees the approval and can now win the deal.
    await syncNow(rep);
    await openDeals(rep);
    await expectText(card(rep, 'Lead', title), /Discount approved by/, SYNC_TIMEOUT);
    await button(rep, `Move ${title} to Won`).click();
    const repWon = card(rep, 'Won', title);
    await expectText(repWon, /Probability 100 %/);

    // Offline: the rep changes the amount; it survives an offline reload, then syncs.
    await waitForServiceWorker(rep);
    await rep.context().setOffline(true);
    await expectText(syncBadge(rep), /Offline/);
    await button(rep, `Edit ${title}`).click();
    await expectText(rep.getByRole('heading', { name: 'Edit deal' }), 'Edit deal');
    assert.equal(await field(rep, 'Amount').inputValue(), '56000');
    await field(rep, 'Amount').fill('60000');
    await button(rep, 'Save').click();
    await expectText(repWon, /¥60,000\.00/);
    await rep.reload();
    await expectText(syncBadge(rep), /Offline · [1-9]\d* pending/);
    await expectText(card(rep, 'Won', title), /¥60,000\.00/);
    await expectText(card(rep, 'Won', title), /Discount approved by/);
    await rep.context().setOffline(false);
    await syncNow(rep);
    await syncNow(manager);
    await openDeals(manager);
    await expectText(card(manager, 'Won', title), /¥60,000\.00/, SYNC_TIMEOUT);
  });
});
