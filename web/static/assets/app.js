// The single-page application: hash routes, the page shell, the signed-in user.
import { h, clear, announce } from './dom.js';
import { t, lang, setLang } from './i18n.js';
import { session, dropSession, whenSignedOut, api, ApiError } from './api.js';
import { routes as authRoutes } from './pages/auth.js';
import { routes as appRoutes } from './pages/applications.js';
import { routes as loanRoutes } from './pages/loans.js';
import { routes as supportRoutes } from './pages/support.js';
import { routes as reportRoutes } from './pages/reports.js';
import { routes as adminRoutes } from './pages/admin.js';
import { homeOf, navOf } from './roles.js';

const routes = [...authRoutes, ...appRoutes, ...loanRoutes, ...supportRoutes, ...reportRoutes, ...adminRoutes];
let renderSeq = 0;

export function go(path) {
  if (location.hash === `#${path}`) render();
  else location.hash = `#${path}`;
}

function currentPath() {
  const p = location.hash.replace(/^#/, '') || '/';
  return p.split('?')[0];
}

function hashQuery() {
  const i = location.hash.indexOf('?');
  return new URLSearchParams(i < 0 ? '' : location.hash.slice(i + 1));
}

function shell() {
  const s = session();
  const user = s && s.user;
  const header = document.getElementById('top');
  clear(header);
  header.append(
    h('a', { class: 'brand', href: user ? `#${homeOf(user)}` : '#/login' }, h('span', { class: 'logo', 'aria-hidden': 'true' }, '贷'), t('brand')),
    h('nav', { 'aria-label': t('nav.label') }, user ? h('ul', {}, navOf(user).map(([path, key]) =>
      h('li', {}, h('a', { href: `#${path}`, 'aria-current': currentPath() === path ? 'page' : null }, t(key))))) : null),
    h('div', { class: 'tools' },
      h('button', { type: 'button', class: 'link', lang: lang() === 'zh' ? 'en' : 'zh', onclick: () => { setLang(lang() === 'zh' ? 'en' : 'zh'); render(); } }, t('app.switchLang')),
      user ? h('span', { class: 'who' }, user.name || user.username, h('span', { class: 'role' }, ` · ${(user.roles || []).map((r) => t(`role.${r}`)).join('、')}`)) : null,
      user ? h('button', { type: 'button', class: 'link', onclick: signOut }, t('app.signOut')) : null));
}

async function signOut() {
  try { await api('POST', '/api/v1/auth/logout', { noSignOut: true }); } catch { /* the token is dropped either way */ }
  dropSession();
  announce(t('app.signedOut'));
  go('/login');
}

whenSignedOut(() => {
  renderSeq++; // the page that met the 401 must not draw over the sign-in page
  dropSession();
  sessionStorage.setItem('chuangdai.flash', 'app.sessionExpired');
  go('/login');
});

async function render() {
  const seq = ++renderSeq;
  document.documentElement.lang = lang() === 'zh' ? 'zh-CN' : 'en';
  const path = currentPath();
  const s = session();
  if (path === '/' || path === '') { location.replace(`#${s ? homeOf(s.user) : '/login'}`); return; }
  let match = null;
  let route = null;
  for (const r of routes) {
    match = r.pattern.exec(path);
    if (match) { route = r; break; }
  }
  if (route && !route.public && !s) { location.replace('#/login'); return; }
  shell();
  const main = document.getElementById('main');
  main.setAttribute('aria-busy', 'true');
  let view;
  try {
    if (!route) throw new ApiError(404, { code: 'page_not_found' });
    view = await route.view({ params: match.slice(1).map(decodeURIComponent), query: hashQuery(), user: s && s.user, rerender: render });
  } catch (err) {
    view = errorView(err);
  }
  if (seq !== renderSeq) return;
  clear(main).append(view);
  main.removeAttribute('aria-busy');
  main.dataset.route = location.hash;
  const h1 = main.querySelector('h1');
  document.title = `${h1 ? h1.textContent : ''} · ${t('brand')}`;
  const flash = sessionStorage.getItem('chuangdai.flash');
  if (flash) {
    sessionStorage.removeItem('chuangdai.flash');
    main.prepend(h('p', { class: 'flash', role: 'status' }, t(flash)));
  }
  if (h1) { h1.setAttribute('tabindex', '-1'); h1.focus({ preventScroll: true }); }
  window.scrollTo(0, 0);
}

function errorView(err) {
  if (!(err instanceof ApiError)) {
    return h('section', {}, h('h1', {}, t('err.title')), h('p', { class: 'form-error', role: 'alert' }, t('err.generic')));
  }
  return h('section', {}, h('h1', {}, err.status === 404 ? t('err.notFoundTitle') : t('err.title')),
    h('p', { class: 'form-error', role: 'alert' }, err.text()),
    h('p', {}, h('a', { href: '#/' }, t('err.home'))));
}

window.addEventListener('hashchange', render);
document.getElementById('skip').addEventListener('click', (e) => {
  e.preventDefault();
  const h1 = document.querySelector('#main h1');
  if (h1) { h1.setAttribute('tabindex', '-1'); h1.focus(); }
});
render();
