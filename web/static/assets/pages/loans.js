// Loans: the list, the loan with its schedule, repayments and interest
// subsidy, and the bank officer's repayment form.
import { h, field, formError, showErrors, values, table, dl, busy } from '../dom.js';
import { t } from '../i18n.js';
import { get, api } from '../api.js';
import { yuan, rate, date, dateTime, label, today } from '../fmt.js';
import { districts, nameOf } from '../ref.js';
import { hasRole } from '../roles.js';
import { badge, page, pager, hashWith, section, unavailable } from '../widgets.js';
import { go } from '../app.js';
import { submission } from './applications.js';

const LOAN_STATUSES = ['active', 'overdue', 'settled', 'compensated', 'written_off'];

async function listView({ query, user }) {
  const ds = await districts();
  const q = { status: query.get('status') || '', district_code: query.get('district_code') || '', page: query.get('page') || 1, page_size: 20 };
  const mine = hasRole(user, 'entrepreneur');
  let list;
  try {
    list = await get('/api/v1/loans', q);
  } catch (err) {
    if (err.status !== 404) throw err;
    return page(mine ? t('nav.myLoans') : t('nav.loans'), unavailable(err));
  }
  const filters = h('form', { class: 'filters', role: 'search', 'aria-label': t('common.filters') },
    field({ name: 'status', label: t('loan.status'), type: 'select', placeholder: t('common.all'), value: q.status, options: LOAN_STATUSES.map((s) => [s, t(`loanStatus.${s}`)]) }),
    mine ? null : field({ name: 'district_code', label: t('app.district'), type: 'select', placeholder: t('common.all'), value: q.district_code, options: ds.map((d) => [d.code, d.name]) }),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, t('common.filter'))));
  filters.addEventListener('submit', (e) => { e.preventDefault(); go(hashWith('/loans', { ...values(filters), page: 1 })); });
  return page(mine ? t('nav.myLoans') : t('nav.loans'), filters,
    table([
      { label: t('loan.number'), value: (l) => h('a', { href: `#/loans/${encodeURIComponent(l.id)}` }, l.number || `#${l.id}`) },
      { label: t('app.applicant'), value: (l) => l.name || l.borrower_name || '—' },
      { label: t('loan.principal'), value: (l) => yuan(l.principal), class: 'num' },
      { label: t('loan.outstanding'), value: (l) => yuan(l.outstanding_principal), class: 'num' },
      { label: t('loan.rate'), value: (l) => rate(l.annual_rate) },
      { label: t('loan.disbursedOn'), value: (l) => date(l.disbursed_on) },
      { label: t('loan.maturity'), value: (l) => date(l.maturity_date) },
      { label: t('loan.status'), value: (l) => badge('loanStatus', l.status) },
    ], list.items, { caption: t('nav.loans'), empty: mine ? t('loan.noneYet') : t('common.none') }),
    pager(list, (p) => go(hashWith('/loans', { status: q.status, district_code: q.district_code, page: p }))));
}

function repaymentForm(l, refresh) {
  const key = submission();
  const form = h('form', { class: 'card', novalidate: true, 'aria-labelledby': 'repay-title' },
    h('h2', { id: 'repay-title' }, t('repay.title')),
    formError(),
    h('div', { class: 'grid' },
      field({ name: 'principal', label: t('repay.principal'), required: true, inputmode: 'decimal', value: '0.00' }),
      field({ name: 'interest', label: t('repay.interest'), required: true, inputmode: 'decimal', value: '0.00' }),
      field({ name: 'paid_on', label: t('repay.paidOn'), type: 'date', required: true, value: today() }),
      field({ name: 'bank_reference', label: t('disburse.reference'), required: true })),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, t('repay.submit'))));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = values(form);
    const btn = form.querySelector('button[type=submit]');
    busy(btn, true);
    try {
      await api('POST', `/api/v1/loans/${encodeURIComponent(l.id)}/repayments`, { body, headers: { 'Idempotency-Key': key(body) } });
      sessionStorage.setItem('chuangdai.flash', 'repay.done');
      refresh();
    } catch (err) {
      showErrors(form, err);
      busy(btn, false);
    }
  });
  return form;
}

