// Segments end to end: on the demo data, build "Gold or Platinum in Shanghai" in the rule
// builder (evaluated in the segmentation Web Worker), see its live count, save it, reload,
// and find it with the same count and its members; the dashboard shows the tier chart.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  button,
  customerCount,
  expectEventually,
  expectText,
  expectVisible,
  field,
  heading1,
  launchBrowser,
  navLink,
  newPage,
  openCustomers,
} from './helpers.mjs';

const TEST_TIMEOUT = 120_000;
const NAME = 'Gold or Platinum in Shanghai';

describe('segments', () => {
  let browser;
  before(async () => {
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
  });

  test('build, count, save and reload a segment; the dashboard charts the tiers', { timeout: TEST_TIMEOUT }, async (t) => {
    const page = await newPage(browser, t);
    await openCustomers(page);
    await button(page, 'Load demo data').click();
    await expectText(customerCount(page), '500 customers', { timeout: 60_000 });

    await navLink(page, 'Segments').click();
    await expectText(heading1(page), 'Segments');
    const count = page.locator('#segment-count');
    await page.getByRole('checkbox', { name: 'Gold', exact: true }).check();
    await page.getByRole('checkbox', { name: 'Platinum', exact: true }).check();
    await expectText(count, /^\d+ customers match$/, { timeout: 30_000 });
    const goldOrPlatinum = Number((await count.textContent()).match(/^(\d+)/)[1]);
    assert.ok(goldOrPlatinum > 0, 'the demo data has Gold or Platinum customers');

    await button(page, 'Add condition').click();
    await page.getByRole('combobox', { name: 'Condition 2', exact: true }).selectOption('city');
    await page.getByLabel('Cities, separated by commas (e.g. 上海, 北京)').fill('上海');
    let inShanghai;
    await expectEventually(async () => {
      const text = await count.textContent();
      inShanghai = Number(text.match(/^(\d+) customers match$/)?.[1]);
      assert.ok(inShanghai > 0 && inShanghai < goldOrPlatinum, `count ${text} is below ${goldOrPlatinum}`);
    }, { page, timeout: 30_000 });

    await field(page, 'Segment name').fill(NAME);
    await button(page, 'Save segment').click();
    const saved = page.getByRole('list', { name: 'Saved segments' });
    await expectText(saved, new RegExp(`${NAME}\\s*${inShanghai} customers`), { timeout: 30_000 });

    await page.reload();
    await expectText(heading1(page), 'Segments');
    await expectText(saved, new RegExp(`${NAME}\\s*${inShanghai} customers`), { timeout: 30_000 });
    await saved.getByRole('button', { name: 'Show members' }).click();
    const members = page.getByRole('list', { name: `Members ${NAME}` });
    await expectVisible(members, { timeout: 30_000 });
    assert.equal(await members.getByRole('link').count(), Math.min(inShanghai, 100));

    await navLink(page, 'Dashboard').click();
    await expectVisible(page.getByRole('img', { name: /Customers by RFM tier: Platinum: \d+/ }), { timeout: 30_000 });
  });
});
