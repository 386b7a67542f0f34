// The accessibility statement, after AgID's model (Linee guida
// sull'accessibilità degli strumenti informatici, allegato 1).

import { h } from '../common/dom';
import { t } from '../common/i18n';
import { textPage } from './ui';

const SECTIONS = ['status', 'nonAccessible', 'preparation', 'testing', 'feedback', 'enforcement', 'info'];

export function render(root: HTMLElement): void {
  textPage(root, 'citizen.accessibility', SECTIONS, {
    extra: (s) =>
      s === 'enforcement' &&
      h('p', {}, h('a', { href: 'https://form.agid.gov.it/', rel: 'noopener noreferrer' }, t('citizen.accessibility.agidLink'))),
  });
}
