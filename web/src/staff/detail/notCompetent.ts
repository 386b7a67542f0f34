// "Non di competenza": the office hands the report back to the
// supervisor's triage, saying why.

import { h } from '../../common/dom';
import { t } from '../../common/i18n';
import { api } from '../../common/api';
import { field } from '../ui';
import { actionCard, ActionCtx, required } from './card';

export function notCompetentForm(c: ActionCtx): HTMLFormElement | null {
  if (!['new', 'taken_in', 'in_progress'].includes(c.report.status)) return null;
  const reason = h('textarea', { class: 'form-control', rows: 3, 'data-testid': 'nc-reason' }) as HTMLTextAreaElement;
  const msg = c.messageField(() => 'not_competent', 'nc');
  return actionCard(
    {
      id: 'nc-h',
      title: t('staff.detail.notCompetent.title'),
      lead: t('staff.detail.notCompetent.lead'),
      submit: { label: t('staff.detail.notCompetent.submit'), class: 'btn-outline-danger' },
      check: () => required(reason, 'internal_note', t('staff.detail.notCompetent.reasonRequired')),
      send: async () => {
        await api(`reports/${encodeURIComponent(c.report.code)}/transitions`, {
          json: { to: 'not_competent', internal_note: reason.value.trim(), public_message: msg.area.value.trim() || null },
        });
        return t('staff.detail.notCompetent.done');
      },
      done: c.reload,
    },
    field(t('staff.detail.notCompetent.reason'), reason, { required: true, name: 'internal_note' }),
    ...msg.nodes,
  );
}
