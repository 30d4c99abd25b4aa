// Field-level LWW sync end to end: a real crm-server process (SQLite file, real HTTP) and
// two browser contexts signed in as the same user (two devices, two IndexedDBs).
// Different fields edited offline on each device both survive; the same field edited on
// both ends with the later edit everywhere and the loser in the conflict log, whichever
// device reaches the server first.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
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
  timeline,
} from './helpers.mjs';
import { SYNC_TIMEOUT, signIn, startServer, syncNow } from './server.mjs';

const TEST_TIMEOUT = 180_000;

async function openCustomer(page, name) {
  await navLink(page, 'Customers').click();
  await expectText(customerCount(page), /^\d+ customers?$/);
  await customerLink(page, name).click();
  await expectText(heading1(page), name);
}

async function edit(page, name, values) {
  await openCustomer(page, name);
  await button(page, 'Edit').click();
  for (const [label, value] of Object.entries(values)) await field(page, label).fill(value);
  await button(page, 'Save').click();
  await expectText(heading1(page), name);
}

/** A field of the customer named `name` as stored in the page's IndexedDB. */
async function storedField(page, name, field) {
  return page.evaluate(async ([name, field]) => {
    const db = await new Promise((ok, no) => {
      const r = indexedDB.open('field-crm');
      r.onsuccess = () => ok(r.result);
      r.onerror = () => no(r.error);
    });
    const all = await new Promise((ok, no) => {
      const r = db.transaction('customers').objectStore('customers').getAll();
      r.onsuccess = () => ok(r.result);
      r.onerror = () => no(r.error);
    });
    db.close();
    return all.find((c) => c.name === name)?.[field];
  }, [name, field]);
}

async function expectDetails(page, name, texts) {
  await openCustomer(page, name);
  for (const text of texts) await expectVisible(page.getByText(text, { exact: true }), SYNC_TIMEOUT);
}

