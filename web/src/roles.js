// What each role sees first and in the navigation. The API decides what each
// role may do; this only arranges the pages.
export const ROLES = ['entrepreneur', 'hrss_officer', 'guarantee_officer', 'bank_officer', 'finance_auditor', 'admin', 'audit_admin'];

// STAGE is the review stage each officer role decides.
export const STAGE = { hrss_officer: 'eligibility_review', guarantee_officer: 'guarantee_review', bank_officer: 'bank_review' };

export const hasRole = (user, r) => !!user && (user.roles || []).includes(r);
export const isOfficer = (user) => ['hrss_officer', 'guarantee_officer', 'bank_officer'].some((r) => hasRole(user, r));

// Each item: [path, label key, count key (the work-list count shown beside it)].
const NAV = {
  entrepreneur: [['/applications', 'nav.myApplications', 'returned'], ['/apply', 'nav.apply'], ['/loans', 'nav.myLoans']],
  hrss_officer: [['/queue', 'nav.queue', 'eligibility_review'], ['/work/subsidy-check', 'nav.subsidyCheck', 'subsidy_claimed'],
    ['/work/subsidy-pay', 'nav.subsidyPay', 'subsidy_checked'], ['/work/reversals', 'nav.reversals', 'reversals_to_confirm'], ['/support', 'nav.support'], ['/applications', 'nav.applications'],
    ['/loans', 'nav.loans'], ['/subsidies', 'nav.subsidies']],
  guarantee_officer: [['/queue', 'nav.queue', 'guarantee_review'], ['/work/overdue', 'nav.overdue', 'loans_overdue'],
    ['/work/reversals', 'nav.reversals', 'reversals_to_confirm'],
    ['/support', 'nav.supportLookup'], ['/applications', 'nav.applications'], ['/loans', 'nav.loans'], ['/guarantee', 'nav.exposure'],
    ['/guarantee/fund', 'nav.fund']],
  bank_officer: [['/queue', 'nav.queue', 'bank_review'], ['/work/disburse', 'nav.toDisburse', 'approved'],
    ['/work/subsidy-claim', 'nav.subsidyClaim', 'subsidy_pending'], ['/work/reversals', 'nav.reversals', 'reversals_to_confirm'],
    ['/applications', 'nav.applications'], ['/loans', 'nav.loans'], ['/reports/reconciliation', 'nav.reconciliation']],
  finance_auditor: [['/reports', 'nav.bulletin'], ['/reports/disbursements', 'nav.disbursements'], ['/reports/portfolio', 'nav.portfolio'],
    ['/reports/awards', 'nav.awards'],
    ['/reports/reconciliation', 'nav.reconciliation'], ['/applications', 'nav.applications'], ['/loans', 'nav.loans'], ['/subsidies', 'nav.subsidies'],
    ['/guarantee', 'nav.exposure'], ['/guarantee/fund', 'nav.fund'], ['/reports/periods', 'nav.periods'], ['/work/reversals', 'nav.reversals'], ['/audit', 'nav.audit']],
  admin: [['/admin/users', 'nav.users'], ['/admin/districts', 'nav.districts'], ['/admin/banks', 'nav.banks'], ['/admin/targets', 'nav.targets'],
    ['/admin/bases', 'nav.bases'], ['/admin/import', 'nav.importLoans'], ['/admin/sms-failed', 'nav.smsFailed'], ['/reports', 'nav.bulletin'],
    ['/reports/reconciliation', 'nav.reconciliation'], ['/audit', 'nav.audit']],
  // The audit administrator (三员分立) reads the audit trail and nothing else.
  audit_admin: [['/audit', 'nav.audit']],
};

const HOME = {
  entrepreneur: '/applications', hrss_officer: '/queue', guarantee_officer: '/queue', bank_officer: '/queue',
  finance_auditor: '/reports', admin: '/admin/users', audit_admin: '/audit',
};

export function homeOf(user) {
  const r = ROLES.find((x) => hasRole(user, x));
  return r ? HOME[r] : '/login';
}

// Every role has the change of its own password and then the inbox (消息),
// its unread count beside it, last.
const PASSWORD = ['/password', 'auth.changePassword'];
const INBOX = ['/inbox', 'nav.inbox', 'unread'];

export function navOf(user) {
  const seen = new Set();
  const out = [];
  for (const r of ROLES) {
    if (!hasRole(user, r)) continue;
    for (const [path, key, count] of [...NAV[r], PASSWORD, INBOX]) if (!seen.has(path)) { seen.add(path); out.push({ path, key, count }); }
  }
  return out;
}
