// The main walk: register, apply (field errors beside fields), three officers
// decide with the profile beside the form (percent rates checked, a summary
// before the money decision), four eyes on disbursement, the loan, a
// repayment; and a partnership returned, edited, resubmitted and withdrawn.
import { test, expect, BASE, ready, signIn, choose, tick, axe, residentID } from './fixtures.js';

test.describe.configure({ mode: 'serial' });

const stamp = Date.now().toString(36);
const applicant = { username: `e2e.${stamp}`, password: 'Qy1-Lingbao-2026', name: '刘洋', phone: '13800138000' };
const nid = residentID('411282', '19900512', 100 + (Date.now() % 800));
const business = `灵宝苹果电商 ${stamp}`;
let appURL = null;

test('an entrepreneur registers and applies; field errors from the API show beside the fields', async ({ page, problems }) => {
  problems.allow(422);
  await page.goto(`${BASE()}/#/register`);
  await page.getByLabel('用户名').fill(applicant.username);
  await page.getByLabel('姓名').fill(applicant.name);
  await page.getByLabel('手机号码').fill(applicant.phone);
  await page.getByLabel('密码', { exact: true }).fill(applicant.password);
  await page.getByRole('button', { name: '注册并登录' }).click();
  await page.waitForFunction(() => location.hash === '#/applications');
  expect(await ready(page)).toBe('我的申请');
  await page.getByRole('main').getByRole('link', { name: '申请贷款' }).click();
  expect(await ready(page)).toBe('申请创业担保贷款');
  await expect(page.getByText('需要准备的材料')).toBeVisible();
  await tick(page.getByRole('radio', { name: /^个人/ }));
  await page.getByLabel('姓名').fill(applicant.name);
  await page.getByLabel('身份证号码').fill(`${nid.slice(0, 17)}${nid[17] === '0' ? '1' : '0'}`);
  await page.getByLabel('手机号码').fill(applicant.phone);
  await choose(page, '重点群体', '返乡创业农民工');
  await choose(page, '辖区', '灵宝市');
  await choose(page, '经办银行', '中国工商银行三门峡分行');
  await page.getByLabel('申请金额（元）').fill('200000.00');
  await page.getByLabel('期限（月）').fill('24');
  await page.getByLabel('经营项目名称').fill(business);
  await choose(page, '所属行业', '绿色食品产业集群');
  await page.getByLabel('贷款用途').fill('采购冷库设备');
  await page.getByLabel('计划带动就业（人）').fill('3');
  await tick(page.getByLabel('大学生村官'));
  await tick(page.getByLabel('本人不属于机关、事业单位、企业等在职人员（在职人员不能申请创业担保贷款）'));
  await axe(page, 'apply');
  await page.getByRole('button', { name: '保存并提交' }).click();
  const bad = page.getByLabel('身份证号码');
  await expect(bad).toHaveAttribute('aria-invalid', 'true');
  await expect(page.locator('#f-national_id-err')).not.toBeEmpty();
  await expect(bad).toBeFocused();
  await bad.fill(nid);
  await page.getByRole('button', { name: '保存并提交' }).click();
  await expect(page.locator('.flash')).toHaveText(/申请已提交，进入资格审核/);
  expect(await ready(page)).toMatch(/^申请 /);
  await expect(page.locator('.facts')).toContainText('资格审核');
  await expect(page.locator('.facts')).toContainText('大学生村官');
  await expect(page.locator('.facts')).toContainText('绿色食品产业集群');
  await expect(page.locator('.stepper')).toContainText('资格审核');
  appURL = page.url();
  await expect(page.locator('.timeline .el-timeline-item').first()).toBeVisible();
});

