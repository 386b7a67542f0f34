// The citizens' site: a small router over the History API. Each page is a
// module with a `render` function; all but the home page are loaded on first
// use, so that the home page stays light (and Leaflet loads only with a map).
import 'bootstrap-italia/dist/css/bootstrap-italia.min.css';
import '../styles/fonts.css';
import '../styles/app.css';
import '../styles/citizen.css';
import { focusHeading } from '../common/dom';
import { frame } from '../common/layout';
import { addBundle, onLangChange, t } from '../common/i18n';
import type { Page, PageContext, Dispose } from './page';
import * as home from './home';
import { breadcrumb, contacts, type Crumb } from './around';
import { feedback } from './feedback';
import itCitizen from '../i18n/it/citizen.json';
import enCitizen from '../i18n/en/citizen.json';

addBundle('citizen', { it: itCitizen, en: enCitizen });

const rating = feedback();
const contact = contacts();
const f = frame({
  titleKey: 'common.siteName',
  homeHref: '/',
  afterMain: [rating.element, contact.element],
  nav: [
    { href: '/segnala', key: 'common.footer.report' },
    { href: '/segnalazioni', key: 'common.footer.reports' },
  ],
});

interface Route {
  pattern: RegExp;
  load: () => Promise<{ render: Page }>;
  /** The page for the feedback component (a route template). */
  page: (query: URLSearchParams) => string;
  /** The breadcrumb after "Home" (none on the home page). */
  trail: (params: Record<string, string>) => Crumb[];
}

const here = (key: string): Crumb[] => [{ text: t(key) }];
const reportsCrumb = (): Crumb => ({ href: '/segnalazioni', text: t('common.footer.reports') });

const ROUTES: Route[] = [
  { pattern: /^\/$/, load: async () => home, page: () => '/', trail: () => [] },
  {
    pattern: /^\/segnala$/,
    load: () => import('./form'),
    page: (q) => (q.has('inviata') ? '/segnala/inviata' : '/segnala'),
    trail: () => here('common.breadcrumb.service'),
  },
  { pattern: /^\/segnalazioni$/, load: () => import('./reports'), page: () => '/segnalazioni', trail: () => [{ text: reportsCrumb().text }] },
  {
    pattern: /^\/segnalazioni\/(?<code>[^/]+)$/,
    load: () => import('./report'),
    page: () => '/segnalazioni/{code}',
    trail: (p) => [reportsCrumb(), { text: p.code }],
  },
  { pattern: /^\/privacy$/, load: () => import('./privacy'), page: () => '/privacy', trail: () => here('common.footer.privacy') },
  { pattern: /^\/accessibilita$/, load: () => import('./accessibility'), page: () => '/accessibilita', trail: () => here('common.footer.accessibility') },
  { pattern: /^\/note-legali$/, load: () => import('./legal'), page: () => '/note-legali', trail: () => here('common.footer.legal') },
];

let generation = 0;
let dispose: Dispose | void;

/** Paths this router draws itself (everything else is a normal page load). */
function routeFor(path: string): { route: Route; params: Record<string, string> } | null {
  const clean = path.length > 1 ? path.replace(/\/+$/, '') : path;
  for (const route of ROUTES) {
    const m = route.pattern.exec(clean);
    if (m) {
      const params: Record<string, string> = {};
      for (const [k, v] of Object.entries(m.groups ?? {})) params[k] = decodeURIComponent(v);
      return { route, params };
    }
  }
  return null;
}

export function navigate(href: string, opts: { replace?: boolean } = {}): void {
  const u = new URL(href, location.href);
  if (opts.replace) history.replaceState(null, '', u.pathname + u.search + u.hash);
  else history.pushState(null, '', u.pathname + u.search + u.hash);
  void render({ focus: true, scroll: !u.hash });
}

async function render(opts: { focus: boolean; scroll: boolean }): Promise<void> {
  const mine = ++generation;
  const found = routeFor(location.pathname);
  const ctx: PageContext = {
    params: found?.params ?? {},
    query: new URLSearchParams(location.search),
    alive: () => mine === generation,
    navigate,
  };
  let page: Page;
  try {
    page = found ? (await found.route.load()).render : (await import('./notfound')).render;
  } catch {
    // A new version was deployed and the old chunk is gone: load the page afresh.
    location.reload();
    return;
  }
  if (mine !== generation) return;
  if (typeof dispose === 'function') dispose();
  dispose = undefined;
  f.refresh();
  const container = document.createElement('div');
  const trail = found ? found.route.trail(ctx.params) : here('citizen.notFound.title');
  f.main.replaceChildren(...[breadcrumb(trail), container].filter((n): n is HTMLElement => n !== null));
  rating.show(found ? found.route.page(ctx.query) : '/non-trovata');
  contact.refresh();
  if (opts.scroll) window.scrollTo(0, 0);
  dispose = page(container, ctx);
  if (opts.focus) {
    // A page may ask for a more useful starting point (a form's current step).
    const own = f.main.querySelector<HTMLElement>('[data-focus-on-arrival]');
    if (own) {
      if (!own.matches('input, select, textarea, button, a[href]')) own.setAttribute('tabindex', '-1');
      own.focus();
    } else focusHeading();
  }
}

// Same-origin links to our own pages are followed without reloading.
document.addEventListener('click', (e) => {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const a = (e.target as Element | null)?.closest?.('a[href]') as HTMLAnchorElement | null;
  if (!a || a.hasAttribute('download') || (a.target && a.target !== '_self')) return;
  const u = new URL(a.href, location.href);
  if (u.origin !== location.origin || !routeFor(u.pathname)) return;
  // A link to a place on the same page: let the browser scroll to it.
  if (u.pathname === location.pathname && u.search === location.search && u.hash) return;
  e.preventDefault();
  navigate(u.pathname + u.search + u.hash);
});

window.addEventListener('popstate', () => void render({ focus: true, scroll: false }));

onLangChange(() => {
  void render({ focus: false, scroll: false }).then(() => {
    // The header was redrawn: keep the keyboard user on the language switch.
    document.querySelector<HTMLElement>('[data-testid="lang-switch"]')?.focus();
  });
});

void render({ focus: false, scroll: false });
