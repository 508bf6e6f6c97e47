// The auditors' pages: progress bulletin with charts, disbursement
// breakdowns, portfolio, audit trail; every report downloads as CSV or Excel.
import { h, field, formError, showErrors, values, table, dl, busy, announce } from '../dom.js';
import { t } from '../i18n.js';
import { get, download, api } from '../api.js';
import { yuan, pct, dateTime, today, money, label } from '../fmt.js';
import { page, pager, hashWith, section, unavailable } from '../widgets.js';
import { hbars, vbars, amountNumber } from '../charts.js';
import { go } from '../app.js';
import { banks } from '../ref.js';
import { hasRole } from '../roles.js';

const GROUPS = ['district', 'key_group', 'bank', 'borrower_type', 'industry', 'gender', 'flag', 'month', 'quarter'];

function exportButtons(path, q, base) {
  const status = h('p', { class: 'ok-text', role: 'status' });
  const err = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const button = (format) => {
    const b = h('button', { type: 'button', onclick: async () => {
      busy(b, true);
      err.hidden = true;
      status.textContent = '';
      try {
        const name = await download(path, { ...q, format }, `${base}.${format}`);
        status.textContent = t('report.downloaded', { name });
        announce(status.textContent);
      } catch (e) {
        err.textContent = e.text ? e.text() : t('err.generic');
        err.hidden = false;
      } finally {
        busy(b, false);
      }
    } }, t(`report.export.${format}`));
    return b;
  };
  return h('div', { class: 'exports' }, h('span', { class: 'hint' }, t('report.export')), button('csv'), button('xlsx'), status, err);
}

// dayOfYearShare is the share of the year elapsed at `through`, as a percentage (for the chart's time-progress line).
function dayOfYearShare(year, through) {
  const start = Date.UTC(year, 0, 1);
  const end = Date.UTC(year + 1, 0, 1);
  const at = Date.parse(`${through}T00:00:00Z`) + 86400000;
  return Math.min(100, Math.max(0, ((at - start) / (end - start)) * 100));
}

function progressTable(rows, total, caption) {
  const cols = [
    { label: t('report.unit'), value: (r) => r.district_name || r.district_code || t('report.total') },
    { label: t('report.loans'), value: (r) => r.loans, class: 'num' },
    { label: t('report.amount'), value: (r) => yuan(r.amount), class: 'num' },
    { label: t('report.target'), value: (r) => yuan(r.target_amount), class: 'num' },
    { label: t('report.completion'), value: (r) => pct(r.completion_pct), class: 'num' },
  ];
  const all = total ? [...rows, { ...total, district_name: t('report.cityTotal'), isTotal: true }] : rows;
  return table(cols, all, { caption, rowClass: (r) => (r.isTotal ? 'total' : null) });
}

function completionChart(rows, year, through, title) {
  const share = dayOfYearShare(year, through);
  return hbars({
    title, desc: t('report.completionDesc'),
    rows: rows.map((r) => ({ label: r.district_name || r.district_code, value: r.completion_pct === null ? 0 : Number(r.completion_pct), text: pct(r.completion_pct) })),
    lines: [{ value: 100, text: t('report.fullTarget') }, { value: share, text: t('report.timeProgress') }],
  });
}