async function decide(page, user, stage, fill) {
  expect(await signIn(page, user)).toBe(`待审队列 · ${stage}`);
  await page.getByLabel('搜索').fill(business);
  await page.getByRole('button', { name: '筛选' }).click();
  await page.waitForFunction(() => location.hash.includes('q='));
  await ready(page);
  const rows = page.locator('.el-table__body tr');
  await expect(rows).toHaveCount(1);
  await rows.first().getByRole('link').click();
  await ready(page);
  await expect(page.getByRole('heading', { name: `审核决定 · ${stage}` })).toBeVisible();
  await expect(page.getByRole('complementary').getByRole('heading', { name: '四位一体档案' })).toBeVisible();
  await tick(page.getByRole('radio', { name: '通过', exact: true }));
  if (fill) await fill(page);
  await page.getByLabel('审核意见').fill(`${stage}通过`);
  await page.getByRole('button', { name: '提交决定' }).click();
}

async function applicantSees(another, status) {
  const page = await another();
  await signIn(page, applicant);
  await page.goto(appURL);
  await ready(page);
  await expect(page.locator('.facts')).toContainText(status);
  return page;
}

test('the HRSS officer must choose a decision, approves eligibility, and the applicant sees the change', async ({ page, another, problems }) => {
  problems.allow(422);
  await signIn(page, 'hrss.lingbao');
  await page.goto(appURL);
  await ready(page);
  await page.getByRole('button', { name: '提交决定' }).click();
  await expect(page.locator('#decision-err')).not.toBeEmpty();
  await page.getByRole('button', { name: '退出' }).click();
  await page.waitForFunction(() => location.hash.startsWith('#/login'));
  await decide(page, 'hrss.lingbao', '资格审核');
  await expect(page.locator('.flash')).toHaveText(/已通过，申请进入下一环节/);
  await applicantSees(another, '担保审核');
});

test('the guarantee officer approves and records the counter-guarantee', async ({ page }) => {
  await decide(page, 'guarantee.lingbao', '担保审核', async (p) => {
    await p.getByLabel('反担保措施').fill('房产抵押：灵宝市函谷路12号');
  });
  await expect(page.locator('.flash')).toHaveText(/已通过/);
  await expect(page.locator('.facts')).toContainText('房产抵押：灵宝市函谷路12号');
});

test('the bank officer types 0.0395: asked "3.95%?", confirms the summary, and the applicant sees 3.95%', async ({ page, another }) => {
  await decide(page, 'bank.icbc', '银行审核', async (p) => {
    await p.getByLabel('批准金额（元）').fill('180000.00');
    await p.getByLabel('合同年利率（%）').fill('0.0395');
    await p.getByLabel('期限（月）').fill('24');
  });
  const ask = page.getByRole('dialog', { name: '请确认利率' });
  await expect(ask).toContainText('您是否要填写 3.95%？');
  await ask.getByRole('button', { name: '是，改为 3.95%' }).click();
  const summary = page.getByRole('dialog', { name: '请核对合同条件' });
  await expect(summary).toContainText('180,000.00 元');
  await expect(summary).toContainText('3.95%');
  await expect(summary).toContainText('1,777.50 元');
  await summary.getByRole('button', { name: '确认通过' }).click();
  await expect(page.locator('.flash')).toHaveText(/已通过/);
  const mine = await applicantSees(another, '已批准');
  await expect(mine.locator('.facts')).toContainText('3.95%');
  await expect(mine.locator('.facts')).toContainText('180,000.00 元');
});

test('the bank officer finds it under 待放款 with a count; four eyes: the approver may not disburse', async ({ page, problems }) => {
  problems.allow(403);
  await signIn(page, 'bank.icbc');
  const nav = page.getByRole('navigation').getByRole('link', { name: /待放款/ });
  await expect(nav.locator('.count')).toHaveText(/^\d+$/);
  await nav.click();
  expect(await ready(page)).toBe('待放款');
  const id = new URL(appURL).hash.split('/')[2];
  await page.locator(`.el-table__body a[href="#/applications/${id}"]`).click();
  await ready(page);
  const form = page.locator('form').filter({ hasText: '登记放款' });
  await expect(form.getByText('合同条件')).toBeVisible();
  await expect(form.locator('.facts')).toContainText('3.95%');
  await form.getByLabel('银行流水号').fill(`E2E-${stamp}-X`);
  await form.getByRole('button', { name: '确认放款' }).click();
  await page.getByRole('dialog', { name: '请核对放款信息' }).getByRole('button', { name: '确认放款' }).click();
  await expect(page.locator('.form-error').filter({ hasText: '同一人不能审批' })).toBeVisible();
});

