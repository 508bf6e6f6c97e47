// Administration: users and roles, districts, banks, annual targets and
// incubation bases.
import { h, field, formError, showErrors, clearErrors, values, table, busy, announce } from '../dom.js';
import { t } from '../i18n.js';
import { get, api } from '../api.js';
import { dateTime, label } from '../fmt.js';
import { districts, banks, nameOf, forget } from '../ref.js';
import { ROLES } from '../roles.js';
import { page, pager, hashWith, unavailable } from '../widgets.js';
import { go } from '../app.js';
import { LEVELS, importForm } from './support.js';

// createForm posts the form's values (shaped by toBody) and refreshes the page.
function createForm(title, path, fields, toBody, done) {
  const form = h('form', { class: 'card', novalidate: true },
    h('h2', {}, title), formError(), h('div', { class: 'grid' }, fields),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, t('common.create'))));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const btn = form.querySelector('button[type=submit]');
    busy(btn, true);
    try {
      await api('POST', path, { body: toBody(values(form)) });
      clearErrors(form);
      sessionStorage.setItem('chuangdai.flash', 'admin.created');
      done();
    } catch (err) {
      showErrors(form, err);
      busy(btn, false);
    }
  });
  return form;
}

async function usersView({ query, rerender }) {
  const [ds, bs] = await Promise.all([districts(), banks()]);
  const pg = query.get('page') || 1;
  const list = await get('/api/v1/users', { page: pg, page_size: 50 });
  const roleField = field({ name: 'role', label: t('admin.role'), type: 'select', required: true, options: ROLES.map((r) => [r, t(`role.${r}`)]) });
  const districtField = field({ name: 'district_code', label: t('app.district'), type: 'select', options: ds.map((d) => [d.code, d.name]), hint: t('admin.districtHint') });
  const bankField = field({ name: 'bank_code', label: t('app.bank'), type: 'select', options: bs.map((b) => [b.code, b.name]), hint: t('admin.bankHint') });
  const sync = () => {
    const r = roleField.input.value;
    districtField.hidden = !(r === 'hrss_officer' || r === 'guarantee_officer');
    bankField.hidden = r !== 'bank_officer';
  };
  roleField.input.addEventListener('change', sync);
  sync();
  const form = createForm(t('admin.newUser'), '/api/v1/users', [
    field({ name: 'username', label: t('auth.username'), required: true }),
    field({ name: 'name', label: t('auth.name'), required: true }),
    field({ name: 'phone', label: t('auth.phone'), type: 'tel' }),
    field({ name: 'password', label: t('admin.initialPassword'), type: 'password', required: true, autocomplete: 'new-password', hint: t('auth.passwordHint') }),
    roleField, districtField, bankField,
  ], (v) => {
    const body = { username: v.username, password: v.password, name: v.name, phone: v.phone, role: v.role };
    if (!districtField.hidden && v.district_code) body.district_code = v.district_code;
    if (!bankField.hidden && v.bank_code) body.bank_code = v.bank_code;
    return body;
  }, rerender);
  return page(t('nav.users'),
    table([
      { label: t('auth.username'), value: (u) => u.username },
      { label: t('auth.name'), value: (u) => u.name || '—' },
      { label: t('admin.role'), value: (u) => (u.roles || []).map((r) => label('role', r)).join('、') },
      { label: t('admin.boundTo'), value: (u) => (u.district_code ? nameOf(ds, u.district_code) : u.bank_code ? nameOf(bs, u.bank_code) : '—') },
      { label: t('admin.state'), value: (u) => (u.disabled ? t('admin.disabled') : t('admin.enabled')) },
      { label: t('admin.createdAt'), value: (u) => dateTime(u.created_at) },
    ], list.items, { caption: t('nav.users') }),
    pager(list, (p) => go(hashWith('/admin/users', { page: p }))),
    form);
}

function codeNameView(kind) {
  return async ({ rerender }) => {
    const items = kind === 'district' ? await districts() : await banks();
    const path = kind === 'district' ? '/api/v1/districts' : '/api/v1/banks';
    return page(t(kind === 'district' ? 'nav.districts' : 'nav.banks'),
      table([
        { label: t('admin.code'), value: (x) => h('code', {}, x.code) },
        { label: t('admin.name'), value: (x) => x.name },
      ], items, { caption: t(kind === 'district' ? 'nav.districts' : 'nav.banks') }),
      createForm(t(kind === 'district' ? 'admin.newDistrict' : 'admin.newBank'), path, [
        field({ name: 'code', label: t('admin.code'), required: true, hint: t(kind === 'district' ? 'admin.districtCodeHint' : 'admin.bankCodeHint') }),
        field({ name: 'name', label: t('admin.name'), required: true }),
      ], (v) => v, () => { forget(kind === 'district' ? 'districts' : 'banks'); rerender(); }));
  };
}

