// Pieces shared by several pages: status badges, paging, list filters.
import { h } from './dom.js';
import { t } from './i18n.js';
import { label } from './fmt.js';

export function badge(kind, status) {
  return h('span', { class: `badge s-${status}` }, label(kind, status));
}

export function page(title, ...content) {
  return h('section', {}, h('h1', {}, title), ...content);
}

// pager renders "previous / page N of M / next" for a list envelope.
export function pager(list, onPage) {
  const pages = Math.max(1, Math.ceil(list.total / list.page_size));
  return h('nav', { class: 'pager', 'aria-label': t('common.pages') },
    h('button', { type: 'button', disabled: list.page <= 1, onclick: () => onPage(list.page - 1) }, t('common.prev')),
    h('span', {}, t('common.pageOf', { page: list.page, pages, total: list.total })),
    h('button', { type: 'button', disabled: list.page >= pages, onclick: () => onPage(list.page + 1) }, t('common.next')));
}

// hashWith returns the current route with its query replaced by q.
export function hashWith(path, q) {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== null && v !== '') p.set(k, v);
  const s = p.toString();
  return `${path}${s ? `?${s}` : ''}`;
}

export function section(title, ...content) {
  return h('section', { class: 'card' }, h('h2', {}, title), ...content);
}

// unavailable explains a part of the system that does not answer yet.
export function unavailable(err) {
  return h('p', { class: 'empty' }, err && err.status === 404 ? t('common.notYet') : (err ? err.text() : t('err.generic')));
}
