// Undelivered SMS (issue 17): an applicant whose phone the SMS gateway never
// takes is told of the submission in the inbox; after the last attempt the
// administrator finds that SMS under 未送达短信 with the recipient, the
// template, the attempts and the gateway's answer, never the phone, and
// sends it again from the first attempt.
import { test, expect, BASE, ready, signIn, axe, residentID, applyAs } from './fixtures.js';
import { UNDELIVERABLE } from './setup.js';

const stamp = Date.now().toString(36);
const nid = residentID('411282', '19910412', 100 + (Date.now() % 800));

test('the administrator sees an SMS the gateway refused, without the phone, and sends it again', async ({ page }) => {
  await applyAs(`f${stamp}`, nid, '吴刚', UNDELIVERABLE);
  const recipient = `e2e.a.f${stamp}`;
  await signIn(page, 'admin');
  await page.getByRole('navigation').getByRole('link', { name: '未送达短信' }).click();
  expect(await ready(page)).toBe('未送达短信');
  const row = page.locator('.el-table__body tr', { hasText: recipient });
  await expect(async () => {
    await page.reload();
    await ready(page);
    await expect(row).toHaveCount(1, { timeout: 1000 });
  }).toPass({ timeout: 30_000 });
  await expect(row).toContainText('application.submitted');
  await expect(row).toContainText('503');
  await expect(row.locator('td').nth(3)).toHaveText('2');
  await expect(page.locator('main')).not.toContainText(UNDELIVERABLE);
  await axe(page, 'the undelivered SMS');
  await row.getByRole('button', { name: `重新发送给 ${recipient} 的 application.submitted` }).click();
  await expect(page.getByRole('status')).toHaveText('已重新发送，从第一次尝试开始。');
  await expect(row).toHaveCount(0);
});
