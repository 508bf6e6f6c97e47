// The officers' other journeys: the late queue, compensation and recovery,
// subsidy check and payment by two officers, four-in-one records and imports.
import { test, expect, BASE, ready, signIn, choose, axe, residentID, apiAs, applyAs } from './fixtures.js';

const stamp = Date.now().toString(36);

test('the HRSS officer\'s queue highlights the application past its time limit and filters to it', async ({ page }) => {
  await signIn(page, 'hrss.lingbao');
  const late = page.locator('.el-table__body tr.late');
  await expect(late).toHaveCount(1);
  await expect(late).toContainText('高峰');
  await expect(late.locator('.tag-late')).toBeVisible();
  await expect(page.getByRole('navigation').getByRole('link', { name: /待审队列/ }).locator('.count')).toHaveText(/^\d+$/);
  // The server orders the queue by deadline (the late one first) and filters it.
  await expect(page.locator('.el-table__body tr').first()).toHaveClass(/late/);
  await page.getByText('只看已超时').click();
  const [filtered] = await Promise.all([
    page.waitForResponse((r) => /\/api\/v1\/applications\?/.test(r.url()) && /late=true/.test(r.url()) && /sort=deadline/.test(r.url()) && !/page_size=1(&|$)/.test(r.url())),
    page.getByRole('button', { name: '筛选' }).click(),
  ]);
  expect((await filtered.json()).total).toBe(1);
  await page.waitForURL(/late=1/);
  await ready(page);
  await expect(page.locator('.el-table__body tr')).toHaveCount(1);
  await expect(page.locator('.el-table__body tr.late')).toHaveCount(1);
});

test('the guarantee officer finds an overdue loan in the work list, compensates it and records a recovery', async ({ page }) => {
  const overdue = ((await apiAs('guarantee.lingbao', '/api/v1/loans?status=overdue')) || { items: [] }).items[0];
  expect(overdue, 'the demo data holds an overdue loan').toBeTruthy();
  await signIn(page, 'guarantee.lingbao');
  await page.getByRole('navigation').getByRole('link', { name: /逾期与代偿/ }).click();
  expect(await ready(page)).toBe('逾期与代偿');
  await page.locator('.el-table__body tr').filter({ hasText: overdue.number }).getByRole('link').first().click();
  await ready(page);
  await page.getByRole('button', { name: '登记代偿' }).click();
  await expect(page.locator('.flash')).toHaveText(/代偿已登记/);
  await expect(page.locator('.facts')).toContainText('已代偿');
  await page.getByLabel('追回金额（元）').fill('1000.00');
  await page.getByLabel('说明').fill('借款人归还部分欠款');
  await page.getByRole('button', { name: '登记追偿' }).click();
  await expect(page.locator('.flash')).toHaveText(/追偿已登记/);
  await expect(page.locator('.facts')).toContainText('1,000.00 元');
});

test('one HRSS officer checks a claimed subsidy quarter, another records the payment (four eyes)', async ({ page, another, problems }) => {
  problems.allow(403);
  let claimed = null;
  const loans = (await apiAs('hrss.lingbao', '/api/v1/loans?status=active&page_size=200')) || { items: [] };
  for (const l of loans.items) {
    const sub = await apiAs('hrss.lingbao', `/api/v1/loans/${l.id}/subsidy`);
    const q = sub && sub.items.find((i) => i.status === 'claimed');
    if (q) { claimed = { loan: l, period: q.period }; break; }
  }
  expect(claimed, 'the demo data holds a claimed subsidy quarter').toBeTruthy();
  const row = (p) => p.locator('.el-table__body tr').filter({ hasText: claimed.period });
  await signIn(page, 'hrss.lingbao');
  await page.goto(`${BASE()}/#/loans/${claimed.loan.id}`);
  await ready(page);
  await row(page).getByRole('button', { name: '审核通过' }).click();
  await expect(page.locator('.flash')).toHaveText(/贴息已审核通过/);
  await expect(row(page)).toContainText('已审核');
  await row(page).getByRole('button', { name: '登记拨付' }).click();
  await expect(page.locator('.form-error').filter({ hasText: claimed.period })).toBeVisible();
  const other = await another();
  await signIn(other, 'hrss.lingbao2');
  await other.goto(`${BASE()}/#/loans/${claimed.loan.id}`);
  await ready(other);
  await row(other).getByRole('button', { name: '登记拨付' }).click();
  await expect(other.locator('.flash')).toHaveText(/贴息拨付已登记/);
  await expect(row(other)).toContainText('已拨付');
});

test('the bank offers 申报贴息 only for quarters that have ended', async ({ page }) => {
  await signIn(page, 'bank.icbc');
  const loans = (await apiAs('bank.icbc', '/api/v1/loans?status=active&page_size=50')) || { items: [] };
  let found = null;
  for (const l of loans.items) {
    const sub = await apiAs('bank.icbc', `/api/v1/loans/${l.id}/subsidy`);
    const current = sub && sub.items.find((i) => i.status === 'pending' && i.claimable === false);
    if (current) { found = { loan: l, period: current.period }; break; }
    const now = new Date();
    const q = `${now.getFullYear()}Q${Math.floor(now.getMonth() / 3) + 1}`;
    if (sub && sub.items.find((i) => i.period === q && i.status === 'pending')) { found = { loan: l, period: q }; break; }
  }
  expect(found, 'a loan with a pending quarter that has not ended').toBeTruthy();
  await page.goto(`${BASE()}/#/loans/${found.loan.id}`);
  await ready(page);
  const row = page.locator('.el-table__body tr').filter({ hasText: found.period });
  await expect(row).toContainText('季度未结束');
  await expect(row.getByRole('button', { name: '申报贴息' })).toHaveCount(0);
});

