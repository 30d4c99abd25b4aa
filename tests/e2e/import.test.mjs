// Import, export and duplicates end to end in headless Chromium against the release build,
// through the file chooser (the input labelled "Import file"). See helpers.mjs for how to run.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  button,
  countText,
  createCustomer,
  customerCount,
  customerLink,
  expectCount,
  expectEventually,
  expectPath,
  expectText,
  expectVisible,
  heading1,
  launchBrowser,
  logInteraction,
  newPage,
  openCustomers,
  timeline,
  UUID_RE,
} from './helpers.mjs';

const FIXTURES = new URL('./fixtures/', import.meta.url);
const BAD_CSV = new URL('customers_50_3_bad.csv', FIXTURES).pathname;
const VCARDS = new URL('contacts.vcf', FIXTURES).pathname;
const TEST_TIMEOUT = 120_000;
const SLOW = { timeout: 30_000 };

function importInput(page) {
  return page.getByLabel('Import file', { exact: true });
}

function importAlert(page) {
  return page.getByRole('alert').first();
}

/** Chooses `files` in the Import file input and waits for the mapping step. */
async function chooseFile(page, files) {
  await importInput(page).setInputFiles(files);
  const start = button(page, 'Start import');
  await expectVisible(start, SLOW);
  await expectEventually(async () => assert.ok(await start.isEnabled(), 'Start import is enabled'), {
    page,
    message: 'Start import should become enabled',
    ...SLOW,
  });
}

/** Start import, then wait for the summary. Returns its text. */
async function startImport(page) {
  await button(page, 'Start import').click();
  const summary = page.getByRole('status').filter({ hasText: /\d+ imported/ });
  await expectVisible(summary, SLOW);
  return (await summary.innerText()).replace(/\s+/g, ' ').trim();
}

async function downloadText(page, click) {
  const [download] = await Promise.all([page.waitForEvent('download'), click()]);
  const path = await download.path();
  return { name: download.suggestedFilename(), text: await readFile(path, 'utf8') };
}

