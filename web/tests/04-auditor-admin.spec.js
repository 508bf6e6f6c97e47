// The auditor's and the admin's journeys.
import { readFile } from 'node:fs/promises';
import { test, expect, BASE, ready, signIn, choose, axe, apiAs } from './fixtures.js';

const stamp = Date.now().toString(36);

test('the auditor filters the audit trail by action and date, sees a change as a diff with a link, and verifies the chain', async ({ page }) => {
  await signIn(page, 'auditor');
  await page.goto(`${BASE()}/#/audit?entity_type=application`);
  expect(await ready(page)).toBe('审计日志');
  expect(await page.locator('.el-table__body tr').count()).toBeGreaterThan(0);
  await page.locator('.el-table__body tr').first().getByRole('button', { name: /项变更/ }).click();
  await expect(page.locator('.el-popper:visible .diff-table')).toBeVisible();
  await expect(page.locator('.el-table__body tr').first().getByRole('link').first()).toHaveAttribute('href', /#\/applications\/\d+/);
  await page.getByRole('button', { name: '校验日志链' }).click();
  await expect(page.getByText(/日志链完整/)).toBeVisible();
  await page.keyboard.press('Escape');
  // axe reads the page once the diff's popover has faded out: half-faded
  // headers read as a contrast failure (CI caught one).
  await expect(page.locator('.el-popper:visible .diff-table')).toHaveCount(0);
  await axe(page, 'audit');

  await choose(page, '操作', '提交申请');
  await page.getByRole('combobox', { name: '起始日期' }).click();
  await page.getByText('本年', { exact: true }).click();
  await page.getByRole('button', { name: '筛选' }).click();
  await page.waitForURL(/action=application\.submit/);
  await ready(page);
  await expect(page).toHaveURL(new RegExp(`from=${new Date().getFullYear()}-01-01`));
  const actions = await page.locator('.el-table__body tr td:nth-child(3)').allTextContents();
  expect(actions.length).toBeGreaterThan(0);
  expect(new Set(actions.map((x) => x.trim()))).toEqual(new Set(['提交申请']));
});

test('the auditor sees the bulletin with charts and downloads CSV (Chinese headers) and Excel; a print header is ready', async ({ page }) => {
  expect(await signIn(page, 'auditor')).toBe('创业担保贷款工作进度通报');
  await expect(page.locator('.chart-canvas canvas').first()).toBeVisible();
  await expect(page.getByText('全市合计').first()).toBeVisible();
  // The demo's targets name jobs: the headline says the jobs against them, and
  // the table has the jobs columns.
  await expect(page.locator('.lead.bulletin')).toHaveText(/新增就业 \d+ 人，完成年度目标 \d+\.\d\d%。$/);
  await expect(page.locator('.el-table__header th').filter({ hasText: '就业目标完成率' }).first()).toBeVisible();
  for (const [label, ext] of [['导出 CSV', 'csv'], ['导出 Excel', 'xlsx']]) {
    const [dl] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: label }).first().click()]);
    expect(dl.suggestedFilename()).toMatch(new RegExp(`\\.${ext}$`));
    const bytes = await readFile(await dl.path());
    expect(bytes.length).toBeGreaterThan(0);
    if (ext === 'csv') {
      expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
      // asked with headers=labels: Chinese column names, no JSON field names
      const header = bytes.subarray(3).toString('utf8').split(/\r?\n/)[0];
      expect(header).toMatch(/[\u4e00-\u9fff]/);
      expect(header).not.toMatch(/[a-z]+_[a-z]+/);
    }
    else expect(bytes.subarray(0, 2).toString()).toBe('PK');
  }
  await page.emulateMedia({ media: 'print' });
  await expect(page.locator('.print-header')).toBeVisible();
  await expect(page.locator('.print-header')).toContainText('打印时间');
  await page.emulateMedia({ media: 'screen' });
  await axe(page, 'bulletin');
});

test('disbursement totals take a date range with the 本年 preset', async ({ page }) => {
  await signIn(page, 'auditor');
  await page.goto(`${BASE()}/#/reports/disbursements`);
  expect(await ready(page)).toBe('发放统计');
  await page.getByRole('combobox', { name: '起始日期' }).click();
  await page.getByText('本年', { exact: true }).click();
  await page.getByRole('button', { name: '查询' }).click();
  await page.waitForURL(new RegExp(`from=${new Date().getFullYear()}-01-01`));
  await ready(page);
  await expect(page.getByText('合计').first()).toBeVisible();
});

