// Applications: the entrepreneur's form and list, the officers' queue, the
// application page with its history, four-in-one profile and decision forms.
import { h, field, group, formError, showErrors, clearErrors, values, table, dl, busy, uid } from '../dom.js';
import { t } from '../i18n.js';
import { get, api, listAll, idempotencyKey } from '../api.js';
import { yuan, rate, dateTime, date, label, fractionFromPercent, today } from '../fmt.js';
import { districts, banks, nameOf } from '../ref.js';
import { hasRole, isOfficer, STAGE } from '../roles.js';
import { badge, page, pager, hashWith, section, unavailable } from '../widgets.js';
import { go } from '../app.js';
import { supportProfile } from './support.js';

// The reporting flags the applicant declares (DOMAIN: reports flag them).
const FLAGS = ['is_disabled', 'is_village_official', 'is_returned_overseas_student'];
const STATUSES = ['draft', 'eligibility_review', 'guarantee_review', 'bank_review', 'approved', 'disbursed', 'returned', 'rejected', 'withdrawn'];
const KEY_GROUPS = ['registered_unemployed', 'employment_difficulty', 'retired_soldier', 'released_prisoner', 'college_graduate',
  'overcapacity_worker', 'returning_migrant_worker', 'online_merchant', 'poverty_alleviated', 'rural_entrepreneur'];
const BORROWER_TYPES = ['individual', 'partnership', 'enterprise'];
const OTHER_LOAN_KINDS = ['student', 'poverty_relief', 'housing', 'car', 'consumer', 'business', 'other'];
const DOCUMENTS = {
  individual: ['doc.idCard', 'doc.keyGroupProof', 'doc.businessLicence', 'doc.plan', 'doc.credit', 'doc.marriage'],
  partnership: ['doc.idCard', 'doc.keyGroupProof', 'doc.businessLicence', 'doc.partnershipAgreement', 'doc.partnerIds', 'doc.plan', 'doc.credit'],
  enterprise: ['doc.businessLicence', 'doc.legalRepId', 'doc.payroll', 'doc.hiresProof', 'doc.financials', 'doc.plan', 'doc.credit'],
};

const keyGroupOptions = () => KEY_GROUPS.map((k) => [k, t(`keyGroup.${k}`)]);

// deadlineOf reads the review deadline the API computes for the current stage.
function deadlineOf(a) {
  return a.stage_deadline ? { at: a.stage_deadline, late: !!a.late } : null;
}

function deadlineCell(a) {
  const d = deadlineOf(a);
  if (!d) return '—';
  return h('span', { class: d.late ? 'late-text' : '' }, date(d.at), d.late ? h('strong', { class: 'tag-late' }, ` ${t('app.late')}`) : null);
}

async function loadRef() {
  const [ds, bs] = await Promise.all([districts(), banks()]);
  return { ds, bs };
}

// ---------- lists ----------

