// Sign-in and entrepreneur registration.
import { h, field, formError, showErrors, values, busy, announce } from '../dom.js';
import { t } from '../i18n.js';
import { api, saveSession, session } from '../api.js';
import { homeOf } from '../roles.js';
import { go } from '../app.js';

async function signIn(username, password) {
  const res = await api('POST', '/api/v1/auth/login', { body: { username, password }, noSignOut: true });
  saveSession({ token: res.token, expires_at: res.expires_at, user: res.user });
  const me = await api('GET', '/api/v1/me');
  const user = { ...res.user, ...me };
  saveSession({ token: res.token, expires_at: res.expires_at, user });
  return user;
}

function loginView() {
  if (session()) { go(homeOf(session().user)); return h('p', {}, ''); }
  const form = h('form', { class: 'card narrow', novalidate: true },
    formError(),
    field({ name: 'username', label: t('auth.username'), required: true, autocomplete: 'username' }),
    field({ name: 'password', label: t('auth.password'), type: 'password', required: true, autocomplete: 'current-password' }),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, t('auth.signIn'))),
    h('p', {}, t('auth.noAccount'), ' ', h('a', { href: '#/register' }, t('auth.register'))));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = values(form);
    const btn = form.querySelector('button[type=submit]');
    busy(btn, true);
    try {
      const user = await signIn(v.username, v.password);
      announce(t('auth.welcome', { name: user.name || user.username }));
      go(homeOf(user));
    } catch (err) {
      showErrors(form, err);
    } finally {
      busy(btn, false);
    }
  });
  return h('section', { class: 'auth' },
    h('h1', {}, t('auth.signInTitle')),
    h('p', { class: 'lead' }, t('app.tagline')),
    form);
}

function registerView() {
  const form = h('form', { class: 'card narrow', novalidate: true },
    formError(),
    field({ name: 'username', label: t('auth.username'), required: true, autocomplete: 'username', hint: t('auth.usernameHint') }),
    field({ name: 'name', label: t('auth.name'), required: true, autocomplete: 'name' }),
    field({ name: 'phone', label: t('auth.phone'), type: 'tel', required: true, autocomplete: 'tel', inputmode: 'tel' }),
    field({ name: 'password', label: t('auth.password'), type: 'password', required: true, autocomplete: 'new-password', hint: t('auth.passwordHint') }),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, t('auth.createAccount'))),
    h('p', {}, h('a', { href: '#/login' }, t('auth.haveAccount'))));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = values(form);
    const btn = form.querySelector('button[type=submit]');
    busy(btn, true);
    try {
      await api('POST', '/api/v1/auth/register', { body: v, noSignOut: true });
      const user = await signIn(v.username, v.password);
      sessionStorage.setItem('chuangdai.flash', 'auth.registered');
      go(homeOf(user));
    } catch (err) {
      showErrors(form, err);
    } finally {
      busy(btn, false);
    }
  });
  return h('section', { class: 'auth' }, h('h1', {}, t('auth.registerTitle')), h('p', { class: 'lead' }, t('auth.registerLead')), form);
}

export const routes = [
  { pattern: /^\/login$/, public: true, view: loginView },
  { pattern: /^\/register$/, public: true, view: registerView },
];