async function targetsView({ query }) {
  const year = Number(query.get('year')) || new Date().getFullYear();
  const [ds, current] = await Promise.all([districts(), get(`/api/v1/targets/${year}`)]);
  const byCode = new Map((current.items || []).map((i) => [i.district_code, i]));
  const pick = h('form', { class: 'filters', novalidate: true },
    field({ name: 'year', label: t('report.year'), type: 'number', min: 2000, max: 2100, value: year }),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, t('report.show'))));
  pick.addEventListener('submit', (e) => { e.preventDefault(); go(hashWith('/admin/targets', values(pick))); });
  const rows = ds.map((d, i) => {
    const cur = byCode.get(d.code) || {};
    return h('tr', {},
      h('th', { scope: 'row' }, d.name, h('input', { type: 'hidden', name: `items[${i}].district_code`, value: d.code })),
      h('td', {}, inputCell(`items[${i}].loan_amount`, t('targets.amountOf', { name: d.name }), cur.loan_amount)),
      h('td', {}, inputCell(`items[${i}].returnee_loan_amount`, t('targets.returneeOf', { name: d.name }), cur.returnee_loan_amount)),
      h('td', {}, inputCell(`items[${i}].jobs`, t('targets.jobsOf', { name: d.name }), cur.jobs, 'numeric')));
  });
  const form = h('form', { class: 'card', novalidate: true },
    formError(),
    h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': t('targets.title', { year }) },
      h('table', { class: 'edit' },
        h('caption', {}, t('targets.title', { year })),
        h('thead', {}, h('tr', {}, [t('report.unit'), t('targets.amount'), t('targets.returnee'), t('targets.jobs')].map((x) => h('th', { scope: 'col' }, x)))),
        h('tbody', {}, rows))),
    h('p', { class: 'hint' }, t('targets.hint')),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, t('common.save'))),
    h('p', { class: 'ok-text', role: 'status' }));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = values(form);
    const items = ds.map((d, i) => {
      const it = { district_code: d.code, loan_amount: v[`items[${i}].loan_amount`] };
      if (v[`items[${i}].returnee_loan_amount`]) it.returnee_loan_amount = v[`items[${i}].returnee_loan_amount`];
      const jobs = v[`items[${i}].jobs`];
      if (jobs) it.jobs = /^\d+$/.test(jobs) ? Number(jobs) : jobs;
      return it;
    }).filter((it) => it.loan_amount);
    const btn = form.querySelector('button[type=submit]');
    busy(btn, true);
    try {
      await api('PUT', `/api/v1/targets/${year}`, { body: { items } });
      clearErrors(form);
      form.querySelector('.ok-text').textContent = t('targets.saved', { year });
      announce(t('targets.saved', { year }));
    } catch (err) {
      showErrors(form, err);
    } finally {
      busy(btn, false);
    }
  });
  return page(t('nav.targets'), pick, form);
}

function inputCell(name, aria, value, mode = 'decimal') {
  const id = `${name.replace(/[^a-z0-9]/gi, '-')}`;
  return h('div', { class: 'cell' },
    h('input', { id, name, value: value ?? '', inputmode: mode, 'aria-label': aria, 'data-field': name, 'aria-describedby': `${id}-err` }),
    h('p', { class: 'field-error', id: `${id}-err`, hidden: true }));
}

async function basesView({ rerender }) {
  const ds = await districts();
  let list = null;
  try {
    list = (await get('/api/v1/incubation-bases')).items || [];
  } catch (err) {
    list = { err };
  }
  return page(t('nav.bases'),
    list.err ? unavailable(list.err) : table([
      { label: t('admin.name'), value: (b) => b.name },
      { label: t('app.district'), value: (b) => nameOf(ds, b.district_code) },
      { label: t('support.level'), value: (b) => label('level', b.level) },
    ], list, { caption: t('nav.bases') }),
    createForm(t('admin.newBase'), '/api/v1/incubation-bases', [
      field({ name: 'name', label: t('admin.name'), required: true }),
      field({ name: 'district_code', label: t('app.district'), type: 'select', required: true, options: ds.map((d) => [d.code, d.name]) }),
      field({ name: 'level', label: t('support.level'), type: 'select', required: true, options: LEVELS.map((l) => [l, t(`level.${l}`)]) }),
    ], (v) => v, rerender));
}

function importView() {
  return page(t('nav.importLoans'), h('p', { class: 'lead' }, t('import.loansLead')),
    importForm('import.loans', '/api/v1/imports/loans', 'import.loansHint'));
}

export const routes = [
  { pattern: /^\/admin\/import$/, view: importView },
  { pattern: /^\/admin\/users$/, view: usersView },
  { pattern: /^\/admin\/districts$/, view: codeNameView('district') },
  { pattern: /^\/admin\/banks$/, view: codeNameView('bank') },
  { pattern: /^\/admin\/targets$/, view: targetsView },
  { pattern: /^\/admin\/bases$/, view: basesView },
];
