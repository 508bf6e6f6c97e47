// The lists of issue 14's items 2, 3, 7 and 9 that the journeys above leave
// out: the applications, loans and audit trail downloaded with the filters on
// screen (Chinese headers and labels), a batch subsidy check with a refusal
// and a result per row, and a legacy loan file in Chinese labels and percent.
import { readFile } from 'node:fs/promises';
import { test, expect, BASE, A, ready, signIn, axe, residentID, apiAs } from './fixtures.js';

const stamp = Date.now().toString(36);

// postAs acts through the API as a demo user (to set up what a test needs).
async function postAs(user, path, body) {
  const a = A()[user];
  const login = await fetch(`${BASE()}/api/v1/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: a.username, password: a.password }) });
  const { token } = await login.json();
  const res = await fetch(`${BASE()}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
    body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, body: await res.json().catch(() => null) };
}

// csvOf downloads the CSV of the page's 导出 CSV button: its rows, BOM checked.
async function csvOf(page) {
  const [dl] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: '导出 CSV' }).click()]);
  expect(dl.suggestedFilename()).toMatch(/\.csv$/);
  const bytes = await readFile(await dl.path());
  expect([...bytes.subarray(0, 3)], 'a byte order mark for Excel and WPS').toEqual([0xef, 0xbb, 0xbf]);
  return bytes.subarray(3).toString('utf8').split(/\r?\n/).filter(Boolean).map((l) => l.split(','));
}

async function xlsxOf(page) {
  const [dl] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: '导出 Excel' }).click()]);
  expect(dl.suggestedFilename()).toMatch(/\.xlsx$/);
  expect((await readFile(await dl.path())).subarray(0, 2).toString()).toBe('PK');
}

const col = (rows, name) => {
  const i = rows[0].indexOf(name);
  expect(i, `column ${name} in ${rows[0].join(',')}`).toBeGreaterThanOrEqual(0);
  return rows.slice(1).map((r) => r[i]);
};

test('the auditor downloads the applications, the loans and the audit trail with the filters on screen, in Chinese', async ({ page }) => {
  await signIn(page, 'auditor');
  await page.goto(`${BASE()}/#/applications?status=approved`);
  expect(await ready(page)).toBe('申请列表');
  let rows = await csvOf(page);
  expect(rows[0].slice(0, 4)).toEqual(['申请编号', '状态', '借款人类型', '申请人']);
  expect(rows.length, 'the approved applications of the demo').toBeGreaterThan(1);
  expect(new Set(col(rows, '状态'))).toEqual(new Set(['已批准待放款']));
  for (const bank of col(rows, '经办银行')) expect(bank).toMatch(/银行/);
  await xlsxOf(page);

  await page.goto(`${BASE()}/#/loans?status=active`);
  await ready(page);
  rows = await csvOf(page);
  expect(rows[0][0]).toBe('贷款编号');
  expect(new Set(col(rows, '状态'))).toEqual(new Set(['正常']));
  for (const d of col(rows, '区县')) expect(d).toMatch(/[\u4e00-\u9fff]/);
  for (const r of col(rows, '合同年利率(%)')) expect(Number(r)).toBeGreaterThan(1);
  await xlsxOf(page);

  await page.goto(`${BASE()}/#/audit?action=application.submit`);
  await ready(page);
  // Sorted by time on the server, oldest first: the table and the download.
  await page.locator('.el-table__header th').filter({ hasText: '时间' }).click();
  await page.waitForURL(/sort=at/);
  await ready(page);
  rows = await csvOf(page);
  expect(rows[0].slice(0, 4)).toEqual(['时间', '账号', '操作人', '操作']);
  expect(new Set(col(rows, '操作'))).toEqual(new Set(['提交申请']));
  const times = col(rows, '时间');
  expect(times.length).toBeGreaterThan(1);
  expect([...times].sort()).toEqual(times);
  await xlsxOf(page);
  await axe(page, 'the audit trail with its export buttons');
});

