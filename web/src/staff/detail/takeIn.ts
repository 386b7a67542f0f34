// "Prendi in carico": the office takes the report, optionally saying so to
// the citizen.

import { t } from '../../common/i18n';
import { api } from '../../common/api';
import { actionCard, ActionCtx } from './card';

export function takeInForm(c: ActionCtx): HTMLFormElement {
  const msg = c.messageField(() => 'taken_in', 'takein');
  return actionCard(
    {
      id: 'takein-h',
      title: t('staff.detail.takeIn.title'),
      lead: t('staff.detail.takeIn.lead'),
      submit: { label: t('staff.detail.takeIn.submit'), testid: 'take-in' },
      send: async () => {
        await api(`reports/${encodeURIComponent(c.report.code)}/transitions`, {
          json: { to: 'taken_in', public_message: msg.area.value.trim() || null },
        });
        return t('staff.detail.takeIn.done');
      },
      done: c.reload,
    },
    ...msg.nodes,
  );
}
