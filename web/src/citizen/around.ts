// What surrounds every citizen page in the national model: the breadcrumb
// above it, and below it the URP's contacts with the hours of the comune's
// calendar ("Contatta il comune").

import { h, replace } from '../common/dom';
import { t } from '../common/i18n';
import { municipalities, type Municipality } from '../common/api';

export interface Crumb {
  /** Absent on the current page (the last crumb). */
  href?: string;
  text: string;
}

/** The breadcrumb (bootstrap-italia markup, the model's `data-element`). */
export function breadcrumb(trail: Crumb[]): HTMLElement | null {
  if (trail.length === 0) return null;
  const all: Crumb[] = [{ href: '/', text: t('common.breadcrumb.home') }, ...trail];
  return h(
    'nav',
    { class: 'breadcrumb-container mb-3', 'aria-label': t('common.breadcrumb.label') },
    h(
      'ol',
      { class: 'breadcrumb p-0', 'data-element': 'breadcrumb' },
      all.map((c, i) => {
        const last = i === all.length - 1;
        return h(
          'li',
          { class: `breadcrumb-item${last ? ' active' : ''}`, 'aria-current': last ? 'page' : undefined },
          c.href && !last ? h('a', { href: c.href }, c.text) : c.text,
          !last && h('span', { class: 'separator', 'aria-hidden': 'true' }, '/'),
        );
      }),
    ),
  );
}

/** "lunedì–venerdì" for 1..5, a list otherwise. */
export function weekdays(days: number[]): string {
  const name = (d: number) => t(`common.contacts.weekdays.${d}`);
  if (days.length === 0) return '';
  const contiguous = days.every((d, i) => i === 0 || d === days[i - 1] + 1);
  if (contiguous && days.length > 2) return `${name(days[0])}–${name(days[days.length - 1])}`;
  return days.map(name).join(', ');
}

/** "9:00–13:15 e 14:15–17:00" for `09:00-13:15,14:15-17:00`. */
export function hours(spec: string): string {
  const short = (hm: string) => hm.trim().replace(/^0(\d)/, '$1');
  return spec
    .split(',')
    .map((r) => r.split('-'))
    .filter((p) => p.length === 2)
    .map(([from, to]) => t('common.contacts.range', { from: short(from), to: short(to) }))
    .join(t('common.contacts.and'));
}

function urpCard(m: Municipality): HTMLElement {
  const u = m.urp;
  const row = (label: string, value: Node | string) =>
    h('li', { class: 'list-item py-1' }, h('span', { class: 'fw-semibold' }, `${label}: `), value);
  return h(
    'div',
    { class: 'card card-bg shadow-sm p-4' },
    h('h3', { class: 'h5 card-title' }, t('common.contacts.urp', { comune: m.name })),
    h(
      'ul',
      { class: 'link-list list-unstyled mb-0' },
      u.address && row(t('common.contacts.address'), u.address),
      u.phone && row(t('common.contacts.phone'), h('a', { href: `tel:${u.phone.replace(/\s+/g, '')}` }, u.phone)),
      u.email && row(t('common.contacts.email'), h('a', { href: `mailto:${u.email}` }, u.email)),
      row(t('common.contacts.hours'), `${weekdays(u.weekdays)}, ${hours(u.hours)}. ${t('common.contacts.closed')}`),
    ),
  );
}

/** The contacts box; filled once the comuni are known, hidden if they cannot be. */
export function contacts(): { element: HTMLElement; refresh(): void } {
  const element = h('section', { class: 'bg-light py-5 page-contacts', 'aria-labelledby': 'contacts-title', 'data-element': 'contacts' });
  const refresh = () => {
    municipalities()
      .then((served) => {
        replace(
          element,
          h(
            'div',
            { class: 'container' },
            h(
              'div',
              { class: 'row justify-content-center' },
              h(
                'div',
                { class: 'col-12 col-lg-8' },
                h('h2', { id: 'contacts-title', class: 'h4' }, t('common.contacts.title')),
                h('p', {}, t('common.contacts.lead')),
                served.map(urpCard),
              ),
            ),
          ),
        );
        element.hidden = served.length === 0;
      })
      .catch(() => {
        element.hidden = true;
      });
  };
  element.hidden = true;
  return { element, refresh };
}
