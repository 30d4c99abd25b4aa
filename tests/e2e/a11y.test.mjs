// Accessibility audit with axe-core (@axe-core/playwright) on the Customers, Customer,
// Segments and Sync screens, with demo data loaded: no serious or critical violations.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AxeBuilder } from '@axe-core/playwright';
import {
  button,
  customerCount,
  customerList,
  expectText,
  expectVisible,
  heading1,
  launchBrowser,
  navLink,
  newPage,
  openCustomers,
} from './helpers.mjs';

const TEST_TIMEOUT = 120_000;

async function audit(page, screen) {
  const { violations } = await new AxeBuilder({ page }).analyze();
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const report = bad.map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
  console.log(`axe ${screen}: ${violations.length} violations (${bad.length} serious/critical)`);
  assert.deepEqual(report, [], `axe on ${screen}`);
}

describe('accessibility (axe-core)', () => {
  let browser;
  before(async () => {
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
  });

  test('Customers, Customer, Segments and Sync have no serious or critical violations', { timeout: TEST_TIMEOUT }, async (t) => {
    const page = await newPage(browser, t);
    await openCustomers(page);
    await button(page, 'Load demo data').click();
    await expectText(customerCount(page), '500 customers', { timeout: 60_000 });
    await audit(page, 'Customers');

    await customerList(page).getByRole('link').first().click();
    await expectVisible(heading1(page));
    await expectVisible(page.getByRole('list', { name: 'Timeline' }));
    await audit(page, 'Customer');

    await navLink(page, 'Segments').click();
    await expectText(heading1(page), 'Segments');
    await audit(page, 'Segments');

    await navLink(page, 'Sync').click();
    await expectText(heading1(page), 'Sync');
    await audit(page, 'Sync');
  });
});
