// Issue 12 in the browser: the audit administrator reaches the audit trail
// only; an administrator role waits for a second administrator, who confirms
// it in the users list, where failed sign-ins and their delay show too; the
// HRSS officer sees every account claiming a resident ID number; the
// guarantee officer sees what a counter-guarantee waiver rests on, flagged
// when its incubation record was entered after the application day.
import { spawn } from 'node:child_process';
import { test, expect, BASE, ready, signIn, choose, axe, apiAs } from './fixtures.js';

const stamp = Date.now().toString(36);
const password = 'Qy5-Lingbao-2026';

// createAdmin makes an administrator on the command line, as the first ones
// are made (chuangdai user create), against the server's database.
function createAdmin(username) {
  return new Promise((ok, fail) => {
    const p = spawn(process.env.E2E_BIN, ['user', 'create', '--username', username, '--role', 'admin', '--password-stdin'],
      { env: { ...process.env, CHUANGDAI_DATABASE_URL: process.env.E2E_DATABASE_URL, CHUANGDAI_PASSWORD_COST: '4', CHUANGDAI_LOG_LEVEL: 'warn' } });
    let err = '';
    p.stderr.on('data', (d) => { err += d; });
    p.on('exit', (code) => (code === 0 ? ok() : fail(new Error(`user create: ${code} ${err}`))));
    p.stdin.end(`${password}\n`);
  });
}

async function findUser(page, username) {
  await page.getByLabel('搜索').fill(username);
  await page.getByRole('button', { name: '筛选' }).click();
  await page.waitForFunction((u) => location.hash.includes(`q=${encodeURIComponent(u)}`), username);
  await ready(page);
  const row = page.locator('.el-table__body tr').filter({ hasText: username });
  await expect(row).toHaveCount(1);
  return row;
}

test('the audit administrator lands on the audit trail, verifies the chain, and has no other page', async ({ page }) => {
  expect(await signIn(page, 'audit.admin')).toBe('审计日志');
  const links = await page.getByRole('navigation').getByRole('link').allTextContents();
  expect(links.map((l) => l.replace(/\d+/g, '').trim())).toEqual(['审计日志', '修改密码', '消息']);
  expect(await page.locator('.el-table__body tr').count()).toBeGreaterThan(0);
  await page.getByRole('button', { name: '校验日志链' }).click();
  await expect(page.getByText(/日志链完整/)).toBeVisible();
  await page.keyboard.press('Escape');
  await axe(page, 'audit admin');
});

test('an administrator role waits for a second administrator, who confirms it; failed sign-ins and their delay show in the list', async ({ page, another }) => {
  const second = `admin.two.${stamp}`;
  await createAdmin(second);
  const uname = `admin.e2e.${stamp}`;
  expect(await signIn(page, 'admin')).toBe('用户与角色');
  const form = page.locator('form').filter({ hasText: '新增用户' });
  await form.getByLabel('用户名').fill(uname);
  await form.getByLabel('姓名').fill('陈默');
  await form.getByLabel('初始密码').fill(password);
  await choose(page, '角色', '系统管理员', form);
  await form.getByRole('button', { name: '新增' }).click();
  await expect(page.getByRole('status').filter({ hasText: '须由另一名管理员确认' })).toBeVisible();
  let row = await findUser(page, uname);
  await expect(row).toContainText('待确认：系统管理员');
  // The one who granted it may not confirm it.
  await expect(row.getByRole('button', { name: '确认授权' })).toHaveCount(0);

  // Five wrong passwords for the new account: the list says so.
  for (let i = 0; i < 5; i++) {
    const r = await fetch(`${BASE()}/api/v1/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: uname, password: `Wrong-guess-${i}` }) });
    expect(r.status).toBe(401);
  }
  await page.reload();
  row = await findUser(page, uname);
  await expect(row).toContainText('连续登录失败 5 次');
  await expect(row).toContainText('登录受限至');
  await axe(page, 'users with a pending grant');

  const other = await another();
  await signIn(other, { username: second, password });
  row = await findUser(other, uname);
  await row.getByRole('button', { name: `确认 ${uname} 的管理员角色` }).click();
  await expect(other.getByRole('status').filter({ hasText: `已确认 ${uname} 的角色：系统管理员` })).toBeVisible();
  row = await findUser(other, uname);
  await expect(row).not.toContainText('待确认');
  await expect(row).toContainText('系统管理员');
});

test('the HRSS officer sees the other account claiming the same resident ID number beside the application', async ({ page }) => {
  const found = await apiAs('hrss.lingbao', `/api/v1/applications?q=${encodeURIComponent('高峰文印店')}`);
  expect(found.items.length).toBe(1);
  await signIn(page, 'hrss.lingbao');
  await page.goto(`${BASE()}/#/applications/${found.items[0].id}`);
  await ready(page);
  await expect(page.locator('.facts').first()).toContainText('未核验');
  const claims = page.getByRole('region', { name: '同一身份证号码的其他申请' });
  await expect(claims.getByRole('alert')).toContainText('批准资格审核即核验本申请人为本人');
  const row = claims.locator('.el-table__body tr');
  await expect(row).toHaveCount(1);
  await expect(row).toContainText('gao.feng');
  await expect(row.getByRole('link')).toHaveAttribute('href', /#\/applications\/\d+/);
  await axe(page, 'identity claims');
});

test('the guarantee officer sees the incubation record behind a waiver, when and by whom it was entered, flagged as entered after the application', async ({ page }) => {
  const found = await apiAs('guarantee.lingbao', `/api/v1/applications?q=${encodeURIComponent('高峰文印店')}`);
  expect(found.items.length).toBe(1);
  await signIn(page, 'guarantee.lingbao');
  await page.goto(`${BASE()}/#/applications/${found.items[0].id}`);
  await ready(page);
  const source = page.getByRole('region', { name: '免除反担保的依据' });
  await expect(source).toBeVisible();
  await expect(source).toContainText('灵宝市电子商务产业园');
  await expect(source).toContainText('王敏（灵宝市人社局）（hrss.lingbao）');
  await expect(source.getByRole('alert')).toContainText('晚于申请日期');
  await expect(source.locator('dt').filter({ hasText: '登记时间' })).toBeVisible();
  await axe(page, 'waiver source');
});

test('a user changes their own password from the menu: the rules are answered beside the field, then they sign in again with the new one', async ({ page, problems }) => {
  problems.allow(422);
  const user = { username: `e2e.pw.${stamp}`, password, name: '孙明', phone: '13600136000' };
  const reg = await fetch(`${BASE()}/api/v1/auth/register`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(user) });
  expect(reg.status).toBe(201);
  await signIn(page, user);
  await page.getByRole('navigation').getByRole('link', { name: '修改密码' }).click();
  expect(await ready(page)).toBe('修改密码');
  await expect(page.getByText('至少 10 个字符').first()).toBeVisible();
  await page.getByLabel('当前密码').fill(password);
  await page.getByLabel('新密码').fill('lingbao2026');
  await page.getByRole('button', { name: '修改密码' }).click();
  await expect(page.locator('[data-field="new_password"] .field-error')).toContainText('至少三类');
  await axe(page, 'password change refused');
  await page.getByLabel('新密码').fill('Apple-Orchard-77');
  await page.getByRole('button', { name: '修改密码' }).click();
  await page.waitForFunction(() => location.hash.startsWith('#/login'));
  await expect(page.getByText('密码已修改，请用新密码登录。')).toBeVisible();
  expect(await signIn(page, { username: user.username, password: 'Apple-Orchard-77' })).toBe('我的申请');
});
