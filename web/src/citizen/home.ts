// The service's home page: what it is, the call to action, public reports
// and how to follow one's own report. Kept light: no map, no API call.

import { h, replace } from '../common/dom';
import { t } from '../common/i18n';
import { title as setTitle } from '../common/layout';
import type { PageContext } from './page';
import { loadDraft, hasContent } from './draft';

export function render(root: HTMLElement, _ctx: PageContext): void {
  setTitle(t('citizen.home.title'));
  const resume = hasContent(loadDraft());
  replace(
    root,
    h(
      'section',
      { class: 'hero', 'aria-labelledby': 'home-title' },
      h('h1', { id: 'home-title' }, t('citizen.home.title')),
      h('p', { class: 'lead' }, t('citizen.home.lead')),
      h(
        'p',
        {},
        h('a', { href: '/segnala', class: 'btn btn-primary btn-lg cta', 'data-testid': 'cta' }, resume ? t('citizen.home.resume') : t('citizen.home.cta')),
      ),
      h('p', { class: 'small-print' }, t('citizen.home.time')),
    ),
    h(
      'div',
      { class: 'home-cards' },
      h(
        'section',
        { class: 'home-card', 'aria-labelledby': 'home-what' },
        h('h2', { id: 'home-what', class: 'h4' }, t('citizen.home.whatTitle')),
        h('p', {}, t('citizen.home.whatText')),
        h('ul', {}, ['roads', 'lights', 'waste', 'green'].map((k) => h('li', {}, t(`citizen.home.examples.${k}`)))),
        h('p', {}, t('citizen.home.emergency')),
      ),
      h(
        'section',
        { class: 'home-card', 'aria-labelledby': 'home-how' },
        h('h2', { id: 'home-how', class: 'h4' }, t('citizen.home.howTitle')),
        h('ol', {}, ['1', '2', '3', '4'].map((k) => h('li', {}, t(`citizen.home.how.${k}`)))),
        h('p', {}, t('citizen.home.needed')),
      ),
      h(
        'section',
        { class: 'home-card', 'aria-labelledby': 'home-follow' },
        h('h2', { id: 'home-follow', class: 'h4' }, t('citizen.home.followTitle')),
        h('p', {}, t('citizen.home.followText')),
        h('p', {}, t('citizen.home.followNoEmail')),
      ),
      h(
        'section',
        { class: 'home-card', 'aria-labelledby': 'home-public' },
        h('h2', { id: 'home-public', class: 'h4' }, t('citizen.home.publicTitle')),
        h('p', {}, t('citizen.home.publicText')),
        h('p', {}, h('a', { href: '/segnalazioni', class: 'btn btn-outline-primary' }, t('citizen.home.publicLink'))),
      ),
      h(
        'section',
        { class: 'home-card', 'aria-labelledby': 'home-other' },
        h('h2', { id: 'home-other', class: 'h4' }, t('citizen.home.otherTitle')),
        h('p', {}, t('citizen.home.otherText')),
      ),
    ),
  );
}
