// Reversal of a disbursement (冲正放款, issue 18): a loan made for the test
// (applied, approved at the three stages and disbursed through the API), a
// bank officer proposes the reversal on the loan page with a reason, another
// confirms it in 待确认冲正; the loan shows 已冲正(作废), its application is
// approved again and disbursed anew under the same bank reference, so the
// later tests find an active loan as before.
import { test, expect, BASE, ready, signIn, axe, residentID, applyAs, call, pendingReversal } from './fixtures.js';

const stamp = Date.now().toString(36).toUpperCase();
const today = () => new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10);

const decide = (user, app, extra = {}) => call(user, 'POST', `/api/v1/applications/${app}/decisions`, { decision: 'approve', comment: '同意', ...extra });
const disburse = (app, ref, key) => call('bank.icbc2', 'POST', `/api/v1/applications/${app}/disbursement`,
  { amount: '50000.00', disbursed_on: today(), bank_reference: ref }, { 'Idempotency-Key': key });

test('one bank officer proposes the reversal of a disbursement, another confirms it, and the loan is cancelled', async ({ page }) => {
  const app = await applyAs(`d${stamp}`, residentID('411282', '19880808', Date.now() % 997), '韩雪');
  await decide('hrss.lingbao', app.id);
  await decide('guarantee.lingbao', app.id);
  await decide('bank.icbc', app.id, { approved_amount: '50000.00', annual_rate: '0.0300', term_months: 12 });
  const ref = `E2E-DISB-${stamp}`;
  const { loan } = await disburse(app.id, ref, `e2e-disb-${stamp}`);

  await signIn(page, 'bank.icbc');
  await page.goto(`${BASE()}/#/loans/${loan.id}`);
  await ready(page);
  const card = page.locator('section.card').filter({ has: page.getByRole('heading', { name: '冲正放款' }) });
  await expect(card).toBeVisible();
  await axe(page, 'the loan with the disbursement reversal card');
  await card.getByRole('button', { name: '冲正这笔放款' }).click();
  const dialog = page.getByRole('dialog', { name: '提出冲正' });
  await expect(dialog).toContainText('的放款');
  await dialog.getByRole('button', { name: '提出冲正' }).click();
  await expect(dialog).toContainText('请填写冲正原因');
  await dialog.getByRole('textbox').fill('放款金额录入错误');
  await dialog.getByRole('button', { name: '提出冲正' }).click();
  await expect(page.getByText('已提出冲正，待另一名经办人员确认。')).toBeVisible();
  await expect(card).toContainText('冲正待确认');

  const line = await pendingReversal(page, 'bank.icbc2', loan.number, '放款金额录入错误');
  await expect(line).toContainText('放款');
  await line.getByRole('button', { name: '确认冲正' }).click();
  await page.getByRole('dialog').getByRole('button', { name: '确认冲正' }).click();
  await expect(page.getByText('冲正已确认并记账。')).toBeVisible();
  await expect(page.getByRole('dialog')).toHaveCount(0);

  await page.goto(`${BASE()}/#/loans/${loan.id}`);
  await ready(page);
  await expect(page.locator('.facts:not(.summary)')).toContainText('已冲正(作废)');
  await expect(page.getByRole('heading', { name: '冲正放款' })).toHaveCount(0);
  await axe(page, 'the cancelled loan');

  const back = await call('bank.icbc2', 'GET', `/api/v1/applications/${app.id}`);
  expect(back.status).toBe('approved');
  // Disbursed again under the same bank reference: the later tests find an
  // active loan of the bank as before.
  const again = await disburse(app.id, ref, `e2e-disb-again-${stamp}`);
  expect(again.loan.status).toBe('active');
  expect(again.loan.number).not.toBe(loan.number);
});
