// Tickets: complaints and service requests through their whole procedure (received →
// assigned → investigating → resolved → closed with a satisfaction score), each refused
// step explained next to its control; the overdue list; Delete with Undo; and a ticket
// made offline on one device reaching another and coming back advanced, and a pulled
// change shown in place while an Edit form on the same ticket keeps what is typed.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AxeBuilder } from '@axe-core/playwright';
import {
  button,
  createCustomer,
  expectEventually,
  expectHidden,
  expectText,
  expectValue,
  expectVisible,
  field,
  heading1,
  isoDate,
  launchBrowser,
  navLink,
  newPage,
  openApp,
  syncBadge,
} from './helpers.mjs';
import { SYNC_TIMEOUT, signIn, startServer, syncNow } from './server.mjs';

const TEST_TIMEOUT = 180_000;
const DAY_MS = 86_400_000;

function ticketCard(page, subject) {
  return page.getByRole('article', { name: subject, exact: true });
}

function newTicketForm(page) {
  return page.getByRole('form', { name: 'New ticket' });
}

/** Opens Tickets through the navigation (works on any origin). */
async function openTickets(page) {
  await navLink(page, 'Tickets').click();
  await expectText(heading1(page), 'Tickets');
}

/** Shows the tickets of one filter ("not_closed", "overdue", "all" or a status). */
async function show(page, value) {
  await field(page, 'Show').selectOption(value);
}

/**
 * New ticket → fill → Save. `values`: Subject, Customer (text to search; the first match is
 * picked), Channel / Severity (option values), Owner, Due.
 */
async function createTicket(page, values) {
  await button(page, 'New ticket').click();
  const form = newTicketForm(page);
  await expectVisible(form);
  await field(form, 'Subject').fill(values.Subject);
  if (values.Customer) {
    await field(form, 'Customer').fill(values.Customer);
    await form.getByRole('option', { name: new RegExp(`^${values.Customer}`) }).first().click();
    await expectValue(field(form, 'Customer'), new RegExp(`^${values.Customer}`));
  }
  if (values.Channel) await field(form, 'Channel').selectOption(values.Channel);
  if (values.Severity) await field(form, 'Severity').selectOption(values.Severity);
  if (values.Owner !== undefined) await field(form, 'Owner').fill(values.Owner);
  if (values.Due) await field(form, 'Due').fill(values.Due);
  await button(form, 'Save').click();
  await expectHidden(form);
  await expectVisible(ticketCard(page, values.Subject));
}

/** Clicks a step button on a ticket and waits for its status tag. */
async function step(card, name, status) {
  await button(card, name).click();
  await expectVisible(card.getByText(status, { exact: true }));
}

/** No serious or critical axe-core violations on the page as it is now. */
async function audit(page, state) {
  const { violations } = await new AxeBuilder({ page }).analyze();
  const bad = violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
  assert.deepEqual(bad, [], `axe on Tickets (${state})`);
}

async function waitForController(page) {
  await expectEventually(async () => {
    const controlled = await page.evaluate(() => !!navigator.serviceWorker.controller);
    assert.ok(controlled, 'the service worker controls the page');
  }, { page, timeout: 20_000 });
}

