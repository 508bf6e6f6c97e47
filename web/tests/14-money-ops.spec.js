// What the Go tests proved of issue 18's money operations, now in the
// browser: the schedule after a confirmed extension (展期) runs to the new
// maturity with the extension period unsubsidised; paying the early
// settlement payoff from the loan page settles the loan; and, on a server
// of its own whose policy blocks, a breached bank's guarantee approval is
// refused with the Chinese message while the auditor's risk view shows the
// breach.
import { readFile, writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test, expect, BASE, ready, signIn, tick, axe, apiAs, call } from './fixtures.js';
import { start } from './setup.js';

const here = dirname(fileURLToPath(import.meta.url));
const today = () => new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 10);
// yuan is an amount as the page shows it: thousands separators, 元.
const yuan = (s) => `${s.replace(/\B(?=(\d{3})+(?!\d))/g, ',')} 元`;

// addMonths of a YYYY-MM-DD day, the last day of a shorter month.
function addMonths(day, n) {
  const [y, m, d] = day.split('-').map(Number);
  const first = new Date(Date.UTC(y, m - 1 + n, 1));
  const last = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0)).getUTCDate();
  return `${first.getUTCFullYear()}-${String(first.getUTCMonth() + 1).padStart(2, '0')}-${String(Math.min(d, last)).padStart(2, '0')}`;
}

// openLoan is an active loan of ICBC in 灵宝市, not matured, with no
// extension proposed (the loan itself says: the list does not carry them).
async function openLoan() {
  const loans = ((await apiAs('bank.icbc', '/api/v1/loans?status=active&page_size=200')) || { items: [] }).items;
  for (const x of loans.filter((y) => y.maturity_date >= today() && y.district_code === '411282')) {
    const l = await apiAs('bank.icbc', `/api/v1/loans/${x.id}`);
    if (l.status === 'active' && !(l.extensions || []).length) return l;
  }
  throw new Error('the demo data holds no active loan of the bank in 灵宝市 not yet matured and never extended');
}

test('after a confirmed extension the schedule runs to the new maturity, its extension period without subsidy', async ({ page }) => {
  const l = await openLoan();
  const to = addMonths(l.maturity_date, 6);
  const proposed = await call('bank.icbc', 'POST', `/api/v1/loans/${l.id}/extensions`, { new_maturity: to, reason: '订单回款推迟半年' });
  await call('guarantee.lingbao', 'POST', `/api/v1/loans/${l.id}/extensions/${proposed.extension.id}/confirm`, {});
  const schedule = await apiAs('bank.icbc', `/api/v1/loans/${l.id}/schedule`);
  const extended = schedule.items.filter((i) => i.due_on > l.maturity_date);
  const whole = extended.filter((i) => i.start_on >= l.maturity_date);
  expect(extended.at(-1).due_on, 'the schedule ends on the new maturity').toBe(to);
  expect(whole.length, 'quarters wholly in the extension period').toBeGreaterThan(0);

  await signIn(page, 'bank.icbc');
  await page.goto(`${BASE()}/#/loans/${l.id}`);
  await ready(page);
  const card = page.locator('section.card').filter({ has: page.getByRole('heading', { name: '还款计划', exact: true }) });
  await expect(card.locator('.hint')).toHaveText(`已展期：${l.maturity_date} 之后至 ${to} 为展期期间，不享受财政贴息，利息全部由借款人承担。`);
  const rows = card.locator('.el-table__body tr');
  await expect(rows).toHaveCount(schedule.items.length);
  await expect(rows.filter({ hasText: '展期' })).toHaveCount(extended.length);
  const last = rows.last();
  await expect(last.locator('td').nth(0)).toHaveText(`${to} 展期`);
  await expect(last.locator('td').nth(1)).toHaveText(yuan(extended.at(-1).principal));
  expect(extended.at(-1).principal, 'the last instalment moved to the new maturity').not.toBe('0.00');
  for (const i of whole) {
    expect(i.subsidy, `no subsidy for ${i.period}`).toBe('0.00');
    const row = rows.filter({ hasText: i.due_on });
    await expect(row.locator('td').nth(3)).toHaveText(yuan(i.interest));
    await expect(row.locator('td').nth(4)).toHaveText(yuan('0.00'));
  }
  // The contract's quarters before its maturity keep their subsidy.
  const before = schedule.items.find((i) => i.due_on <= l.maturity_date && i.subsidy !== '0.00');
  expect(before, 'a subsidised quarter before the contract maturity').toBeTruthy();
  await expect(rows.filter({ hasText: before.due_on }).locator('td').nth(4)).toHaveText(yuan(before.subsidy));
  await axe(page, 'loan page after an extension');
});

