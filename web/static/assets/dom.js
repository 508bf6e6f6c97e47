// Small DOM helpers. Everything is built with createElement and textContent:
// no innerHTML, so text from the server can never become markup.
import { t } from './i18n.js';

let seq = 0;
export const uid = (p) => `${p}-${++seq}`;

// h('button', {class: 'primary', onclick: fn}, 'text', child, [more]) builds an element.
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'value') el.value = v;
    else if (k === 'checked' || k === 'selected' || k === 'disabled' || k === 'hidden' || k === 'required' || k === 'multiple') el[k] = !!v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else if (c instanceof Node) el.appendChild(c);
    else el.appendChild(document.createTextNode(String(c)));
  }
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

// field builds a labelled input with a place for its error. opts:
// {name, label, type, value, required, options:[[value,label]], hint, min, max, step, autocomplete, inputmode}
export function field(opts) {
  const id = uid('f');
  const errId = `${id}-err`;
  const hintId = opts.hint ? `${id}-hint` : null;
  let input;
  const common = {
    id, name: opts.name, required: opts.required, autocomplete: opts.autocomplete || 'off',
    'aria-describedby': [hintId, errId].filter(Boolean).join(' '), dataset: { field: opts.name },
  };
  if (opts.type === 'select') {
    input = h('select', common,
      opts.placeholder !== false ? h('option', { value: '' }, opts.placeholder || t('common.choose')) : null,
      (opts.options || []).map(([v, l]) => h('option', { value: v, selected: String(opts.value ?? '') === String(v) }, l)));
  } else if (opts.type === 'textarea') {
    input = h('textarea', { ...common, rows: opts.rows || 3 });
    input.value = opts.value ?? '';
  } else {
    input = h('input', {
      ...common, type: opts.type || 'text', value: opts.value ?? '', min: opts.min, max: opts.max, step: opts.step,
      inputmode: opts.inputmode, maxlength: opts.maxlength, pattern: opts.pattern, accept: opts.accept,
    });
  }
  const wrap = h('div', { class: `field${opts.wide ? ' wide' : ''}` },
    h('label', { for: id }, opts.label, opts.required ? h('span', { class: 'req', 'aria-hidden': 'true' }, ' *') : null),
    opts.hint ? h('p', { class: 'hint', id: hintId }, opts.hint) : null,
    input,
    h('p', { class: 'field-error', id: errId, hidden: true }));
  wrap.input = input;
  return wrap;
}

// canonical turns "partners.0.name" and "partners[0].name" into one spelling.
function canonical(name) {
  return String(name || '').replace(/\.(\d+)(?=\.|$)/g, '[$1]');
}

// clearErrors removes every error shown in form.
export function clearErrors(form) {
  for (const p of form.querySelectorAll('.field-error')) { p.hidden = true; p.textContent = ''; }
  for (const i of form.querySelectorAll('[aria-invalid]')) i.removeAttribute('aria-invalid');
  const s = form.querySelector('.form-error');
  if (s) { s.hidden = true; clear(s); }
}

// showErrors puts an API problem beside the fields it names (errors[].field)
// and a summary at the top of the form; it focuses the first bad field.
export function showErrors(form, err) {
  clearErrors(form);
  const summary = form.querySelector('.form-error');
  const loose = [];
  let first = null;
  for (const fe of err.errors || []) {
    const name = canonical(fe.field);
    const input = [...form.querySelectorAll('[data-field]')].find((i) => canonical(i.dataset.field) === name);
    const p = input && document.getElementById(`${input.id}-err`);
    if (p) {
      p.textContent = fe.message;
      p.hidden = false;
      input.setAttribute('aria-invalid', 'true');
      first = first || (input.matches('fieldset') ? input.querySelector('input') : input);
    } else {
      loose.push(fe.row ? `${t('common.rowN', { n: fe.row })} · ${fe.field}: ${fe.message}` : `${fe.field ? fe.field + ': ' : ''}${fe.message}`);
    }
  }
  if (summary) {
    summary.hidden = false;
    summary.appendChild(h('p', {}, err.summary()));
    if (err.detail && !(err.errors || []).length) summary.appendChild(h('p', { class: 'detail' }, err.detail));
    if (loose.length) summary.appendChild(h('ul', {}, loose.map((l) => h('li', {}, l))));
  }
  if (first) first.focus();
  else if (summary) { summary.setAttribute('tabindex', '-1'); summary.focus(); }
}

// group is a fieldset that can carry the error of a whole list (such as "partners").
export function group(name, legend, ...children) {
  const id = uid('g');
  return h('fieldset', { class: 'block', id, 'data-field': name, 'aria-describedby': `${id}-err` }, h('legend', {}, legend),
    h('p', { class: 'field-error', id: `${id}-err`, hidden: true }), ...children);
}

export function formError() {
  return h('div', { class: 'form-error', role: 'alert', hidden: true });
}

// values reads named inputs of a form into a plain object of strings.
export function values(form) {
  const out = {};
  for (const el of form.querySelectorAll('[name]')) {
    if (el.type === 'file') continue;
    if (el.type === 'radio') { if (el.checked) out[el.name] = el.value; continue; }
    if (el.type === 'checkbox') { out[el.name] = el.checked; continue; }
    out[el.name] = el.value.trim();
  }
  return out;
}

// table renders rows with columns [{label, value: row => node|string, class}].
export function table(columns, rows, opts = {}) {
  if (!rows.length) return h('p', { class: 'empty' }, opts.empty || t('common.none'));
  return h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': opts.caption || t('common.table') },
    h('table', {},
      opts.caption ? h('caption', { class: 'visually-hidden' }, opts.caption) : null,
      h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col', class: c.class }, c.label)))),
      h('tbody', {}, rows.map((r) => h('tr', { class: opts.rowClass ? opts.rowClass(r) : null },
        columns.map((c, i) => (i === 0 ? h('th', { scope: 'row', class: c.class }, c.value(r)) : h('td', { class: c.class }, c.value(r)))))))));
}

// dl renders [label, value] pairs as a description list.
export function dl(pairs) {
  return h('dl', { class: 'facts' }, pairs.filter(Boolean).map(([k, v]) => h('div', {}, h('dt', {}, k), h('dd', {}, v ?? '—'))));
}

// notice shows a transient status message in the page's live region.
export function announce(msg) {
  const live = document.getElementById('live');
  if (live) { live.textContent = ''; setTimeout(() => { live.textContent = msg; }, 30); }
}

export function busy(button, on) {
  button.disabled = on;
  button.setAttribute('aria-busy', on ? 'true' : 'false');
}