// actionForm is a small form that posts to path and refreshes the page.
function actionForm(titleKey, path, fields, toBody, refresh, flash, opts = {}) {
  const form = h('form', { class: 'card', novalidate: true },
    h('h2', {}, t(titleKey)), opts.lead ? h('p', { class: 'hint' }, opts.lead) : null, formError(),
    fields.length ? h('div', { class: 'grid' }, fields) : null,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: opts.danger ? 'danger' : 'primary' }, t(opts.button || titleKey))));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const btn = form.querySelector('button[type=submit]');
    busy(btn, true);
    try {
      await api('POST', path, { body: toBody(values(form)) });
      sessionStorage.setItem('chuangdai.flash', flash);
      refresh();
    } catch (err) {
      showErrors(form, err);
      busy(btn, false);
    }
  });
  return form;
}

// guaranteeForms are the guarantee officer's steps after a default:
// compensation of an overdue loan, recoveries, and a four-eyes write-off.
function guaranteeForms(l, refresh) {
  const id = encodeURIComponent(l.id);
  const out = [];
  if (l.status === 'overdue') {
    out.push(actionForm('guarantee.compensate', `/api/v1/loans/${id}/compensation`, [
      field({ name: 'compensated_on', label: t('guarantee.compensatedOn'), type: 'date', required: true, value: today() }),
    ], (v) => v, refresh, 'guarantee.compensated', { lead: t('guarantee.compensateLead') }));
  }
  if (l.status === 'compensated') {
    out.push(actionForm('guarantee.recover', `/api/v1/loans/${id}/recoveries`, [
      field({ name: 'amount', label: t('guarantee.amount'), required: true, inputmode: 'decimal' }),
      field({ name: 'recovered_on', label: t('guarantee.recoveredOn'), type: 'date', required: true, value: today() }),
      field({ name: 'note', label: t('guarantee.note'), type: 'textarea', wide: true }),
    ], (v) => v, refresh, 'guarantee.recovered'));
    if (!l.write_off) {
      out.push(actionForm('guarantee.proposeWriteOff', `/api/v1/loans/${id}/write-off`, [
        field({ name: 'reason', label: t('guarantee.reason'), type: 'textarea', required: true, wide: true }),
      ], (v) => v, refresh, 'guarantee.proposed', { danger: true, lead: t('guarantee.writeOffLead') }));
    } else if (!l.write_off.confirmed_by) {
      out.push(actionForm('guarantee.confirmWriteOff', `/api/v1/loans/${id}/write-off/confirm`, [], () => ({}), refresh, 'guarantee.writtenOff',
        { danger: true, lead: t('guarantee.confirmLead', { reason: l.write_off.reason }) }));
    }
  }
  return out;
}

// subsidyActions are the buttons of one quarter: the bank claims, one HRSS
// officer checks (approve or refuse with a reason), another records payment.
function subsidyActions(l, r, user, refresh, status) {
  const base = `/api/v1/loans/${encodeURIComponent(l.id)}/subsidy/${encodeURIComponent(r.period)}`;
  const step = (key, path, body) => {
    const b = h('button', { type: 'button', onclick: async () => {
      busy(b, true);
      status.hidden = true;
      try {
        await api('POST', `${base}/${path}`, body === undefined ? {} : { body });
        sessionStorage.setItem('chuangdai.flash', `subsidy.done.${path}`);
        refresh();
      } catch (err) {
        status.textContent = `${r.period}: ${err.text()}`;
        status.hidden = false;
        busy(b, false);
      }
    } }, t(key));
    return b;
  };
  if (r.status === 'pending' && hasRole(user, 'bank_officer')) return step('subsidy.claim', 'claim');
  if (r.status === 'checked' && hasRole(user, 'hrss_officer')) return step('subsidy.pay', 'pay');
  if (r.status === 'claimed' && hasRole(user, 'hrss_officer')) {
    const reason = h('input', { type: 'text', name: `reason-${r.period}`, 'aria-label': t('subsidy.reasonFor', { period: r.period }), placeholder: t('subsidy.reason') });
    const refuse = h('button', { type: 'button', class: 'danger-outline' }, t('subsidy.refuse'));
    refuse.addEventListener('click', async () => {
      busy(refuse, true);
      status.hidden = true;
      try {
        await api('POST', `${base}/check`, { body: { decision: 'refuse', reason: reason.value.trim() } });
        sessionStorage.setItem('chuangdai.flash', 'subsidy.done.refuse');
        refresh();
      } catch (err) {
        status.textContent = `${r.period}: ${err.text()}`;
        status.hidden = false;
        busy(refuse, false);
      }
    });
    return h('div', { class: 'inline-actions' }, step('subsidy.approve', 'check', { decision: 'approve', reason: '' }), reason, refuse);
  }
  return r.reason ? r.reason : '—';
}

