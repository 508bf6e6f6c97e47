// Confirmations before a money decision, and the percent check of rates.
import { h } from 'vue';
import { ElMessageBox } from 'element-plus';
import { t } from './i18n.js';
import { percentOf, fractionFromPercent } from './format.js';

// summary asks the person to confirm the figures of a money decision.
export function confirmSummary(title, pairs, confirmText) {
  return ElMessageBox.confirm(
    h('dl', { class: 'facts summary' }, pairs.map(([k, v]) => h('div', {}, [h('dt', {}, k), h('dd', {}, v)]))),
    title,
    { confirmButtonText: confirmText, cancelButtonText: t('common.back'), type: 'warning', distinguishCancelAndClose: true },
  ).then(() => true, () => false);
}

// checkPercent answers the percent to send: a value under 1 (such as 0.0395)
// asks "您是否要填写 3.95%？"; yes takes 3.95, no keeps what was typed.
export async function checkPercent(typed) {
  const v = String(typed || '').replace(/%$/, '').trim();
  if (!/^\d*\.?\d+$/.test(v) || Number(v) >= 1 || Number(v) === 0) return v;
  const suggested = percentOf(v);
  try {
    await ElMessageBox.confirm(t('rate.didYouMean', { pct: `${suggested}%` }), t('rate.checkTitle'), {
      confirmButtonText: t('rate.useSuggested', { pct: `${suggested}%` }),
      cancelButtonText: t('rate.keepTyped', { pct: `${v}%` }),
      type: 'warning', distinguishCancelAndClose: true,
    });
    return suggested;
  } catch (action) {
    if (action === 'cancel') return v;
    throw new Error('closed');
  }
}

export const toFraction = fractionFromPercent;
