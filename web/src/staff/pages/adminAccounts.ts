// The comune's staff accounts: the list, with enabling, disabling and a new
// password for each (never for one's own account, nor, unless one is the
// platform's, for a platform account); a new account; and changing one's
// role, offices and escalation e-mail.

import { h, replace } from '../../common/dom';
import { t } from '../../common/i18n';
import { api } from '../../common/api';
import { actionForm, checkbox, field, showError, showSuccess, table, type Reload } from '../ui';
import type { StaffUser } from '../types';
import * as session from '../session';
import type { AdminOffice } from './adminOffices';

export interface AccountsDeps {
  users: StaffUser[];
  offices: AdminOffice[];
  /** The signed-in user is the platform's (may see and give that role). */
  isPlatform: boolean;
  flash: HTMLElement;
  reload: Reload;
}

export function accountsSection(d: AccountsDeps): HTMLElement[] {
  return [
    h('h2', { class: 'h4', id: 'admin-accounts' }, t('staff.admin.caption')),
    table(
      t('staff.admin.caption'),
      ['username', 'name', 'role', 'offices', 'state', 'actions'].map((c) => t(`staff.admin.col.${c}`)),
      d.users,
      (u) => [
        h('th', { scope: 'row' }, u.username),
        h('td', {}, u.display_name),
        h('td', {}, t(`staff.roles.${u.role}`)),
        h('td', {}, u.offices.join(', ') || '—'),
        h('td', {}, t(u.active === false ? 'staff.admin.accounts.disabled' : 'staff.admin.accounts.enabled')),
        h('td', {}, u.id === session.user()!.id || (u.role === 'platform' && !d.isPlatform) ? '—' : accountActions(d, u)),
      ],
    ),
    accountForm(d),
    accountEditForm(d),
  ];
}

/** Enable or disable, and a new password (shown once, in the flash box). */
function accountActions(d: AccountsDeps, u: StaffUser): HTMLElement[] {
  const action = (label: string, run: () => Promise<void>) =>
    h(
      'button',
      {
        type: 'button',
        class: 'btn btn-sm btn-outline-primary me-2',
        onclick: async () => {
          try {
            await run();
          } catch (e) {
            showError(d.flash, e);
          }
        },
      },
      label,
    );
  return [
    action(t(u.active === false ? 'staff.admin.accounts.enable' : 'staff.admin.accounts.disable', { username: u.username }), async () => {
      await api(`admin/users/${encodeURIComponent(u.id)}`, { method: 'PATCH', json: { active: u.active === false } });
      await d.reload(t(u.active === false ? 'staff.admin.accounts.enabledDone' : 'staff.admin.accounts.disabledDone', { username: u.username }));
    }),
    action(t('staff.admin.accounts.reset', { username: u.username }), async () => {
      const p = await api<{ password: string }>(`admin/users/${encodeURIComponent(u.id)}/password`, { method: 'POST' });
      showSuccess(d.flash, t('staff.admin.accounts.resetDone', { username: u.username, password: p.password }));
    }),
  ];
}

function accountForm(d: AccountsDeps): HTMLFormElement {
  const username = h('input', { class: 'form-control', autocomplete: 'off' }) as HTMLInputElement;
  const name = h('input', { class: 'form-control', autocomplete: 'off' }) as HTMLInputElement;
  const role = h(
    'select',
    { class: 'form-select' },
    ['urp', 'office', 'supervisor', 'admin'].map((r) => h('option', { value: r }, t(`staff.roles.${r}`))),
  ) as HTMLSelectElement;
  const office = h(
    'select',
    { class: 'form-select' },
    h('option', { value: '' }, t('staff.admin.accounts.noOffice')),
    d.offices.filter((o) => o.active).map((o) => h('option', { value: o.code }, o.name)),
  ) as HTMLSelectElement;
  return actionForm(
    'admin-new-account',
    h('h3', { class: 'h5 mt-4', id: 'admin-new-account' }, t('staff.admin.accounts.new')),
    async () => {
      const created = await api<StaffUser & { initial_password?: string }>('admin/users', {
        method: 'POST',
        json: { username: username.value.trim(), display_name: name.value.trim(), role: role.value, offices: office.value ? [office.value] : [] },
      });
      await d.reload(t('staff.admin.accounts.created', { username: created.username, password: created.initial_password ?? '' }));
    },
    field(t('staff.admin.col.username'), username, { name: 'username', required: true, hint: t('staff.admin.accounts.usernameHint') }),
    field(t('staff.admin.accounts.displayName'), name, { name: 'display_name', required: true }),
    field(t('staff.admin.col.role'), role, { name: 'role' }),
    field(t('staff.admin.accounts.office'), office, { name: 'offices', hint: t('staff.admin.accounts.officeHint') }),
    h('button', { type: 'submit', class: 'btn btn-primary' }, t('staff.admin.accounts.create')),
  );
}