async function bulletinView({ query }) {
  const now = new Date();
  const year = Number(query.get('year')) || now.getFullYear();
  const through = query.get('through') || (year === now.getFullYear() ? today() : `${year}-12-31`);
  const form = h('form', { class: 'filters', novalidate: true },
    formError(),
    field({ name: 'year', label: t('report.year'), type: 'number', min: 2000, max: 2100, value: year }),
    field({ name: 'through', label: t('report.through'), type: 'date', value: through }),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, t('report.show'))));
  form.addEventListener('submit', (e) => { e.preventDefault(); go(hashWith('/reports', values(form))); });
  let progress;
  try {
    progress = await get('/api/v1/reports/progress', { year, through });
  } catch (err) {
    if (err.status === 404 && err.code === 'not_found' && !err.errors.length) return page(t('report.bulletinTitle'), form, unavailable(err));
    return page(t('report.bulletinTitle'), form, h('p', { class: 'form-error', role: 'alert' }, err.text()));
  }
  let months = null;
  try {
    months = await get('/api/v1/reports/disbursements', { from: `${year}-01-01`, to: through, group_by: 'month' });
  } catch (err) {
    months = { err };
  }
  let figures;
  try {
    figures = await get('/api/v1/support/figures', { year });
  } catch (err) {
    figures = { err };
  }
  const total = progress.total || {};
  return page(t('report.bulletinTitle'),
    form,
    h('p', { class: 'lead bulletin' }, t('report.headline', {
      year, through: progress.through || through, loans: total.loans ?? 0, amount: money(total.amount || '0.00'), pct: pct(total.completion_pct),
    })),
    exportButtons('/api/v1/reports/progress', { year, through }, `progress-${year}`),
    section(t('report.completionTitle'),
      completionChart(progress.rows || [], year, through, t('report.completionTitle')),
      progressTable(progress.rows || [], progress.total, t('report.completionTitle'))),
    section(t('report.monthlyTitle'), months.err ? unavailable(months.err) : [
      vbars({ title: t('report.monthlyTitle'), desc: t('report.monthlyDesc'),
        rows: (months.rows || []).map((r) => ({ label: r.label || r.key, value: amountNumber(r.amount), text: shortMoney(r.amount) })) }),
      breakdownTable(months),
    ]),
    progress.returnee ? section(t('report.returneeTitle'),
      completionChart(progress.returnee.rows || [], year, through, t('report.returneeTitle')),
      progressTable(progress.returnee.rows || [], progress.returnee.total, t('report.returneeTitle'))) : null,
    section(t('figures.title', { year }), figures.err ? unavailable(figures.err) : table([
      { label: t('report.unit'), value: (r) => r.district_name || r.district_code },
      { label: t('figures.trained'), value: (r) => r.people_trained, class: 'num' },
      { label: t('figures.tenants'), value: (r) => r.tenants, class: 'num' },
      { label: t('figures.services'), value: (r) => r.services, class: 'num' },
      { label: t('figures.borrowers'), value: (r) => r.borrowers, class: 'num' },
      { label: t('figures.supported'), value: (r) => r.borrowers_supported, class: 'num' },
      { label: t('figures.share'), value: (r) => pct(r.supported_share_pct), class: 'num' },
    ], figures.districts || [], { caption: t('figures.title', { year }) })));
}

// shortMoney shows large amounts in 万元 (zh) or thousands (en) for chart labels.
function shortMoney(s) {
  const n = amountNumber(s);
  return t('unit.short', { wan: (n / 10000).toFixed(n >= 1e6 ? 0 : 1), k: (n / 1000).toFixed(n >= 1e5 ? 0 : 1) });
}

function breakdownTable(data) {
  const rows = data.rows || [];
  const jobsTarget = rows.some((r) => r.jobs_target !== null && r.jobs_target !== undefined);
  return table([
    { label: t('report.group'), value: (r) => r.label || r.key },
    { label: t('report.loans'), value: (r) => r.loans, class: 'num' },
    { label: t('report.amount'), value: (r) => yuan(r.amount), class: 'num' },
    { label: t('report.jobsPlanned'), value: (r) => r.jobs_planned ?? '—', class: 'num' },
    { label: t('report.jobsCreated'), value: (r) => r.jobs_created ?? '—', class: 'num' },
    jobsTarget ? { label: t('report.jobsTarget'), value: (r) => r.jobs_target ?? '—', class: 'num' } : null,
    jobsTarget ? { label: t('report.jobsPct'), value: (r) => pct(r.jobs_pct), class: 'num' } : null,
  ].filter(Boolean), data.total ? [...rows, { label: t('report.total'), ...data.total, isTotal: true }] : rows, { caption: t('report.breakdown'), rowClass: (r) => (r.isTotal ? 'total' : null) });
}

