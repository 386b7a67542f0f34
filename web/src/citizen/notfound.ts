// Any other path under the citizens' site.

import { h, replace } from '../common/dom';
import { t } from '../common/i18n';
import { title as setTitle } from '../common/layout';

export function render(root: HTMLElement): void {
  setTitle(t('citizen.notFound.title'));
  replace(
    root,
    h('h1', {}, t('citizen.notFound.title')),
    h('p', {}, t('citizen.notFound.text')),
    h('p', {}, h('a', { href: '/' }, t('citizen.notFound.home'))),
  );
}
