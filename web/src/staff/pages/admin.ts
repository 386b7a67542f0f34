// The comune's administration: its offices, categories, routing zones, staff
// accounts, integrations and calendar (one module each, admin*.ts), and the
// log of every change; for the platform's user, the comuni it serves.

import { h, replace, announce, Child } from '../../common/dom';
import { has, t } from '../../common/i18n';
import { api } from '../../common/api';
import { dateTime } from '../../common/format';
import type { PageCtx } from '../main';
import { loading, messageBox, pageHeader, showError, showSuccess, table } from '../ui';
import type { CategoriesResponse, CategoryView, StaffUser } from '../types';
import * as session from '../session';
import { routingSection, Zone } from './adminRouting';
import { platformSection, ServedComune } from './adminPlatform';
import { AdminCategory, categoriesSection } from './adminCategories';
import { calendarSection, CalendarSettings, DeadNotification } from './adminCalendar';
import { ApiKey, integrationsSection } from './adminIntegrations';
import { AdminOffice, officesSection } from './adminOffices';
import { accountsSection } from './adminAccounts';
import type * as gen from '../../api.gen';

type AuditEntry = gen.AuditEntry;

/** The action in words, or its code when the console does not know it. */
function actionName(code: string): string {
  const key = `staff.admin.audit.actions.${code}`;
  return has(key) ? t(key) : code;
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

/** Everything the page shows, as last loaded. */
interface AdminData {
  offices: AdminOffice[];
  users: StaffUser[];
  entries: AuditEntry[];
  zones: Zone[];
  categories: CategoryView[];
  adminCategories: AdminCategory[];
  calendar: CalendarSettings | null;
  dead: DeadNotification[];
  keys: ApiKey[];
  served: ServedComune[];
}

/** Loads the page's data into `data` (the comuni served only for the platform's user). */
async function loadAdminData(data: AdminData, isPlatform: boolean): Promise<void> {
  const municipality = session.user()!.municipality;
  [data.offices, data.users, data.entries, data.zones, data.categories, data.adminCategories, data.calendar, data.dead, data.keys] = await Promise.all([
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
  if (isPlatform) data.served = await api<ServedComune[]>('platform/municipalities');
}

/** The page's sections, in its order; each is drawn into its own element. */
const SECTIONS = ['platform', 'offices', 'categories', 'routing', 'accounts', 'integrations', 'calendar', 'audit'] as const;
type Section = (typeof SECTIONS)[number];

export async function adminPage(ctx: PageCtx): Promise<void> {
  const errors = messageBox();
  // Outside the sections, which are redrawn after a change.
  const flash = messageBox();
  const isPlatform = session.user()!.role === 'platform';
  const sections = sectionElements();
  const data: AdminData = { offices: [], users: [], entries: [], zones: [], categories: [], adminCategories: [], calendar: null, dead: [], keys: [], served: [] };

  const drawSections = () => {
    const { offices } = data;
    if (isPlatform) replace(sections.platform, ...platformSection(data.served, reload));
    replace(sections.offices, ...officesSection({ offices, reload }));
    replace(sections.categories, ...categoriesSection({ categories: data.adminCategories, offices, reload }));
    replace(sections.routing, ...routingSection({ zones: data.zones, offices, categories: data.categories, flash, reload, alive: ctx.alive }));
    replace(sections.accounts, ...accountsSection({ users: data.users, offices, isPlatform, flash, reload }));
    replace(sections.integrations, ...integrationsSection({ offices, keys: data.keys, flash, reload }));
    if (data.calendar) replace(sections.calendar, ...calendarSection({ calendar: data.calendar, dead: data.dead, flash, reload }));
    replace(sections.audit, ...auditLog(data.entries));
  };

  const draw = () =>
    replace(
      ctx.main,
      ...pageHeader(t('staff.admin.title'), t('staff.admin.lead')),
      h('p', {}, h('a', { href: '/api/docs/' }, t('staff.admin.apiDocs'))),
      errors,
      flash,
      contents(isPlatform),
      SECTIONS.map((s) => (s === 'platform' && !isPlatform ? null : sections[s])),
    );

  let loaded = false;
  /** Reloads everything and redraws; then says `done` (once the page shows the change). */
  async function reload(done?: string, ...more: Child[]): Promise<void> {
    try {
      await loadAdminData(data, isPlatform);
      if (!ctx.alive()) return;
      drawSections();
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
    drawSections();
  });
  ctx.ready(t('staff.admin.title'));
  await reload();
}

/** An element per section, "loading" until its data is in (the platform's
 * section, shown only to the platform's user, is empty until then). */
function sectionElements(): Record<Section, HTMLElement> {
  const section = (s: Section) =>
    h('section', { class: s === 'audit' ? undefined : 'mb-5', 'aria-labelledby': `admin-${s}` }, s === 'platform' ? null : loading());
  return Object.fromEntries(SECTIONS.map((s) => [s, section(s)])) as Record<Section, HTMLElement>;
}

/** To a section's heading, without a route change (a fragment would re-route). */
function jump(ev: Event, target: string): void {
  ev.preventDefault();
  const heading = document.getElementById(target);
  if (!heading) return;
  heading.setAttribute('tabindex', '-1');
  heading.focus();
  heading.scrollIntoView();
}

/** Links to the page's sections, for a page this long. */
function contents(isPlatform: boolean): HTMLElement {
  return h(
    'nav',
    { class: 'mb-4', 'aria-labelledby': 'admin-contents' },
    h('h2', { class: 'h6', id: 'admin-contents' }, t('staff.admin.contents')),
    h(
      'ul',
      { class: 'list-inline' },
      SECTIONS.filter((s) => s !== 'platform' || isPlatform).map((s) =>
        h('li', { class: 'list-inline-item' }, h('a', { href: `#admin-${s}`, onclick: (ev: Event) => jump(ev, `admin-${s}`) }, t(`staff.admin.sections.${s}`))),
      ),
    ),
  );
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
