// Changing an office (name, kind, contacts, the webhook its own system
// receives, the webhook's secret) and the API keys of integrations (issued
// once, listed, revoked). A secret or a key is shown this once.

import { h, replace, Child } from '../../common/dom';
import { t } from '../../common/i18n';
import { api } from '../../common/api';
import { dateTime } from '../../common/format';
import { actionForm, field, showError, showSuccess, textInput } from '../ui';
import type * as gen from '../../api.gen';

export interface EditableOffice {
  code: string;
  name: string;
  kind: string;
  email?: string | null;
  phone?: string | null;
  webhook_url?: string | null;
  active: boolean;
}

export type ApiKey = gen.ApiKeyView;

export interface IntegrationDeps {
  offices: EditableOffice[];
  keys: ApiKey[];
  flash: HTMLElement;
  /** Reloads the page's data and redraws; then says `done` (with `more`). */
  reload: (done?: string, ...more: Child[]) => Promise<void>;
}

/** A secret or a key, shown once, in a box that can be selected and copied. */
const once = (label: string, secret: string) => h('p', { class: 'mb-0' }, `${label} `, h('code', { class: 'user-select-all' }, secret));

function officeEditor(d: IntegrationDeps): HTMLElement {
  const holder = h('div');
  const which = h(
    'select',
    { class: 'form-select' },
    h('option', { value: '' }, t('staff.admin.offices.choose')),
    d.offices.filter((o) => o.active).map((o) => h('option', { value: o.code }, o.name)),
  ) as HTMLSelectElement;
  const formFor = (o: EditableOffice) => {
    const name = textInput(o.name);
    const kind = h(
      'select',
      { class: 'form-select' },
      ['internal', 'company'].map((k) => h('option', k === o.kind ? { value: k, selected: true } : { value: k }, t(`staff.admin.offices.kinds.${k}`))),
    ) as HTMLSelectElement;
    const email = textInput(o.email ?? '', { type: 'email' });
    const phone = textInput(o.phone ?? '', { type: 'tel' });
    const hook = textInput(o.webhook_url ?? '', { type: 'url', inputmode: 'url' });
    const rotate = h(
      'button',
      {
        type: 'button',
        class: 'btn btn-outline-secondary ms-2',
        onclick: async () => {
          try {
            const changed = await api<{ webhook_secret: string }>(`admin/offices/${encodeURIComponent(o.code)}/webhook-secret`, { method: 'POST' });
            showSuccess(d.flash, t('staff.admin.integrations.rotated', { name: o.name }), once(t('staff.admin.integrations.secret'), changed.webhook_secret));
            d.flash.focus();
          } catch (e) {
            showError(d.flash, e);
          }
        },
      },
      t('staff.admin.integrations.rotate'),
    );
    return actionForm(
      'admin-edit-office-title',
      h('h4', { class: 'h6 mt-3', id: 'admin-edit-office-title' }, t('staff.admin.integrations.editing', { name: o.name })),
      async () => {
        const changed = await api<{ name: string; webhook_secret?: string }>(`admin/offices/${encodeURIComponent(o.code)}`, {
          method: 'PATCH',
          json: { name: name.value.trim(), kind: kind.value, email: email.value.trim(), phone: phone.value.trim(), webhook_url: hook.value.trim() },
        });
        const secret = changed.webhook_secret ? once(t('staff.admin.integrations.secret'), changed.webhook_secret) : null;
        await d.reload(t('staff.admin.integrations.updated', { name: changed.name }), secret);
        // The section was redrawn: the focus goes to what was said (a secret is read now or never).
        d.flash.focus();
      },
      field(t('staff.admin.offices.name'), name, { name: 'name', required: true }),
      field(t('staff.admin.offices.kind'), kind, { name: 'kind' }),
      field(t('staff.admin.offices.email'), email, { name: 'email' }),
      field(t('staff.admin.integrations.phone'), phone, { name: 'phone' }),
      field(t('staff.admin.integrations.webhook'), hook, { name: 'webhook_url', hint: t('staff.admin.integrations.webhookHint') }),
      h('button', { type: 'submit', class: 'btn btn-primary' }, t('staff.admin.integrations.save')),
      o.webhook_url ? rotate : null,
    );
  };
  which.addEventListener('change', () => {
    const office = d.offices.find((o) => o.code === which.value);
    replace(holder, office ? formFor(office) : null);
  });
  return h(
    'div',
    { class: 'staff-form mb-4' },
    h('h3', { class: 'h5 mt-4', id: 'admin-edit-office' }, t('staff.admin.integrations.editOffice')),
    field(t('staff.admin.integrations.which'), which, { name: 'office' }),
    holder,
  );
}

