// The page frame shared by the citizens' site and the staff console: skip
// link, header with the language switch, live regions, footer.

import { h, replace, Child } from './dom';
import { t, lang, setLang } from './i18n';
import { site } from './api';

export interface NavLink {
  href: string;
  key: string;
}

export interface Frame {
  main: HTMLElement;
  /** Re-renders header and footer texts (after a language change). */
  refresh(): void;
}

interface FrameOptions {
  titleKey: string;
  nav: NavLink[];
  homeHref: string;
  extraHeader?: () => Child;
  /** Bands between the page and the footer (feedback, contacts). */
  afterMain?: HTMLElement[];
}

/** The comune's own privacy notice and accessibility statement. */
interface FooterLinks {
  privacy: string;
  accessibility: string;
}

/** Builds the frame inside #app once; pages render into `main`. */
export function frame(opts: FrameOptions): Frame {
  const app = document.getElementById('app')!;
  const main = h('main', { id: 'main', class: 'container my-4', tabindex: '-1' });
  const header = h('header', { class: 'it-header-wrapper' });
  const footer = h('footer', { class: 'it-footer', id: 'footer' });
  // The comune's own privacy notice and accessibility statement, once known.
  let links: FooterLinks = { privacy: '/privacy', accessibility: '/accessibilita' };
  const live = [
    h('div', { id: 'sr-status', class: 'visually-hidden', role: 'status', 'aria-live': 'polite' }),
    h('div', { id: 'sr-alert', class: 'visually-hidden', role: 'alert', 'aria-live': 'assertive' }),
  ];
  const skip = h('a', { class: 'skip-link', href: '#main' });

  const render = () => {
    skip.textContent = t('common.skipToContent');
    replace(header, ...headerContent(opts));
    replace(footer, ...footerContent(links));
  };
  render();
  app.replaceChildren(skip, ...live, header, main, ...(opts.afterMain ?? []), footer);
  site()
    .then((s) => {
      links = { privacy: s.privacy_url || links.privacy, accessibility: s.accessibility_statement_url || links.accessibility };
      footer.querySelector('[data-element="privacy-policy-link"]')?.setAttribute('href', links.privacy);
      footer.querySelector('[data-element="accessibility-link"]')?.setAttribute('href', links.accessibility);
    })
    .catch(() => undefined);
  return { main, refresh: render };
}

/** The slim bar (the comune, the language switch), the brand and the site's navigation. */
function headerContent(opts: FrameOptions): Child[] {
  const other = lang() === 'it' ? 'en' : 'it';
  return [
    h(
      'div',
      { class: 'it-header-slim-wrapper' },
      h(
        'div',
        { class: 'container' },
        h(
          'div',
          { class: 'it-header-slim-wrapper-content' },
          h('span', { class: 'navbar-brand' }, t('common.municipalityLabel')),
          h(
            'div',
            { class: 'it-header-slim-right-zone' },
            opts.extraHeader?.(),
            h(
              'button',
              {
                type: 'button',
                class: 'btn btn-sm lang-switch',
                lang: other,
                'data-testid': 'lang-switch',
                onclick: () => setLang(other),
              },
              t(`common.switchTo.${other}`),
            ),
          ),
        ),
      ),
    ),
    h(
      'div',
      { class: 'it-header-center-wrapper' },
      h(
        'div',
        { class: 'container' },
        h(
          'div',
          { class: 'it-header-center-content-wrapper' },
          h(
            'div',
            { class: 'it-brand-wrapper' },
            h('a', { href: opts.homeHref }, h('div', { class: 'it-brand-text' }, h('div', { class: 'it-brand-title' }, t(opts.titleKey)))),
          ),
        ),
      ),
    ),
    opts.nav.length > 0 &&
      h(
        'nav',
        { class: 'site-nav', 'aria-label': t('common.mainNav') },
        h(
          'div',
          { class: 'container' },
          h(
            'ul',
            {},
            opts.nav.map((n) => h('li', {}, h('a', { href: n.href, 'aria-current': isCurrent(n.href) ? 'page' : undefined }, t(n.key)))),
          ),
        ),
      ),
  ];
}

/** The service's links and the small prints (privacy, legal notes, accessibility, credits). */
function footerContent(links: FooterLinks): Child[] {
  return [
    h(
      'div',
      { class: 'it-footer-main' },
      h(
        'div',
        { class: 'container py-4' },
        h(
          'ul',
          { class: 'footer-links' },
          h('li', {}, h('a', { href: '/segnala', 'data-element': 'report-inefficiency' }, t('common.footer.report'))),
          h('li', {}, h('a', { href: '/segnalazioni' }, t('common.footer.reports'))),
          h('li', {}, h('a', { href: '/api/docs/' }, t('common.footer.api'))),
          h('li', {}, h('a', { href: '/staff' }, t('common.footer.staff'))),
        ),
      ),
    ),
    h(
      'div',
      { class: 'it-footer-small-prints clearfix' },
      h(
        'div',
        { class: 'container' },
        h(
          'ul',
          { class: 'it-footer-small-prints-list list-inline mb-0 d-flex flex-column flex-md-row' },
          h('li', { class: 'list-inline-item' }, h('a', { href: links.privacy, 'data-element': 'privacy-policy-link' }, t('common.footer.privacy'))),
          h('li', { class: 'list-inline-item' }, h('a', { href: '/note-legali', 'data-element': 'legal-notes' }, t('common.footer.legal'))),
          h('li', { class: 'list-inline-item' }, h('a', { href: links.accessibility, 'data-element': 'accessibility-link' }, t('common.footer.accessibility'))),
          h('li', { class: 'list-inline-item', 'data-testid': 'credits' }, h('a', { href: 'https://github.com/openpolis/geojson-italy' }, t('common.footer.credits'))),
        ),
      ),
    ),
  ];
}

function isCurrent(href: string): boolean {
  const path = location.pathname.replace(/\/$/, '') || '/';
  return href === path || (href !== '/' && path.startsWith(href + '/'));
}

/** Sets the document title ("<page> — <site>"). */
export function title(text: string): void {
  document.title = `${text} — ${t('common.siteName')}`;
}
