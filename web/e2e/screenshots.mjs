// Screenshots of each role's main page, desktop (1440 px) and phone (375 px).
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';

const SHOTS = [
  ['entrepreneur', 'zhangwei', null],
  ['hrss-officer', 'hrss.lingbao', null],
  ['guarantee-officer', 'guarantee.lingbao', null],
  ['bank-officer', 'bank.icbc', null],
  ['finance-auditor', 'auditor', null],
  ['admin', 'admin', null],
];

export async function takeScreenshots(R, server, dir, { signIn, heading }) {
  await mkdir(dir, { recursive: true });
  await R.test('screenshots of every role\'s main page', async (t) => {
    for (const [file, user] of SHOTS) {
      for (const [suffix, width] of [['desktop', 1440], ['phone', 375]]) {
        const page = await R.newPage(t, { viewport: { width, height: 900 } });
        await signIn(page, user);
        await heading(page);
        await page.evaluate(() => document.activeElement && document.activeElement.blur());
        await page.screenshot({ path: join(dir, `${file}-${suffix}.png`), fullPage: true });
      }
    }
  });
}