test('the HRSS officer records training and finds it in the person\'s four-in-one profile', async ({ page }) => {
  const nid = residentID('411282', '19860203', 300 + (Date.now() % 500));
  await applyAs(stamp, nid);
  await signIn(page, 'hrss.lingbao');
  await page.getByRole('navigation').getByRole('link', { name: '四位一体' }).click();
  expect(await ready(page)).toBe('四位一体');
  const form = page.locator('form').filter({ hasText: '登记培训记录' });
  await form.getByLabel('身份证号码').fill(nid);
  await form.getByLabel('姓名').fill('孙丽');
  await choose(page, '培训课程', 'SYB（创办你的企业）', form);
  await form.getByLabel('培训机构').fill('灵宝市职业技能培训中心');
  await form.getByLabel('开始日期').fill('2024-03-01');
  await form.getByLabel('开始日期').press('Enter');
  await form.getByLabel('结束日期').fill('2024-03-10');
  await form.getByLabel('结束日期').press('Enter');
  await form.getByLabel('证书编号').fill(`SYB-${stamp}`);
  await form.getByRole('button', { name: '保存' }).click();
  await expect(form.getByText('记录已保存。')).toBeVisible();
  const look = page.locator('form').filter({ hasText: '查询个人档案' });
  await look.getByLabel('身份证号码').fill(nid);
  await look.getByRole('button', { name: '查询' }).click();
  await expect(page.getByText(`SYB-${stamp}`)).toBeVisible();
  await axe(page, 'support');
});

test('the HRSS officer imports a training roster: a bad row is named and nothing is imported', async ({ page, problems }) => {
  problems.allow(422);
  await signIn(page, 'hrss.lingbao');
  await page.goto(`${BASE()}/#/support`);
  await ready(page);
  const form = page.locator('section.import').filter({ hasText: '批量导入培训花名册' });
  const header = 'national_id,name,course,institution,start_date,end_date,certificate_no,district_code\n';
  const good = `${residentID('411282', '19850601', 411)},孙丽,SYB,灵宝市职业技能培训中心,2024-05-06,2024-05-15,SYB-IMP-${stamp},411282\n`;
  const bad = `${residentID('411282', '19870701', 522)},周强,XYZ,灵宝市职业技能培训中心,2024-05-06,2024-05-15,SYB-IMP2-${stamp},411282\n`;
  await form.getByLabel('花名册文件').setInputFiles({ name: 'roster.csv', mimeType: 'text/csv', buffer: Buffer.from(header + good + bad) });
  await form.getByRole('button', { name: '导入', exact: true }).click();
  await expect(form.locator('.form-error li').filter({ hasText: '第 3 行' })).toBeVisible();
  await form.getByLabel('花名册文件').setInputFiles({ name: 'roster.csv', mimeType: 'text/csv', buffer: Buffer.from(header + good) });
  await form.getByRole('button', { name: '导入', exact: true }).click();
  await expect(form.getByText('已导入 1 条，跳过 0 条重复记录。')).toBeVisible();
});

test('loans are searched by number, sorted by a column and paged by 50 on the server', async ({ page }) => {
  const some = (await apiAs('auditor', '/api/v1/loans?page_size=1&sort=-disbursed_on')).items[0];
  await signIn(page, 'auditor');
  await page.goto(`${BASE()}/#/loans`);
  expect(await ready(page)).toBe('贷款');
  await page.getByLabel('搜索').fill(some.number);
  await page.getByRole('button', { name: '筛选' }).click();
  await page.waitForURL(/q=/);
  await ready(page);
  await expect(page.locator('.el-table__body tr')).toHaveCount(1);
  await expect(page.locator('.el-table__body tr').first()).toContainText(some.number);

  await page.goto(`${BASE()}/#/loans`);
  await ready(page);
  await page.locator('.el-table__header th').filter({ hasText: '贷款本金' }).locator('.caret-wrapper .sort-caret.ascending').click();
  await page.waitForURL(/sort=principal/);
  await ready(page);
  const principals = await page.locator('.el-table__body tr td:nth-child(4)').allTextContents();
  const fen = principals.map((x) => Number(x.replace(/[^\d.]/g, '')));
  expect(fen.length).toBeGreaterThan(1);
  expect([...fen].sort((x, y) => x - y)).toEqual(fen);

  await page.locator('.el-pagination .el-select').click();
  await page.getByRole('option', { name: '50条/页' }).click();
  await page.waitForURL(/page_size=50/);
  await ready(page);
  await expect(page.locator('.el-table__body tr')).toHaveCount(50);
});