async function listView({ query, user }) {
  const { ds, bs } = await loadRef();
  const q = { status: query.get('status') || '', district_code: query.get('district_code') || '', q: query.get('q') || '', page: query.get('page') || 1, page_size: 20 };
  const list = await get('/api/v1/applications', q);
  const mine = hasRole(user, 'entrepreneur');
  const filters = h('form', { class: 'filters', role: 'search', 'aria-label': t('common.filters') },
    mine ? null : field({ name: 'q', label: t('queue.search'), type: 'search', value: q.q, hint: t('queue.searchHint') }),
    field({ name: 'status', label: t('app.status'), type: 'select', placeholder: t('common.all'), value: q.status,
      options: STATUSES.map((s) => [s, t(`status.${s}`)]) }),
    mine ? null : field({ name: 'district_code', label: t('app.district'), type: 'select', placeholder: t('common.all'), value: q.district_code,
      options: ds.map((d) => [d.code, d.name]) }),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, t('common.filter'))));
  filters.addEventListener('submit', (e) => { e.preventDefault(); go(hashWith('/applications', { ...values(filters), page: 1 })); });
  const rows = table([
    { label: t('app.number'), value: (a) => h('a', { href: `#/applications/${encodeURIComponent(a.id)}` }, a.number || `#${a.id}`) },
    { label: t('app.applicant'), value: (a) => a.name },
    { label: t('app.borrowerType'), value: (a) => label('borrower', a.borrower_type) },
    { label: t('app.amount'), value: (a) => yuan(a.amount), class: 'num' },
    mine ? null : { label: t('app.district'), value: (a) => nameOf(ds, a.district_code) },
    { label: t('app.bank'), value: (a) => nameOf(bs, a.bank_code) },
    { label: t('app.status'), value: (a) => badge('status', a.status) },
    { label: t('app.updated'), value: (a) => dateTime(a.updated_at || a.created_at) },
  ].filter(Boolean), list.items, { caption: mine ? t('nav.myApplications') : t('nav.applications'), empty: mine ? t('app.noneYet') : t('common.none') });
  return page(mine ? t('nav.myApplications') : t('nav.applications'),
    mine ? h('p', {}, h('a', { class: 'button primary', href: '#/apply' }, t('nav.apply'))) : null,
    filters, rows,
    pager(list, (p) => go(hashWith('/applications', { status: q.status, district_code: q.district_code, q: q.q, page: p }))));
}

async function queueView({ query, user }) {
  const role = Object.keys(STAGE).find((r) => hasRole(user, r));
  if (!role) return page(t('nav.queue'), h('p', { class: 'empty' }, t('queue.noStage')));
  const stage = STAGE[role];
  const { ds, bs } = await loadRef();
  const district = query.get('district_code') || '';
  const search = (query.get('q') || '').trim();
  const borrower = query.get('borrower_type') || '';
  const keyGroup = query.get('key_group') || '';
  const onlyLate = query.get('late') === '1';
  let items = await listAll('/api/v1/applications', { status: stage, district_code: district, q: search, borrower_type: borrower, key_group: keyGroup });
  if (onlyLate) items = items.filter((a) => (deadlineOf(a) || {}).late);
  items.sort((a, b) => String((deadlineOf(a) || {}).at || '9').localeCompare(String((deadlineOf(b) || {}).at || '9')));
  const lateCount = items.filter((a) => (deadlineOf(a) || {}).late).length;
  const filters = h('form', { class: 'filters', role: 'search', 'aria-label': t('common.filters') },
    field({ name: 'q', label: t('queue.search'), type: 'search', value: search, hint: t('queue.searchHint') }),
    role === 'bank_officer' ? field({ name: 'district_code', label: t('app.district'), type: 'select', placeholder: t('common.all'), value: district,
      options: ds.map((d) => [d.code, d.name]) }) : null,
    field({ name: 'borrower_type', label: t('app.borrowerType'), type: 'select', placeholder: t('common.all'), value: borrower,
      options: BORROWER_TYPES.map((b) => [b, t(`borrower.${b}`)]) }),
    field({ name: 'key_group', label: t('app.keyGroup'), type: 'select', placeholder: t('common.all'), value: keyGroup, options: keyGroupOptions() }),
    h('div', { class: 'field check' }, h('label', {}, h('input', { type: 'checkbox', name: 'late', checked: onlyLate }), ' ', t('queue.onlyLate'))),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, t('common.filter'))));
  filters.addEventListener('submit', (e) => {
    e.preventDefault();
    const v = values(filters);
    go(hashWith('/queue', { q: v.q, district_code: v.district_code, borrower_type: v.borrower_type, key_group: v.key_group, late: v.late ? '1' : '' }));
  });
  return page(t('queue.title', { stage: t(`status.${stage}`) }),
    h('p', { class: 'lead' }, t('queue.lead', { n: items.length, late: lateCount })),
    filters,
    table([
      { label: t('app.number'), value: (a) => h('a', { href: `#/applications/${encodeURIComponent(a.id)}` }, a.number || `#${a.id}`) },
      { label: t('app.applicant'), value: (a) => a.name },
      { label: t('app.borrowerType'), value: (a) => label('borrower', a.borrower_type) },
      { label: t('app.amount'), value: (a) => yuan(a.amount), class: 'num' },
      { label: t('app.district'), value: (a) => nameOf(ds, a.district_code) },
      { label: t('app.bank'), value: (a) => nameOf(bs, a.bank_code) },
      { label: t('app.submitted'), value: (a) => dateTime(a.submitted_at) },
      { label: t('app.deadline'), value: deadlineCell },
    ], items, { caption: t('queue.caption'), empty: t('queue.empty'), rowClass: (a) => ((deadlineOf(a) || {}).late ? 'late' : null) }));
}

