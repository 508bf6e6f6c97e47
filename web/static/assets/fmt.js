// Display formatting. Money and rates arrive as decimal strings and are
// reshaped as strings: no floating point touches an amount.
import { lang, t, has } from './i18n.js';

// money("1234567.50") → "1,234,567.50"
export function money(s) {
  if (s === null || s === undefined || s === '') return '—';
  const str = String(s);
  const neg = str.startsWith('-');
  const [i, f] = (neg ? str.slice(1) : str).split('.');
  const grouped = i.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${neg ? '-' : ''}${grouped}${f !== undefined ? `.${f}` : ''}`;
}

export const yuan = (s) => (s === null || s === undefined || s === '' ? '—' : `${money(s)} ${t('unit.yuan')}`);

// rate("0.0395") → "3.95%"
export function rate(s) {
  if (s === null || s === undefined || s === '') return '—';
  const [i, f = ''] = String(s).split('.');
  const whole = `${i}${f.slice(0, 2).padEnd(2, '0')}`.replace(/^0+(?=\d)/, '');
  const frac = f.slice(2).replace(/0+$/, '');
  return `${whole}${frac ? `.${frac}` : ''}%`;
}

// fractionFromPercent("3.95") → "0.0395"; other text is passed on for the API to judge.
export function fractionFromPercent(s) {
  const v = String(s || '').trim();
  if (!/^\d+(\.\d+)?$/.test(v)) return v;
  const [i, f = ''] = v.split('.');
  const all = i.replace(/^0+/, '').padStart(2, '0');
  return `${all.slice(0, -2) || '0'}.${all.slice(-2)}${f}`;
}

// percent text such as "42.97" → "42.97%"
export const pct = (s) => (s === null || s === undefined ? '—' : `${s}%`);

export function dateTime(s) {
  if (!s) return '—';
  const d = new Date(s);
  if (Number.isNaN(d.getTime())) return String(s);
  return d.toLocaleString(lang() === 'zh' ? 'zh-CN' : 'en-GB', { dateStyle: 'medium', timeStyle: 'short' });
}

export const date = (s) => (s ? String(s).slice(0, 10) : '—');

// label translates a server enum value, showing the raw value when unknown.
export function label(prefix, v) {
  if (v === null || v === undefined || v === '') return '—';
  return has(`${prefix}.${v}`) ? t(`${prefix}.${v}`) : String(v);
}

export function today() {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}
