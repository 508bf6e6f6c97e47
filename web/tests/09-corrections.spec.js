// Corrections (冲正, issue 18): a bank officer proposes the reversal of a
// repayment on the loan page with a reason, another confirms it in 待确认冲正,
// and the loan's outstanding principal comes back; a guarantee officer does
// the same with a compensation, after another rejected a write-off proposed
// on it; the auditors' 会计期间.
import { test, expect, BASE, ready, signIn, axe, call, pendingReversal } from './fixtures.js';

const stamp = Date.now().toString(36).toUpperCase();

const outstandingOn = (page) => page.locator('.facts div').filter({ has: page.locator('dt', { hasText: /^未还本金$/ }) }).locator('dd');

test('one bank officer proposes a reversal of a repayment, another confirms it, and the balance comes back', async ({ page }) => {
  const loans = await call('bank.icbc2', 'GET', '/api/v1/loans?status=active&bank_code=ICBC-SMX&page_size=50');
  const loan = loans.items.find((l) => Number(l.outstanding_principal) > 1000);
  expect(loan, 'an active loan of the bank').toBeTruthy();
  const ref = `E2E-REV-${stamp}`;
  const paid = await call('bank.icbc2', 'POST', `/api/v1/loans/${loan.id}/repayments`,
    { principal: '1000.00', interest: '0.00', paid_on: new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10), bank_reference: ref },
    { 'Idempotency-Key': `e2e-rev-${stamp}` });
  const before = paid.loan.outstanding_principal;

  await signIn(page, 'bank.icbc');
  await page.goto(`${BASE()}/#/loans/${loan.id}`);
  await ready(page);
  const row = page.locator('.el-table__body tr').filter({ hasText: ref });
  await row.getByRole('button', { name: '冲正' }).click();
  const dialog = page.getByRole('dialog', { name: '提出冲正' });
  await dialog.getByRole('textbox').fill('银行流水号录错');
  await dialog.getByRole('button', { name: '提出冲正' }).click();
  await expect(page.getByText('已提出冲正，待另一名经办人员确认。')).toBeVisible();
  await expect(row).toContainText('冲正待确认');
  await expect(outstandingOn(page)).toHaveText(/^[\d,]+\.\d\d 元$/);
  const shown = await outstandingOn(page).textContent();

  await page.getByRole('button', { name: '退出' }).click();
  await signIn(page, 'bank.icbc2');
  const nav = page.getByRole('navigation').getByRole('link', { name: /待确认冲正/ });
  await expect(nav.locator('.count')).toHaveText(/^\d+$/);
  await nav.click();
  await ready(page);
  const line = page.locator('.el-table__body tr').filter({ hasText: loan.number }).filter({ hasText: '银行流水号录错' });
  await line.getByRole('button', { name: '确认冲正' }).click();
  await page.getByRole('dialog').getByRole('button', { name: '确认冲正' }).click();
  await expect(page.getByText('冲正已确认并记账。')).toBeVisible();
  await axe(page, 'the reversals to confirm');

  await page.goto(`${BASE()}/#/loans/${loan.id}`);
  await ready(page);
  const after = await call('bank.icbc2', 'GET', `/api/v1/loans/${loan.id}`);
  expect(Number(after.outstanding_principal)).toBeCloseTo(Number(before) + 1000, 2);
  await expect(outstandingOn(page)).not.toHaveText(shown);
  await expect(page.locator('.el-table__body tr').filter({ hasText: ref })).toContainText('已冲正');
});

test('another guarantee officer rejects a proposed write-off, and the loan is plainly compensated again', async ({ page }) => {
  // The compensated loan of 灵宝市 the next test reverses: a write-off
  // proposal would block that reversal until it is rejected.
  const loans = await call('guarantee.lingbao', 'GET', '/api/v1/loans?status=compensated&district_code=411282&page_size=50');
  const loan = loans.items[0];
  expect(loan, 'a compensated loan of 灵宝市').toBeTruthy();
  await call('guarantee.lingbao', 'POST', `/api/v1/loans/${loan.id}/write-off`, { reason: '借款人下落不明' });

  await signIn(page, 'guarantee.lingbao2');
  await page.goto(`${BASE()}/#/loans/${loan.id}`);
  await ready(page);
  const card = page.locator('section.card').filter({ has: page.getByRole('heading', { name: '确认核销' }) });
  await expect(card).toContainText('借款人下落不明');
  await axe(page, 'the loan with a proposed write-off');
  await card.getByLabel('驳回意见（选填）').fill('仍在执行拍卖');
  await card.getByRole('button', { name: '驳回核销' }).click();
  await expect(page.getByText('核销提议已驳回。')).toBeVisible();
  await expect(page.getByRole('heading', { name: '提出核销' })).toBeVisible();
  await expect(page.getByRole('heading', { name: '冲正代偿' })).toBeVisible();

  const after = await call('guarantee.lingbao2', 'GET', `/api/v1/loans/${loan.id}`);
  expect(after.status).toBe('compensated');
  expect(after.write_off).toBeNull();
});

