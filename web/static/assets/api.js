// The JSON API client: bearer token in sessionStorage, RFC 9457 problems
// turned into ApiError, downloads through blobs so the token never sits in a URL.
import { t, has, lang } from './i18n.js';

const KEY = 'chuangdai.session';

export function session() {
  try { return JSON.parse(sessionStorage.getItem(KEY) || 'null'); } catch { return null; }
}
export function saveSession(s) { sessionStorage.setItem(KEY, JSON.stringify(s)); }
export function dropSession() { sessionStorage.removeItem(KEY); }

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.code = problem.code || '';
    this.detail = problem.detail || '';
    this.errors = problem.errors || [];
    this.requestId = problem.request_id || '';
  }

  // summary is the translated one-line message for the problem's code.
  summary() {
    if (this.code && has(`err.${this.code}`)) return t(`err.${this.code}`);
    if (has(`err.http${this.status}`)) return t(`err.http${this.status}`);
    return t('err.generic');
  }

  // text is the summary plus the server's own explanation.
  text() {
    const s = this.detail && this.detail !== this.summary() ? `${this.summary()} ${this.detail}` : this.summary();
    return this.status >= 500 && this.requestId ? `${s} ${t('err.requestId', { id: this.requestId })}` : s;
  }
}

let onUnauthenticated = () => {};
export function whenSignedOut(fn) { onUnauthenticated = fn; }

function query(q) {
  if (!q) return '';
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== null && v !== '') p.set(k, v);
  const s = p.toString();
  return s ? `?${s}` : '';
}

async function send(method, path, opts = {}) {
  // The server writes problem details in the language asked for.
  const headers = { Accept: 'application/json, application/problem+json', 'Accept-Language': lang() === 'en' ? 'en' : 'zh-CN', ...(opts.headers || {}) };
  const s = session();
  if (s && s.token) headers.Authorization = `Bearer ${s.token}`;
  let body;
  if (opts.body !== undefined) {
    if (opts.body instanceof Blob) {
      body = opts.body;
      headers['Content-Type'] = opts.contentType || opts.body.type || 'application/octet-stream';
    } else {
      body = JSON.stringify(opts.body);
      headers['Content-Type'] = 'application/json';
    }
  }
  let res;
  try {
    res = await fetch(path + query(opts.query), { method, headers, body, credentials: 'same-origin' });
  } catch {
    throw new ApiError(0, { code: 'network' });
  }
  if (!res.ok) {
    let problem = {};
    try { problem = await res.json(); } catch { problem = {}; }
    const err = new ApiError(res.status, problem);
    if (res.status === 401 && s && !opts.noSignOut) onUnauthenticated(err);
    throw err;
  }
  return res;
}

export async function api(method, path, opts) {
  const res = await send(method, path, opts);
  if (res.status === 204) return null;
  const type = res.headers.get('Content-Type') || '';
  return type.includes('json') ? res.json() : res.text();
}

export const get = (path, q) => api('GET', path, { query: q });

// download fetches a report export and hands it to the browser as a file.
export async function download(path, q, fallbackName) {
  const res = await send('GET', path, { query: q, headers: { Accept: '*/*' } });
  const cd = res.headers.get('Content-Disposition') || '';
  const m = /filename\*=UTF-8''([^;]+)|filename="?([^";]+)"?/i.exec(cd);
  const name = m ? decodeURIComponent(m[1] || m[2]) : fallbackName;
  const blob = await res.blob();
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.hidden = true;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
  return name;
}

// idempotencyKey makes a fresh random key (UUID v4) for one form submission.
// crypto.getRandomValues works on plain-http intranet hosts, randomUUID does not.
export function idempotencyKey() {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const x = [...b].map((v) => v.toString(16).padStart(2, '0')).join('');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

// listAll pages through a list endpoint (at most `limit` items).
export async function listAll(path, q = {}, limit = 1000) {
  const items = [];
  for (let page = 1; items.length < limit; page++) {
    const r = await get(path, { ...q, page, page_size: 200 });
    items.push(...r.items);
    if (items.length >= r.total || r.items.length === 0) break;
  }
  return items;
}