/** Another role, other offices, an e-mail for escalations: the account is
 * chosen first, then its form drawn. */
function accountEditForm(d: AccountsDeps): HTMLElement {
  const editable = d.users.filter((x) => x.id !== session.user()!.id && (x.role !== 'platform' || d.isPlatform));
  const holder = h('div');
  const which = h(
    'select',
    { class: 'form-select' },
    h('option', { value: '' }, t('staff.admin.accounts.chooseAccount')),
    editable.map((x) => h('option', { value: x.id }, `${x.username} — ${x.display_name}`)),
  ) as HTMLSelectElement;
  which.addEventListener('change', () => {
    const who = editable.find((x) => x.id === which.value);
    replace(holder, who ? accountEditor(d, who) : null);
  });
  return h(
    'div',
    { class: 'staff-form mb-4' },
    h('h3', { class: 'h5 mt-4', id: 'admin-edit-account' }, t('staff.admin.accounts.edit')),
    field(t('staff.admin.accounts.which'), which, { name: 'account' }),
    holder,
  );
}

function accountEditor(d: AccountsDeps, who: StaffUser): HTMLFormElement {
  const roles = ['urp', 'office', 'supervisor', 'admin', ...(d.isPlatform ? ['platform'] : [])];
  const role = h(
    'select',
    { class: 'form-select' },
    roles.map((r) => h('option', r === who.role ? { value: r, selected: true } : { value: r }, t(`staff.roles.${r}`))),
  ) as HTMLSelectElement;
  const boxes = d.offices
    .filter((o) => o.active || who.offices.includes(o.code))
    .map((o) => {
      const [wrap, box] = checkbox(o.name, who.offices.includes(o.code), { value: o.code });
      return [box, wrap] as const;
    });
  const offices = h(
    'fieldset',
    { class: 'mb-3', 'data-field': 'offices' },
    h('legend', { class: 'form-label fs-6' }, t('staff.admin.accounts.offices')),
    boxes.map(([, wrap]) => wrap),
  );
  const email = h('input', { class: 'form-control', type: 'email', autocomplete: 'off' }) as HTMLInputElement;
  return actionForm(
    'admin-edit-account-title',
    h('h4', { class: 'h6 mt-3', id: 'admin-edit-account-title' }, t('staff.admin.accounts.editing', { username: who.username })),
    async () => {
      const json: Record<string, unknown> = { role: role.value, offices: boxes.filter(([b]) => b.checked).map(([b]) => b.value) };
      if (email.value.trim()) json.email = email.value.trim();
      await api(`admin/users/${encodeURIComponent(who.id)}`, { method: 'PATCH', json });
      await d.reload(t('staff.admin.accounts.updated', { username: who.username }));
      d.flash.focus();
    },
    field(t('staff.admin.col.role'), role, { name: 'role' }),
    offices,
    field(t('staff.admin.accounts.email'), email, { name: 'email', hint: t('staff.admin.accounts.emailHint') }),
    h('button', { type: 'submit', class: 'btn btn-primary' }, t('staff.admin.accounts.save')),
  );
}
