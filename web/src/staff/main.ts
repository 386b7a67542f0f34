// The staff console: sign-in, the role-aware frame and the client-side
// routes under /staff (the server answers every /staff/... path with this page).
import 'bootstrap-italia/dist/css/bootstrap-italia.min.css';
import '../styles/fonts.css';
import '../styles/app.css';
import '../styles/staff.css';
import { h, replace, focusHeading, announce } from '../common/dom';
import { frame, title, Frame, NavLink } from '../common/layout';
import { addBundle, t, onLangChange } from '../common/i18n';
import { api, setAuth } from '../common/api';
import * as session from './session';
import type { Role, StaffUser } from './types';
import { loginDialog, loginPage } from './pages/login';
import { tickCountdowns } from './ui';
import itStaff from '../i18n/it/staff.json';
import enStaff from '../i18n/en/staff.json';

addBundle('staff', { it: itStaff, en: enStaff });

export interface PageCtx {
  main: HTMLElement;
  params: Record<string, string>;
  query: URLSearchParams;
  /** Runs instead of a full reload when the language changes. */
  onRedraw(fn: () => void): void;
  /** Runs when the user leaves the page. */
  onDispose(fn: () => void): void;
  /** False once the user has moved on (ignore late answers). */
  alive(): boolean;
  navigate(path: string): void;
  /** Sets the document title and focuses the h1. */
  ready(titleText: string): void;
}

type PageFn = (ctx: PageCtx) => void | Promise<void>;

interface Route {
  pattern: RegExp;
  roles: Role[];
  load: () => Promise<PageFn>;
}

const ALL: Role[] = ['urp', 'office', 'supervisor'];

const ROUTES: Route[] = [
  { pattern: /^\/staff\/coda$/, roles: ALL, load: () => import('./pages/queue').then((m) => m.queuePage) },
  {
    pattern: /^\/staff\/segnalazioni\/(?<code>[^/]+)$/,
    roles: ALL,
    load: () => import('./pages/detail').then((m) => m.detailPage),
  },
  { pattern: /^\/staff\/nuova$/, roles: ['urp', 'supervisor'], load: () => import('./pages/newReport').then((m) => m.newReportPage) },
  {
    pattern: /^\/staff\/richiamate$/,
    roles: ['urp', 'supervisor'],
    load: () => import('./pages/callbacks').then((m) => m.callbacksPage),
  },
  {
    pattern: /^\/staff\/escalation$/,
    roles: ['supervisor'],
    load: () => import('./pages/inboxes').then((m) => m.escalationsPage),
  },
  { pattern: /^\/staff\/smistamento$/, roles: ['supervisor'], load: () => import('./pages/inboxes').then((m) => m.triagePage) },
  {
    pattern: /^\/staff\/moderazione$/,
    roles: ['office', 'supervisor'],
    load: () => import('./pages/moderation').then((m) => m.moderationPage),
  },
  { pattern: /^\/staff\/statistiche$/, roles: ['supervisor'], load: () => import('./pages/stats').then((m) => m.statsPage) },
  { pattern: /^\/staff\/amministrazione$/, roles: ['admin', 'platform'], load: () => import('./pages/admin').then((m) => m.adminPage) },
  { pattern: /^\/staff\/configurazione$/, roles: ['supervisor'], load: () => import('./pages/admin').then((m) => m.configurationPage) },
];

function navFor(role: Role): NavLink[] {
  const queue = { href: '/staff/coda', key: role === 'office' ? 'staff.nav.queueOffice' : 'staff.nav.queue' };
  switch (role) {
    case 'office':
      return [queue, { href: '/staff/moderazione', key: 'staff.nav.moderation' }];
    case 'urp':
      return [queue, { href: '/staff/nuova', key: 'staff.nav.new' }, { href: '/staff/richiamate', key: 'staff.nav.callbacks' }];
    case 'supervisor':
      return [
        queue,
        { href: '/staff/escalation', key: 'staff.nav.escalations' },
        { href: '/staff/smistamento', key: 'staff.nav.triage' },
        { href: '/staff/moderazione', key: 'staff.nav.moderation' },
        { href: '/staff/statistiche', key: 'staff.nav.stats' },
        { href: '/staff/nuova', key: 'staff.nav.new' },
        { href: '/staff/richiamate', key: 'staff.nav.callbacks' },
        { href: '/staff/configurazione', key: 'staff.nav.configuration' },
      ];
    case 'admin':
    case 'platform':
      return [{ href: '/staff/amministrazione', key: 'staff.nav.admin' }];
  }
}

function homeFor(role: Role): string {
  return role === 'admin' || role === 'platform' ? '/staff/amministrazione' : '/staff/coda';
}

let f: Frame | null = null;
let generation = 0;
let redraw: (() => void) | null = null;
let disposers: Array<() => void> = [];
/** Until the stored session has been checked with the server. */
let booting = true;
/** Said on the sign-in page (why it is shown). */
let loginMessage: string | undefined;
let reloginOpen = false;

function userBox(): HTMLElement | null {
  const u = session.user();
  if (!u) return null;
  return h(
    'div',
    { class: 'staff-user', 'data-testid': 'whoami' },
    h('span', { class: 'staff-user-name' }, u.display_name, ' ', h('span', { class: 'staff-user-role' }, `(${t(`staff.roles.${u.role}`)})`)),
    h('button', { type: 'button', class: 'btn btn-sm staff-logout', 'data-testid': 'logout', onclick: () => logout() }, t('staff.login.logout')),
  );
}