// ---------- the application form ----------

function intOrRaw(v) {
  if (v === '' || v === undefined) return undefined;
  return /^-?\d+$/.test(v) ? Number(v) : v;
}

function partnerRow(list, p = {}) {
  const idx = () => [...list.children].indexOf(row);
  const row = h('fieldset', { class: 'partner' });
  const legend = h('legend', {});
  const rename = () => {
    const i = idx();
    legend.textContent = t('apply.partnerN', { n: i + 1 });
    for (const el of row.querySelectorAll('[data-key]')) {
      el.name = `partners[${i}].${el.dataset.key}`;
      el.dataset.field = el.name;
    }
  };
  const fName = field({ name: 'p.name', label: t('app.name'), required: true, value: p.name });
  const fId = field({ name: 'p.national_id', label: t('app.nationalId'), required: true, value: p.national_id, maxlength: 18 });
  const fKg = field({ name: 'p.key_group', label: t('app.keyGroup'), type: 'select', required: true, value: p.key_group, options: keyGroupOptions() });
  fName.input.dataset.key = 'name';
  fId.input.dataset.key = 'national_id';
  fKg.input.dataset.key = 'key_group';
  row.append(legend, h('div', { class: 'grid' }, fName, fId, fKg),
    h('button', { type: 'button', class: 'link danger', onclick: () => { row.remove(); [...list.children].forEach((r) => r.rename()); list.dispatchEvent(new Event('change')); } },
      t('apply.removePartner')));
  row.rename = rename;
  list.append(row);
  rename();
  return row;
}

function otherLoanRow(list, o = {}) {
  const row = h('fieldset', { class: 'partner' });
  const legend = h('legend', {});
  const fHolder = field({ name: 'o.holder', label: t('apply.holder'), type: 'select', required: true, value: o.holder,
    options: [['applicant', t('holder.applicant')], ['spouse', t('holder.spouse')]] });
  const fKind = field({ name: 'o.kind', label: t('apply.loanKind'), type: 'select', required: true, value: o.kind,
    options: OTHER_LOAN_KINDS.map((k) => [k, t(`loanKind.${k}`)]) });
  const fBal = field({ name: 'o.balance', label: t('apply.balance'), required: true, value: o.balance, inputmode: 'decimal' });
  fHolder.input.dataset.key = 'holder';
  fKind.input.dataset.key = 'kind';
  fBal.input.dataset.key = 'balance';
  row.rename = () => {
    const i = [...list.children].indexOf(row);
    legend.textContent = t('apply.otherLoanN', { n: i + 1 });
    for (const el of row.querySelectorAll('[data-key]')) {
      el.name = `other_loans[${i}].${el.dataset.key}`;
      el.dataset.field = el.name;
    }
  };
  row.append(legend, h('div', { class: 'grid' }, fHolder, fKind, fBal),
    h('button', { type: 'button', class: 'link danger', onclick: () => { row.remove(); [...list.children].forEach((r) => r.rename()); } }, t('apply.removeOtherLoan')));
  list.append(row);
  row.rename();
  return row;
}

function documentList(type) {
  return h('ul', { class: 'docs' }, DOCUMENTS[type].map((k) => h('li', {}, t(k))));
}

