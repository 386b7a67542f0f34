// An internal note: staff only, never public.

import { h } from '../../common/dom';
import { t } from '../../common/i18n';
import { api } from '../../common/api';
import { field } from '../ui';
import { actionCard, ActionCtx, required } from './card';

export function noteForm(c: ActionCtx): HTMLFormElement {
  const text = h('textarea', { class: 'form-control', rows: 3, 'data-testid': 'note-text' }) as HTMLTextAreaElement;
  return actionCard(
    {
      id: 'note-h',
      title: t('staff.detail.note.title'),
      lead: t('staff.detail.internalHint'),
      submit: { label: t('staff.detail.note.submit'), class: 'btn-outline-primary' },
      check: () => required(text, 'text', t('common.fieldErrors.required')),
      send: async () => {
        await api(`reports/${encodeURIComponent(c.report.code)}/notes`, { method: 'POST', json: { text: text.value.trim() } });
        return t('staff.detail.note.done');
      },
      done: c.reload,
    },
    field(t('staff.detail.note.label'), text, { required: true, name: 'text' }),
  );
}