test('the admin adds a bank officer, finds it by search, edits, disables and resets a user, and saves targets in 万元 with a total', async ({ page }) => {
  await signIn(page, 'admin');
  const uname = `bank.e2e.${stamp}`;
  const form = page.locator('form').filter({ hasText: '新增用户' });
  await form.getByLabel('用户名').fill(uname);
  await form.getByLabel('姓名').fill('钱程');
  await form.getByLabel('初始密码').fill('Qy3-Lingbao-2026');
  await choose(page, '角色', '银行经办员', form);
  await choose(page, '经办银行', '灵宝农村商业银行', form);
  await form.getByRole('button', { name: '新增' }).click();
  await expect(page.getByText('已新增。')).toBeVisible();
  await page.getByRole('search').getByLabel('搜索').fill(uname);
  await page.getByRole('search').getByRole('button', { name: '筛选' }).click();
  await page.waitForURL(/q=bank\.e2e/);
  await ready(page);
  await expect(page.locator('.el-table__body tr')).toHaveCount(1);
  const row = page.locator('.el-table__body tr').filter({ hasText: uname });
  await expect(row).toBeVisible();
  await row.getByRole('button', { name: '编辑' }).click();
  const dlg = page.getByRole('dialog', { name: `编辑用户 ${uname}` });
  await dlg.getByLabel('姓名').fill('钱程（灵宝）');
  await dlg.getByRole('button', { name: '保存' }).click();
  await expect(page.getByText(`${uname} 已保存。`)).toBeVisible();
  await expect(row).toContainText('钱程（灵宝）');
  await row.getByRole('button', { name: '停用' }).click();
  await expect(row).toContainText('停用');
  await row.getByRole('button', { name: '启用' }).click();
  await expect(row).toContainText('启用');
  await row.getByRole('button', { name: `重置 ${uname} 的密码` }).click();
  const reset = page.getByRole('dialog', { name: `重置 ${uname} 的密码` });
  await reset.getByLabel('新密码').fill('Qy4-Lingbao-2026');
  await reset.getByRole('button', { name: '重置密码' }).click();
  await expect(page.getByText(`${uname} 的密码已重置`)).toBeVisible();

  await page.getByRole('navigation').getByRole('link', { name: '年度目标' }).click();
  expect(await ready(page)).toBe('年度目标');
  await page.getByLabel('灵宝市 贷款发放目标（万元）').fill('26000');
  await page.getByLabel('灵宝市 贷款发放目标（万元）').blur();
  await expect(page.getByLabel('灵宝市 贷款发放目标（万元）')).toHaveValue('26,000');
  await expect(page.locator('tfoot')).toContainText('万元');
  await page.getByRole('button', { name: '保存' }).click();
  await expect(page.getByText(/年度目标已保存/)).toBeVisible();
  await page.reload();
  await ready(page);
  await expect(page.getByLabel('灵宝市 贷款发放目标（万元）')).toHaveValue('26,000.00');
  await axe(page, 'targets');
  for (const link of ['辖区', '经办银行', '孵化基地', '导入存量贷款']) {
    await page.getByRole('navigation').getByRole('link', { name: link, exact: true }).click();
    expect(await ready(page)).toBe(link);
    await axe(page, link);
  }
});

test('the auditor reads each level of government\'s part of a quarter\'s subsidy and downloads it', async ({ page }) => {
  let period = null;
  const loans = (await apiAs('auditor', '/api/v1/loans?page_size=200')) || { items: [] };
  for (const l of loans.items) {
    const sub = await apiAs('auditor', `/api/v1/loans/${l.id}/subsidy`);
    const q = sub && sub.items.find((i) => ['claimed', 'checked', 'paid'].includes(i.status));
    if (q) { period = q.period; break; }
  }
  expect(period, 'the demo data holds a claimed subsidy quarter').toBeTruthy();
  const totals = await apiAs('auditor', `/api/v1/subsidies?period=${period}`);
  await signIn(page, 'auditor');
  await page.goto(`${BASE()}/#/subsidies?period=${period}`);
  await ready(page);
  for (const h of ['中央财政', '省级财政', '市级财政', '县级财政']) {
    await expect(page.locator('.el-table__header th').filter({ hasText: h })).toBeVisible();
  }
  const total = page.locator('.el-table__body tr.total');
  await expect(total).toContainText(Number(totals.total.by_level.central).toLocaleString('zh-CN', { minimumFractionDigits: 2 }));
  const [dl] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: '导出 CSV' }).click()]);
  expect(dl.suggestedFilename()).toBe(`subsidies-${period}.csv`);
  expect((await readFile(await dl.path(), 'utf8'))).toContain('中央财政(元)');
  await axe(page, 'subsidies');
});

test('the auditor reads the awards (奖补) per handling bank and for the guarantee centre and downloads them', async ({ page }) => {
  const year = new Date().getFullYear() - 1;
  const awards = await apiAs('auditor', `/api/v1/reports/awards?year=${year}`);
  await signIn(page, 'auditor');
  await page.getByRole('navigation').getByRole('link', { name: '奖补测算' }).click();
  await ready(page);
  await expect(page).toHaveURL(/#\/reports\/awards/);
  await expect(page.locator('.lead')).toContainText(`${year} 年`);
  const banks = page.locator('section.card').filter({ has: page.getByRole('heading', { name: '经办银行奖补' }) });
  const rows = banks.locator('.el-table__body tr');
  await expect(rows).toHaveCount(awards.banks.length + 1);
  await expect(rows.first()).toContainText(awards.banks[0].bank_name);
  await expect(rows.last()).toContainText('合计');
  // The guarantee centre: its leverage as the server computed it.
  const centre = page.locator('section.card').filter({ has: page.getByRole('heading', { name: '担保机构奖补' }) });
  const body = awards.guarantee_bodies[0];
  const lev = body.indicators[0];
  await expect(centre.locator('.el-table__body tr')).toHaveCount(1);
  await expect(centre.locator('.el-table__body tr')).toContainText('创业贷款担保中心');
  await expect(centre.locator('.el-table__body tr')).toContainText(lev.value === null ? '无' : `${lev.value} 倍`);
  for (const [label, ext] of [['导出 CSV', 'csv'], ['导出 Excel', 'xlsx']]) {
    const [dl] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: label }).click()]);
    expect(dl.suggestedFilename()).toBe(`awards-${year}.${ext}`);
    if (ext === 'csv') expect(await readFile(await dl.path(), 'utf8')).toContain('奖补金额(元)');
  }
  await axe(page, 'awards');
});