async function applyView({ params }) {
  const { ds, bs } = await loadRef();
  const editing = params.length > 0;
  const a = editing ? await get(`/api/v1/applications/${encodeURIComponent(params[0])}`) : {};
  const type0 = a.borrower_type || 'individual';
  const typeSet = h('fieldset', { class: 'types' }, h('legend', {}, t('apply.borrowerType')),
    BORROWER_TYPES.map((b) => {
      const id = uid('bt');
      return h('div', { class: 'radio' },
        h('input', { type: 'radio', id, name: 'borrower_type', value: b, checked: b === type0, 'data-field': 'borrower_type' }),
        h('label', { for: id }, h('strong', {}, t(`borrower.${b}`)), h('span', { class: 'hint' }, t(`apply.typeHint.${b}`))));
    }));
  const partners = h('div', { class: 'rows' });
  (a.partners && a.partners.length ? a.partners : [{}, {}]).forEach((p) => partnerRow(partners, p));
  const partnersSec = group('partners', t('apply.partners'),
    h('p', { class: 'hint' }, t('apply.partnersHint')), partners,
    h('button', { type: 'button', onclick: () => { partnerRow(partners).querySelector('input').focus(); } }, t('apply.addPartner')));
  const e = a.enterprise || {};
  const enterpriseSec = h('fieldset', { class: 'block' }, h('legend', {}, t('apply.enterprise')),
    h('div', { class: 'grid' },
      field({ name: 'enterprise.name', label: t('apply.firmName'), required: true, value: e.name }),
      field({ name: 'enterprise.credit_code', label: t('apply.creditCode'), required: true, value: e.credit_code, maxlength: 18, hint: t('apply.creditCodeHint') }),
      field({ name: 'enterprise.employees', label: t('apply.employees'), type: 'number', min: 1, required: true, value: e.employees }),
      field({ name: 'enterprise.new_key_group_hires', label: t('apply.newHires'), type: 'number', min: 0, required: true, value: e.new_key_group_hires, hint: t('apply.newHiresHint') })));
  const others = h('div', { class: 'rows' });
  (a.other_loans || []).forEach((o) => otherLoanRow(others, o));
  const othersSec = group('other_loans', t('apply.otherLoans'),
    h('p', { class: 'hint' }, t('apply.otherLoansHint')), others,
    h('button', { type: 'button', onclick: () => { otherLoanRow(others).querySelector('select').focus(); } }, t('apply.addOtherLoan')));
  const docs = h('div', {});
  const form = h('form', { class: 'apply', novalidate: true },
    formError(),
    typeSet,
    h('fieldset', { class: 'block' }, h('legend', {}, t('apply.applicant')),
      h('div', { class: 'grid' },
        field({ name: 'name', label: t('app.name'), required: true, value: a.name, autocomplete: 'name' }),
        field({ name: 'national_id', label: t('app.nationalId'), required: true, value: a.national_id, maxlength: 18, hint: t('apply.nationalIdHint') }),
        field({ name: 'phone', label: t('app.phone'), type: 'tel', required: true, value: a.phone, autocomplete: 'tel' }),
        field({ name: 'key_group', label: t('app.keyGroup'), type: 'select', required: true, value: a.key_group, options: keyGroupOptions() }))),
    partnersSec, enterpriseSec,
    h('fieldset', { class: 'block' }, h('legend', {}, t('apply.loan')),
      h('div', { class: 'grid' },
        field({ name: 'district_code', label: t('app.district'), type: 'select', required: true, value: a.district_code, options: ds.map((d) => [d.code, d.name]) }),
        field({ name: 'bank_code', label: t('app.bank'), type: 'select', required: true, value: a.bank_code, options: bs.map((b) => [b.code, b.name]) }),
        field({ name: 'amount', label: t('apply.amountYuan'), required: true, value: a.amount, inputmode: 'decimal', hint: t('apply.amountHint') }),
        field({ name: 'term_months', label: t('app.termMonths'), type: 'number', min: 1, required: true, value: a.term_months }))),
    h('fieldset', { class: 'block' }, h('legend', {}, t('apply.business')),
      h('div', { class: 'grid' },
        field({ name: 'business_name', label: t('app.businessName'), required: true, value: a.business_name }),
        field({ name: 'industry', label: t('app.industry'), required: true, value: a.industry }),
        field({ name: 'jobs_planned', label: t('app.jobsPlanned'), type: 'number', min: 0, value: a.jobs_planned }),
        field({ name: 'purpose', label: t('app.purpose'), type: 'textarea', value: a.purpose, wide: true }))),
    h('fieldset', { class: 'block' }, h('legend', {}, t('apply.flags')),
      h('p', { class: 'hint' }, t('apply.flagsHint')),
      h('div', { class: 'grid' }, ...FLAGS.map((f) => h('div', { class: 'field check' },
        h('label', {}, h('input', { type: 'checkbox', name: f, checked: !!a[f] }), ' ', t(`app.${f}`)))))),
    othersSec,
    h('div', { class: 'actions' },
      h('button', { type: 'submit', class: 'primary', value: 'submit' }, editing ? t('apply.saveResubmit') : t('apply.saveSubmit')),
      h('button', { type: 'submit', value: 'save' }, editing ? t('apply.saveChanges') : t('apply.saveDraft')),
      editing ? h('a', { href: `#/applications/${encodeURIComponent(a.id)}` }, t('common.cancel')) : null));
  const typeNow = () => form.querySelector('input[name=borrower_type]:checked').value;
  const sync = () => {
    const ty = typeNow();
    partnersSec.hidden = ty !== 'partnership';
    enterpriseSec.hidden = ty !== 'enterprise';
    docs.replaceChildren(documentList(ty));
  };
  typeSet.addEventListener('change', sync);
  sync();
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const action = ev.submitter ? ev.submitter.value : 'save';
    const v = values(form);
    const ty = typeNow();
    const body = {
      borrower_type: ty, name: v.name, national_id: v.national_id.toUpperCase(), phone: v.phone, key_group: v.key_group,
      district_code: v.district_code, bank_code: v.bank_code, amount: v.amount, term_months: intOrRaw(v.term_months),
      business_name: v.business_name, industry: v.industry, purpose: v.purpose, jobs_planned: intOrRaw(v.jobs_planned) ?? 0,
      ...Object.fromEntries(FLAGS.map((f) => [f, !!v[f]])),
      partners: ty === 'partnership' ? [...partners.children].map((_, i) => ({
        name: v[`partners[${i}].name`], national_id: (v[`partners[${i}].national_id`] || '').toUpperCase(), key_group: v[`partners[${i}].key_group`],
      })) : [],
      enterprise: ty === 'enterprise' ? {
        name: v['enterprise.name'], credit_code: (v['enterprise.credit_code'] || '').toUpperCase(),
        employees: intOrRaw(v['enterprise.employees']), new_key_group_hires: intOrRaw(v['enterprise.new_key_group_hires']),
      } : null,
      version: editing ? a.version : undefined,
      other_loans: [...others.children].map((_, i) => ({
        holder: v[`other_loans[${i}].holder`], kind: v[`other_loans[${i}].kind`], balance: v[`other_loans[${i}].balance`],
      })),
    };
    const buttons = form.querySelectorAll('button[type=submit]');
    buttons.forEach((b) => busy(b, true));
    clearErrors(form);
    try {
      const saved = editing
        ? await api('PATCH', `/api/v1/applications/${encodeURIComponent(a.id)}`, { body })
        : await api('POST', '/api/v1/applications', { body });
      if (action === 'submit') await api('POST', `/api/v1/applications/${encodeURIComponent(saved.id)}/submit`);
      sessionStorage.setItem('chuangdai.flash', action === 'submit' ? 'apply.submitted' : 'apply.saved');
      go(`/applications/${encodeURIComponent(saved.id)}`);
    } catch (err) {
      showErrors(form, err);
    } finally {
      buttons.forEach((b) => busy(b, false));
    }
  });
  return page(editing ? t('apply.editTitle', { number: a.number }) : t('apply.title'),
    editing && a.status === 'returned' ? returnedNote(a) : h('p', { class: 'lead' }, t('apply.lead')),
    h('div', { class: 'with-aside' }, form,
      h('aside', { class: 'card', 'aria-labelledby': 'docs-title' }, h('h2', { id: 'docs-title' }, t('apply.documents')),
        h('p', { class: 'hint' }, t('apply.documentsLead')), docs)));
}