test('paying the early settlement payoff from the loan page settles the loan', async ({ page }) => {
  const l = await openLoan();
  const st = await apiAs('bank.icbc', `/api/v1/loans/${l.id}/statement?as_of=${today()}`);
  await signIn(page, 'bank.icbc');
  await page.goto(`${BASE()}/#/loans/${l.id}`);
  await ready(page);
  await page.getByRole('button', { name: '查询结清金额' }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog).toContainText(yuan(st.payoff_amount));
  await dialog.getByRole('button', { name: '填入还款登记' }).click();
  const interest = BigInt(st.payoff_amount.replace('.', '')) - BigInt(st.outstanding_principal.replace('.', ''));
  const interestText = `${interest / 100n}.${String(interest % 100n).padStart(2, '0')}`;
  await expect(page.getByLabel('归还本金（元）')).toHaveValue(st.outstanding_principal);
  await expect(page.getByLabel('支付利息（元）')).toHaveValue(interestText);
  await page.getByLabel('银行流水号').fill(`SETTLE-${Date.now().toString(36)}`);
  await page.getByRole('button', { name: '登记还款', exact: true }).click();
  await expect(page.locator('.flash')).toHaveText(/还款已登记/);
  await expect(page.locator('.facts').first()).toContainText('已结清');
  await expect(page.getByRole('heading', { name: '登记还款' })).toHaveCount(0);
  const after = await apiAs('bank.icbc', `/api/v1/loans/${l.id}`);
  expect(after.status).toBe('settled');
  expect(after.outstanding_principal).toBe('0.00');
  const paid = after.repayments.filter((r) => !r.reversed_by).at(-1);
  expect([paid.principal, paid.interest, paid.paid_on]).toEqual([st.outstanding_principal, interestText, today()]);
});

test.describe('a policy whose risk triggers block new guarantees', () => {
  let server;
  let dir;
  const saved = {};
  const shipped = 'risk_triggers: {overdue_rate: "0.03", compensation_rate: "0.05", block_guarantees: false}';
  test.beforeAll(async () => {
    const text = await readFile(resolve(here, '../../configs/policy.yaml'), 'utf8');
    expect(text.includes(shipped), 'the shipped policy has the default risk triggers').toBe(true);
    dir = await mkdtemp(join(tmpdir(), 'chuangdai-policy-'));
    const file = join(dir, 'policy.yaml');
    await writeFile(file, text.replaceAll(shipped, 'risk_triggers: {overdue_rate: "0.000001", compensation_rate: "0.05", block_guarantees: true}'));
    server = await start({ policyFile: file });
    saved.base = process.env.E2E_BASE;
    saved.accounts = process.env.E2E_ACCOUNTS;
    process.env.E2E_BASE = server.base;
    process.env.E2E_ACCOUNTS = JSON.stringify(server.accounts);
  });
  test.afterAll(async () => {
    process.env.E2E_BASE = saved.base;
    process.env.E2E_ACCOUNTS = saved.accounts;
    if (server) await server.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('the guarantee approval for a breached bank is refused in Chinese; the auditor sees the breach', async ({ page, another, problems }) => {
    problems.allow(409);
    const risk = await apiAs('auditor', '/api/v1/guarantee/risk');
    expect(risk.triggers.block_guarantees).toBe(true);
    const icbc = risk.banks.find((b) => b.bank_code === 'ICBC-SMX');
    expect(icbc.overdue_breached, 'ICBC has overdue loans: at or above one millionth').toBe(true);
    const queue = (await apiAs('guarantee.lingbao', '/api/v1/applications?status=guarantee_review&page_size=100')).items;
    const app = queue.find((a) => a.bank_code === 'ICBC-SMX');
    expect(app, 'an application of ICBC at the guarantee stage').toBeTruthy();

    await signIn(page, 'guarantee.lingbao');
    await page.goto(`${BASE()}/#/applications/${app.id}`);
    await ready(page);
    await tick(page.getByRole('radio', { name: '通过', exact: true }));
    const counter = page.getByLabel('反担保措施');
    if (await counter.count()) await counter.fill('房产抵押：灵宝市函谷路8号');
    await page.getByLabel('审核意见').fill('担保审核通过');
    await page.getByRole('button', { name: '提交决定' }).click();
    const error = page.locator('.form-error');
    await expect(error).toContainText('暂停与银行 ICBC-SMX 新增担保');
    await expect(error).toContainText('逾期率');
    await expect(error).toContainText('已达到风险预警阈值');
    expect((await apiAs('guarantee.lingbao', `/api/v1/applications/${app.id}`)).status).toBe('guarantee_review');
    await axe(page, 'the refused guarantee approval');

    const auditor = await another();
    await signIn(auditor, 'auditor');
    await auditor.getByRole('navigation').getByRole('link', { name: '担保基金敞口', exact: true }).click();
    await ready(auditor);
    const card = auditor.locator('section.card').filter({ has: auditor.getByRole('heading', { name: '风险预警' }) });
    await expect(card).toContainText('预警银行的新增担保暂停。');
    const byBank = card.locator('.el-table').first();
    const row = byBank.locator('.el-table__body tr').filter({ hasText: '中国工商银行三门峡分行' });
    await expect(row.locator('.el-tag')).toHaveCount(1);
    await expect(row.locator('.el-tag')).toHaveText(/^[\d.]+% 预警$/);
    await expect(byBank.locator('.el-table__body tr').filter({ hasText: '灵宝农村商业银行' }).locator('.el-tag')).toHaveCount(0);
    await axe(auditor, 'the auditor\'s risk view with a breach');
  });
});