async function optional(path) {
  try {
    return { data: await get(path) };
  } catch (err) {
    return { err };
  }
}

async function detailView({ params, user, rerender }) {
  const id = encodeURIComponent(params[0]);
  const [l, ds] = await Promise.all([get(`/api/v1/loans/${id}`), districts()]);
  const [schedule, subsidy] = await Promise.all([optional(`/api/v1/loans/${id}/schedule`), optional(`/api/v1/loans/${id}/subsidy`)]);
  const parts = [
    section(t('loan.summary'), dl([
      [t('loan.status'), badge('loanStatus', l.status)],
      [t('loan.principal'), yuan(l.principal)],
      [t('loan.outstanding'), yuan(l.outstanding_principal)],
      [t('loan.rate'), rate(l.annual_rate)],
      [t('loan.borrowerRate'), rate(l.borrower_rate)],
      [t('loan.subsidyRate'), rate(l.subsidy_rate)],
      [t('app.termMonths'), l.term_months],
      [t('loan.disbursedOn'), date(l.disbursed_on)],
      [t('loan.maturity'), date(l.maturity_date)],
      [t('loan.method'), label('method', l.repayment_method)],
      [t('app.applicant'), l.name],
      l.district_code ? [t('app.district'), nameOf(ds, l.district_code)] : null,
      [t('disburse.reference'), l.bank_reference],
      l.days_overdue ? [t('loan.daysOverdue'), l.days_overdue] : null,
      l.compensation ? [t('guarantee.compensatedAmount'), `${yuan(l.compensation.amount)}（${t('guarantee.fundPart')} ${yuan(l.compensation.fund_amount)}）`] : null,
      l.compensation ? [t('guarantee.recoveredTotal'), yuan(l.recovered)] : null,
      l.application_id ? [t('loan.application'), h('a', { href: `#/applications/${encodeURIComponent(l.application_id)}` }, t('loan.viewApplication'))]
        : [t('loan.externalRef'), l.external_ref],
    ])),
  ];
  if (hasRole(user, 'bank_officer') && (l.status === 'active' || l.status === 'overdue')) parts.push(repaymentForm(l, rerender));
  parts.push(section(t('loan.schedule'), schedule.err ? unavailable(schedule.err) : table([
    { label: t('loan.dueOn'), value: (r) => date(r.due_on) },
    { label: t('loan.principalDue'), value: (r) => yuan(r.principal), class: 'num' },
    { label: t('loan.interest'), value: (r) => yuan(r.interest), class: 'num' },
    { label: t('loan.borrowerInterest'), value: (r) => yuan(r.borrower_interest), class: 'num' },
    { label: t('loan.subsidy'), value: (r) => yuan(r.subsidy), class: 'num' },
  ], schedule.data.items, { caption: t('loan.schedule') })));
  parts.push(section(t('loan.repayments'), table([
    { label: t('repay.paidOn'), value: (r) => date(r.paid_on) },
    { label: t('repay.principal'), value: (r) => yuan(r.principal), class: 'num' },
    { label: t('repay.interest'), value: (r) => yuan(r.interest), class: 'num' },
    { label: t('disburse.reference'), value: (r) => r.bank_reference || '—' },
    { label: t('loan.recordedAt'), value: (r) => dateTime(r.created_at || r.recorded_at) },
  ], l.repayments || [], { caption: t('loan.repayments') })));
  const subsidyStatus = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const canAct = ['bank_officer', 'hrss_officer'].some((r) => hasRole(user, r));
  if (hasRole(user, 'guarantee_officer')) parts.push(...guaranteeForms(l, rerender));
  parts.push(section(t('loan.subsidyTitle'), subsidy.err ? unavailable(subsidy.err) : [
    subsidyStatus,
    table([
      { label: t('loan.period'), value: (r) => r.period },
      { label: t('loan.days'), value: (r) => r.days, class: 'num' },
      { label: t('loan.interest'), value: (r) => yuan(r.interest), class: 'num' },
      { label: t('loan.subsidy'), value: (r) => yuan(r.subsidy), class: 'num' },
      { label: t('loan.borrowerInterest'), value: (r) => yuan(r.borrower_interest), class: 'num' },
      { label: t('loan.subsidyStatus'), value: (r) => label('subsidyStatus', r.status) },
      canAct ? { label: t('subsidy.actions'), value: (r) => subsidyActions(l, r, user, rerender, subsidyStatus) }
        : { label: t('subsidy.note'), value: (r) => r.reason || '—' },
    ], subsidy.data.items, { caption: t('loan.subsidyTitle') }),
    h('p', {}, t('loan.totalSubsidy'), ' ', h('strong', {}, yuan(subsidy.data.total_subsidy))),
  ]));
  return page(t('loan.title', { number: l.number || `#${l.id}` }), ...parts);
}

