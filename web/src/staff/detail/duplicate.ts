// "Già segnalata": the supervisor marks the report a duplicate of another;
// its citizen is pointed to the original.

import { h } from '../../common/dom';
import { t } from '../../common/i18n';
import { api } from '../../common/api';
import { codeExample, field } from '../ui';
import { actionCard, ActionCtx } from './card';

export function duplicateForm(c: ActionCtx): HTMLFormElement | null {
  if (!['new', 'taken_in', 'in_progress', 'not_competent'].includes(c.report.status)) return null;
  const of = h('input', {
    type: 'text',
    class: 'form-control',
    autocomplete: 'off',
    placeholder: codeExample(c.report.code.split('-')[0]),
    'data-testid': 'duplicate-of',
  }) as HTMLInputElement;
  const original = () => of.value.trim().toUpperCase();
  return actionCard(
    {
      id: 'dup-h',
      title: t('staff.detail.duplicate.title'),
      lead: t('staff.detail.duplicate.lead'),
      submit: { label: t('staff.detail.duplicate.submit'), class: 'btn-outline-danger' },
      check: () =>
        !original() || original() === c.report.code
          ? { field: 'of', text: t(original() ? 'staff.detail.duplicate.self' : 'common.fieldErrors.required'), focus: of }
          : null,
      send: async () => {
        const code = original();
        await api(`reports/${encodeURIComponent(c.report.code)}/duplicate`, { json: { of: code } });
        return t('staff.detail.duplicate.done', { code });
      },
      done: c.reload,
    },
    field(t('staff.detail.duplicate.label'), of, { required: true, name: 'of' }),
  );
}
