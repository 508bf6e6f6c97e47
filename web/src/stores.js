// Pinia stores: the session (shared between the tabs of one browser) and the
// reference data (the work-list counts are in counts.js).
import { defineStore } from 'pinia';
import { ref, computed } from 'vue';
import { api, get } from './api.js';

const KEY = 'chuangdai.session';
const FLASH = 'chuangdai.flash';

function readSession() {
  try {
    return JSON.parse(sessionStorage.getItem(KEY) || 'null');
  } catch {
    return null;
  }
}

// The session lives in sessionStorage (closing every tab signs out). A new
// tab (Ctrl+click, a pasted link) asks the open tabs for it over a
// BroadcastChannel; signing out in one tab signs out all of them.
export const useSession = defineStore('session', () => {
  const current = ref(readSession());
  const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel('chuangdai.session') : null;
  const user = computed(() => (current.value ? current.value.user : null));
  const token = computed(() => (current.value ? current.value.token : null));

  function save(s) {
    current.value = s;
    if (s) sessionStorage.setItem(KEY, JSON.stringify(s));
    else sessionStorage.removeItem(KEY);
  }

  if (channel) {
    channel.onmessage = (e) => {
      const m = e.data || {};
      if (m.type === 'ask' && current.value) channel.postMessage({ type: 'session', session: JSON.parse(JSON.stringify(current.value)) });
      if (m.type === 'session' && !current.value && m.session) save(m.session);
      if (m.type === 'signout' && current.value) {
        save(null);
        flash('app.signedOutElsewhere', 'info');
        window.dispatchEvent(new Event('chuangdai:signedout'));
      }
    };
  }

  // ready resolves once a new tab has had the chance to receive the session of an open tab.
  const ready = new Promise((resolve) => {
    if (current.value || !channel) { resolve(); return; }
    const timer = setTimeout(resolve, 250);
    const seen = (e) => {
      if ((e.data || {}).type === 'session') {
        clearTimeout(timer);
        channel.removeEventListener('message', seen);
        queueMicrotask(resolve);
      }
    };
    channel.addEventListener('message', seen);
    channel.postMessage({ type: 'ask' });
  });

  async function signIn(username, password) {
    const res = await api('POST', '/api/v1/auth/login', { body: { username, password }, noSignOut: true });
    save({ token: res.token, expires_at: res.expires_at, user: res.user });
    const me = await api('GET', '/api/v1/me');
    save({ token: res.token, expires_at: res.expires_at, user: { ...res.user, ...me } });
    return user.value;
  }

  function refreshUser(u) {
    if (current.value) save({ ...current.value, user: { ...current.value.user, ...u } });
  }

  // signOut drops the session here first (no page may use the token while the
  // server forgets it), then tells the other tabs and the server — unless the
  // server ended it already (revoked: a password change ends every session).
  async function signOut({ revoked = false } = {}) {
    const tok = token.value;
    save(null);
    clearKept();
    if (channel) channel.postMessage({ type: 'signout' });
    if (!tok || revoked) return;
    try {
      await api('POST', '/api/v1/auth/logout', { noSignOut: true, headers: { Authorization: `Bearer ${tok}` } });
    } catch {
      // the token is dropped either way
    }
  }

  // expire drops a session the server no longer accepts; typed form text stays kept.
  function expire() {
    save(null);
    flash('app.sessionExpired', 'warning');
  }

  return { current, user, token, ready, signIn, signOut, expire, refreshUser };
});

// flash leaves a message for the next page (kind: success, info, warning).
export function flash(key, kind = 'success') {
  sessionStorage.setItem(FLASH, JSON.stringify({ key, kind }));
}

export function takeFlash() {
  const v = sessionStorage.getItem(FLASH);
  if (!v) return null;
  sessionStorage.removeItem(FLASH);
  try {
    return JSON.parse(v);
  } catch {
    return null;
  }
}

// clearKept forgets every kept form text (see keep.js).
export function clearKept() {
  for (const k of Object.keys(sessionStorage)) if (k.startsWith('chuangdai.kept:')) sessionStorage.removeItem(k);
}

export const useRefdata = defineStore('refdata', () => {
  const cache = new Map();
  function once(key, fn) {
    if (!cache.has(key)) cache.set(key, fn().catch((err) => { cache.delete(key); throw err; }));
    return cache.get(key);
  }
  const districts = () => once('districts', async () => (await get('/api/v1/districts')).items);
  const banks = () => once('banks', async () => (await get('/api/v1/banks')).items);
  const industries = () => once('industries', async () => (await get('/api/v1/industries')).items || []);
  const forget = (key) => cache.delete(key);
  return { districts, banks, industries, forget };
});
