// The fixtures every test uses: a page that fails the test on a console
// error, an uncaught exception, an untranslated key, a CSP violation or a
// request to another host; axe-core checks; sign-in and Element Plus helpers.
import { test as base, expect } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';

export const BASE = () => process.env.E2E_BASE;
export const A = () => JSON.parse(process.env.E2E_ACCOUNTS || '{}');

function watch(page, t) {
  const origin = new URL(BASE()).origin;
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const text = m.text();
    const s = /^Failed to load resource: the server responded with a status of (\d+)/.exec(text);
    if (s && t.allowed.has(Number(s[1]))) return;
    t.problems.push(`console error: ${text} ${m.location().url || ''}`);
  });
  page.on('pageerror', (e) => t.problems.push(`page error: ${e.message}`));
  page.on('request', (r) => {
    const u = new URL(r.url());
    // Only the network counts: blob:, data: and the browser's own pages
    // (chrome://, chrome-extension:// of its PDF viewer) leave the machine never.
    if (!/^(https?|wss?):$/.test(u.protocol)) return;
    if (u.origin !== origin) t.problems.push(`request to another host: ${r.url()}`);
  });
}

async function untranslated(page, t) {
  if (page.isClosed()) return;
  const missing = await page.evaluate(() => window.chuangdaiMissing || []).catch(() => []);
  if (missing.length) t.problems.push(`untranslated keys: ${[...new Set(missing)].join(', ')}`);
}

export const test = base.extend({
  // problems collects what the pages of a test did wrong; allow(status) lets
  // a test provoke an API error it expects (a 422 to show field errors).
  problems: async ({}, use) => {
    const t = { problems: [], allowed: new Set() };
    t.allow = (...statuses) => statuses.forEach((s) => t.allowed.add(s));
    await use(t);
    expect(t.problems, 'browser problems').toEqual([]);
  },
  page: async ({ page, problems }, use) => {
    watch(page, problems);
    await use(page);
    await untranslated(page, problems);
  },
  // another opens a second, separate browser (another person).
  another: async ({ browser, problems }, use) => {
    const ctxs = [];
    await use(async (opts = {}) => {
      const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', ...opts });
      ctxs.push(ctx);
      const p = await ctx.newPage();
      watch(p, problems);
      return p;
    });
    for (const c of ctxs) {
      for (const p of c.pages()) await untranslated(p, problems);
      await c.close();
    }
  },
});
export { expect };

// ready waits until the page the address names is drawn (the router has
// caught up with the address), its requests are done and its heading is there.
export async function ready(page) {
  await page.waitForFunction(() => {
    const main = document.querySelector('main');
    const path = (s) => decodeURIComponent((s || '/').split('?')[0]);
    return main && path(main.dataset.route) === path(location.hash.slice(1)) && !main.hasAttribute('aria-busy')
      && main.querySelector('h1') && !document.querySelector('main .el-loading-mask');
  });
  return (await page.locator('main h1').first().textContent()).trim();
}

export async function signIn(page, who) {
  const acc = typeof who === 'string' ? A()[who] : who;
  if (!page.url().includes('#/login')) await page.goto(`${BASE()}/#/login`);
  await page.getByLabel('用户名').fill(acc.username);
  await page.getByLabel('密码', { exact: true }).fill(acc.password);
  await page.getByRole('button', { name: '登录' }).click();
  await page.waitForFunction(() => !location.hash.startsWith('#/login'));
  return ready(page);
}

// choose picks an option of an Element Plus select named by its label, in
// that select's own list (aria-controls): the list of the select chosen just
// before may still be fading out with an option of the same name.
export async function choose(page, name, option, scope) {
  const root = scope || page;
  const box = root.getByRole('combobox', { name, exact: true }).first();
  await box.locator('xpath=ancestor::div[contains(@class,"el-select__wrapper")]').click();
  const list = page.locator(`[id="${await box.getAttribute('aria-controls')}"]`);
  await list.getByRole('option', { name: option, exact: true }).first().click();
}

// tick checks an Element Plus radio or checkbox by clicking its label (the
// native input is a zero-sized element behind it, as a person never sees it).
export async function tick(control) {
  await control.locator('xpath=ancestor::label[1]').click();
  await expect(control).toBeChecked();
}