async function disbursementsView({ query }) {
  const year = new Date().getFullYear();
  const q = { from: query.get('from') || `${year}-01-01`, to: query.get('to') || today(), group_by: query.get('group_by') || 'district' };
  const form = h('form', { class: 'filters', novalidate: true },
    field({ name: 'from', label: t('report.from'), type: 'date', value: q.from }),
    field({ name: 'to', label: t('report.to'), type: 'date', value: q.to }),
    field({ name: 'group_by', label: t('report.groupBy'), type: 'select', placeholder: false, value: q.group_by, options: GROUPS.map((g) => [g, t(`group.${g}`)]) }),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, t('report.show'))));
  form.addEventListener('submit', (e) => { e.preventDefault(); go(hashWith('/reports/disbursements', values(form))); });
  let data;
  try {
    data = await get('/api/v1/reports/disbursements', q);
  } catch (err) {
    return page(t('nav.disbursements'), form, err.status === 404 ? unavailable(err) : h('p', { class: 'form-error', role: 'alert' }, err.text()));
  }
  const rows = data.rows || [];
  const chartRows = rows.map((r) => ({ label: r.label || r.key, value: amountNumber(r.amount), text: shortMoney(r.amount) }));
  return page(t('nav.disbursements'), form,
    exportButtons('/api/v1/reports/disbursements', q, `disbursements-${q.group_by}`),
    section(t('report.byGroup', { group: t(`group.${q.group_by}`) }),
      q.group_by === 'month' || q.group_by === 'quarter'
        ? vbars({ title: t('report.byGroup', { group: t(`group.${q.group_by}`) }), desc: t('report.monthlyDesc'), rows: chartRows })
        : hbars({ title: t('report.byGroup', { group: t(`group.${q.group_by}`) }), desc: t('report.breakdownDesc'), rows: chartRows }),
      breakdownTable(data)));
}

const POSITION = [
  ['loans', 'count'], ['disbursed', 'money'], ['repaid', 'money'], ['outstanding', 'money'], ['overdue_loans', 'count'], ['overdue', 'money'],
  ['overdue_rate', 'pct'], ['compensated_loans', 'count'], ['compensated', 'money'], ['fund_paid', 'money'], ['recovered', 'money'],
  ['written_off', 'money'], ['matured_loans', 'count'], ['matured_principal', 'money'], ['matured_repaid', 'money'], ['recovery_rate', 'pct'],
  ['subsidy_claimed', 'money'], ['subsidy_paid', 'money'],
];

function figure(kind, v) {
  if (kind === 'money') return yuan(v);
  if (kind === 'pct') return pct(v);
  return v ?? '—';
}

async function portfolioView({ query }) {
  const asOf = query.get('as_of') || today();
  const form = h('form', { class: 'filters', novalidate: true },
    formError(),
    field({ name: 'as_of', label: t('report.asOf'), type: 'date', value: asOf }),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, t('report.show'))));
  form.addEventListener('submit', (e) => { e.preventDefault(); go(hashWith('/reports/portfolio', values(form))); });
  let data;
  try {
    data = await get('/api/v1/reports/portfolio', { as_of: asOf });
  } catch (err) {
    return page(t('nav.portfolio'), form, err.status === 404 ? unavailable(err) : h('p', { class: 'form-error', role: 'alert' }, err.text()));
  }
  const rows = data.rows || [];
  const main = ['outstanding', 'overdue', 'overdue_rate', 'compensated', 'recovered', 'recovery_rate', 'subsidy_claimed', 'subsidy_paid'];
  return page(t('nav.portfolio'), form,
    exportButtons('/api/v1/reports/portfolio', { as_of: asOf }, `portfolio-${asOf}`),
    section(t('report.asOfTitle', { date: data.as_of || asOf }),
      dl(POSITION.filter(([k]) => main.includes(k) || k === 'loans').map(([k, kind]) => [t(`portfolio.${k}`), figure(kind, data[k])]))),
    section(t('portfolio.byDistrict'),
      hbars({ title: t('portfolio.outstandingByDistrict'), desc: t('report.breakdownDesc'),
        rows: rows.map((r) => ({ label: r.district_name || r.district_code, value: amountNumber(r.outstanding), text: shortMoney(r.outstanding) })) }),
      table([{ label: t('report.unit'), value: (r) => r.district_name || r.district_code }, ...POSITION.map(([k, kind]) => ({
        label: t(`portfolio.${k}`), value: (r) => figure(kind, r[k]), class: 'num' }))],
      [...rows, { ...data, district_name: t('report.cityTotal'), isTotal: true }], { caption: t('portfolio.byDistrict'), rowClass: (r) => (r.isTotal ? 'total' : null) })));
}

