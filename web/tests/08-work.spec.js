// The items of issue 14 the journeys above leave out: a batch subsidy claim
// with a result per row (item 2), jumping to a page (item 3), the stepper's
// time limit (item 8), an import's template in Chinese and its dry run that
// writes nothing (item 7), the reconciliation grouped by kind (item 9).
import { readFile } from 'node:fs/promises';
import { test, expect, BASE, ready, signIn, axe, residentID, apiAs, applyAs } from './fixtures.js';

const stamp = Date.now().toString(36);

test('the bank claims ended quarters in one batch and sees the result of each row', async ({ page }) => {
  await signIn(page, 'bank.icbc');
  const nav = page.getByRole('navigation').getByRole('link', { name: /申报贴息/ });
  await expect(nav.locator('.count')).toHaveText(/^\d+$/);
  await nav.click();
  await ready(page);
  const rows = page.locator('.el-table__body tr');
  await expect(rows.nth(1)).toBeVisible();
  const periods = [await rows.nth(0).locator('td').nth(5).textContent(), await rows.nth(1).locator('td').nth(5).textContent()];
  for (const i of [0, 1]) await rows.nth(i).locator('.el-checkbox').click();
  await page.getByRole('button', { name: '申报所选（2）' }).click();
  await expect(page.locator('.batch [role=status]')).toHaveText(/成功 2 笔，失败 0 笔/);
  const done = page.locator('.el-table__body tr').filter({ hasText: '成功' });
  await expect(done).toHaveCount(2);
  for (const p of periods) await expect(done.filter({ hasText: p.trim() }).first()).toBeVisible();
  await axe(page, 'the batch claim with its results');
});

test('a long list jumps to the page typed', async ({ page }) => {
  await signIn(page, 'auditor');
  await page.goto(`${BASE()}/#/loans`);
  await ready(page);
  const jump = page.getByLabel('跳到第几页');
  await jump.fill('3');
  await jump.press('Enter');
  await page.waitForURL(/page=3/);
  await ready(page);
  await expect(page.locator('.el-pager .is-active')).toHaveText('3');
});

test('the stepper shows the stage under review with its time limit', async ({ page }) => {
  const app = await applyAs(`s${stamp}`, residentID('411282', '19910910', 200 + (Date.now() % 700)), '郭婷');
  await signIn(page, 'hrss.lingbao');
  await page.goto(`${BASE()}/#/applications/${app.id}`);
  await ready(page);
  const current = page.locator('.stepper .el-step').first();
  await expect(current).toContainText('资格审核');
  await expect(current).toContainText(/时限 \d{4}-\d{2}-\d{2}/);
  await expect(current.locator('.el-step__head')).toHaveClass(/is-process/);
  await expect(page.locator('.stepper .el-step').nth(3)).toContainText('放款');
});

test('an import\'s template is Chinese with an example row, and a dry run writes nothing', async ({ page }) => {
  await signIn(page, 'hrss.lingbao');
  await page.goto(`${BASE()}/#/support`);
  await ready(page);
  const form = page.locator('section.import').filter({ hasText: '批量导入培训花名册' });
  const [dl] = await Promise.all([page.waitForEvent('download'), form.getByRole('button', { name: 'CSV 模板' }).click()]);
  const lines = (await readFile(await dl.path(), 'utf8')).replace(/^\uFEFF/, '').split(/\r?\n/).filter(Boolean);
  expect(lines[0]).toMatch(/[\u4e00-\u9fff]/);
  expect(lines.length, 'a header and an example row').toBeGreaterThanOrEqual(2);

  const cert = `DRY-${stamp}`;
  const header = 'national_id,name,course,institution,start_date,end_date,certificate_no,district_code\n';
  // a person with an application in 灵宝市, so that its officers see the profile
  const nid = residentID('411282', '19880808', 100 + (Date.now() % 800));
  await applyAs(`t${stamp}`, nid, '韩梅');
  const row = `${nid},韩梅,SYB,灵宝市职业技能培训中心,2024-06-03,2024-06-12,${cert},411282\n`;
  await form.getByLabel('花名册文件').setInputFiles({ name: 'roster.csv', mimeType: 'text/csv', buffer: Buffer.from(header + row) });
  await form.getByRole('button', { name: '试导入（只检查，不写入）' }).click();
  await expect(form.getByText('试导入完成：可导入 1 条，跳过 0 条重复记录；没有写入任何数据。')).toBeVisible();
  const person = await apiAs('hrss.lingbao', `/api/v1/people/${nid}/support`);
  expect(person, 'the four-in-one profile answers').toBeTruthy();
  expect((person.training || []).map((r) => r.certificate_no), 'nothing was written').not.toContain(cert);
});

test('the reconciliation groups each bank\'s differences by kind with counts (item 9)', async ({ page }) => {
  await signIn(page, 'auditor');
  await page.goto(`${BASE()}/#/reports/reconciliation`);
  await ready(page);
  const first = page.locator('.el-table__body tr').first();
  await expect(first.locator('.groups li')).toHaveCount(4);
  for (const kind of ['已核对一致', '银行清单中没有', '系统中没有', '金额不符']) await expect(first.locator('.groups')).toContainText(new RegExp(`${kind}：\\d+`));
  await axe(page, 'reconciliation');
});

test('a bank officer reaches 银行对账 from the menu and sees their own bank only (item 10)', async ({ page }) => {
  await signIn(page, 'bank.icbc');
  await page.getByRole('navigation').getByRole('link', { name: '银行对账' }).click();
  await ready(page);
  // The first table lists the banks; the tables under it their differences.
  const rows = page.locator('.el-table').first().locator('.el-table__body tr');
  await expect(rows.first()).toBeVisible();
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText('中国工商银行');
  await expect(page.getByRole('combobox', { name: '经办银行' })).toHaveCount(0);
  await axe(page, 'bank reconciliation');
});
