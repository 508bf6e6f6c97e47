// The JSON API client: bearer token from the session store, RFC 9457 problems
// turned into ApiError, Accept-Language from the UI's language, downloads
// through blobs (the token never sits in a URL), uploads with progress.
import { ref } from 'vue';
import { t, te, lang } from './i18n.js';

// inflight counts the requests under way; the page is aria-busy while any is.
export const inflight = ref(0);

let tokenOf = () => null;
let onUnauthenticated = () => {};

// connect wires the client to the session store (done once in main.js).
export function connect({ token, expired }) {
  tokenOf = token;
  onUnauthenticated = expired;
}

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
    if (this.code && te(`err.${this.code}`)) return t(`err.${this.code}`);
    if (te(`err.http${this.status}`)) return t(`err.http${this.status}`);
    return t('err.generic');
  }

  // text is the summary plus the server's own explanation.
  text() {
    const s = this.detail && this.detail !== this.summary() ? `${this.summary()} ${this.detail}` : this.summary();
    return this.status >= 500 && this.requestId ? `${s} ${t('err.requestId', { id: this.requestId })}` : s;
  }

  // fieldErrors maps each field named by the server (partners.0.name → partners[0].name) to its message.
  fieldErrors() {
    const out = {};
    for (const e of this.errors) if (e.field && !e.row && !(e.field in out)) out[canonical(e.field)] = e.message;
    return out;
  }
}

// canonical turns "partners.0.name" and "partners[0].name" into one spelling.
export function canonical(name) {
  return String(name || '').replace(/\.(\d+)(?=\.|$)/g, '[$1]');
}

export function query(q) {
  if (!q) return '';
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== null && v !== '') p.set(k, v);
  const s = p.toString();
  return s ? `?${s}` : '';
}

function headers(extra) {
  const h = { Accept: 'application/json, application/problem+json', 'Accept-Language': lang() === 'en' ? 'en' : 'zh-CN', ...(extra || {}) };
  const tok = tokenOf();
  if (tok) h.Authorization = `Bearer ${tok}`;
  return h;
}

async function problemOf(res) {
  try {
    return await res.json();
  } catch {
    return {};
  }
}

async function send(method, path, opts = {}) {
  const h = headers(opts.headers);
  let body;
  if (opts.body !== undefined) {
    if (opts.body instanceof Blob) {
      body = opts.body;
      h['Content-Type'] = opts.contentType || opts.body.type || 'application/octet-stream';
    } else {
      body = JSON.stringify(opts.body);
      h['Content-Type'] = 'application/json';
    }
  }
  const had = !!tokenOf();
  let res;
  inflight.value++;
  try {
    res = await fetch(path + query(opts.query), { method, headers: h, body, credentials: 'same-origin' });
  } catch {
    throw new ApiError(0, { code: 'network' });
  } finally {
    inflight.value--;
  }
  if (!res.ok) {
    const err = new ApiError(res.status, await problemOf(res));
    if (res.status === 401 && had && !opts.noSignOut) onUnauthenticated(err);
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

// download fetches an export or template and hands it to the browser as a file.
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

// blobOf fetches a file the API serves (a document's content) as a Blob, for
// a blob: URL the page shows: the token goes in the header, never in a URL.
export async function blobOf(path) {
  const res = await send('GET', path, { headers: { Accept: '*/*' } });
  return res.blob();
}

// upload posts a file (or a multipart FormData) with progress reports (fetch
// cannot report upload progress).
export function upload(path, file, { query: q, onProgress } = {}) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', path + query(q));
    const had = !!tokenOf();
    const form = file instanceof FormData;
    const type = /\.xlsx$/i.test(file.name) ? 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' : 'text/csv';
    for (const [k, v] of Object.entries(headers(form ? {} : { 'Content-Type': type }))) xhr.setRequestHeader(k, v);
    xhr.upload.onprogress = (e) => { if (e.lengthComputable && onProgress) onProgress(Math.round((e.loaded / e.total) * 100)); };
    inflight.value++;
    xhr.onloadend = () => { inflight.value--; };
    xhr.onerror = () => reject(new ApiError(0, { code: 'network' }));
    xhr.onload = () => {
      let data = {};
      try { data = JSON.parse(xhr.responseText || '{}'); } catch { data = {}; }
      if (xhr.status >= 200 && xhr.status < 300) { resolve(data); return; }
      const err = new ApiError(xhr.status, data);
      if (xhr.status === 401 && had) onUnauthenticated(err);
      reject(err);
    };
    xhr.send(file);
  });
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
