// Column definitions shared by the lists of applications and loans.
import { h } from 'vue';
import { RouterLink } from 'vue-router';
import { t } from './i18n.js';
import { yuan, rate, date, dateTime, label } from './format.js';
import StatusTag from './components/StatusTag.vue';
import { fieldList } from './fields.js';

export const link = (to, text) => h(RouterLink, { to }, () => text);

export function nameOf(list, code) {
  const x = (list || []).find((i) => i.code === code);
  return x ? x.name : code || '—';
}

export function deadlineCell(a) {
  if (!a.stage_deadline) return '—';
  return h('span', { class: a.late ? 'late-text' : '' }, [date(a.stage_deadline), a.late ? h('strong', { class: 'tag-late' }, ` ${t('app.late')}`) : null]);
}

// statusCell is the status, and for a draft saved half-filled 未填完 with
// the fields it still lacks.
function statusCell(a) {
  const tag = h(StatusTag, { value: a.status });
  if (a.status !== 'draft' || !a.missing || !a.missing.length) return tag;
  return h('span', { class: 'incomplete' }, [tag, ' ', h('strong', { class: 'tag-incomplete' }, t('app.incomplete')),
    h('small', { class: 'missing-fields' }, t('app.incompleteFields', { fields: fieldList(a.missing) }))]);
}

export function applicationColumns({ ds, bs, mine = false, queue = false }) {
  return [
    { key: 'number', sort: 'number', label: t('app.number'), important: true, width: 150,
      render: (a) => link(`/applications/${encodeURIComponent(a.id)}`, a.number || `#${a.id}`) },
    { key: 'name', sort: 'name', label: t('app.applicant'), important: true, render: (a) => a.name },
    { key: 'borrower_type', label: t('app.borrowerType'), render: (a) => label('borrower', a.borrower_type) },
    { key: 'amount', sort: 'amount', label: t('app.amount'), align: 'right', important: true, width: 130, render: (a) => yuan(a.amount) },
    mine ? null : { key: 'district', sort: 'district_code', label: t('app.district'), render: (a) => a.district_name || nameOf(ds, a.district_code) },
    { key: 'bank', sort: 'bank_code', label: t('app.bank'), render: (a) => a.bank_name || nameOf(bs, a.bank_code) },
    queue ? null : { key: 'status', sort: 'status', label: t('app.status'), important: true, render: statusCell },
    queue ? { key: 'submitted_at', sort: 'submitted_at', label: t('app.submitted'), render: (a) => dateTime(a.submitted_at) }
      : { key: 'updated_at', sort: 'updated_at', label: t('app.updated'), render: (a) => dateTime(a.updated_at || a.created_at) },
    queue ? { key: 'deadline', sort: 'deadline', label: t('app.deadline'), important: true, render: deadlineCell } : null,
  ];
}

export function loanColumns({ mine = false, overdue = false } = {}) {
  return [
    { key: 'number', sort: 'number', label: t('loan.number'), important: true, width: 170,
      render: (l) => link(`/loans/${encodeURIComponent(l.id)}`, l.number || `#${l.id}`) },
    { key: 'name', sort: 'name', label: t('app.applicant'), important: true, render: (l) => l.name || l.borrower_name || '—' },
    mine ? null : { key: 'national_id', label: t('app.nationalId'), render: (l) => l.national_id || '—' },
    { key: 'principal', sort: 'principal', label: t('loan.principal'), align: 'right', width: 130, render: (l) => yuan(l.principal) },
    { key: 'outstanding', sort: 'outstanding_principal', label: t('loan.outstanding'), align: 'right', important: true, width: 130,
      render: (l) => yuan(l.outstanding_principal) },
    { key: 'rate', label: t('loan.rate'), align: 'right', render: (l) => rate(l.annual_rate) },
    { key: 'disbursed_on', sort: 'disbursed_on', label: t('loan.disbursedOn'), render: (l) => date(l.disbursed_on) },
    { key: 'maturity', sort: 'maturity_date', label: t('loan.maturity'), render: (l) => date(l.maturity_date) },
    overdue ? { key: 'days_overdue', sort: 'days_overdue', label: t('loan.daysOverdue'), align: 'right', important: true, render: (l) => l.days_overdue ?? '—' } : null,
    mine ? null : { key: 'bank_reference', label: t('disburse.reference'), render: (l) => l.bank_reference || '—' },
    { key: 'status', sort: 'status', label: t('loan.status'), important: true, render: (l) => h(StatusTag, { kind: 'loanStatus', value: l.status }) },
  ];
}

export const STATUSES = ['draft', 'eligibility_review', 'guarantee_review', 'bank_review', 'approved', 'disbursed', 'returned', 'rejected', 'withdrawn'];
export const LOAN_STATUSES = ['active', 'overdue', 'settled', 'compensated', 'written_off', 'cancelled'];
export const KEY_GROUPS = ['registered_unemployed', 'employment_difficulty', 'retired_soldier', 'released_prisoner', 'college_graduate',
  'overcapacity_worker', 'returning_migrant_worker', 'online_merchant', 'poverty_alleviated', 'rural_entrepreneur'];
export const BORROWER_TYPES = ['individual', 'partnership', 'enterprise'];
