// Sign-in: language, keyboard, wrong password, every role's main page,
// sign-out, deep links (?next=), shared tabs, expiry. (05-pages checks every
// page of every role with axe at 1440 and 375 px.)
import { test, expect, BASE, A, HOME, ready, signIn, axe } from './fixtures.js';

test('the sign-in page is Chinese, offline, under the strict CSP, and switches to English', async ({ page }) => {
  const res = await page.goto(`${BASE()}/`);
  expect(res.headers()['content-security-policy']).toMatch(/default-src 'self'; img-src 'self' data: blob:; frame-src blob:; style-src 'self'; script-src 'self'/);
  expect(await ready(page)).toBe('登录');
  expect(await page.getAttribute('html', 'lang')).toBe('zh-CN');
  await axe(page, 'sign-in');
  await page.getByRole('button', { name: 'English' }).click();
  await expect(page.locator('main h1')).toHaveText('Sign in');
  expect(await page.getAttribute('html', 'lang')).toBe('en');
  await page.reload();
  expect(await ready(page)).toBe('Sign in');
  await page.getByRole('button', { name: '中文' }).click();
  await expect(page.locator('main h1')).toHaveText('登录');
});

test('a wrong password is answered beside the form, in both languages', async ({ page, problems }) => {
  problems.allow(401);
  await page.goto(`${BASE()}/#/login`);
  await page.getByLabel('用户名').fill('admin');
  await page.getByLabel('密码', { exact: true }).fill('wrong-password');
  await page.getByRole('button', { name: '登录' }).click();
  await expect(page.getByRole('alert').filter({ hasText: '用户名或密码不正确' })).toBeVisible();
  await page.getByRole('button', { name: 'English' }).click();
  await page.getByLabel('Username').fill('admin');
  await page.getByLabel('Password', { exact: true }).fill('wrong-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'Wrong username or password' })).toBeVisible();
});

test('sign-in works with the keyboard alone', async ({ page }) => {
  await page.goto(`${BASE()}/#/login`);
  await ready(page);
  const order = [];
  for (let i = 0; i < 10 && !order.includes('password'); i++) {
    await page.keyboard.press('Tab');
    order.push(await page.evaluate(() => document.activeElement.name || document.activeElement.id || document.activeElement.textContent.trim()));
  }
  expect(order, `tab order: ${order.join(' → ')}`).toEqual(expect.arrayContaining(['username', 'password']));
  await page.locator('[name=username]').focus();
  await page.keyboard.type(A().auditor.username);
  await page.keyboard.press('Tab');
  await page.keyboard.type(A().auditor.password);
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => location.hash === '#/reports');
});

for (const [user, title] of Object.entries(HOME)) {
  test(`${user} signs in to the main page; sign-out protects the pages`, async ({ page }) => {
    expect(await signIn(page, user)).toBe(title);
    await page.getByRole('button', { name: '退出' }).click();
    await page.waitForFunction(() => location.hash.startsWith('#/login'));
    expect(await ready(page)).toBe('登录');
    await page.goto(`${BASE()}/#/applications`);
    await page.waitForFunction(() => location.hash.startsWith('#/login'));
  });
}

test('a deep link opens after sign-in (?next=), and a second tab shares the session', async ({ page }) => {
  await page.goto(`${BASE()}/#/reports/portfolio?as_of=2026-06-30`);
  await page.waitForFunction(() => location.hash.startsWith('#/login?next='));
  await signIn(page, 'auditor');
  expect(new URL(page.url()).hash).toBe('#/reports/portfolio?as_of=2026-06-30');
  expect(await ready(page)).toBe('贷款余额');
  const tab = await page.context().newPage();
  await tab.goto(`${BASE()}/#/audit`);
  expect(await ready(tab)).toBe('审计日志');
  await tab.getByRole('button', { name: '退出' }).click();
  await page.waitForFunction(() => location.hash.startsWith('#/login'));
});

test('an expired session asks to sign in again with a warning, keeps the typed comment and returns to the page', async ({ page, problems }) => {
  problems.allow(401);
  await signIn(page, 'hrss.lingbao');
  await page.getByRole('link', { name: /411282-2026-000001/ }).click();
  await ready(page);
  await page.getByLabel('审核意见').fill('请补充营业执照复印件');
  await page.evaluate(() => {
    const s = JSON.parse(sessionStorage.getItem('chuangdai.session'));
    sessionStorage.setItem('chuangdai.session', JSON.stringify({ ...s, token: 'expired-token' }));
  });
  await page.reload();
  await page.waitForFunction(() => location.hash.startsWith('#/login?next='));
  const alert = page.locator('.flash');
  await expect(alert).toHaveText(/登录已过期，请重新登录/);
  await expect(alert).toHaveClass(/el-alert--warning/);
  await signIn(page, 'hrss.lingbao');
  expect(new URL(page.url()).hash).toMatch(/^#\/applications\/\d+$/);
  await expect(page.getByLabel('审核意见')).toHaveValue('请补充营业执照复印件');
});
