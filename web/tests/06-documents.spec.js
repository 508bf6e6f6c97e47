// Documents (issue 17): the applicant uploads by kind from the checklist of a
// draft, the HRSS officer sees the documents beside the profile, opens the
// image and the PDF in the viewer, accepts one, rejects one with a reason and
// returns the application ticking what is missing (一次性告知); the applicant
// sees exactly that list, the rejection's reason, and uploads a new version.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { test, expect, BASE, ready, signIn, tick, axe, residentID } from './fixtures.js';

test.describe.configure({ mode: 'serial' });

const stamp = Date.now().toString(36);
const applicant = { username: `e2e.d.${stamp}`, password: 'Qy5-Lingbao-2026', name: '陈静', phone: '13600136000' };
const nid = residentID('411282', '19960308', 100 + (Date.now() % 800));
const file = (name) => fileURLToPath(new URL(`../../internal/document/doctest/files/${name}`, import.meta.url));
let appURL = null;

// A draft application of a college graduate in 灵宝市, made through the API:
// its checklist is 居民身份证, 户口簿, 营业执照或办照承诺书, 毕业证书, 经营场所证明.
async function draft() {
  const json = (token) => ({ 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) });
  const reg = await fetch(`${BASE()}/api/v1/auth/register`, { method: 'POST', headers: json(), body: JSON.stringify(applicant) });
  expect(reg.status, 'registration').toBe(201);
  const { token } = await (await fetch(`${BASE()}/api/v1/auth/login`, { method: 'POST', headers: json(),
    body: JSON.stringify({ username: applicant.username, password: applicant.password }) })).json();
  const body = { borrower_type: 'individual', name: applicant.name, national_id: nid, phone: applicant.phone, key_group: 'college_graduate',
    district_code: '411282', bank_code: 'ICBC-SMX', amount: '60000.00', term_months: 24, business_name: `陈静的花店 ${stamp}`,
    industry: '零售', purpose: '进货', jobs_planned: 1, not_employed: true };
  const created = await fetch(`${BASE()}/api/v1/applications`, { method: 'POST', headers: json(token), body: JSON.stringify(body) });
  expect(created.status, 'application').toBe(201);
  return (await created.json()).id;
}

const item = (page, kind) => page.locator(`.doc-item[data-kind="${kind}"]`);

async function uploadAs(page, label, path) {
  const chooser = page.waitForEvent('filechooser');
  await page.getByRole('button', { name: `上传${label}` }).click();
  await (await chooser).setFiles(path);
}

test('the applicant sees the checklist of the draft, uploads by kind (a disguised file is refused beside its item) and submits', async ({ page, problems }) => {
  problems.allow(422);
  const id = await draft();
  appURL = `${BASE()}/#/applications/${id}`;
  await signIn(page, applicant);
  await page.goto(appURL);
  await ready(page);
  const docs = page.locator('section.documents');
  await expect(docs.getByRole('heading', { name: '申请材料' })).toBeVisible();
  for (const kind of ['id_card', 'household_register', 'business_licence', 'diploma', 'premises']) {
    await expect(item(page, kind).locator('.doc-state')).toHaveText('未上传');
  }
  await expect(item(page, 'diploma')).toContainText('毕业证书');
  await expect(item(page, 'diploma')).toContainText('必需');
  await uploadAs(page, '居民身份证', file('chromium.png'));
  await expect(item(page, 'id_card').locator('.doc-state')).toHaveText('待核对');
  await expect(item(page, 'id_card')).toContainText('第 1 版 · chromium.png');
  await uploadAs(page, '毕业证书', file('chromium.pdf'));
  await expect(item(page, 'diploma').locator('.doc-state')).toHaveText('待核对');
  await expect(item(page, 'diploma').getByRole('button', { name: '上传毕业证书' })).toHaveText('上传新版本');
  const chooser = page.waitForEvent('filechooser');
  await page.getByRole('button', { name: '上传营业执照或办照承诺书' }).click();
  await (await chooser).setFiles({ name: 'licence.pdf', mimeType: 'application/pdf', buffer: Buffer.from('MZ\x90\x00 a program, not a PDF') });
  await expect(item(page, 'business_licence').locator('.form-error')).toContainText('PDF');
  await expect(item(page, 'business_licence').locator('.doc-state')).toHaveText('未上传');
  await axe(page, 'the checklist of a draft');
  await page.getByRole('button', { name: '提交申请' }).click();
  await expect(page.locator('.facts')).toContainText('资格审核');
  await expect(page.getByRole('button', { name: '上传居民身份证' })).toHaveCount(0);
});

