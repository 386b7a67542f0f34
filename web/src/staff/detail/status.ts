// A status change: to any next status the server allows (taking in and
// "not competent" have their own forms), with a public message, an
// internal note, the rejection reason, and "it cannot be fixed soon".

import { h, id } from '../../common/dom';
import { t } from '../../common/i18n';
import { api } from '../../common/api';
import { status as statusLabel } from '../../common/format';
import { field } from '../ui';
import { actionCard, ActionCtx } from './card';

const REJECTION_REASONS = ['not_municipal', 'invalid', 'duplicate'];

export function statusForm(c: ActionCtx): HTMLFormElement | null {
  const targets = c.report.next_statuses.filter((s) => s !== 'not_competent' && s !== 'taken_in');
  if (!targets.length) return null;
  const sel = h(
    'select',
    { class: 'form-select', 'data-testid': 'status-target' },
    targets.map((s) => h('option', { value: s }, statusLabel(s))),
  ) as HTMLSelectElement;
  sel.dataset.field = 'to';
  const msg = c.messageField(() => sel.value, 'status');
  const reason = h(
    'select',
    { class: 'form-select' },
    REJECTION_REASONS.map((r) => h('option', { value: r }, t(`staff.detail.rejection.${r}`))),
  ) as HTMLSelectElement;
  const reasonWrap = field(t('staff.detail.rejection.label'), reason, { name: 'reason' });
  const note = h('textarea', { class: 'form-control', rows: 2 }) as HTMLTextAreaElement;
  const slowId = id('slow');
  const slow = h('input', { type: 'checkbox', class: 'form-check-input', id: slowId }) as HTMLInputElement;
  const sync = () => {
    reasonWrap.hidden = sel.value !== 'rejected';
  };
  sel.addEventListener('change', () => {
    sync();
    msg.refill(true);
  });
  sync();
  return actionCard(
    {
      id: 'status-h',
      title: t('staff.detail.status.title'),
      submit: { label: t('staff.detail.status.submit'), testid: 'status-submit' },
      send: async () => {
        await api(`reports/${encodeURIComponent(c.report.code)}/transitions`, {
          json: {
            to: sel.value,
            public_message: msg.area.value.trim() || null,
            internal_note: note.value.trim() || null,
            reason: sel.value === 'rejected' ? reason.value : null,
            cannot_fix_soon: slow.checked,
          },
        });
        return t('staff.detail.status.done', { status: statusLabel(sel.value) });
      },
      done: c.reload,
    },
    field(t('staff.detail.status.target'), sel),
    reasonWrap,
    ...msg.nodes,
    field(t('staff.detail.internalNoteOptional'), note, { name: 'internal_note', hint: t('staff.detail.internalHint') }),
    h('div', { class: 'form-check staff-check' }, slow, h('label', { for: slowId }, t('staff.detail.status.cannotFixSoon'))),
  );
}