test('a second bank officer disburses; the applicant sees the loan; a repayment shows with the schedule', async ({ page, another }) => {
  await signIn(page, 'bank.icbc2');
  await page.goto(appURL);
  await ready(page);
  await page.getByLabel('银行流水号').fill(`E2E-${stamp}`);
  await page.getByRole('button', { name: '确认放款' }).click();
  await page.getByRole('dialog', { name: '请核对放款信息' }).getByRole('button', { name: '确认放款' }).click();
  await expect(page.locator('.flash')).toHaveText(/放款已登记，贷款生效/);
  expect(await ready(page)).toMatch(/^贷款 /);
  await expect(page.getByRole('heading', { name: '还款计划' })).toBeVisible();
  expect(await page.locator('.el-table').filter({ hasText: '应还日期' }).locator('.el-table__body tr').count(), 'the schedule has rows').toBeGreaterThan(0);
  await expect(page.getByRole('heading', { name: '贴息（按季度）' })).toBeVisible();
  await page.getByLabel('归还本金（元）').fill('30000.00');
  await page.getByLabel('支付利息（元）').fill('0.00');
  await page.getByLabel('银行流水号').fill(`E2E-R-${stamp}`);
  await page.getByRole('button', { name: '登记还款' }).click();
  await expect(page.locator('.flash')).toHaveText(/还款已登记/);
  await expect(page.locator('.facts')).toContainText('150,000.00 元');
  await expect(page.getByText(`E2E-R-${stamp}`)).toBeVisible();
  const mine = await another();
  await signIn(mine, applicant);
  await mine.goto(`${BASE()}/#/loans`);
  await ready(mine);
  await mine.locator('.el-table__body tr').first().getByRole('link').first().click();
  await ready(mine);
  await expect(mine.locator('.facts')).toContainText('180,000.00 元');
});

test('what the UI hides from an entrepreneur the API refuses too', async ({ page, problems }) => {
  problems.allow(403, 409);
  await signIn(page, applicant);
  await page.goto(appURL);
  await ready(page);
  await expect(page.getByRole('button', { name: '提交决定' })).toHaveCount(0);
  const id = new URL(appURL).hash.split('/')[2];
  const status = await page.evaluate(async (appID) => {
    const { token } = JSON.parse(sessionStorage.getItem('chuangdai.session'));
    const res = await fetch(`/api/v1/applications/${appID}/decisions`, {
      method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ decision: 'approve', comment: '' }),
    });
    return res.status;
  }, id);
  expect([403, 409]).toContain(status);
});

const partner = { username: `e2e.p.${stamp}`, password: 'Qy2-Lingbao-2026', name: '陈静', phone: '13900139000' };
const pnid = residentID('411282', '19880308', 100 + ((Date.now() + 7) % 800));

