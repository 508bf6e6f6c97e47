// Routes. A page that needs a session sends the visitor to sign in with
// ?next= the page asked for, and back there afterwards.
import { ref } from 'vue';
import { createRouter, createWebHashHistory } from 'vue-router';
import { useSession } from './stores.js';
import { homeOf } from './roles.js';

const routes = [
  { path: '/', name: 'home', component: { render: () => null } },
  { path: '/login', name: 'login', component: () => import('./views/Login.vue'), meta: { public: true } },
  { path: '/register', name: 'register', component: () => import('./views/Register.vue'), meta: { public: true } },
  { path: '/password', name: 'password', component: () => import('./views/Password.vue') },
  { path: '/applications', name: 'applications', component: () => import('./views/Applications.vue') },
  { path: '/queue', name: 'queue', component: () => import('./views/Queue.vue') },
  { path: '/apply', name: 'apply', component: () => import('./views/Apply.vue') },
  { path: '/applications/:id/edit', name: 'edit', component: () => import('./views/Apply.vue') },
  { path: '/applications/:id', name: 'application', component: () => import('./views/Application.vue') },
  { path: '/work/disburse', name: 'disburse', component: () => import('./views/ToDisburse.vue') },
  { path: '/work/overdue', name: 'overdue', component: () => import('./views/Overdue.vue') },
  { path: '/work/subsidy-claim', name: 'subsidy-claim', component: () => import('./views/SubsidyWork.vue'), props: { status: 'pending' } },
  { path: '/work/subsidy-check', name: 'subsidy-check', component: () => import('./views/SubsidyWork.vue'), props: { status: 'claimed' } },
  { path: '/work/subsidy-pay', name: 'subsidy-pay', component: () => import('./views/SubsidyWork.vue'), props: { status: 'checked' } },
  { path: '/work/reversals', name: 'reversals', component: () => import('./views/Reversals.vue') },
  { path: '/reports/periods', name: 'periods', component: () => import('./views/Periods.vue') },
  { path: '/loans', name: 'loans', component: () => import('./views/Loans.vue') },
  { path: '/loans/:id', name: 'loan', component: () => import('./views/Loan.vue') },
  { path: '/subsidies', name: 'subsidies', component: () => import('./views/Subsidies.vue') },
  { path: '/guarantee', name: 'exposure', component: () => import('./views/Exposure.vue') },
  { path: '/guarantee/fund', name: 'fund', component: () => import('./views/Fund.vue') },
  { path: '/support', name: 'support', component: () => import('./views/Support.vue') },
  { path: '/reports', name: 'bulletin', component: () => import('./views/Bulletin.vue') },
  { path: '/reports/disbursements', name: 'disbursements', component: () => import('./views/Disbursements.vue') },
  { path: '/reports/portfolio', name: 'portfolio', component: () => import('./views/Portfolio.vue') },
  { path: '/reports/reconciliation', name: 'reconciliation', component: () => import('./views/Reconciliation.vue') },
  { path: '/reports/awards', name: 'awards', component: () => import('./views/Awards.vue') },
  { path: '/inbox', name: 'inbox', component: () => import('./views/Inbox.vue') },
  { path: '/audit', name: 'audit', component: () => import('./views/Audit.vue') },
  { path: '/admin/users', name: 'users', component: () => import('./views/Users.vue') },
  { path: '/admin/districts', name: 'districts', component: () => import('./views/CodeNames.vue'), props: { kind: 'district' } },
  { path: '/admin/banks', name: 'banks', component: () => import('./views/CodeNames.vue'), props: { kind: 'bank' } },
  { path: '/admin/targets', name: 'targets', component: () => import('./views/Targets.vue') },
  { path: '/admin/bases', name: 'bases', component: () => import('./views/Bases.vue') },
  { path: '/admin/import', name: 'import', component: () => import('./views/ImportLoans.vue') },
  { path: '/admin/sms-failed', name: 'sms-failed', component: () => import('./views/FailedSMS.vue') },
  { path: '/:rest(.*)*', name: 'notfound', component: () => import('./views/NotFound.vue'), meta: { public: true } },
];

export const router = createRouter({
  history: createWebHashHistory(),
  routes,
  scrollBehavior: () => ({ top: 0 }),
});

// safeNext keeps only paths of this application (never another host).
export function safeNext(v) {
  const s = Array.isArray(v) ? v[0] : v;
  return typeof s === 'string' && s.startsWith('/') && !s.startsWith('//') && !s.startsWith('/login') ? s : null;
}

// navigating is true from the start of a navigation until its page is drawn.
export const navigating = ref(false);
router.beforeEach(() => { navigating.value = true; });
router.afterEach(() => { navigating.value = false; });
router.onError(() => { navigating.value = false; });

router.beforeEach(async (to) => {
  const session = useSession();
  await session.ready;
  if (to.name === 'home') return session.user ? homeOf(session.user) : { name: 'login' };
  if (!to.meta.public && !session.user) return { name: 'login', query: { next: to.fullPath } };
  if ((to.name === 'login' || to.name === 'register') && session.user) return safeNext(to.query.next) || homeOf(session.user);
  // An expired password serves only to change itself (403 auth.password_expired elsewhere).
  if (session.user && session.user.password_expired && to.name !== 'password') return { name: 'password' };
  return true;
});
