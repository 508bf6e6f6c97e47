// The guarantee fund's page (issue 18): the figures as the server computes
// them, a contribution proposed by one guarantee officer and confirmed by
// another (the proposer cannot), the balance up by exactly its amount and
// its posting in the journal.
import { test, expect, BASE, ready, signIn, axe, apiAs } from './fixtures.js';

const fen = (s) => BigInt(s.replace('.', ''));
// text is an amount as the page shows it: thousands separators, two decimals, 元.
const text = (s) => {
  const [whole, cents] = s.split('.');
  return `${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${cents} 元`;
};

test('one guarantee officer proposes a contribution, another confirms it, and the figures follow', async ({ page, another }) => {
  const before = await apiAs('guarantee.lingbao', '/api/v1/guarantee/fund');
  expect(before.opened, 'the demo fund is on the books').toBe(true);
  await signIn(page, 'guarantee.lingbao');
  await page.getByRole('navigation').getByRole('link', { name: '担保基金', exact: true }).click();
  expect(await ready(page)).toBe('担保基金');
  const facts = page.locator('dl.facts').first();
  await expect(facts).toContainText(text(before.balance));
  await expect(facts).toContainText(text(before.guaranteed_outstanding));
  await expect(facts).toContainText(`${before.leverage} ×`);
  await expect(facts).toContainText(`${before.leverage_limit} ×`);
  await expect(facts).toContainText(text(before.headroom));
  await axe(page, 'the fund page');

  const ref = `E2E-${Date.now().toString(36)}`;
  const form = page.locator('form').filter({ hasText: '提出基金收支' });
  await form.getByLabel('金额（元）').fill('12345.67');
  await form.getByLabel('银行流水号').fill(ref);
  await form.getByRole('button', { name: '提出基金收支' }).click();
  const mine = page.locator('.el-table__body tr').filter({ hasText: ref });
  await expect(mine).toContainText('待确认');
  await expect(mine).toContainText('由您提出，待他人确认');
  await expect(mine.getByRole('button', { name: '确认入账' })).toHaveCount(0);

  const other = await another();
  await signIn(other, 'guarantee.lingbao2');
  await other.goto(`${BASE()}/#/guarantee/fund`);
  await ready(other);
  const row = other.locator('.el-table__body tr').filter({ hasText: ref });
  await row.getByRole('button', { name: '确认入账' }).click();
  await expect(row).toContainText('已确认');
  const after = await apiAs('guarantee.lingbao2', '/api/v1/guarantee/fund');
  expect(fen(after.balance) - fen(before.balance)).toBe(1234567n);
  await expect(other.locator('dl.facts').first()).toContainText(text(after.balance));
  await expect(other.locator('.el-table__body tr').filter({ hasText: `movement:` }).first()).toBeVisible();
  await axe(other, 'the fund page after the confirmation');
});

test('a finance auditor reads the fund and proposes nothing', async ({ page }) => {
  await signIn(page, 'auditor');
  await page.getByRole('navigation').getByRole('link', { name: '担保基金', exact: true }).click();
  await ready(page);
  await expect(page.getByRole('heading', { name: '科目余额' })).toBeVisible();
  await expect(page.getByRole('heading', { name: '提出基金收支' })).toHaveCount(0);
});