test('a returned partnership is edited (the timeline shows the edit), resubmitted, and withdrawn after a cancelled first try', async ({ page, another, problems }) => {
  problems.allow(422);
  const reg = await fetch(`${BASE()}/api/v1/auth/register`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(partner) });
  expect(reg.status).toBe(201);
  await signIn(page, partner);
  await page.goto(`${BASE()}/#/apply`);
  await ready(page);
  await tick(page.getByRole('radio', { name: /^合伙创业/ }));
  await expect(page.getByText('合伙协议', { exact: true })).toBeVisible();
  await page.getByRole('button', { name: '删除此合伙人' }).nth(1).click();
  await page.getByRole('button', { name: '保存并提交' }).click();
  await expect(page.locator('#partners-err')).toContainText('2');
  await page.getByRole('button', { name: '添加合伙人' }).click();
  await page.getByLabel('姓名', { exact: true }).first().fill(partner.name);
  await page.getByLabel('身份证号码', { exact: true }).first().fill(pnid);
  await page.getByLabel('手机号码').fill(partner.phone);
  await choose(page, '重点群体', '高校毕业生');
  await page.getByLabel('合伙人 1 姓名').fill(partner.name);
  await page.getByLabel('合伙人 1 身份证号码').fill(pnid);
  await choose(page, '合伙人 1 重点群体', '高校毕业生');
  await page.getByLabel('合伙人 2 姓名').fill('王芳');
  await page.getByLabel('合伙人 2 身份证号码').fill(residentID('411282', '19910101', 201));
  await choose(page, '合伙人 2 重点群体', '高校毕业生');
  await page.getByRole('button', { name: '添加合伙人' }).click();
  await page.getByLabel('合伙人 3 姓名').fill('赵磊');
  await page.getByLabel('合伙人 3 身份证号码').fill(residentID('411282', '19920202', 303));
  await choose(page, '合伙人 3 重点群体', '退役军人');
  for (const n of [1, 2, 3]) await tick(page.getByLabel(`合伙人 ${n} 不属于机关、事业单位、企业等在职人员`));
  await choose(page, '辖区', '灵宝市');
  await choose(page, '经办银行', '中国工商银行三门峡分行');
  await page.getByLabel('申请金额（元）').fill('500000.00');
  await page.getByLabel('期限（月）').fill('36');
  await page.getByLabel('经营项目名称').fill('三门峡文创工作室');
  await choose(page, '所属行业', '文化旅游产业集群');
  await page.getByRole('button', { name: '保存并提交' }).click();
  await expect(page.locator('.flash')).toHaveText(/申请已提交/);
  await ready(page);
  const url = page.url();

  const officer = await another();
  await signIn(officer, 'hrss.lingbao');
  await officer.goto(url);
  await ready(officer);
  await tick(officer.getByRole('radio', { name: '退回修改' }));
  await officer.getByLabel('审核意见').fill('请补充合伙协议中的出资比例');
  await officer.getByRole('button', { name: '提交决定' }).click();
  await expect(officer.locator('.flash')).toHaveText(/已退回申请人修改/);

  await page.goto(`${BASE()}/#/applications`);
  await ready(page);
  await expect(page.locator('.el-table__body')).toContainText('已退回');
  await page.goto(url);
  await ready(page);
  await expect(page.getByText('请补充合伙协议中的出资比例').first()).toBeVisible();
  await page.getByRole('link', { name: '修改申请' }).click();
  expect(await ready(page)).toMatch(/^修改申请 /);
  await page.getByLabel('贷款用途').fill('装修工作室，出资比例 4:3:3');
  await page.getByRole('button', { name: '保存并重新提交' }).click();
  await expect(page.locator('.flash')).toHaveText(/申请已提交/);
  await ready(page);
  await expect(page.locator('.facts')).toContainText('资格审核');
  await page.getByRole('button', { name: '撤回申请' }).click();
  const confirm = page.getByRole('dialog', { name: '撤回申请' });
  await expect(confirm).toContainText('撤回后本申请将终止');
  await confirm.getByRole('button', { name: '取消' }).click();
  await expect(confirm).toBeHidden();
  await expect(page.locator('.facts')).toContainText('资格审核');
  await page.getByRole('button', { name: '撤回申请' }).click();
  await page.getByRole('dialog', { name: '撤回申请' }).getByRole('button', { name: '确定撤回' }).click();
  await expect(page.locator('.flash')).toHaveText(/申请已撤回/);
  await expect(page.locator('.facts')).toContainText('已撤回');
});
