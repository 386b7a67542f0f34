// The comune's administration: its offices (create, deactivate handing their
// work to another), its staff accounts, and the log of every change.

import { h, replace, announce, Child } from '../../common/dom';
import { has, t } from '../../common/i18n';
import { api, ApiError } from '../../common/api';
import { dateTime } from '../../common/format';
import type { PageCtx } from '../main';
import { actionForm, checkbox, clearFieldErrors, field, loading, messageBox, pageHeader, showError, showFieldErrors, showSuccess } from '../ui';
import type { CategoriesResponse, CategoryView, StaffUser } from '../types';
import * as session from '../session';
import { routingSection, Zone } from './adminRouting';
import { platformSection, ServedComune } from './adminPlatform';
import { AdminCategory, categoriesSection } from './adminCategories';
import { calendarSection, CalendarSettings, DeadNotification } from './adminCalendar';
import { ApiKey, integrationsSection } from './adminIntegrations';
import type * as gen from '../../api.gen';


type AdminOffice = gen.AdminOfficeView;

type AuditEntry = gen.AuditEntry;

/** The action in words, or its code when the console does not know it. */
function actionName(code: string): string {
  const key = `staff.admin.audit.actions.${code}`;
  return has(key) ? t(key) : code;
}

/** A table with a caption, column headers and one row per item. */
function table<T>(caption: string, columns: string[], items: T[], row: (item: T) => HTMLElement[]): HTMLElement {
  return h(
    'div',
    { class: 'table-responsive staff-table-wrap' },
    h(
      'table',
      { class: 'table staff-table' },
      h('caption', {}, caption),
      h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, items.map((item) => h('tr', {}, row(item)))),
    ),
  );
}

/** The change log's newest entries, in words. */
function auditLog(entries: AuditEntry[]): HTMLElement[] {
  return [
    h('h2', { class: 'h4', id: 'admin-audit' }, t('staff.admin.audit.title')),
    entries.length
      ? table(
          t('staff.admin.audit.caption'),
          ['at', 'actor', 'action', 'target'].map((c) => t(`staff.admin.audit.col.${c}`)),
          entries,
          (e) => [h('td', {}, dateTime(e.at)), h('td', {}, e.actor), h('td', {}, actionName(e.action)), h('td', {}, e.target)],
        )
      : h('p', { class: 'staff-empty' }, t('staff.admin.audit.empty')),
  ];
}

