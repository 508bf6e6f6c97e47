// Every page of every role: axe-clean and fitting at 1440 and 375 px (the
// menu a drawer, tables as cards), and in English without untranslated keys.
import { test, expect, BASE, ready, signIn, axe, HOME, A } from './fixtures.js';

for (const user of Object.keys(HOME)) {
  test(`every page of ${user} passes axe at 1440 px and on a 375 px phone`, async ({ page, problems }) => {
    problems.allow(403);
    await signIn(page, user);
    const links = await page.getByRole('navigation').getByRole('link').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    for (const href of links) {
      await page.goto(`${BASE()}/${href}`);
      await ready(page);
      await axe(page, `${user} ${href} 1440`);
    }
    await page.setViewportSize({ width: 375, height: 800 });
    for (const href of links) {
      await page.goto(`${BASE()}/${href}`);
      await ready(page);
      await axe(page, `${user} ${href} 375`);
    }
    await page.getByRole('button', { name: '菜单' }).click();
    const drawer = page.getByRole('dialog', { name: '主导航' });
    await expect(drawer).toBeVisible();
    await drawer.getByRole('link').first().click();
    await expect(drawer).toBeHidden();
  });
}

test('on a phone, tables become cards with the important columns first', async ({ page }) => {
  await page.setViewportSize({ width: 375, height: 800 });
  await signIn(page, 'hrss.lingbao');
  const card = page.locator('.cards .card-row').first();
  await expect(card).toBeVisible();
  await expect(card.locator('dt').first()).toHaveText('申请编号');
  await expect(page.locator('.el-table')).toHaveCount(0);
});

test('every page of every role renders in English without untranslated labels', async ({ page, problems }) => {
  problems.allow(403);
  await page.goto(`${BASE()}/#/login`);
  await page.evaluate(() => localStorage.setItem('chuangdai.lang', 'en'));
  for (const user of Object.keys(HOME)) {
    await page.goto(`${BASE()}/#/login`);
    await page.reload();
    await ready(page);
    await page.getByLabel('Username').fill(A()[user].username);
    await page.getByLabel('Password', { exact: true }).fill(A()[user].password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForFunction(() => !location.hash.startsWith('#/login'));
    const links = await page.getByRole('navigation').getByRole('link').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    for (const href of links) {
      await page.goto(`${BASE()}/${href}`);
      const title = await ready(page);
      expect(title, `English heading on ${href}`).toMatch(/^[\x20-\x7e·–—’]+$/);
      await axe(page, `en ${user} ${href}`);
    }
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForFunction(() => location.hash.startsWith('#/login'));
  }
});