function quarterNow() {
  const d = new Date();
  return `${d.getFullYear()}Q${Math.floor(d.getMonth() / 3) + 1}`;
}

async function subsidiesView({ query }) {
  const ds = await districts();
  const period = query.get('period') || quarterNow();
  const form = h('form', { class: 'filters', novalidate: true },
    formError(),
    field({ name: 'period', label: t('loan.period'), value: period, hint: t('subsidy.periodHint') }),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, t('report.show'))));
  form.addEventListener('submit', (e) => { e.preventDefault(); go(hashWith('/subsidies', values(form))); });
  let data;
  try {
    data = await get('/api/v1/subsidies', { period });
  } catch (err) {
    if (err.status === 422) {
      showErrors(form, err);
      return page(t('nav.subsidies'), form);
    }
    throw err;
  }
  const rows = data.rows || [];
  return page(t('nav.subsidies'), form, table([
    { label: t('app.district'), value: (r) => (r.isTotal ? t('report.total') : nameOf(ds, r.district_code)) },
    { label: t('subsidy.claims'), value: (r) => r.claims, class: 'num' },
    { label: t('loan.interest'), value: (r) => yuan(r.interest), class: 'num' },
    { label: t('loan.subsidy'), value: (r) => yuan(r.subsidy), class: 'num' },
    { label: t('subsidyStatus.claimed'), value: (r) => yuan(r.claimed), class: 'num' },
    { label: t('subsidyStatus.checked'), value: (r) => yuan(r.checked), class: 'num' },
    { label: t('subsidyStatus.paid'), value: (r) => yuan(r.paid), class: 'num' },
    { label: t('subsidyStatus.refused'), value: (r) => yuan(r.refused), class: 'num' },
  ], data.total ? [...rows, { ...data.total, isTotal: true }] : rows, { caption: t('subsidy.totalsOf', { period: data.period || period }), rowClass: (r) => (r.isTotal ? 'total' : null) }));
}

async function exposureView() {
  const ds = await districts();
  const data = await get('/api/v1/guarantee/exposure');
  const rows = data.rows || [];
  return page(t('nav.exposure'), h('p', { class: 'lead' }, t('exposure.lead')), table([
    { label: t('app.district'), value: (r) => (r.isTotal ? t('report.total') : nameOf(ds, r.district_code)) },
    { label: t('portfolio.loans'), value: (r) => r.loans, class: 'num' },
    { label: t('portfolio.outstanding'), value: (r) => yuan(r.outstanding), class: 'num' },
    { label: t('portfolio.overdue'), value: (r) => yuan(r.overdue), class: 'num' },
    { label: t('portfolio.compensated'), value: (r) => yuan(r.compensated), class: 'num' },
    { label: t('portfolio.recovered'), value: (r) => yuan(r.recovered), class: 'num' },
    { label: t('portfolio.written_off'), value: (r) => yuan(r.written_off), class: 'num' },
  ], data.total ? [...rows, { ...data.total, isTotal: true }] : rows, { caption: t('nav.exposure'), rowClass: (r) => (r.isTotal ? 'total' : null) }));
}

export const routes = [
  { pattern: /^\/subsidies$/, view: subsidiesView },
  { pattern: /^\/guarantee$/, view: exposureView },
  { pattern: /^\/loans$/, view: listView },
  { pattern: /^\/loans\/([^/]+)$/, view: detailView },
];