function returnedNote(a) {
  const last = [...(a.history || [])].reverse().find((x) => x.to_status === 'returned');
  return h('div', { class: 'note', role: 'note' }, h('strong', {}, t('app.returnedBecause')), ' ', last ? last.comment : '—');
}

// ---------- the application page ----------

function timeline(history) {
  if (!history || !history.length) return h('p', { class: 'empty' }, t('common.none'));
  return h('ol', { class: 'timeline' }, history.map((x) => h('li', {},
    h('p', { class: 'when' }, h('time', { datetime: x.at }, dateTime(x.at)), ' · ', x.actor || '—'),
    h('p', {}, h('strong', {}, label('action', x.action)), ' ',
      x.from_status ? label('status', x.from_status) : '', x.from_status ? ' → ' : '', label('status', x.to_status)),
    x.comment ? h('blockquote', {}, x.comment) : null)));
}

// submission keeps one Idempotency-Key per distinct body, so a double click or
// a retry after a lost answer replays, while a corrected body gets a new key.
export function submission() {
  let last = null;
  return (body) => {
    const text = JSON.stringify(body);
    if (!last || last.text !== text) last = { text, key: idempotencyKey() };
    return last.key;
  };
}

function decisionForm(a, refresh) {
  const bankStage = a.status === 'bank_review';
  const guaranteeStage = a.status === 'guarantee_review';
  const choice = (v) => {
    const id = uid('d');
    return h('div', { class: 'radio inline' }, h('input', { type: 'radio', id, name: 'decision', value: v, required: true }),
      h('label', { for: id }, t(`decision.${v}`)));
  };
  const contract = h('div', { class: 'grid' },
    field({ name: 'approved_amount', label: t('decision.approvedAmount'), required: true, value: a.amount, inputmode: 'decimal' }),
    field({ name: 'annual_rate', label: t('decision.annualRate'), required: true, inputmode: 'decimal', hint: t('decision.rateHint') }),
    field({ name: 'term_months', label: t('app.termMonths'), type: 'number', min: 1, required: true, value: a.term_months }));
  // The guarantee centre records the counter-guarantee (反担保) when it approves.
  const counter = field({ name: 'counter_guarantee', label: t('decision.counterGuarantee'), type: 'textarea', hint: t('decision.counterHint'), wide: true });
  const form = h('form', { class: 'card', novalidate: true, 'aria-labelledby': 'decide-title' },
    h('h2', { id: 'decide-title' }, t('decision.title', { stage: t(`status.${a.status}`) })),
    formError(),
    group('decision', t('decision.decision'), ['approve', 'return', 'reject'].map(choice)),
    bankStage ? contract : null,
    guaranteeStage ? counter : null,
    field({ name: 'comment', label: t('decision.comment'), type: 'textarea', hint: t('decision.commentHint'), wide: true }),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, t('decision.submit'))));
  contract.hidden = true;
  counter.hidden = true;
  form.addEventListener('change', () => {
    contract.hidden = !bankStage || values(form).decision !== 'approve';
    counter.hidden = !guaranteeStage || values(form).decision !== 'approve';
  });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = values(form);
    const body = { decision: v.decision || '', comment: v.comment, version: a.version };
    if (bankStage && v.decision === 'approve') {
      body.approved_amount = v.approved_amount;
      body.annual_rate = fractionFromPercent(v.annual_rate);
      body.term_months = intOrRaw(v.term_months);
    }
    if (guaranteeStage && v.decision === 'approve' && v.counter_guarantee) body.counter_guarantee = v.counter_guarantee;
    const btn = form.querySelector('button[type=submit]');
    busy(btn, true);
    try {
      await api('POST', `/api/v1/applications/${encodeURIComponent(a.id)}/decisions`, { body });
      sessionStorage.setItem('chuangdai.flash', `decision.done.${v.decision}`);
      refresh();
    } catch (err) {
      showErrors(form, err);
      busy(btn, false);
    }
  });
  return form;
}