describe('sync between two devices', () => {
  let browser;
  before(async () => {
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
  });

  test('offline edits of different fields merge; the same field keeps the later edit and logs the loser', { timeout: TEST_TIMEOUT }, async (t) => {
    const origin = await startServer(t);
    const a = await newPage(browser, t);
    const b = await newPage(browser, t);
    await signIn(a, origin);
    await signIn(b, origin);

    // Device A creates the customer; device B receives it.
    await navLink(a, 'Customers').click();
    await button(a, 'New customer').click();
    await field(a, 'Name').fill('张伟');
    await field(a, 'Phone').fill('13800000001');
    await field(a, 'Email').fill('zhang.wei@example.com');
    await field(a, 'City').fill('上海');
    await button(a, 'Save').click();
    await expectText(heading1(a), '张伟');
    await syncNow(a);
    await syncNow(b);
    await expectDetails(b, '张伟', ['13800000001', 'zhang.wei@example.com']);

    // Both offline: A edits the phone, B the email.
    await a.context().setOffline(true);
    await b.context().setOffline(true);
    await edit(a, '张伟', { Phone: '13900000002' });
    await edit(b, '张伟', { Email: 'zw@example.cn' });
    await expectText(syncBadge(a), /Offline · \d+ pending/);
    await a.context().setOffline(false);
    await b.context().setOffline(false);
    await syncNow(a);
    await syncNow(b);
    await syncNow(a);
    await expectDetails(a, '张伟', ['13900000002', 'zw@example.cn']);
    await expectDetails(b, '张伟', ['13900000002', 'zw@example.cn']);

    // Same field on both, offline: B's edit is the later one and wins everywhere, and A
    // (whose edit reaches the server after B's) logs its lost value.
    await a.context().setOffline(true);
    await b.context().setOffline(true);
    await edit(a, '张伟', { City: '北京' });
    await edit(b, '张伟', { City: '广州' });
    // B reconnects (and syncs) first; A's older edit then reaches a server that already
    // holds B's later one. (Going online starts a sync by itself, so the order is set by
    // when each device reconnects.)
    await b.context().setOffline(false);
    await syncNow(b);
    await a.context().setOffline(false);
    await syncNow(a);
    await syncNow(b);
    await expectDetails(a, '张伟', ['广州']);
    await expectDetails(b, '张伟', ['广州']);

    // A's lost value is in its conflict log; restoring it makes it the newest edit.
    await navLink(a, 'Sync').click();
    const conflicts = a.getByRole('list', { name: 'Conflicts' });
    await expectText(conflicts, /Your value: 北京/, SYNC_TIMEOUT);
    await expectText(conflicts, /Kept value: 广州/);
    await a.getByRole('button', { name: 'Restore 张伟 city' }).click();
    await expectText(a.getByText('No conflicts.'), 'No conflicts.');
    await syncNow(a);
    await syncNow(b);
    await expectDetails(b, '张伟', ['北京']);

    // The other order: A's edit reaches the server first and a full sync confirms it;
    // B's later edit, made without having seen A's, still wins and A still logs its loss.
    await a.context().setOffline(true);
    await b.context().setOffline(true);
    await edit(a, '张伟', { City: '深圳' });
    await edit(b, '张伟', { City: '杭州' });
    await a.context().setOffline(false);
    await syncNow(a);
    await b.context().setOffline(false);
    await syncNow(b);
    await syncNow(a);
    await expectDetails(a, '张伟', ['杭州']);
    await navLink(a, 'Sync').click();
    await expectText(a.getByRole('list', { name: 'Conflicts' }), /Your value: 深圳/, SYNC_TIMEOUT);
  });

  test('edits pulled while Log interaction or Edit is open show up, and the forms keep what was typed', { timeout: TEST_TIMEOUT }, async (t) => {
    const origin = await startServer(t);
    const a = await newPage(browser, t);
    const b = await newPage(browser, t);
    await signIn(a, origin);
    await signIn(b, origin);
    await navLink(a, 'Customers').click();
    await button(a, 'New customer').click();
    await field(a, 'Name').fill('王强');
    await field(a, 'Phone').fill('13800000003');
    await button(a, 'Save').click();
    await expectText(heading1(a), '王强');
    await syncNow(a);
    await syncNow(b);
    await expectDetails(b, '王强', ['13800000003']);

    // A starts logging a call; meanwhile B changes the phone and syncs.
    await openCustomer(a, '王强');
    await button(a, 'Log interaction').click();
    await field(a, 'Summary').fill('Called about the Hainan package');
    await edit(b, '王强', { Phone: '13900000004' });
    await syncNow(b);

    // A reconnects, which syncs in the background: the details show B's phone and the
    // form A is filling in stays open with its text.
    await a.context().setOffline(true);
    await expectText(syncBadge(a), /Offline/);
    await a.context().setOffline(false);
    await expectVisible(a.getByText('13900000004', { exact: true }), SYNC_TIMEOUT);
    assert.equal(await field(a, 'Summary').inputValue(), 'Called about the Hainan package');
    await button(a, 'Save').click();
    await expectText(timeline(a), /Called about the Hainan package/);

    // The same with the Edit form: A changes the city while B's email edit is pulled.
    // Saving writes only the city, so B's email stays on both devices.
    await button(a, 'Edit').click();
    await field(a, 'City').fill('北京');
    await edit(b, '王强', { Email: 'wq@example.com' });
    await syncNow(b);
    await a.context().setOffline(true);
    await expectText(syncBadge(a), /Offline/);
    await a.context().setOffline(false);
    await expectEventually(async () => {
      assert.equal(await storedField(a, '王强', 'email'), 'wq@example.com', 'A has pulled B\'s email');
    }, { page: a, timeout: SYNC_TIMEOUT.timeout });
    assert.equal(await field(a, 'City').inputValue(), '北京', 'the form keeps what A typed');
    assert.equal(await field(a, 'Email').inputValue(), '', 'the form still shows what it opened with');
    await button(a, 'Save').click();
    await expectText(heading1(a), '王强');
    for (const text of ['wq@example.com', '北京', '13900000004']) await expectVisible(a.getByText(text, { exact: true }));
    await syncNow(a);
    await syncNow(b);
    await expectDetails(b, '王强', ['wq@example.com', '北京', '13900000004']);
  });
});
