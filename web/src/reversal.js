// Proposing a reversal (冲正): the reason dialog, then POST /api/v1/reversals.
import { ElMessageBox } from 'element-plus';
import { api } from './api.js';
import { t } from './i18n.js';

// proposeReversal asks for the reason and proposes the reversal of the
// posting; it answers the reversal, or null when the person cancelled.
export async function proposeReversal(body, what) {
  let reason;
  try {
    ({ value: reason } = await ElMessageBox.prompt(t('reversal.reasonLead', { what }), t('reversal.propose'), {
      confirmButtonText: t('reversal.propose'), cancelButtonText: t('common.back'), inputType: 'textarea',
      inputPlaceholder: t('reversal.reason'), inputValidator: (v) => (v && v.trim() ? true : t('reversal.reasonRequired')),
      customClass: 'reversal-dialog',
    }));
  } catch {
    return null;
  }
  return api('POST', '/api/v1/reversals', { body: { ...body, reason: reason.trim() } });
}