function disbursementForm(a) {
  const key = submission();
  const form = h('form', { class: 'card', novalidate: true, 'aria-labelledby': 'disburse-title' },
    h('h2', { id: 'disburse-title' }, t('disburse.title')),
    h('p', { class: 'hint' }, t('disburse.lead')),
    formError(),
    h('div', { class: 'grid' },
      field({ name: 'amount', label: t('disburse.amount'), required: true, value: a.approved_amount, inputmode: 'decimal' }),
      field({ name: 'disbursed_on', label: t('disburse.date'), type: 'date', required: true, value: today() }),
      field({ name: 'bank_reference', label: t('disburse.reference'), required: true })),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, t('disburse.submit'))));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = values(form);
    const btn = form.querySelector('button[type=submit]');
    busy(btn, true);
    try {
      const res = await api('POST', `/api/v1/applications/${encodeURIComponent(a.id)}/disbursement`, { body, headers: { 'Idempotency-Key': key(body) } });
      sessionStorage.setItem('chuangdai.flash', 'disburse.done');
      go(`/loans/${encodeURIComponent(res.loan.id)}`);
    } catch (err) {
      showErrors(form, err);
      busy(btn, false);
    }
  });
  return form;
}

function ownerActions(a, refresh) {
  const out = h('div', { class: 'actions bar' });
  const status = h('div', { role: 'alert', class: 'form-error', hidden: true });
  const run = async (btn, fn, flash) => {
    busy(btn, true);
    status.hidden = true;
    try {
      await fn();
      sessionStorage.setItem('chuangdai.flash', flash);
      refresh();
    } catch (err) {
      status.textContent = err.text();
      status.hidden = false;
      busy(btn, false);
    }
  };
  if (a.status === 'draft' || a.status === 'returned') {
    out.append(h('a', { class: 'button', href: `#/applications/${encodeURIComponent(a.id)}/edit` }, t('app.edit')));
    const submit = h('button', { type: 'button', class: 'primary', onclick: () => run(submit, () => api('POST', `/api/v1/applications/${encodeURIComponent(a.id)}/submit`), 'apply.submitted') },
      a.status === 'returned' ? t('app.resubmit') : t('app.submit'));
    out.append(submit);
  }
  if (['draft', 'returned', 'eligibility_review', 'guarantee_review', 'bank_review'].includes(a.status)) {
    const confirmBox = h('div', { class: 'confirm', hidden: true, role: 'group', 'aria-label': t('app.withdrawConfirm') },
      h('p', {}, t('app.withdrawConfirm')));
    const yes = h('button', { type: 'button', class: 'danger', onclick: () => run(yes, () => api('POST', `/api/v1/applications/${encodeURIComponent(a.id)}/withdraw`), 'app.withdrawn') }, t('app.withdrawYes'));
    const no = h('button', { type: 'button', onclick: () => { confirmBox.hidden = true; ask.focus(); } }, t('common.cancel'));
    confirmBox.append(yes, no);
    const ask = h('button', { type: 'button', class: 'danger-outline', 'aria-expanded': 'false', onclick: () => { confirmBox.hidden = false; ask.setAttribute('aria-expanded', 'true'); yes.focus(); } }, t('app.withdraw'));
    out.append(ask, confirmBox);
  }
  return [out, status];
}