// axe runs axe-core (WCAG 2 A and AA) on the page once it is at rest: a
// list reloading after an action shows its loading mask fading in and out,
// and a frame of that fade is no colour the page shows.
export async function axe(page, where = '') {
  await page.waitForFunction(() => !document.querySelector('main .el-loading-mask'));
  const r = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const bad = r.violations.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
  expect(bad, `axe violations ${where}`).toEqual([]);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow, `the page is ${overflow}px wider than the window ${where}`).toBeLessThanOrEqual(1);
}

// residentID makes a valid GB 11643 number for a birth date and sequence.
export function residentID(region, birth, seq) {
  const body = `${region}${birth}${String(seq).padStart(3, '0')}`;
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...body].reduce((acc, d, i) => acc + Number(d) * w[i], 0);
  return body + '10X98765432'[sum % 11];
}

// tokenOf signs one of the demo accounts in through the API.
async function tokenOf(user) {
  const a = A()[user];
  const res = await fetch(`${BASE()}/api/v1/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: a.username, password: a.password }) });
  return (await res.json()).token;
}

// apiAs signs in through the API (for finding demo records, not for acting).
export async function apiAs(user, path) {
  const res = await fetch(`${BASE()}${path}`, { headers: { Authorization: `Bearer ${await tokenOf(user)}` } });
  return res.ok ? res.json() : null;
}

// call acts through the API as one of the demo accounts and answers the
// JSON; a refusal fails the test with its status and problem.
export async function call(user, method, path, body, headers = {}) {
  const res = await fetch(`${BASE()}${path}`, { method, headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${await tokenOf(user)}`, ...headers },
    body: body ? JSON.stringify(body) : undefined });
  expect(res.ok, `${method} ${path}: ${res.status} ${res.ok ? '' : await res.text()}`).toBeTruthy();
  return res.json();
}

// pendingReversal signs out, signs in as the confirmer and opens 待确认冲正;
// it answers the line of the loan's reversal proposed with the reason.
export async function pendingReversal(page, confirmer, number, reason) {
  await page.getByRole('button', { name: '退出' }).click();
  await signIn(page, confirmer);
  await page.getByRole('navigation').getByRole('link', { name: /待确认冲正/ }).click();
  await ready(page);
  return page.locator('.el-table__body tr').filter({ hasText: number }).filter({ hasText: reason });
}

// applyAs registers an entrepreneur (with phone) through the API and submits
// an individual application in 灵宝市 for the resident ID (so that the
// district's officers may open that person's four-in-one profile); it answers
// the application.
export async function applyAs(stamp, nationalID, name = '孙丽', phone = '13700137000') {
  const json = (token) => ({ 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) });
  const user = { username: `e2e.a.${stamp}`, password: 'Qy7-Lingbao-2026', name, phone };
  const reg = await fetch(`${BASE()}/api/v1/auth/register`, { method: 'POST', headers: json(), body: JSON.stringify(user) });
  expect(reg.status, 'registration').toBe(201);
  const { token } = await (await fetch(`${BASE()}/api/v1/auth/login`, { method: 'POST', headers: json(),
    body: JSON.stringify({ username: user.username, password: user.password }) })).json();
  const body = { borrower_type: 'individual', name, national_id: nationalID, phone: user.phone, key_group: 'college_graduate',
    district_code: '411282', bank_code: 'ICBC-SMX', amount: '50000.00', term_months: 12, business_name: `${name}的小店`,
    industry: '零售', purpose: '进货', jobs_planned: 1, not_employed: true };
  const created = await fetch(`${BASE()}/api/v1/applications`, { method: 'POST', headers: json(token), body: JSON.stringify(body) });
  expect(created.status, 'application').toBe(201);
  const a = await created.json();
  const sub = await fetch(`${BASE()}/api/v1/applications/${a.id}/submit`, { method: 'POST', headers: json(token) });
  expect(sub.status, 'submission').toBe(200);
  return sub.json();
}

export const HOME = {
  admin: '用户与角色', 'hrss.lingbao': '待审队列 · 资格审核', 'guarantee.lingbao': '待审队列 · 担保审核', 'bank.icbc': '待审队列 · 银行审核',
  auditor: '创业担保贷款工作进度通报', 'audit.admin': '审计日志', zhangwei: '我的申请',
};
