// The inbox (issue 17): an application submitted and returned with the
// missing documents leaves the applicant two notifications; the navigation
// shows the unread count, the inbox lists them newest first, opening one
// marks it read and leads to the application; the SMS choice is kept; the
// HRSS officer's inbox names the application waiting for review.
import { test, expect, BASE, ready, signIn, axe, residentID, applyAs, call } from './fixtures.js';

test.describe.configure({ mode: 'serial' });

const stamp = Date.now().toString(36);
const nid = residentID('411282', '19930721', 100 + (Date.now() % 800));
let app = null;

test.beforeAll(async () => {
  app = await applyAs(`i${stamp}`, nid, '周敏');
  await call('hrss.lingbao', 'POST', `/api/v1/applications/${app.id}/decisions`,
    { decision: 'return', comment: '请补充毕业证书', missing_documents: ['diploma'], version: app.version });
});

const applicant = () => ({ username: `e2e.a.i${stamp}`, password: 'Qy7-Lingbao-2026' });

test('the applicant sees the unread count, reads the return in the inbox and follows it to the application', async ({ page }) => {
  await signIn(page, applicant());
  const nav = page.getByRole('navigation').getByRole('link', { name: /消息/ });
  await expect(nav.locator('.count')).toHaveText('2');
  await nav.click();
  expect(await ready(page)).toBe('消息');
  const rows = page.locator('.el-table__body tr');
  await expect(rows).toHaveCount(2);
  await expect(rows.first()).toContainText(`您的创业担保贷款申请 ${app.number} 已被退回：请补充毕业证书`);
  await expect(rows.first()).toContainText('毕业证书');
  await expect(rows.first()).toContainText('未读');
  await expect(rows.nth(1)).toContainText('已提交，等待资格审核');
  await axe(page, 'the inbox');

  await rows.nth(1).getByRole('button', { name: '标为已读' }).click();
  await expect(rows.nth(1).getByRole('button', { name: '标为已读' })).toHaveCount(0);
  await expect(nav.locator('.count')).toHaveText('1');
  await page.getByText('只看未读').click();
  await page.waitForURL(/unread=true/);
  await ready(page);
  await expect(rows).toHaveCount(1);

  await rows.first().getByRole('link', { name: '查看' }).click();
  expect(await ready(page)).toBe(`申请 ${app.number}`);
  await expect(page.locator('.missing-docs').first()).toContainText('毕业证书');
  await expect(page.getByRole('navigation').getByRole('link', { name: /消息/ }).locator('.count')).toHaveCount(0);
});

test('the SMS choice is switched off and stays off', async ({ page }) => {
  await signIn(page, applicant());
  await page.goto(`${BASE()}/#/inbox`);
  await ready(page);
  const sw = page.getByRole('switch', { name: '接收短信通知' });
  await expect(sw).toBeChecked();
  await sw.focus();
  await page.keyboard.press('Space');
  await expect(page.locator('.sms-choice [role=status]')).toHaveText('已保存。');
  await page.reload();
  await ready(page);
  await expect(page.getByRole('switch', { name: '接收短信通知' })).not.toBeChecked();
});

test('the HRSS officer\'s inbox names the application waiting for review, with the count in the navigation', async ({ page }) => {
  await signIn(page, 'hrss.lingbao');
  const nav = page.getByRole('navigation').getByRole('link', { name: /消息/ });
  await expect(nav.locator('.count')).toHaveText(/^\d+$/);
  await nav.click();
  await ready(page);
  await expect(page.locator('.el-table__body')).toContainText(app.number);
  await expect(page.getByText('每天一条短信汇总待办')).toBeVisible();
});

test('the inbox on a phone: the menu holds 消息, the messages are cards', async ({ another }) => {
  const page = await another({ viewport: { width: 375, height: 800 } });
  await signIn(page, applicant());
  await page.getByRole('button', { name: '菜单' }).click();
  await page.getByRole('dialog').getByRole('link', { name: /消息/ }).click();
  expect(await ready(page)).toBe('消息');
  await expect(page.locator('.cards .card-row')).toHaveCount(2);
  await axe(page, 'the inbox on a phone');
});
