// Translations: one dictionary per language, Chinese by default. Placeholders
// are written {name}. A key missing from the current dictionary is shown as
// the key itself and noted in window.chuangdaiMissing for the browser tests.
import zh from './lang/zh.js';
import en from './lang/en.js';

const DICTS = { zh, en };
const KEY = 'chuangdai.lang';
let current = (() => {
  try { return DICTS[localStorage.getItem(KEY)] ? localStorage.getItem(KEY) : 'zh'; } catch { return 'zh'; }
})();

export const lang = () => current;

export function setLang(l) {
  if (!DICTS[l]) return;
  current = l;
  try { localStorage.setItem(KEY, l); } catch { /* private mode: the choice lasts for this page only */ }
}

export const has = (key) => Object.prototype.hasOwnProperty.call(DICTS[current], key);

export function t(key, params) {
  let s = DICTS[current][key];
  if (s === undefined) {
    window.chuangdaiMissing = window.chuangdaiMissing || [];
    window.chuangdaiMissing.push(`${current}:${key}`);
    s = key;
  }
  if (params) s = s.replace(/\{(\w+)\}/g, (m, k) => (params[k] === undefined || params[k] === null ? m : String(params[k])));
  return s;
}
