// Loan operations: the bank proposes an extension (展期), another person —
// the guarantee officer of the district — confirms it; the loan page then
// shows the new maturity beside the contract's. The early settlement quote
// pre-fills the repayment. The risk triggers show on the guarantee page.
import { test, expect, BASE, ready, signIn, axe, apiAs } from './fixtures.js';

// addMonths of a YYYY-MM-DD day, the last day of a shorter month.
function addMonths(day, n) {
  const [y, m, d] = day.split('-').map(Number);
  const first = new Date(Date.UTC(y, m - 1 + n, 1));
  const last = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0)).getUTCDate();
  return `${first.getUTCFullYear()}-${String(first.getUTCMonth() + 1).padStart(2, '0')}-${String(Math.min(d, last)).padStart(2, '0')}`;
}

test('the bank proposes an extension, the guarantee officer confirms it', async ({ page, another }) => {
  const today = new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 10);
  const loans = ((await apiAs('bank.icbc', '/api/v1/loans?status=active&page_size=200')) || { items: [] }).items;
  const l = loans.find((x) => x.maturity_date >= today && x.district_code === '411282' && !(x.extensions || []).length);
  expect(l, 'the demo data holds an active loan of the bank in 灵宝市 not yet matured').toBeTruthy();
  const to = addMonths(l.maturity_date, 3);
  await signIn(page, 'bank.icbc');
  await page.goto(`${BASE()}/#/loans/${l.id}`);
  await ready(page);
  const form = page.locator('form').filter({ has: page.getByRole('heading', { name: '申请展期' }) });
  await form.getByLabel('展期后到期日').fill(to);
  await form.getByLabel('展期后到期日').press('Enter');
  await form.getByLabel('展期理由').fill('受订单延迟影响，回款推迟三个月');
  await form.getByRole('button', { name: '申请展期' }).click();
  await expect(page.locator('.flash')).toHaveText(/展期申请已提交/);
  await expect(page.getByRole('heading', { name: '待确认的展期申请' })).toBeVisible();
  await expect(page.getByText('等待担保中心确认。', { exact: true })).toBeVisible();

  const other = await another();
  await signIn(other, 'guarantee.lingbao');
  await other.goto(`${BASE()}/#/loans/${l.id}`);
  await ready(other);
  await expect(other.getByText(`由 ${l.maturity_date} 展期至 ${to}`)).toBeVisible();
  await axe(other, 'loan page with an extension to confirm');
  await other.getByRole('button', { name: '确认展期' }).click();
  await expect(other.locator('.flash')).toHaveText(/展期已确认/);
  const facts = other.locator('.facts').first();
  await expect(facts).toContainText(to);
  await expect(facts).toContainText(`原合同到期日${l.maturity_date}`);
  await expect(other.locator('.el-table__body tr').filter({ hasText: '已确认' })).toHaveCount(1);
  await expect(other.getByRole('heading', { name: '风险预警' })).toHaveCount(0);
});

test('the early settlement quote pre-fills the repayment with the payoff', async ({ page }) => {
  const today = new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 10);
  const loans = ((await apiAs('bank.icbc', '/api/v1/loans?status=active&page_size=200')) || { items: [] }).items;
  const l = loans.find((x) => x.maturity_date >= today);
  expect(l, 'an active loan of the bank').toBeTruthy();
  const st = await apiAs('bank.icbc', `/api/v1/loans/${l.id}/statement?as_of=${today}`);
  await signIn(page, 'bank.icbc');
  await page.goto(`${BASE()}/#/loans/${l.id}`);
  await ready(page);
  await page.getByRole('button', { name: '查询结清金额' }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog).toContainText(`${today} 提前结清`);
  await expect(dialog).toContainText(st.payoff_amount.replace(/\B(?=(\d{3})+(?!\d))/g, ','));
  await dialog.getByRole('button', { name: '填入还款登记' }).click();
  await expect(page.getByLabel('归还本金（元）')).toHaveValue(st.outstanding_principal);
});

test('the guarantee page shows the risk triggers per bank and district', async ({ page }) => {
  await signIn(page, 'guarantee.lingbao');
  await page.goto(`${BASE()}/#/guarantee`);
  await ready(page);
  await expect(page.getByRole('heading', { name: '风险预警' })).toBeVisible();
  await expect(page.getByText(/逾期率（逾期贷款余额 ÷ 贷款余额）达到 3\.00%/)).toBeVisible();
  await expect(page.getByRole('heading', { name: '按经办银行（全市）' })).toBeVisible();
  await axe(page, 'guarantee page with the risk triggers');
});