test('one guarantee officer proposes the reversal of a compensation, another confirms it, and the loan is overdue again', async ({ page }) => {
  // A compensated loan of 灵宝市: the demo's, or the one test 03 compensated
  // (which took the demo's only overdue loan). A compensation is not reversed
  // while a recovery on it stands, so its recoveries are reversed first.
  const loans = await call('guarantee.lingbao', 'GET', '/api/v1/loans?status=compensated&district_code=411282&page_size=50');
  const loan = loans.items[0];
  expect(loan, 'a compensated loan of 灵宝市').toBeTruthy();
  const { recoveries } = await call('guarantee.lingbao', 'GET', `/api/v1/loans/${loan.id}`);
  for (const r of recoveries.filter((x) => x.reversed_by === null)) {
    const rev = await call('guarantee.lingbao', 'POST', '/api/v1/reversals', { kind: 'recovery', id: r.id, reason: '追偿录错贷款' });
    await call('guarantee.lingbao2', 'POST', `/api/v1/reversals/${rev.id}/confirm`);
  }

  await signIn(page, 'guarantee.lingbao');
  await page.goto(`${BASE()}/#/loans/${loan.id}`);
  await ready(page);
  const card = page.locator('section.card').filter({ has: page.getByRole('heading', { name: '冲正代偿' }) });
  await card.getByRole('button', { name: '冲正这笔代偿' }).click();
  const dialog = page.getByRole('dialog', { name: '提出冲正' });
  await expect(dialog).toContainText('的代偿');
  await dialog.getByRole('textbox').fill('代偿录错贷款');
  await dialog.getByRole('button', { name: '提出冲正' }).click();
  await expect(page.getByText('已提出冲正，待另一名经办人员确认。')).toBeVisible();
  await expect(card).toContainText('冲正待确认');

  const line = await pendingReversal(page, 'guarantee.lingbao2', loan.number, '代偿录错贷款');
  await expect(line).toContainText('代偿');
  await line.getByRole('button', { name: '确认冲正' }).click();
  const summary = page.getByRole('dialog');
  await expect(summary).toContainText('基金');
  await summary.getByRole('button', { name: '确认冲正' }).click();
  await expect(page.getByText('冲正已确认并记账。')).toBeVisible();

  const after = await call('guarantee.lingbao2', 'GET', `/api/v1/loans/${loan.id}`);
  expect(after.status).toBe('overdue');
  expect(after.compensation).toBeNull();
  await page.goto(`${BASE()}/#/loans/${loan.id}`);
  await ready(page);
  await expect(page.locator('.facts')).toContainText('逾期');
  await expect(page.getByRole('heading', { name: '冲正代偿' })).toHaveCount(0);
  await axe(page, 'the loan after its compensation was reversed');
});

test('the auditors see the accounting months, open until closed', async ({ page }) => {
  await signIn(page, 'auditor');
  await page.getByRole('navigation').getByRole('link', { name: '会计期间' }).click();
  expect(await ready(page)).toBe('会计期间');
  const rows = page.locator('.el-table__body tr');
  await expect(rows.first()).toContainText('未结账');
  await expect(rows.first().getByRole('button', { name: '结账' })).toHaveCount(0);
  await rows.nth(1).getByRole('button', { name: '结账' }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog).toContainText('及以前的所有月份将结账');
  // axe reads colours as they are drawn: a dialog fading in or out fails
  // contrast, so it checks the dialog once shown and the page once it is gone.
  await page.evaluate(() => Promise.all(document.getAnimations()
    .filter((a) => a.effect?.getTiming().iterations !== Infinity).map((a) => a.finished.catch(() => {}))));
  await axe(page, 'the close dialog');
  await dialog.getByRole('button', { name: '返回修改' }).click();
  await expect(dialog).toBeHidden();
  await expect(rows.nth(1)).toContainText('未结账');
  await axe(page, 'the accounting months');
});
