// Display formatting. Money and rates arrive as decimal strings and are
// reshaped as strings: no floating point touches an amount or a rate.
import { t, te, lang } from './i18n.js';

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

// wan("2600000.00") → "260.00" (万元, two decimals, half-up on the digits).
export function wan(s) {
  if (s === null || s === undefined || s === '') return '';
  const fen = toFen(s);
  if (fen === null) return String(s);
  const neg = fen < 0n;
  const a = neg ? -fen : fen;
  // 1 万元 = 1,000,000 分; keep two decimals of 万元 (= 10,000 分), half-up.
  const q = (a + 5000n) / 10000n;
  const txt = `${q / 100n}.${String(q % 100n).padStart(2, '0')}`;
  return `${neg ? '-' : ''}${money(txt)}`;
}

// fromWan("260") → "2600000.00"; text that is not a number is passed on.
export function fromWan(s) {
  const v = String(s ?? '').replace(/,/g, '').trim();
  if (!/^\d+(\.\d{1,6})?$/.test(v)) return v;
  const [i, f = ''] = v.split('.');
  const yuanDigits = `${i}${f.padEnd(4, '0').slice(0, 4)}`.replace(/^0+(?=\d)/, '');
  const cents = f.length > 4 ? f.slice(4).padEnd(2, '0') : '00';
  return `${yuanDigits}.${cents}`;
}

// toFen("12.5") → 1250n, or null for text that is not an amount.
export function toFen(s) {
  const v = String(s ?? '').replace(/,/g, '').trim();
  const m = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(v);
  if (!m) return null;
  const fen = BigInt(m[2]) * 100n + BigInt((m[3] || '').padEnd(2, '0') || '0');
  return m[1] ? -fen : fen;
}

export function fenText(fen) {
  const neg = fen < 0n;
  const a = neg ? -fen : fen;
  return `${neg ? '-' : ''}${a / 100n}.${String(a % 100n).padStart(2, '0')}`;
}

// sumMoney(["1.00", "2.50"]) → "3.50"
export function sumMoney(list) {
  let total = 0n;
  for (const s of list) {
    const f = toFen(s);
    if (f !== null) total += f;
  }
  return fenText(total);
}

// rate("0.0395") → "3.95%" (the API's fraction shown as a percent).
export function rate(s) {
  if (s === null || s === undefined || s === '') return '—';
  return `${percentOf(s)}%`;
}

// percentOf("0.0395") → "3.95"
export function percentOf(s) {
  const [i, f = ''] = String(s).split('.');
  const whole = `${i}${f.slice(0, 2).padEnd(2, '0')}`.replace(/^0+(?=\d)/, '');
  const frac = f.slice(2).replace(/0+$/, '');
  const two = frac.length < 2 ? frac.padEnd(2, '0') : frac;
  return `${whole}.${two}`;
}

// fractionFromPercent("3.95") → "0.0395"; other text is passed on for the API to judge.
export function fractionFromPercent(s) {
  const v = String(s || '').replace(/%$/, '').trim();
  if (!/^\d+(\.\d+)?$/.test(v)) return v;
  const [i, f = ''] = v.split('.');
  const all = i.replace(/^0+/, '').padStart(2, '0');
  return `${all.slice(0, -2) || '0'}.${all.slice(-2)}${f}`.replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '.0');
}

// interestFen is principal × rate × days / 360, half-up to the fen (the loan's rule).
export function interestFen(principal, fraction, days) {
  const p = toFen(principal);
  const m = /^(\d+)(?:\.(\d+))?$/.exec(String(fraction || ''));
  if (p === null || !m) return null;
  const scale = 10n ** BigInt((m[2] || '').length);
  const r = BigInt(`${m[1]}${m[2] || ''}`);
  const num = p * r * BigInt(days);
  const den = scale * 360n;
  return (num * 2n + den) / (den * 2n);
}

// pct("42.97") → "42.97%"
export const pct = (s) => (s === null || s === undefined || s === '' ? '—' : `${s}%`);

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
  return te(`${prefix}.${v}`) ? t(`${prefix}.${v}`) : String(v);
}

export function today() {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

export function ymd(d) {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

// quarterEnded reports whether a period such as "2024Q2" ended before today.
export function quarterEnded(period) {
  const m = /^(\d{4})Q([1-4])$/.exec(period || '');
  if (!m) return false;
  const end = new Date(Number(m[1]), Number(m[2]) * 3, 1);
  return new Date() >= end;
}

// ranges are the presets of every date-range picker: this month, quarter, year.
export function rangeShortcuts() {
  const now = new Date();
  const y = now.getFullYear();
  const q = Math.floor(now.getMonth() / 3);
  return [
    { text: t('range.month'), value: () => [new Date(y, now.getMonth(), 1), now] },
    { text: t('range.quarter'), value: () => [new Date(y, q * 3, 1), now] },
    { text: t('range.year'), value: () => [new Date(y, 0, 1), now] },
    { text: t('range.lastYear'), value: () => [new Date(y - 1, 0, 1), new Date(y - 1, 11, 31)] },
  ];
}