test('an HRSS officer checks a batch of claimed quarters with a refusal and sees the result of each row', async ({ page }) => {
  // Two quarters the bank claims now, of 灵宝市 (the officer's district),
  // from the end of the list (the batch claim journey took its first rows).
  const pending = await apiAs('bank.icbc', '/api/v1/subsidy-claims?status=pending&district_code=411282&sort=-loan_number&page_size=2');
  expect(pending && pending.items.length, 'two pending quarters in the demo data').toBe(2);
  for (const q of pending.items) expect((await postAs('bank.icbc', '/api/v1/subsidy-claims/batch', { action: 'claim', items: [{ loan_id: q.loan_id, period: q.period }] })).status).toBe(200);
  const [first, second] = pending.items;

  await signIn(page, 'hrss.lingbao');
  await page.goto(`${BASE()}/#/work/subsidy-check?sort=-claimed_at`);
  expect(await ready(page)).toBe('待审核贴息');
  const row = (q) => page.locator('.el-table__body tr').filter({ hasText: q.loan_number }).filter({ hasText: q.period });
  for (const q of [first, second]) await row(q).locator('.el-checkbox').click();
  // Meanwhile another officer approves the first one.
  expect((await postAs('hrss.lingbao2', `/api/v1/loans/${first.loan_id}/subsidy/${first.period}/check`, { decision: 'approve' })).status).toBe(200);
  await page.getByLabel('不予贴息的理由').fill('未按期还款');
  await page.getByRole('button', { name: '所选不予贴息（2）' }).click();
  await expect(page.locator('.batch [role=status]')).toHaveText(/成功 1 笔，失败 1 笔/);
  await expect(row(second)).toContainText('成功');
  await expect(row(first)).not.toContainText('成功');
  await expect(row(first).locator('.error-text')).toBeVisible();
  const refused = await apiAs('hrss.lingbao', `/api/v1/loans/${second.loan_id}/subsidy`);
  expect(refused.items.find((i) => i.period === second.period).status).toBe('refused');
  await axe(page, 'the batch check with its results');
});

test('the admin imports a legacy loan file in Chinese labels with a percent rate', async ({ page }) => {
  await signIn(page, 'admin');
  await page.goto(`${BASE()}/#/admin/import`);
  await ready(page);
  const form = page.locator('section.import');
  const [dl] = await Promise.all([page.waitForEvent('download'), form.getByRole('button', { name: 'CSV 模板' }).click()]);
  const header = (await readFile(await dl.path(), 'utf8')).replace(/^\uFEFF/, '').split(/\r?\n/)[0].split(',');
  const nid = residentID('411282', '19790315', 2 * (100 + (Date.now() % 400)) + 1); // odd: a man
  const ref = `E2E-${stamp}`;
  const values = {
    原系统编号: ref, 姓名: '赵磊', 身份证号: nid, 性别: '男', 人员类别: '返乡创业农民工', 借款人类型: '个人', 区县: '灵宝市',
    经办银行: '中国工商银行三门峡分行', '贷款金额（元）': '100000.00', 年利率: '3.95%', '期限（月）': '24', 放款日期: '2024-03-15', 带动就业人数: '2',
  };
  // The rate under the header 年利率 written as 3.95% (the template's 年利率（%） takes 3.95).
  const heads = header.map((h) => (h === '年利率（%）' ? '年利率' : h));
  for (const h of Object.keys(values)) expect(heads, `the template has ${h}`).toContain(h);
  const file = `${heads.join(',')}\n${heads.map((h) => values[h] ?? '').join(',')}\n`;
  await form.getByLabel('花名册文件').setInputFiles({ name: 'loans.csv', mimeType: 'text/csv', buffer: Buffer.from(file) });
  await form.getByRole('button', { name: '试导入（只检查，不写入）' }).click();
  await expect(form.getByText('试导入完成：可导入 1 条，跳过 0 条重复记录；没有写入任何数据。')).toBeVisible();
  await form.getByRole('button', { name: '导入', exact: true }).click();
  await expect(form.getByText('已导入 1 条，跳过 0 条重复记录。')).toBeVisible();
  const loans = await apiAs('auditor', `/api/v1/loans?q=${nid}`);
  expect(loans.items.map((l) => [l.external_ref, l.annual_rate, l.key_group, l.district_code, l.bank_code]))
    .toEqual([[ref, '0.0395', 'returning_migrant_worker', '411282', 'ICBC-SMX']]);
});
