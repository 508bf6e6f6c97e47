// Drafts saved half-filled (issue 14, item 8): an entrepreneur saves a draft
// with only a few fields, finds it in the list as 未填完 with what it lacks,
// reloads it, submits too early (every missing field is named), completes it
// and submits it.
import { test, expect, BASE, ready, choose, tick, axe, residentID } from './fixtures.js';

const stamp = Date.now().toString(36);
const applicant = { username: `e2e.d.${stamp}`, password: 'Qy3-Lingbao-2026', name: '赵敏', phone: '13900139000' };
const nid = residentID('411282', '19910304', 100 + (Date.now() % 800));

test('a draft is saved half-filled, reloaded, completed and submitted', async ({ page, problems }) => {
  problems.allow(422);
  await page.goto(`${BASE()}/#/register`);
  await page.getByLabel('用户名').fill(applicant.username);
  await page.getByLabel('姓名').fill(applicant.name);
  await page.getByLabel('手机号码').fill(applicant.phone);
  await page.getByLabel('密码', { exact: true }).fill(applicant.password);
  await page.getByRole('button', { name: '注册并登录' }).click();
  await page.waitForFunction(() => location.hash === '#/applications');
  await page.getByRole('main').getByRole('link', { name: '申请贷款' }).click();
  expect(await ready(page)).toBe('申请创业担保贷款');
  await expect(page.locator('.form-error')).toHaveCount(0);

  // Only the name and the ID number: 保存草稿 keeps them.
  await page.getByLabel('姓名').fill(applicant.name);
  await page.getByLabel('身份证号码').fill(nid);
  await page.getByRole('button', { name: '保存草稿' }).click();
  await expect(page.locator('.flash')).toHaveText(/申请已保存/);
  expect(await ready(page)).toMatch(/^申请 /);
  const lacks = page.getByRole('alert').filter({ hasText: '草稿尚缺' });
  await expect(lacks).toContainText('手机号码、重点群体、辖区、经办银行、申请金额、期限（月）');
  const draftURL = page.url();

  // The list shows it as 未填完 with the missing fields.
  await page.goto(`${BASE()}/#/applications`);
  expect(await ready(page)).toBe('我的申请');
  const row = page.locator('.el-table__body tr').first();
  await expect(row).toContainText('未填完');
  await expect(row).toContainText('尚缺：手机号码、重点群体');
  await axe(page, 'the draft list');

  // Submitting too early names every field still missing.
  await page.goto(draftURL);
  await page.reload();
  await ready(page);
  await page.getByRole('button', { name: '提交申请' }).click();
  const err = page.locator('.form-error');
  for (const f of ['手机号码', '重点群体', '辖区', '经办银行', '申请金额', '期限（月）']) await expect(err).toContainText(f);

  // The edit form reloads what was saved; finish and submit.
  await page.getByRole('link', { name: '修改申请' }).click();
  await ready(page);
  await expect(page.locator('.form-error')).toHaveCount(0);
  await expect(page.getByLabel('姓名')).toHaveValue(applicant.name);
  await expect(page.getByLabel('身份证号码')).toHaveValue(nid);
  await expect(page.getByLabel('申请金额（元）')).toHaveValue('');
  await page.getByLabel('手机号码').fill(applicant.phone);
  await choose(page, '重点群体', '返乡创业农民工');
  await choose(page, '辖区', '灵宝市');
  await choose(page, '经办银行', '中国工商银行三门峡分行');
  await page.getByLabel('申请金额（元）').fill('80000.00');
  await page.getByLabel('期限（月）').fill('24');
  await page.getByLabel('经营项目名称').fill(`赵敏的花椒园 ${stamp}`);
  await choose(page, '所属行业', '绿色食品产业集群');
  await tick(page.getByLabel('本人不属于机关、事业单位、企业等在职人员（在职人员不能申请创业担保贷款）'));
  await page.getByRole('button', { name: '保存并提交' }).click();
  await expect(page.locator('.flash')).toHaveText(/申请已提交，进入资格审核/);
  expect(await ready(page)).toMatch(/^申请 /);
  await expect(page.locator('.facts')).toContainText('资格审核');
  await expect(page.getByRole('alert').filter({ hasText: '草稿尚缺' })).toHaveCount(0);
});
