// Translations: vue-i18n with one flat dictionary per language (locales/),
// Chinese by default, the choice kept in localStorage. A key missing from the
// dictionary is shown as the key and noted in window.chuangdaiMissing, which
// the browser tests read.
import { createI18n } from 'vue-i18n';
import zh from './locales/zh.js';
import en from './locales/en.js';

const KEY = 'chuangdai.lang';

function saved() {
  try {
    const l = localStorage.getItem(KEY);
    return l === 'en' ? 'en' : 'zh';
  } catch {
    return 'zh';
  }
}

export const i18n = createI18n({
  legacy: false,
  locale: saved(),
  fallbackLocale: false,
  flatJson: true,
  messages: { zh, en },
  missingWarn: false,
  fallbackWarn: false,
  missing: (locale, key) => {
    window.chuangdaiMissing = window.chuangdaiMissing || [];
    window.chuangdaiMissing.push(`${locale}:${key}`);
    return key;
  },
});

export const t = (...args) => i18n.global.t(...args);
export const te = (key) => i18n.global.te(key);
export const lang = () => i18n.global.locale.value;

export function setLang(l) {
  i18n.global.locale.value = l === 'en' ? 'en' : 'zh';
  document.documentElement.lang = l === 'en' ? 'en' : 'zh-CN';
  try {
    localStorage.setItem(KEY, i18n.global.locale.value);
  } catch {
    // private mode: the choice lasts for this page only
  }
}