function buildFrame(): void {
  const u = session.user();
  f = frame({
    titleKey: 'staff.title',
    homeHref: u ? homeFor(u.role) : '/staff',
    nav: u ? navFor(u.role) : [],
    extraHeader: userBox,
  });
}

function dispose(): void {
  for (const d of disposers) d();
  disposers = [];
  redraw = null;
}

/** Shows the page for the current URL. */
async function route(): Promise<void> {
  dispose();
  const gen = ++generation;
  if (!f) buildFrame();
  const main = f!.main;
  const s = session.session();
  if (!s) {
    showLogin(loginMessage);
    loginMessage = undefined;
    return;
  }
  f!.refresh();
  let path = location.pathname.replace(/\/+$/, '') || '/staff';
  if (path === '/staff') {
    path = homeFor(s.user.role);
    history.replaceState(null, '', path + location.search);
    f!.refresh();
  }
  const match = ROUTES.map((r) => ({ r, m: r.pattern.exec(path) })).find((x) => x.m);
  if (!match) {
    notFound(main);
    return;
  }
  if (!match.r.roles.includes(s.user.role)) {
    title(t('staff.forbidden.title'));
    replace(
      main,
      h('h1', {}, t('staff.forbidden.title')),
      h('p', {}, t('staff.forbidden.text')),
      h('p', {}, h('a', { href: homeFor(s.user.role) }, t('staff.forbidden.home'))),
    );
    focusHeading();
    return;
  }
  const params: Record<string, string> = {};
  for (const [k, v] of Object.entries(match.m!.groups ?? {})) params[k] = decodeURIComponent(v);
  const ctx: PageCtx = {
    main,
    params,
    query: new URLSearchParams(location.search),
    onRedraw: (fn) => (redraw = fn),
    onDispose: (fn) => disposers.push(fn),
    alive: () => gen === generation,
    navigate,
    ready: (text) => {
      if (gen !== generation) return;
      title(text);
      focusHeading();
    },
  };
  replace(main, h('p', { role: 'status' }, t('common.loading')));
  try {
    const page = await match.r.load();
    if (gen !== generation) return;
    await page(ctx);
  } catch (e) {
    if (gen !== generation) return;
    console.warn(e);
    replace(main, h('h1', {}, t('staff.errors.pageTitle')), h('p', { role: 'alert' }, t('staff.errors.unexpected')));
    focusHeading();
  }
}

function notFound(main: HTMLElement): void {
  title(t('staff.notFound.title'));
  replace(main, h('h1', {}, t('staff.notFound.title')), h('p', {}, h('a', { href: '/staff' }, t('staff.forbidden.home'))));
  focusHeading();
}

function showLogin(message?: string): void {
  buildFrame();
  loginPage(f!.main, {
    message,
    onLoggedIn: (res) => {
      session.save({ token: res.access_token, expiresAt: Date.now() + res.expires_in * 1000, user: res.user });
      setAuth(res.access_token, expired);
      buildFrame();
      announce(t('staff.login.welcome', { name: res.user.display_name }));
      void route();
    },
  });
  redraw = () => showLogin(message);
}

/** The token was refused (expired or revoked): sign in again on the same
 * URL. Over a page, in a dialog, so that what was typed there is kept. */
function expired(): void {
  const s = session.session();
  if (!s || reloginOpen) return;
  if (booting) {
    session.clear();
    loginMessage = t('common.errors.unauthorized');
    return;
  }
  reloginOpen = true;
  loginDialog({
    username: s.user.username,
    onLoggedIn: (res) => {
      reloginOpen = false;
      session.save({ token: res.access_token, expiresAt: Date.now() + res.expires_in * 1000, user: res.user });
      setAuth(res.access_token, expired);
      if (res.user.id === s.user.id) {
        announce(t('staff.login.renewed'));
      } else {
        // Someone else at this desk: start from their own pages.
        buildFrame();
        void route();
      }
    },
    onCancel: () => {
      reloginOpen = false;
      dispose();
      generation++;
      session.clear();
      showLogin(t('common.errors.unauthorized'));
    },
  });
}

function logout(): void {
  dispose();
  generation++;
  session.clear();
  history.pushState(null, '', '/staff');
  showLogin(t('staff.login.loggedOut'));
}

export function navigate(path: string): void {
  history.pushState(null, '', path);
  void route();
}

// Same-page links under /staff are handled here, without reloading.
document.addEventListener('click', (ev) => {
  if (ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
  const a = (ev.target as Element | null)?.closest?.('a');
  if (!a || a.target || a.hasAttribute('download')) return;
  const href = a.getAttribute('href');
  if (!href || !href.startsWith('/staff')) return;
  ev.preventDefault();
  navigate(href);
});
window.addEventListener('popstate', () => void route());

onLangChange(() => {
  f?.refresh();
  if (redraw) redraw();
  else void route();
  document.querySelector<HTMLElement>('[data-testid="lang-switch"]')?.focus();
});

// The countdowns move on every minute, wherever they are shown.
window.setInterval(() => tickCountdowns(), 60_000);

async function boot(): Promise<void> {
  const restored = session.restore();
  if (restored) {
    setAuth(restored.token, expired);
    // The stored user may be stale (role changed) or the token revoked.
    try {
      const me = await api<StaffUser>('auth/me');
      const s = session.session();
      if (s) session.save({ ...s, user: me });
    } catch {
      /* a 401 already cleared the session; a network error is shown later */
    }
  }
  booting = false;
  buildFrame();
  await route();
}

void boot();
