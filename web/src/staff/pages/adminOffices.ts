// The comune's offices: the list with each one's open reports, a new office,
// and deactivating one (its open work handed to another office, or to
// nobody: re-routed by category).

import { h } from '../../common/dom';
import { t } from '../../common/i18n';
import { api, ApiError } from '../../common/api';
import { actionForm, clearFieldErrors, field, messageBox, showError, showFieldErrors, table, type Reload } from '../ui';
import type * as gen from '../../api.gen';

export type AdminOffice = gen.AdminOfficeView;

export interface OfficesDeps {
  offices: AdminOffice[];
  reload: Reload;
}

export function officesSection(d: OfficesDeps): HTMLElement[] {
  return [
    h('h2', { class: 'h4', id: 'admin-offices' }, t('staff.admin.offices.title')),
    table(
      t('staff.admin.offices.caption'),
      ['code', 'name', 'kind', 'open', 'state'].map((c) => t(`staff.admin.offices.col.${c}`)),
      d.offices,
      (o) => [
        h('th', { scope: 'row' }, o.code),
        h('td', {}, o.name),
        h('td', {}, t(`staff.admin.offices.kinds.${o.kind}`)),
        h('td', {}, String(o.load.open_reports)),
        h('td', {}, t(o.active ? 'staff.admin.offices.active' : 'staff.admin.offices.inactive')),
      ],
    ),
    h('div', { class: 'staff-admin-forms' }, officeForm(d), deactivateForm(d)),
  ];
}

function officeForm(d: OfficesDeps): HTMLFormElement {
  const code = h('input', { class: 'form-control', autocomplete: 'off', pattern: '[a-z0-9_\\-]{1,64}' }) as HTMLInputElement;
  const name = h('input', { class: 'form-control', autocomplete: 'off' }) as HTMLInputElement;
  const kind = h(
    'select',
    { class: 'form-select' },
    ['internal', 'company'].map((k) => h('option', { value: k }, t(`staff.admin.offices.kinds.${k}`))),
  ) as HTMLSelectElement;
  const email = h('input', { class: 'form-control', type: 'email', autocomplete: 'off' }) as HTMLInputElement;
  return actionForm(
    'admin-new-office',
    h('h3', { class: 'h5 mt-4', id: 'admin-new-office' }, t('staff.admin.offices.new')),
    async (form) => {
      const created = await api<AdminOffice>('admin/offices', {
        method: 'POST',
        json: { code: code.value.trim(), name: name.value.trim(), kind: kind.value, email: email.value.trim() || null },
      });
      form.reset();
      await d.reload(t('staff.admin.offices.created', { name: created.name }));
    },
    field(t('staff.admin.offices.code'), code, { name: 'code', required: true, hint: t('staff.admin.offices.codeHint') }),
    field(t('staff.admin.offices.name'), name, { name: 'name', required: true }),
    field(t('staff.admin.offices.kind'), kind, { name: 'kind' }),
    field(t('staff.admin.offices.email'), email, { name: 'email' }),
    h('button', { type: 'submit', class: 'btn btn-primary' }, t('staff.admin.offices.create')),
  );
}

/** Deactivating an office, with what it still holds said once it is chosen. */
function deactivateForm(d: OfficesDeps): HTMLFormElement {
  const box = messageBox();
  const active = d.offices.filter((o) => o.active);
  const select = (none: string) =>
    h('select', { class: 'form-select' }, h('option', { value: '' }, none), active.map((o) => h('option', { value: o.code }, o.name))) as HTMLSelectElement;
  const which = select(t('staff.admin.offices.choose'));
  const moveTo = select(t('staff.admin.offices.nobody'));
  const impact = h('p', { class: 'form-text', 'aria-live': 'polite' });
  which.addEventListener('change', () => {
    const office = active.find((o) => o.code === which.value);
    impact.textContent = office ? t('staff.admin.offices.impact', { ...office.load }) : '';
  });
  const submit = async (ev: Event) => {
    ev.preventDefault();
    clearFieldErrors(form);
    if (!which.value) {
      showError(box, new ApiError(422, 'required', t('staff.admin.offices.choose')));
      which.focus();
      return;
    }
    try {
      await api(`admin/offices/${encodeURIComponent(which.value)}/deactivate`, {
        method: 'POST',
        json: moveTo.value ? { move_to: moveTo.value } : {},
      });
      await d.reload(t('staff.admin.offices.deactivated'));
    } catch (e) {
      if (e instanceof ApiError && e.fields.length) showError(box, e, showFieldErrors(form, e));
      else showError(box, e);
    }
  };
  const form: HTMLFormElement = h(
    'form',
    { class: 'staff-form mb-4', 'aria-labelledby': 'admin-deactivate', onsubmit: submit },
    h('h3', { class: 'h5', id: 'admin-deactivate' }, t('staff.admin.offices.deactivate')),
    box,
    field(t('staff.admin.offices.which'), which, { name: 'code', required: true }),
    impact,
    field(t('staff.admin.offices.moveTo'), moveTo, { name: 'move_to', hint: t('staff.admin.offices.moveToHint') }),
    h('button', { type: 'submit', class: 'btn btn-outline-danger' }, t('staff.admin.offices.deactivateButton')),
  ) as HTMLFormElement;
  return form;
}
