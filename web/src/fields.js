// Field paths of the server's answers (missing, errors) as people read them:
// partners[1].name → 合伙人 2 姓名, enterprise.credit_code → 企业信息 统一社会信用代码.
import { t, te } from './i18n.js';

const ENTERPRISE = { name: 'apply.firmName', credit_code: 'apply.creditCode', employees: 'apply.employees', new_key_group_hires: 'apply.newHires' };
const OTHER_LOAN = { holder: 'apply.holder', kind: 'apply.loanKind', balance: 'apply.balance' };

const plain = (f) => (te(`field.${f}`) ? t(`field.${f}`) : f);

export function fieldLabel(path) {
  let m = /^partners\[(\d+)\]\.(\w+)$/.exec(path);
  if (m) return `${t('apply.partnerN', { n: Number(m[1]) + 1 })} ${plain(m[2])}`;
  m = /^other_loans\[(\d+)\]\.(\w+)$/.exec(path);
  if (m) return `${t('apply.otherLoanN', { n: Number(m[1]) + 1 })} ${OTHER_LOAN[m[2]] ? t(OTHER_LOAN[m[2]]) : m[2]}`;
  m = /^enterprise\.(\w+)$/.exec(path);
  if (m) return `${t('field.enterprise')} ${ENTERPRISE[m[1]] ? t(ENTERPRISE[m[1]]) : m[1]}`;
  return plain(path);
}

export const fieldList = (paths) => (paths || []).map(fieldLabel).join('、');
