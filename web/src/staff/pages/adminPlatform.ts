// For platform administrators (a province or region hosting many comuni):
// the served comuni, and adding one — found by name in the national list —
// with its first administrator, whose password is shown once.

import { h, replace, Child } from '../../common/dom';
import { t } from '../../common/i18n';
import { api, ApiError } from '../../common/api';
import { clearFieldErrors, field, messageBox, showError, showFieldErrors } from '../ui';
import type * as gen from '../../api.gen';

export type ServedComune = gen.ServedComune;

interface ComuneEntry {
  istat: string;
  name: string;
  province: string;
  served: boolean;
}

interface Added {
  comune: ServedComune;
  admin_username: string;
  admin_password: string;
}

export function platformSection(served: ServedComune[], reload: (done?: string, ...more: Child[]) => Promise<void>): HTMLElement[] {
  const box = messageBox();
  const query = h('input', { class: 'form-control', autocomplete: 'off' }) as HTMLInputElement;
  const choice = h('select', { class: 'form-select' }) as HTMLSelectElement;
  const username = h('input', { class: 'form-control', autocomplete: 'off' }) as HTMLInputElement;
  const name = h('input', { class: 'form-control', autocomplete: 'off' }) as HTMLInputElement;
  const urpEmail = h('input', { class: 'form-control', type: 'email', autocomplete: 'off' }) as HTMLInputElement;
  const starter = h('input', { class: 'form-check-input', type: 'checkbox', id: 'platform-starter', checked: true }) as HTMLInputElement;

  const find = async () => {
    clearFieldErrors(form);
    try {
      const found = await api<ComuneEntry[]>('platform/comuni', { query: { q: query.value.trim() } });
      replace(
        choice,
        ...(found.length
          ? found.map((c) => h('option', { value: c.istat, disabled: c.served }, `${c.name} (${c.province}) — ${c.istat}${c.served ? `, ${t('staff.admin.platform.served')}` : ''}`))
          : [h('option', { value: '' }, t('staff.admin.platform.none'))]),
      );
      choice.focus();
    } catch (e) {
      showError(box, e);
    }
  };

  const form: HTMLFormElement = h(
    'form',
    {
      class: 'staff-form mb-4',
      'aria-labelledby': 'platform-add',
      onsubmit: async (ev: Event) => {
        ev.preventDefault();
        clearFieldErrors(form);
        try {
          const added = await api<Added>('platform/municipalities', {
            method: 'POST',
            json: {
              istat: choice.value,
              starter: starter.checked,
              urp_email: urpEmail.value.trim() || null,
              admin: { username: username.value.trim(), display_name: name.value.trim() },
            },
          });
          await reload(t('staff.admin.platform.added', {
              name: added.comune.name,
              prefix: added.comune.code_prefix,
              username: added.admin_username,
              password: added.admin_password,
            }));
        } catch (e) {
          if (e instanceof ApiError && e.fields.length) showError(box, e, showFieldErrors(form, e));
          else showError(box, e);
        }
      },
    },
    h('h3', { class: 'h5 mt-4', id: 'platform-add' }, t('staff.admin.platform.add')),
    box,
    field(t('staff.admin.platform.search'), query, { hint: t('staff.admin.platform.searchHint') }),
    h('button', { type: 'button', class: 'btn btn-outline-primary mb-3', onclick: () => void find() }, t('staff.admin.platform.searchButton')),
    field(t('staff.admin.platform.choose'), choice, { name: 'istat', required: true }),
    h('div', { class: 'form-check mb-3' }, starter, h('label', { class: 'form-check-label', for: 'platform-starter' }, t('staff.admin.platform.starter'))),
    field(t('staff.admin.platform.urpEmail'), urpEmail, { name: 'urp_email' }),
    field(t('staff.admin.platform.adminUsername'), username, { name: 'admin.username', required: true }),
    field(t('staff.admin.platform.adminName'), name, { name: 'admin.display_name', required: true }),
    h('button', { type: 'submit', class: 'btn btn-primary' }, t('staff.admin.platform.submit')),
  ) as HTMLFormElement;

  return [
    h('h2', { class: 'h4', id: 'admin-platform' }, t('staff.admin.platform.title')),
    h(
      'div',
      { class: 'table-responsive staff-table-wrap' },
      h(
        'table',
        { class: 'table staff-table' },
        h('caption', {}, t('staff.admin.platform.caption')),
        h('thead', {}, h('tr', {}, ['istat', 'name', 'prefix'].map((c) => h('th', { scope: 'col' }, t(`staff.admin.platform.col.${c}`))))),
        h('tbody', {}, served.map((m) => h('tr', {}, h('th', { scope: 'row' }, m.istat), h('td', {}, m.name), h('td', {}, m.code_prefix)))),
      ),
    ),
    form,
  ];
}