export async function adminPage(ctx: PageCtx): Promise<void> {
  const errors = messageBox();
  // Outside the sections, which are redrawn after a change.
  const flash = messageBox();
  const offices = h('section', { class: 'mb-5', 'aria-labelledby': 'admin-offices' }, loading());
  const accounts = h('section', { class: 'mb-5', 'aria-labelledby': 'admin-accounts' }, loading());
  const isPlatform = session.user()!.role === 'platform';
  const platform = h('section', { class: 'mb-5', 'aria-labelledby': 'admin-platform' });
  let servedComuni: ServedComune[] = [];
  const routing = h('section', { class: 'mb-5', 'aria-labelledby': 'admin-routing' }, loading());
  const categorySection = h('section', { class: 'mb-5', 'aria-labelledby': 'admin-categories' }, loading());
  const calendar = h('section', { class: 'mb-5', 'aria-labelledby': 'admin-calendar' }, loading());
  let adminCategories: AdminCategory[] = [];
  let calendarSettings: CalendarSettings | null = null;
  let dead: DeadNotification[] = [];
  let keys: ApiKey[] = [];
  const integrations = h('section', { class: 'mb-5', 'aria-labelledby': 'admin-integrations' }, loading());
  const log = h('section', { 'aria-labelledby': 'admin-audit' }, loading());
  let zones: Zone[] = [];
  let categories: CategoryView[] = [];
  let users: StaffUser[] = [];
  let officeList: AdminOffice[] = [];
  let entries: AuditEntry[] = [];

  const officeForm = () => {
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
        await reload(t('staff.admin.offices.created', { name: created.name }));
      },
      field(t('staff.admin.offices.code'), code, { name: 'code', required: true, hint: t('staff.admin.offices.codeHint') }),
      field(t('staff.admin.offices.name'), name, { name: 'name', required: true }),
      field(t('staff.admin.offices.kind'), kind, { name: 'kind' }),
      field(t('staff.admin.offices.email'), email, { name: 'email' }),
      h('button', { type: 'submit', class: 'btn btn-primary' }, t('staff.admin.offices.create')),
    );
  };

  const deactivateForm = () => {
    const box = messageBox();
    const active = officeList.filter((o) => o.active);
    const which = h(
      'select',
      { class: 'form-select' },
      h('option', { value: '' }, t('staff.admin.offices.choose')),
      active.map((o) => h('option', { value: o.code }, o.name)),
    ) as HTMLSelectElement;
    const moveTo = h(
      'select',
      { class: 'form-select' },
      h('option', { value: '' }, t('staff.admin.offices.nobody')),
      active.map((o) => h('option', { value: o.code }, o.name)),
    ) as HTMLSelectElement;
    const impact = h('p', { class: 'form-text', 'aria-live': 'polite' });
    which.addEventListener('change', () => {
      const office = active.find((o) => o.code === which.value);
      impact.textContent = office ? t('staff.admin.offices.impact', { ...office.load }) : '';
    });
    const form: HTMLFormElement = h(
      'form',
      {
        class: 'staff-form mb-4',
        'aria-labelledby': 'admin-deactivate',
        onsubmit: async (ev: Event) => {
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
            await reload(t('staff.admin.offices.deactivated'));
          } catch (e) {
            if (e instanceof ApiError && e.fields.length) showError(box, e, showFieldErrors(form, e));
            else showError(box, e);
          }
        },
      },
      h('h3', { class: 'h5', id: 'admin-deactivate' }, t('staff.admin.offices.deactivate')),
      box,
      field(t('staff.admin.offices.which'), which, { name: 'code', required: true }),
      impact,
      field(t('staff.admin.offices.moveTo'), moveTo, { name: 'move_to', hint: t('staff.admin.offices.moveToHint') }),
      h('button', { type: 'submit', class: 'btn btn-outline-danger' }, t('staff.admin.offices.deactivateButton')),
    ) as HTMLFormElement;
    return form;
  };

  const drawOffices = () =>
    replace(
      offices,
      h('h2', { class: 'h4', id: 'admin-offices' }, t('staff.admin.offices.title')),
      table(
        t('staff.admin.offices.caption'),
        ['code', 'name', 'kind', 'open', 'state'].map((c) => t(`staff.admin.offices.col.${c}`)),
        officeList,
        (o) => [
          h('th', { scope: 'row' }, o.code),
          h('td', {}, o.name),
          h('td', {}, t(`staff.admin.offices.kinds.${o.kind}`)),
          h('td', {}, String(o.load.open_reports)),
          h('td', {}, t(o.active ? 'staff.admin.offices.active' : 'staff.admin.offices.inactive')),
        ],
      ),
      h('div', { class: 'staff-admin-forms' }, officeForm(), deactivateForm()),
    );

  const accountAction = (label: string, run: () => Promise<void>) =>
    h(
      'button',
      {
        type: 'button',
        class: 'btn btn-sm btn-outline-primary me-2',
        onclick: async () => {
          try {
            await run();
          } catch (e) {
            showError(flash, e);
          }
        },
      },
      label,
    );

  const accountForm = () => {
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
      officeList.filter((o) => o.active).map((o) => h('option', { value: o.code }, o.name)),
    ) as HTMLSelectElement;
    return actionForm(
      'admin-new-account',
      h('h3', { class: 'h5 mt-4', id: 'admin-new-account' }, t('staff.admin.accounts.new')),
      async () => {
        const created = await api<StaffUser & { initial_password?: string }>('admin/users', {
          method: 'POST',
          json: { username: username.value.trim(), display_name: name.value.trim(), role: role.value, offices: office.value ? [office.value] : [] },
        });
        await reload(t('staff.admin.accounts.created', { username: created.username, password: created.initial_password ?? '' }));
      },
      field(t('staff.admin.col.username'), username, { name: 'username', required: true, hint: t('staff.admin.accounts.usernameHint') }),
      field(t('staff.admin.accounts.displayName'), name, { name: 'display_name', required: true }),
      field(t('staff.admin.col.role'), role, { name: 'role' }),
      field(t('staff.admin.accounts.office'), office, { name: 'offices', hint: t('staff.admin.accounts.officeHint') }),
      h('button', { type: 'submit', class: 'btn btn-primary' }, t('staff.admin.accounts.create')),
    );
  };

  /** Another role, other offices, an e-mail for escalations. */
  const accountEditForm = () => {
    const editable = users.filter((x) => x.id !== session.user()!.id && (x.role !== 'platform' || isPlatform));
    const holder = h('div');
    const which = h(
      'select',
      { class: 'form-select' },
      h('option', { value: '' }, t('staff.admin.accounts.chooseAccount')),
      editable.map((x) => h('option', { value: x.id }, `${x.username} — ${x.display_name}`)),
    ) as HTMLSelectElement;
    const formFor = (who: StaffUser) => {
      const roles = ['urp', 'office', 'supervisor', 'admin', ...(isPlatform ? ['platform'] : [])];
      const role = h(
        'select',
        { class: 'form-select' },
        roles.map((r) => h('option', r === who.role ? { value: r, selected: true } : { value: r }, t(`staff.roles.${r}`))),
      ) as HTMLSelectElement;
      const boxes = officeList
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
          await reload(t('staff.admin.accounts.updated', { username: who.username }));
          flash.focus();
        },
        field(t('staff.admin.col.role'), role, { name: 'role' }),
        offices,
        field(t('staff.admin.accounts.email'), email, { name: 'email', hint: t('staff.admin.accounts.emailHint') }),
        h('button', { type: 'submit', class: 'btn btn-primary' }, t('staff.admin.accounts.save')),
      );
    };
    which.addEventListener('change', () => {
      const who = editable.find((x) => x.id === which.value);
      replace(holder, who ? formFor(who) : null);
    });
    return h(
      'div',
      { class: 'staff-form mb-4' },
      h('h3', { class: 'h5 mt-4', id: 'admin-edit-account' }, t('staff.admin.accounts.edit')),
      field(t('staff.admin.accounts.which'), which, { name: 'account' }),
      holder,
    );
  };

  const drawAccounts = () =>
    replace(
      accounts,
      h('h2', { class: 'h4', id: 'admin-accounts' }, t('staff.admin.caption')),
      table(
        t('staff.admin.caption'),
        ['username', 'name', 'role', 'offices', 'state', 'actions'].map((c) => t(`staff.admin.col.${c}`)),
        users,
        (u) => [
          h('th', { scope: 'row' }, u.username),
          h('td', {}, u.display_name),
          h('td', {}, t(`staff.roles.${u.role}`)),
          h('td', {}, u.offices.join(', ') || '—'),
          h('td', {}, t(u.active === false ? 'staff.admin.accounts.disabled' : 'staff.admin.accounts.enabled')),
          h(
            'td',
            {},
            u.id === session.user()!.id || (u.role === 'platform' && !isPlatform)
              ? '—'
              : [
                  accountAction(t(u.active === false ? 'staff.admin.accounts.enable' : 'staff.admin.accounts.disable', { username: u.username }), async () => {
                    await api(`admin/users/${encodeURIComponent(u.id)}`, { method: 'PATCH', json: { active: u.active === false } });
                    await reload(t(u.active === false ? 'staff.admin.accounts.enabledDone' : 'staff.admin.accounts.disabledDone', { username: u.username }));
                  }),
                  accountAction(t('staff.admin.accounts.reset', { username: u.username }), async () => {
                    const p = await api<{ password: string }>(`admin/users/${encodeURIComponent(u.id)}/password`, { method: 'POST' });
                    showSuccess(flash, t('staff.admin.accounts.resetDone', { username: u.username, password: p.password }));
                  }),
                ],
          ),
        ],
      ),
      accountForm(),
      accountEditForm(),
    );

  const drawRouting = () =>
    replace(
      routing,
      ...routingSection({ zones, offices: officeList, categories, flash, reload, alive: ctx.alive }),
    );

  const drawCategories = () => replace(categorySection, ...categoriesSection({ categories: adminCategories, offices: officeList, reload }));

  const drawIntegrations = () => replace(integrations, ...integrationsSection({ offices: officeList, keys, flash, reload }));

  const drawCalendar = () => {
    if (calendarSettings) replace(calendar, ...calendarSection({ calendar: calendarSettings, dead, flash, reload }));
  };

  /** To a section's heading, without a route change (a fragment would re-route). */
  const jump = (ev: Event, target: string) => {
    ev.preventDefault();
    const heading = document.getElementById(target);
    if (!heading) return;
    heading.setAttribute('tabindex', '-1');
    heading.focus();
    heading.scrollIntoView();
  };

  /** Links to the page's sections, for a page this long. */
  const contents = () =>
    h(
      'nav',
      { class: 'mb-4', 'aria-labelledby': 'admin-contents' },
      h('h2', { class: 'h6', id: 'admin-contents' }, t('staff.admin.contents')),
      h(
        'ul',
        { class: 'list-inline' },
        [isPlatform ? 'platform' : null, 'offices', 'categories', 'routing', 'accounts', 'integrations', 'calendar', 'audit']
          .filter((s): s is string => s !== null)
          .map((s) => h('li', { class: 'list-inline-item' }, h('a', { href: `#admin-${s}`, onclick: (ev: Event) => jump(ev, `admin-${s}`) }, t(`staff.admin.sections.${s}`)))),
      ),
    );

  const drawPlatform = () => {
    if (isPlatform) replace(platform, ...platformSection(servedComuni, reload));
  };

  const drawLog = () => replace(log, ...auditLog(entries));

  const draw = () =>
    replace(
      ctx.main,
      ...pageHeader(t('staff.admin.title'), t('staff.admin.lead')),
      h('p', {}, h('a', { href: '/api/docs/' }, t('staff.admin.apiDocs'))),
      errors,
      flash,
      contents(),
      isPlatform ? platform : null,
      offices,
      categorySection,
      routing,
      accounts,
      integrations,
      calendar,
      log,
    );

  let loaded = false;
  /** Reloads everything and redraws; then says `done` (once the page shows the change). */
  async function reload(done?: string, ...more: Child[]): Promise<void> {
    try {
      const municipality = session.user()!.municipality;
      [officeList, users, entries, zones, categories, adminCategories, calendarSettings, dead, keys] = await Promise.all([
        api<AdminOffice[]>('admin/offices'),
        api<StaffUser[]>('admin/users'),
        api<{ items: AuditEntry[] }>('admin/audit', { query: { limit: 20 } }).then((p) => p.items),
        api<Zone[]>('admin/zones'),
        api<CategoriesResponse>('categories', { query: { municipality } }).then((c) => c.categories),
        api<AdminCategory[]>('admin/categories'),
        api<CalendarSettings>('admin/calendar'),
        api<DeadNotification[]>('admin/outbox/dead'),
        api<ApiKey[]>('admin/api-keys'),
      ]);
      if (isPlatform) servedComuni = await api<ServedComune[]>('platform/municipalities');
      if (!ctx.alive()) return;
      drawPlatform();
      drawOffices();
      drawCategories();
      drawRouting();
      drawAccounts();
      drawIntegrations();
      drawCalendar();
      drawLog();
      // Once: after a change, what the change said is the news.
      if (done !== undefined) showSuccess(flash, done, ...more);
      else if (!loaded) announce(t('staff.admin.loaded'));
      loaded = true;
    } catch (e) {
      if (ctx.alive()) showError(errors, e);
    }
  }

  draw();
  ctx.onRedraw(() => {
    draw();
    drawPlatform();
    drawOffices();
    drawCategories();
    drawRouting();
    drawAccounts();
    drawIntegrations();
    drawCalendar();
    drawLog();
  });
  ctx.ready(t('staff.admin.title'));
  await reload();
}