async function detailView({ params, user, rerender }) {
  const id = params[0];
  const [a, { ds, bs }] = await Promise.all([get(`/api/v1/applications/${encodeURIComponent(id)}`), loadRef()]);
  const owner = hasRole(user, 'entrepreneur') && String(a.applicant_id) === String(user.id);
  const officerStage = Object.entries(STAGE).find(([r, s]) => s === a.status && hasRole(user, r));
  const dline = deadlineOf(a);
  let profile = null;
  let support = null;
  try {
    profile = await get(`/api/v1/applications/${encodeURIComponent(id)}/support`);
    support = supportProfile(profile);
  } catch (err) {
    support = unavailable(err);
  }
  const made = profile && (profile.loans || []).find((x) => String(x.application_id) === String(a.id) && x.loan);
  const loanId = made ? made.loan.id : null;
  if (!isOfficer(user) && !hasRole(user, 'finance_auditor')) support = null;
  const facts = dl([
    [t('app.status'), badge('status', a.status)],
    dline ? [t('app.deadline'), deadlineCell(a)] : null,
    [t('app.borrowerType'), label('borrower', a.borrower_type)],
    [t('app.name'), a.name],
    [t('app.nationalId'), a.national_id],
    [t('app.phone'), a.phone],
    [t('app.keyGroup'), label('keyGroup', a.key_group)],
    [t('app.district'), nameOf(ds, a.district_code)],
    [t('app.bank'), nameOf(bs, a.bank_code)],
    [t('app.amount'), yuan(a.amount)],
    [t('app.termMonths'), a.term_months],
    [t('app.businessName'), a.business_name],
    [t('app.industry'), a.industry],
    [t('app.purpose'), a.purpose],
    [t('app.jobsPlanned'), a.jobs_planned],
    FLAGS.some((f) => a[f]) ? [t('apply.flags'), FLAGS.filter((f) => a[f]).map((f) => t(`app.${f}`)).join('、')] : null,
    a.approved_amount ? [t('decision.approvedAmount'), yuan(a.approved_amount)] : null,
    a.annual_rate ? [t('app.annualRate'), rate(a.annual_rate)] : null,
    a.approved_term_months ? [t('app.approvedTerm'), a.approved_term_months] : null,
    a.counter_guarantee ? [t('decision.counterGuarantee'), a.counter_guarantee] : null,
    [t('app.submitted'), dateTime(a.submitted_at)],
  ]);
  const parts = [];
  if (a.status === 'returned') parts.push(returnedNote(a));
  if (owner) parts.push(...ownerActions(a, rerender));
  if (loanId) parts.push(h('p', {}, h('a', { class: 'button', href: `#/loans/${encodeURIComponent(loanId)}` }, t('app.viewLoan'))));
  parts.push(section(t('app.details'), facts));
  if (a.borrower_type === 'partnership' && a.partners) {
    parts.push(section(t('apply.partners'), table([
      { label: t('app.name'), value: (p) => p.name },
      { label: t('app.nationalId'), value: (p) => p.national_id },
      { label: t('app.keyGroup'), value: (p) => label('keyGroup', p.key_group) }], a.partners)));
  }
  if (a.borrower_type === 'enterprise' && a.enterprise) {
    parts.push(section(t('apply.enterprise'), dl([
      [t('apply.firmName'), a.enterprise.name], [t('apply.creditCode'), a.enterprise.credit_code],
      [t('apply.employees'), a.enterprise.employees], [t('apply.newHires'), a.enterprise.new_key_group_hires]])));
  }
  if (a.other_loans && a.other_loans.length) {
    parts.push(section(t('apply.otherLoans'), table([
      { label: t('apply.holder'), value: (o) => label('holder', o.holder) },
      { label: t('apply.loanKind'), value: (o) => label('loanKind', o.kind) },
      { label: t('apply.balance'), value: (o) => yuan(o.balance), class: 'num' }], a.other_loans)));
  }
  if (officerStage) parts.push(decisionForm(a, rerender));
  if (a.status === 'approved' && hasRole(user, 'bank_officer')) parts.push(disbursementForm(a));
  if (support) parts.push(section(t('support.profile'), support));
  if (owner) parts.push(section(t('apply.documents'), h('p', { class: 'hint' }, t('apply.documentsLead')), documentList(a.borrower_type)));
  parts.push(section(t('app.history'), timeline(a.history)));
  return page(t('app.title', { number: a.number || `#${a.id}` }), ...parts);
}

export const routes = [
  { pattern: /^\/applications$/, view: listView },
  { pattern: /^\/queue$/, view: queueView },
  { pattern: /^\/apply$/, view: applyView },
  { pattern: /^\/applications\/([^/]+)\/edit$/, view: applyView },
  { pattern: /^\/applications\/([^/]+)$/, view: detailView },
];