test('the HRSS officer views the image and the PDF beside the profile, accepts, rejects with a reason and returns with the missing list', async ({ page }) => {
  await signIn(page, 'hrss.lingbao');
  await page.goto(appURL);
  await ready(page);
  const aside = page.getByRole('complementary');
  await expect(aside.getByRole('heading', { name: '申请材料' })).toBeVisible();
  await expect(aside.getByRole('heading', { name: '四位一体档案' })).toBeVisible();
  await axe(page, 'the decision page with documents');

  await aside.getByRole('button', { name: '查看居民身份证第 1 版' }).click();
  const viewer = page.getByRole('dialog', { name: /居民身份证/ });
  const img = viewer.locator('img.doc-image');
  await expect(img).toHaveAttribute('src', /^blob:/);
  await expect.poll(() => img.evaluate((el) => el.complete && el.naturalWidth)).toBeGreaterThan(0);
  await axe(page, 'the image viewer');
  await page.keyboard.press('Escape');
  await expect(viewer).toBeHidden();

  await aside.getByRole('button', { name: '查看毕业证书第 1 版' }).click();
  const pdf = page.getByRole('dialog', { name: /毕业证书/ }).locator('iframe.doc-frame');
  await expect(pdf).toHaveAttribute('src', /^blob:/);
  await expect.poll(() => page.frames().some((f) => f.url().startsWith('blob:'))).toBe(true);
  await page.keyboard.press('Escape');

  await aside.getByRole('button', { name: '通过居民身份证', exact: true }).click();
  await expect(item(page, 'id_card').locator('.doc-state')).toHaveText('已通过');
  await aside.getByRole('button', { name: '不通过毕业证书' }).click();
  await item(page, 'diploma').getByLabel('不通过的原因').fill('毕业证书照片模糊，请重新扫描');
  await item(page, 'diploma').getByRole('button', { name: '确认不通过' }).click();
  await expect(item(page, 'diploma').locator('.doc-state')).toHaveText('未通过');
  await expect(item(page, 'diploma')).toContainText('毕业证书照片模糊');

  await tick(page.getByRole('radio', { name: '退回修改' }));
  const missing = page.locator('[data-field="missing_documents"]');
  await expect(missing.getByRole('checkbox', { name: /户口簿/ })).toBeChecked();
  await expect(missing.getByRole('checkbox', { name: /毕业证书/ })).toBeChecked();
  await expect(missing.getByRole('checkbox', { name: /居民身份证/ })).not.toBeChecked();
  await missing.getByRole('checkbox', { name: /经营场所证明/ }).locator('xpath=ancestor::label[1]').click();
  await expect(missing.getByRole('checkbox', { name: /经营场所证明/ })).not.toBeChecked();
  await axe(page, 'a return with the missing documents');
  await page.getByLabel('审核意见').fill('请补齐材料后重新提交');
  await page.getByRole('button', { name: '提交决定' }).click();
  await expect(page.locator('.flash')).toHaveText(/已退回/);
  await expect(page.locator('.timeline')).toContainText('缺少的材料：户口簿、营业执照或办照承诺书、毕业证书');
});

test('the applicant sees exactly the list of the return and the reason, and uploads a new version', async ({ page }) => {
  await signIn(page, applicant);
  await page.goto(appURL);
  await ready(page);
  await expect(page.locator('.missing-docs').first()).toHaveText('请一次性补齐以下材料：户口簿、营业执照或办照承诺书、毕业证书');
  await expect(item(page, 'diploma').locator('.doc-state')).toHaveText('未通过');
  await expect(item(page, 'diploma')).toContainText('未通过原因：毕业证书照片模糊，请重新扫描');
  await expect(item(page, 'diploma').locator('.doc-requested')).toHaveText('需补充');
  await expect(item(page, 'premises').locator('.doc-requested')).toHaveCount(0);
  await expect(item(page, 'id_card').locator('.doc-state')).toHaveText('已通过');
  await axe(page, 'a returned application with the missing list');
  await uploadAs(page, '毕业证书', file('chromium.jpg'));
  await expect(item(page, 'diploma').locator('.doc-state')).toHaveText('待核对');
  await expect(item(page, 'diploma')).toContainText('第 2 版 · chromium.jpg');
  await expect(item(page, 'diploma')).toContainText('第 1 版 · chromium.pdf');
});