async function reconciliationView({ query, user }) {
  const bs = await banks();
  const year = new Date().getFullYear();
  const q = { bank_code: query.get('bank_code') || '', from: query.get('from') || `${year}-01-01`, to: query.get('to') || today() };
  const form = h('form', { class: 'filters', novalidate: true },
    formError(),
    field({ name: 'bank_code', label: t('app.bank'), type: 'select', placeholder: t('common.all'), value: q.bank_code, options: bs.map((b) => [b.code, b.name]) }),
    field({ name: 'from', label: t('report.from'), type: 'date', value: q.from }),
    field({ name: 'to', label: t('report.to'), type: 'date', value: q.to }),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, t('report.show'))));
  form.addEventListener('submit', (e) => { e.preventDefault(); go(hashWith('/reports/reconciliation', values(form))); });
  let data;
  try {
    data = await get('/api/v1/reports/reconciliation', q);
  } catch (err) {
    return page(t('nav.reconciliation'), form, err.status === 404 ? unavailable(err) : h('p', { class: 'form-error', role: 'alert' }, err.text()));
  }
  return page(t('nav.reconciliation'), form,
    h('p', { class: 'lead' }, t('recon.lead')),
    exportButtons('/api/v1/reports/reconciliation', q, 'reconciliation'),
    table([
      { label: t('app.bank'), value: (b) => b.bank_name || b.bank_code },
      { label: t('recon.recordedLoans'), value: (b) => b.recorded_loans, class: 'num' },
      { label: t('recon.recordedAmount'), value: (b) => yuan(b.recorded_amount), class: 'num' },
      { label: t('recon.reportedLoans'), value: (b) => b.reported_loans, class: 'num' },
      { label: t('recon.reportedAmount'), value: (b) => yuan(b.reported_amount), class: 'num' },
      { label: t('recon.matched'), value: (b) => b.matched, class: 'num' },
      { label: t('recon.differences'), value: (b) => (differences(b).length ? h('details', {}, h('summary', {}, String(differences(b).length)),
        table([
          { label: t('recon.kind'), value: (d) => t(`recon.${d.kind}`) },
          { label: t('disburse.reference'), value: (d) => d.bank_reference || '—' },
          { label: t('loan.number'), value: (d) => d.loan_number || '—' },
          { label: t('app.name'), value: (d) => d.name || '—' },
          { label: t('loan.disbursedOn'), value: (d) => d.disbursed_on || '—' },
          { label: t('recon.recordedAmount'), value: (d) => yuan(d.recorded_amount), class: 'num' },
          { label: t('recon.reportedAmount'), value: (d) => yuan(d.reported_amount), class: 'num' },
        ], differences(b))) : '0') },
    ], data.banks || [], { caption: t('nav.reconciliation') }),
    // Auditors read the reconciliation; banks' officers and admins upload lists.
    hasRole(user, 'finance_auditor') && !hasRole(user, 'admin') ? null : uploadBankList(bs, q));
}

function differences(b) {
  return [
    ...(b.missing_in_bank || []).map((d) => ({ ...d, kind: 'missingInBank' })),
    ...(b.missing_in_records || []).map((d) => ({ ...d, kind: 'missingInRecords' })),
    ...(b.amount_differences || []).map((d) => ({ ...d, kind: 'amountDiffers' })),
  ];
}

