// Each role's main pages at 1440 px (desktop) and 375 px (phone), into
// docs/screenshots/<role>[-<page>]-<desktop|phone>.png: the role's first page
// has no page name (the README's table links those). An application of the
// HRSS queue gets an ID card and a diploma first, so that the decision page
// shows documents beside the profile; the entrepreneur's list shows a draft
// saved half-filled (未填完) and its form.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { test, BASE, ready, signIn, applyAs, residentID, apiAs, A } from './fixtures.js';

const out = (name) => fileURLToPath(new URL(`../../docs/screenshots/${name}.png`, import.meta.url));
const doc = (name) => fileURLToPath(new URL(`../../internal/document/doctest/files/${name}`, import.meta.url));

async function withDocuments() {
  const app = await applyAs(`shot${Date.now().toString(36)}`, residentID('411282', '19950615', 321), '王芳');
  const acc = A()['hrss.lingbao'];
  const { token } = await (await fetch(`${BASE()}/api/v1/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: acc.username, password: acc.password }) })).json();
  for (const [kind, file, type] of [['id_card', 'chromium.png', 'image/png'], ['diploma', 'chromium.pdf', 'application/pdf']]) {
    const form = new FormData();
    form.append('kind', kind);
    form.append('file', new Blob([await readFile(doc(file))], { type }), file);
    const res = await fetch(`${BASE()}/api/v1/applications/${app.id}/documents`, { method: 'POST', headers: { Authorization: `Bearer ${token}` }, body: form });
    if (res.status !== 201) throw new Error(`upload ${kind}: ${res.status} ${await res.text()}`);
  }
  return `/applications/${app.id}`;
}

async function ownApplication() {
  const mine = await apiAs('zhangwei', '/api/v1/applications?page_size=1');
  return mine && mine.items.length ? `/applications/${mine.items[0].id}` : null;
}

// halfFilledDraft saves a draft of zhangwei's with a few fields only
// (draft=true), which his list shows as 未填完; it answers its edit page.
async function halfFilledDraft() {
  const acc = A().zhangwei;
  const { token } = await (await fetch(`${BASE()}/api/v1/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: acc.username, password: acc.password }) })).json();
  const res = await fetch(`${BASE()}/api/v1/applications?draft=true`, { method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
    body: JSON.stringify({ borrower_type: 'individual', name: '张伟', phone: '13800138000', business_name: '张伟的农家乐', amount: '100000.00' }) });
  if (res.status !== 201) throw new Error(`half-filled draft: ${res.status} ${await res.text()}`);
  return `/applications/${(await res.json()).id}/edit`;
}

// activeLoan is the page of an active loan of the bank in 灵宝市 (the
// bank's 提前结清 and 申请展期).
async function activeLoan() {
  const loans = await apiAs('bank.icbc', '/api/v1/loans?status=active&district_code=411282&page_size=1');
  return loans && loans.items.length ? `/loans/${loans.items[0].id}` : null;
}

// compensatedLoan is a loan the guarantee fund compensated: its page offers
// the guarantee officer 冲正代偿.
async function compensatedLoan() {
  const loans = await apiAs('guarantee.lingbao', '/api/v1/loans?status=compensated&district_code=411282&page_size=1');
  return loans && loans.items.length ? `/loans/${loans.items[0].id}` : null;
}

const ROLES = [
  ['zhangwei', 'entrepreneur', async () => {
    const own = await ownApplication();
    return [['', '/applications'], ['application', own], ['draft', await halfFilledDraft()], ['loans', '/loans'], ['inbox', '/inbox']];
  }],
  ['hrss.lingbao', 'hrss-officer', async () => [['', '/queue'], ['decision', await withDocuments()], ['subsidy-check', '/work/subsidy-check']]],
  ['guarantee.lingbao', 'guarantee-officer', async () => [['', '/queue'], ['overdue', '/work/overdue'], ['risk', '/guarantee'], ['fund', '/guarantee/fund'], ['loan', await compensatedLoan()]]],
  ['bank.icbc', 'bank-officer', async () => [['', '/queue'], ['disburse', '/work/disburse'], ['reversals', '/work/reversals'], ['loan', await activeLoan()]]],
  ['auditor', 'finance-auditor', async () => [['', '/reports'], ['awards', '/reports/awards'], ['audit', '/audit'], ['periods', '/reports/periods'], ['applications', '/applications'], ['loans', '/loans']]],
  ['admin', 'admin', async () => [['', '/admin/users'], ['targets', '/admin/targets'], ['sms-failed', '/admin/sms-failed'], ['password', '/password']]],
  ['audit.admin', 'audit-admin', async () => [['', '/audit']]],
];

for (const [user, role, pagesOf] of ROLES) {
  test(`screenshots of the ${role}'s main pages`, async ({ page }) => {
    const pages = (await pagesOf()).filter(([, path]) => path);
    await signIn(page, user);
    for (const [width, height, kind] of [[1440, 900, 'desktop'], [375, 800, 'phone']]) {
      await page.setViewportSize({ width, height });
      for (const [name, path] of pages) {
        await page.goto(`${BASE()}/#${path}`);
        await ready(page);
        // the charts' entry animation, the table's layout after the resize
        await page.waitForTimeout(1500);
        await page.mouse.move(width - 1, height - 1);
        await page.screenshot({ path: out(`${role}${name ? `-${name}` : ''}-${kind}`), fullPage: true });
      }
    }
  });
}