/** CSV text → rows of cells (RFC 4180 quoting), without the BOM. */
function parseCsv(text) {
  const rows = [];
  let row = [];
  let cell = '';
  let quoted = false;
  const src = text.replace(/^\uFEFF/, '');
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (quoted) {
      if (c === '"' && src[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\n') {
      row.push(cell.replace(/\r$/, ''));
      rows.push(row);
      row = [];
      cell = '';
    } else cell += c;
  }
  if (cell || row.length) rows.push([...row, cell]);
  return rows;
}

describe('import, export and duplicates', () => {
  let browser;
  before(async () => {
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
  });

  test('a CSV with 3 bad rows out of 50 imports 47 and reports exactly lines 10, 26 and 45', { timeout: TEST_TIMEOUT }, async (t) => {
    const page = await newPage(browser, t);
    await openCustomers(page);
    await chooseFile(page, BAD_CSV);
    // The mapping step guessed the Chinese headers and previews the first rows.
    await expectVisible(page.getByRole('combobox', { name: 'Imports into 客户名称', exact: true }));
    await expectVisible(page.getByRole('table').filter({ hasText: 'Preview' }));
    const summary = await startImport(page);
    assert.match(summary, /\b47 imported\b/);
    assert.match(summary, /\b3 rejected\b/);
    const rejected = page.getByRole('list', { name: 'Rejected rows', exact: true }).getByRole('listitem');
    await expectCount(rejected, 3);
    const lines = (await rejected.allInnerTexts()).map((text) => Number(/^Line (\d+):/.exec(text)?.[1]));
    assert.deepEqual(lines, [10, 26, 45]);
    await expectText(customerCount(page), countText(47));

    // The rejected rows download as a CSV with the original cells and an error column.
    const { name, text } = await downloadText(page, () => button(page, 'Download rejected rows').click());
    assert.equal(name, 'rejected-rows.csv');
    const rows = parseCsv(text);
    assert.equal(rows[0][0], 'Line');
    assert.equal(rows[0].at(-1), 'Error');
    assert.deepEqual(rows.slice(1).map((r) => r[0]), ['10', '26', '45']);
    assert.ok(rows.slice(1).every((r) => r.at(-1).length > 0), 'every rejected row says why');
  });

  test('a vCard file imports its cards and reports the card without a name by line', { timeout: TEST_TIMEOUT }, async (t) => {
    const page = await newPage(browser, t);
    await openCustomers(page);
    await chooseFile(page, VCARDS);
    await expectText(importAlert(page), /Line 17: the card has no name/);
    const summary = await startImport(page);
    assert.match(summary, /\b2 imported\b/);
    assert.match(summary, /\b1 rejected\b/);
    await button(page, 'Close').click();
    await expectText(customerCount(page), countText(2));
    await expectVisible(customerLink(page, 'Olivia Rossi'));
    await expectVisible(customerLink(page, '王小明'));
  });

  test('a file dropped anywhere on the Customers screen starts the same import', { timeout: TEST_TIMEOUT }, async (t) => {
    const page = await newPage(browser, t);
    await openCustomers(page);
    await page.evaluate(() => {
      const dt = new DataTransfer();
      dt.items.add(new File(['Name,Email,Phone\r\nDrop Test,drop@example.com,139 1234 5678\r\n'], 'dropped.csv', { type: 'text/csv' }));
      for (const type of ['dragover', 'drop']) {
        document.querySelector('main').dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }));
      }
    });
    await expectVisible(page.getByRole('heading', { name: 'Import — dropped.csv', exact: true }), SLOW);
    const summary = await startImport(page);
    assert.match(summary, /\b1 imported\b/);
    await button(page, 'Close').click();
    await expectVisible(customerLink(page, 'Drop Test'));
  });

  test('bad files get a clear message next to the file input and import nothing', { timeout: TEST_TIMEOUT }, async (t) => {
    const page = await newPage(browser, t);
    await openCustomers(page);
    // A 51 MB file (sparse, so instant) is refused before anything reads it.
    const dir = await mkdtemp(join(tmpdir(), 'crm-import-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const big = join(dir, 'big.csv');
    await writeFile(big, 'Name\r\n');
    await truncate(big, 51 * 1024 * 1024);
    const cases = [
      [{ name: 'empty.csv', mimeType: 'text/csv', buffer: Buffer.alloc(0) }, /file is empty/],
      [{ name: 'header.csv', mimeType: 'text/csv', buffer: Buffer.from('Name,Email\r\n') }, /header row but no customer rows/],
      [
        { name: 'photo.csv', mimeType: 'text/csv', buffer: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]) },
        /not a CSV or vCard file/,
      ],
      [big, /too large \(51\.0 MB\); the limit is 50\.0 MB/],
    ];
    for (const [file, message] of cases) {
      await importInput(page).setInputFiles(file);
      await expectText(importAlert(page), message, { contains: false, ...SLOW });
    }
    await expectText(customerCount(page), countText(0));
  });

  test('export then re-import round-trips every exported field', { timeout: TEST_TIMEOUT }, async (t) => {
    const page = await newPage(browser, t);
    await openCustomers(page);
    await chooseFile(page, BAD_CSV);
    await startImport(page);
    await button(page, 'Close').click();
    await expectText(customerCount(page), countText(47));
    const first = await downloadText(page, () => button(page, 'Export').click());
    assert.match(first.name, /^customers-\d{4}-\d{2}-\d{2}\.csv$/);
    assert.ok(first.text.startsWith('\uFEFF'), 'UTF-8 BOM for Excel');
    const exported = parseCsv(first.text);
    assert.equal(exported.length, 48);

    // A fresh profile imports the export and exports the same rows again (ids aside).
    const other = await newPage(browser, t);
    await openCustomers(other);
    await chooseFile(other, { name: first.name, mimeType: 'text/csv', buffer: Buffer.from(first.text) });
    const summary = await startImport(other);
    assert.match(summary, /\b47 imported\b/);
    assert.match(summary, /\b0 rejected\b/);
    await button(other, 'Close').click();
    await expectText(customerCount(other), countText(47));
    const second = await downloadText(other, () => button(other, 'Export').click());
    const idColumn = exported[0].indexOf('ID');
    const withoutIds = (rows) => rows.map((r) => r.filter((_, i) => i !== idColumn));
    assert.deepEqual(withoutIds(parseCsv(second.text)), withoutIds(exported));
  });

  test('merging two duplicates leaves one customer with both timelines', { timeout: TEST_TIMEOUT }, async (t) => {
    const page = await newPage(browser, t);
    await createCustomer(page, { Name: 'Chen Jing', Email: 'chen.jing@example.com', Phone: '138 0000 1234' });
    await logInteraction(page, { Type: 'visit', Summary: 'Hotel site visit' });
    await expectVisible(timeline(page).getByText('Hotel site visit'));
    await createCustomer(page, { Name: '陈静', Email: 'CHEN.JING@example.com', City: '杭州' });
    await logInteraction(page, { Type: 'call', Summary: 'Follow-up call' });
    await expectVisible(timeline(page).getByText('Follow-up call'));

    await openCustomers(page);
    await expectText(customerCount(page), countText(2));
    await page.getByRole('link', { name: 'Duplicates', exact: true }).click();
    await expectPath(page, '/duplicates');
    await expectText(heading1(page), 'Duplicates');
    const pairs = page.getByRole('list', { name: 'Duplicate pairs', exact: true }).getByRole('listitem');
    await expectCount(pairs, 1);
    await expectText(pairs.first(), 'same email chen.jing@example.com', { contains: true });
    await button(page, 'Merge').click();
    // The older record survives; its empty city takes the other's value by default.
    await expectVisible(page.getByRole('group', { name: 'City', exact: true }).getByRole('radio', { name: '杭州' }));
    assert.ok(await page.getByRole('group', { name: 'City', exact: true }).getByRole('radio', { name: '杭州' }).isChecked());
    await button(page, 'Confirm merge').click();
    await expectText(page.getByRole('status').filter({ hasText: 'Merged' }), /Merged/);
    await expectVisible(page.getByText('No duplicates found.'));
    await page.getByRole('link', { name: 'Open the merged customer', exact: true }).click();
    await expectPath(page, new RegExp(`^/customers/${UUID_RE.source}$`, 'i'));
    await expectText(heading1(page), 'Chen Jing');
    await expectVisible(timeline(page).getByText('Hotel site visit'));
    await expectVisible(timeline(page).getByText('Follow-up call'));

    await openCustomers(page);
    await expectText(customerCount(page), countText(1));
  });
});