// uploadBankList sends a bank's disbursement list (CSV) for the period shown.
function uploadBankList(bs, q) {
  const file = field({ name: 'file', label: t('recon.file'), type: 'file', accept: '.csv,text/csv', required: true, hint: t('recon.fileHint') });
  const bank = field({ name: 'bank_code', label: t('app.bank'), type: 'select', required: true, value: q.bank_code, options: bs.map((b) => [b.code, b.name]) });
  const form = h('form', { class: 'card', novalidate: true },
    h('h2', {}, t('recon.upload')), formError(), h('div', { class: 'grid' }, bank, file),
    h('p', { class: 'hint' }, t('recon.period', { from: q.from, to: q.to })),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, t('import.submit'))));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = file.input.files[0];
    if (!f) {
      showErrors(form, { errors: [{ field: 'file', message: t('import.chooseFile') }], summary: () => t('err.validation_failed') });
      return;
    }
    const btn = form.querySelector('button[type=submit]');
    busy(btn, true);
    try {
      await api('POST', '/api/v1/reports/reconciliation', { body: f, contentType: 'text/csv', query: { bank_code: bank.input.value, from: q.from, to: q.to } });
      sessionStorage.setItem('chuangdai.flash', 'recon.uploaded');
      go(hashWith('/reports/reconciliation', { ...q, bank_code: bank.input.value }));
    } catch (err) {
      showErrors(form, err);
      busy(btn, false);
    }
  });
  return form;
}

async function auditView({ query }) {
  const q = { entity_type: query.get('entity_type') || '', entity_id: query.get('entity_id') || '', page: query.get('page') || 1, page_size: 50 };
  const list = await get('/api/v1/audit-events', q);
  const form = h('form', { class: 'filters', role: 'search', 'aria-label': t('common.filters'), novalidate: true },
    field({ name: 'entity_type', label: t('audit.entityType'), value: q.entity_type, hint: t('audit.entityTypeHint') }),
    field({ name: 'entity_id', label: t('audit.entityId'), value: q.entity_id }),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, t('common.filter'))));
  form.addEventListener('submit', (e) => { e.preventDefault(); go(hashWith('/audit', { ...values(form), page: 1 })); });
  const verifyOut = h('p', { role: 'status' });
  const verify = h('button', { type: 'button', onclick: async () => {
    busy(verify, true);
    try {
      const r = await api('GET', '/api/v1/audit-events/verify');
      verifyOut.className = r.ok ? 'ok-text' : 'form-error';
      verifyOut.textContent = r.ok ? t('audit.chainOk', { n: r.events }) : t('audit.chainBroken', { id: r.bad_event_id, problem: r.problem || '' });
    } catch (err) {
      verifyOut.className = 'form-error';
      verifyOut.textContent = err.text();
    } finally {
      busy(verify, false);
    }
  } }, t('audit.verify'));
  const change = (e) => h('details', {}, h('summary', {}, t('audit.change')),
    h('div', { class: 'diff' },
      h('div', {}, h('h4', {}, t('audit.before')), h('pre', {}, e.before ? JSON.stringify(e.before, null, 2) : '—')),
      h('div', {}, h('h4', {}, t('audit.after')), h('pre', {}, e.after ? JSON.stringify(e.after, null, 2) : '—'))));
  return page(t('nav.audit'), form, h('div', { class: 'actions' }, verify, verifyOut),
    table([
      { label: t('audit.at'), value: (e) => dateTime(e.at) },
      { label: t('audit.actor'), value: (e) => e.actor || '—' },
      { label: t('audit.action'), value: (e) => label('auditAction', e.action) },
      { label: t('audit.entity'), value: (e) => h('a', { href: `#${hashWith('/audit', { entity_type: e.entity_type, entity_id: e.entity_id })}` }, `${label('entity', e.entity_type)} ${e.entity_id}`) },
      { label: t('audit.requestId'), value: (e) => h('code', {}, e.request_id || '—') },
      { label: t('audit.change'), value: change },
    ], list.items, { caption: t('nav.audit') }),
    pager(list, (p) => go(hashWith('/audit', { entity_type: q.entity_type, entity_id: q.entity_id, page: p }))));
}

export const routes = [
  { pattern: /^\/reports$/, view: bulletinView },
  { pattern: /^\/reports\/disbursements$/, view: disbursementsView },
  { pattern: /^\/reports\/portfolio$/, view: portfolioView },
  { pattern: /^\/reports\/reconciliation$/, view: reconciliationView },
  { pattern: /^\/audit$/, view: auditView },
];