/**
 * The comune's configuration for supervisors, read-only: the categories
 * with their offices and deadlines, the routing zones with the point tester,
 * and the change log. Changes are the administrator's.
 */
export async function configurationPage(ctx: PageCtx): Promise<void> {
  const errors = messageBox();
  const flash = messageBox();
  const categorySection = h('section', { class: 'mb-5', 'aria-labelledby': 'admin-categories' }, loading());
  const routing = h('section', { class: 'mb-5', 'aria-labelledby': 'admin-routing' }, loading());
  const log = h('section', { 'aria-labelledby': 'admin-audit' }, loading());
  let offices: { code: string; name: string; active: boolean }[] = [];
  let adminCategories: AdminCategory[] = [];
  let categories: CategoryView[] = [];
  let zones: Zone[] = [];
  let entries: AuditEntry[] = [];
  const reload = async () => {
    const municipality = session.user()!.municipality;
    [offices, adminCategories, categories, zones, entries] = await Promise.all([
      api<{ code: string; name: string }[]>('offices').then((os) => os.map((o) => ({ ...o, active: true }))),
      api<AdminCategory[]>('admin/categories'),
      api<CategoriesResponse>('categories', { query: { municipality } }).then((c) => c.categories),
      api<Zone[]>('admin/zones'),
      api<{ items: AuditEntry[] }>('admin/audit', { query: { limit: 20 } }).then((p) => p.items),
    ]);
  };
  const drawSections = () => {
    replace(categorySection, ...categoriesSection({ categories: adminCategories, offices, reload, readOnly: true }));
    replace(routing, ...routingSection({ zones, offices, categories, flash, reload, alive: ctx.alive, readOnly: true }));
    replace(log, ...auditLog(entries));
  };
  const draw = () => replace(ctx.main, ...pageHeader(t('staff.configuration.title'), t('staff.configuration.lead')), errors, flash, categorySection, routing, log);
  draw();
  ctx.onRedraw(() => {
    draw();
    drawSections();
  });
  ctx.ready(t('staff.configuration.title'));
  try {
    await reload();
    if (!ctx.alive()) return;
    drawSections();
    announce(t('staff.admin.loaded'));
  } catch (e) {
    if (ctx.alive()) showError(errors, e);
  }
}