describe('tickets', () => {
  let browser;
  before(async () => {
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
  });

  test('a complaint goes through every step, each refused step says what is missing', { timeout: TEST_TIMEOUT }, async (t) => {
    const page = await newPage(browser, t);
    await createCustomer(page, { Name: '王芳', Phone: '13800000009', City: '杭州' });
    await openTickets(page);
    await expectVisible(page.getByText(/No tickets yet/));

    // The form: Due follows the severity's time limit (High: 1 day); errors next to fields.
    await button(page, 'New ticket').click();
    const form = newTicketForm(page);
    await field(form, 'Severity').selectOption('high');
    await expectValue(field(form, 'Due'), isoDate(1));
    await button(form, 'Save').click();
    await expectText(form.getByText('Enter a subject'), 'Enter a subject');
    assert.equal(await field(form, 'Subject').getAttribute('aria-invalid'), 'true');
    await button(form, 'Cancel').click();
    await expectHidden(form);

    await createTicket(page, { Subject: 'Room not cleaned', Customer: '王芳', Channel: 'phone', Severity: 'high', Owner: '' });
    const card = ticketCard(page, 'Room not cleaned');
    await expectText(card.getByText(/^Customer:/), /Customer: 王芳 · Channel: Phone · Severity: High · Owner: — · Due: /);
    await expectVisible(card.getByText('Received', { exact: true }));

    // Edit: the same form, prefilled.
    await button(card, 'Edit').click();
    const edit = card.getByRole('form', { name: 'Edit ticket' });
    await expectValue(field(edit, 'Subject'), 'Room not cleaned');
    await expectValue(field(edit, 'Customer'), '王芳');
    await field(edit, 'Channel').selectOption('email');
    await button(edit, 'Save').click();
    await expectText(card.getByText(/^Customer:/), /Channel: Email/);

    // Assign needs an owner.
    await button(card, 'Assign').click();
    await expectText(card.getByRole('alert'), 'Enter an owner (the person responsible) before assigning the ticket.');
    assert.equal(await field(card, 'Owner').getAttribute('aria-invalid'), 'true');
    await audit(page, 'a refused step');
    await field(card, 'Owner').fill('Li Wei');
    await step(card, 'Assign', 'Assigned');
    await step(card, 'Start investigation', 'Investigating');

    // Resolve needs a resolution.
    await button(card, 'Resolve').click();
    await expectText(card.getByRole('alert'), 'Describe the resolution before marking the ticket resolved.');
    await field(card, 'Resolution').fill('Room cleaned again, one night refunded');
    await step(card, 'Resolve', 'Resolved');

    // Close needs the customer's satisfaction.
    await button(card, 'Close').click();
    await expectText(card.getByRole('alert'), "Choose the customer's satisfaction (1 to 5) before closing the ticket.");
    await field(card, 'Satisfaction').selectOption('4');
    await step(card, 'Close', 'Closed');
    await expectVisible(card.getByText(/This ticket is closed/));

    // Durable: after a reload it is still closed (closed tickets are under All / Closed).
    await page.reload();
    await expectText(heading1(page), 'Tickets');
    await expectHidden(card);
    await show(page, 'closed');
    await expectVisible(card.getByText('Closed', { exact: true }));
    await button(card, 'Room not cleaned').click();
    await expectVisible(card.getByText('4 / 5', { exact: true }));
    await expectVisible(card.getByText('Room cleaned again, one night refunded', { exact: true }));

    // Delete, then Undo.
    await button(card, 'Delete').click();
    await expectText(page.getByRole('alert').filter({ hasText: 'Ticket deleted' }), /Ticket deleted: Room not cleaned/);
    await expectHidden(card);
    await button(page, 'Undo').click();
    await expectVisible(card);

    // The customer filter (?customer=<id>) reaches the ticket from the customer's link.
    await button(card, 'Room not cleaned').click();
    await card.getByRole('link', { name: 'Tickets of 王芳' }).click();
    await expectVisible(page.getByText(/Tickets of\s+王芳/).first());
    await show(page, 'all');
    await expectVisible(card);
  });

  test('a ticket past its time limit is listed under Overdue', { timeout: TEST_TIMEOUT }, async (t) => {
    const page = await newPage(browser, t);
    // Opened five days ago (the browser's clock), due one day later.
    await page.clock.install({ time: new Date(Date.now() - 5 * DAY_MS) });
    await openApp(page, '/tickets');
    await createTicket(page, { Subject: 'Late check-in', Severity: 'high', Owner: 'Li Wei' });
    await createTicket(page, { Subject: 'Noisy air conditioner', Severity: 'low', Due: isoDate(30), Owner: 'Li Wei' });
    await page.clock.setSystemTime(new Date());
    await page.reload();
    await expectText(heading1(page), 'Tickets');
    await expectText(page.getByText(/not closed ·/), '2 not closed · 1 overdue');
    await show(page, 'overdue');
    const late = ticketCard(page, 'Late check-in');
    await expectVisible(late.getByText('Overdue', { exact: true }));
    await expectHidden(ticketCard(page, 'Noisy air conditioner'));
  });

  test('a ticket made offline on one device is advanced on another', { timeout: TEST_TIMEOUT }, async (t) => {
    const origin = await startServer(t);
    const a = await newPage(browser, t);
    const b = await newPage(browser, t);
    await signIn(a, origin);
    await signIn(b, origin);

    // A customer both devices know.
    await navLink(a, 'Customers').click();
    await button(a, 'New customer').click();
    await field(a, 'Name').fill('Chen Jing');
    await field(a, 'Phone').fill('13900000077');
    await button(a, 'Save').click();
    await expectText(heading1(a), 'Chen Jing');
    await syncNow(a);
    await waitForController(a);

    // Device A, offline: the ticket is saved locally and survives an offline reload.
    await a.context().setOffline(true);
    await openTickets(a);
    await createTicket(a, { Subject: 'Shower leaking', Customer: 'Chen', Channel: 'visit', Severity: 'medium' });
    await expectText(syncBadge(a), /Offline · [1-9]\d* pending/);
    await a.reload();
    await expectText(heading1(a), 'Tickets');
    await expectVisible(ticketCard(a, 'Shower leaking'));
    await expectText(syncBadge(a), /Offline/);

    // Back online, A syncs; B receives the ticket and assigns it.
    await a.context().setOffline(false);
    await syncNow(a);
    await syncNow(b);
    await openTickets(b);
    const onB = ticketCard(b, 'Shower leaking');
    await expectVisible(onB, SYNC_TIMEOUT);
    await expectText(onB.getByText(/^Customer:/), /Customer: Chen Jing · Channel: Visit · Severity: Medium/);
    await button(onB, 'Shower leaking').click();
    await field(onB, 'Owner').fill('Wang Fang');
    await step(onB, 'Assign', 'Assigned');
    await syncNow(b);

    // A sees it assigned.
    await syncNow(a);
    await openTickets(a);
    const onA = ticketCard(a, 'Shower leaking');
    await expectVisible(onA.getByText('Assigned', { exact: true }), SYNC_TIMEOUT);
    await expectText(onA.getByText(/^Customer:/), /Owner: Wang Fang/);

    // A starts editing the channel; meanwhile B changes the due date and syncs. When A's
    // background sync brings it, A's card shows it in place and A's open form keeps its
    // choice; saving writes only the channel, so both edits end up on both devices.
    const due = isoDate(20);
    await button(onA, 'Shower leaking').click();
    await button(onA, 'Edit').click();
    await field(onA, 'Channel').selectOption('phone');
    await openTickets(b);
    await button(onB, 'Shower leaking').click();
    await button(onB, 'Edit').click();
    await field(onB, 'Due').fill(due);
    await button(onB, 'Save').click();
    await expectText(onB.getByText(/^Customer:/), new RegExp(`Due: ${due}`));
    await syncNow(b);
    await a.context().setOffline(true);
    await expectText(syncBadge(a), /Offline/);
    await a.context().setOffline(false);
    await expectText(onA.getByText(/^Customer:/), new RegExp(`Due: ${due}`), SYNC_TIMEOUT);
    assert.equal(await field(onA, 'Channel').inputValue(), 'phone', 'the open form keeps what A chose');
    await button(onA, 'Save').click();
    await expectText(onA.getByText(/^Customer:/), new RegExp(`Channel: Phone · .*Due: ${due}`));
    await syncNow(a);
    await syncNow(b);
    await openTickets(b);
    await expectText(onB.getByText(/^Customer:/), new RegExp(`Channel: Phone · .*Due: ${due}`), SYNC_TIMEOUT);
  });
});