function keysTable(d: IntegrationDeps): HTMLElement {
  if (!d.keys.length) return h('p', { class: 'staff-empty' }, t('staff.admin.integrations.noKeys'));
  const revoke = async (k: ApiKey) => {
    try {
      await api(`admin/api-keys/${encodeURIComponent(k.id)}`, { method: 'DELETE' });
      await d.reload(t('staff.admin.integrations.revoked', { name: k.name }));
    } catch (e) {
      showError(d.flash, e);
    }
  };
  return h(
    'div',
    { class: 'table-responsive staff-table-wrap' },
    h(
      'table',
      { class: 'table staff-table' },
      h('caption', {}, t('staff.admin.integrations.keysCaption')),
      h('thead', {}, h('tr', {}, ['name', 'office', 'created', 'state', 'actions'].map((c) => h('th', { scope: 'col' }, t(`staff.admin.integrations.col.${c}`))))),
      h(
        'tbody',
        {},
        d.keys.map((k) =>
          h(
            'tr',
            {},
            h('th', { scope: 'row' }, k.name),
            h('td', {}, k.office ?? '—'),
            h('td', {}, dateTime(k.created_at)),
            h('td', {}, k.revoked_at ? t('staff.admin.integrations.revokedOn', { at: dateTime(k.revoked_at) }) : t('staff.admin.offices.active')),
            h(
              'td',
              {},
              k.revoked_at
                ? '—'
                : h('button', { type: 'button', class: 'btn btn-sm btn-outline-danger', onclick: () => revoke(k) }, t('staff.admin.integrations.revoke', { name: k.name })),
            ),
          ),
        ),
      ),
    ),
  );
}

function keyForm(d: IntegrationDeps): HTMLFormElement {
  const name = textInput();
  const office = h(
    'select',
    { class: 'form-select' },
    h('option', { value: '' }, t('staff.admin.integrations.noOffice')),
    d.offices.filter((o) => o.active).map((o) => h('option', { value: o.code }, o.name)),
  ) as HTMLSelectElement;
  return actionForm(
    'admin-new-key',
    h('h3', { class: 'h5 mt-4', id: 'admin-new-key' }, t('staff.admin.integrations.newKey')),
    async (form) => {
      const issued = await api<{ key: string }>('admin/api-keys', { method: 'POST', json: { name: name.value.trim(), office: office.value || null } });
      const done = [t('staff.admin.integrations.issued', { name: name.value.trim() }), once(t('staff.admin.integrations.key'), issued.key)] as const;
      form.reset();
      await d.reload(...done);
      d.flash.focus();
    },
    field(t('staff.admin.integrations.keyName'), name, { name: 'name', required: true, hint: t('staff.admin.integrations.keyNameHint') }),
    field(t('staff.admin.integrations.keyOffice'), office, { name: 'office' }),
    h('button', { type: 'submit', class: 'btn btn-primary' }, t('staff.admin.integrations.issue')),
  );
}

/** The integrations section: an office's change and webhook, the API keys. */
export function integrationsSection(d: IntegrationDeps): HTMLElement[] {
  return [h('h2', { class: 'h4', id: 'admin-integrations' }, t('staff.admin.integrations.title')), officeEditor(d), keysTable(d), keyForm(d)];
}
