// The accessibility statement, after AgID's model (Linee guida
// sull'accessibilità degli strumenti informatici, allegato 1).

import { h, replace } from '../common/dom';
import { t } from '../common/i18n';
import { title as setTitle } from '../common/layout';

const SECTIONS = ['status', 'nonAccessible', 'preparation', 'testing', 'feedback', 'enforcement', 'info'];

export function render(root: HTMLElement): void {
  setTitle(t('citizen.accessibility.title'));
  replace(
    root,
    h('h1', {}, t('citizen.accessibility.title')),
    h('p', { class: 'lead' }, t('citizen.accessibility.intro', { comune: t('common.municipalityLabel') })),
    SECTIONS.map((s) =>
      h(
        'section',
        { class: 'text-section', 'aria-labelledby': `ax-${s}` },
        h('h2', { id: `ax-${s}`, class: 'h4' }, t(`citizen.accessibility.sections.${s}.title`)),
        t(`citizen.accessibility.sections.${s}.text`, { comune: t('common.municipalityLabel') })
          .split('\n')
          .map((p) => h('p', {}, p)),
        s === 'enforcement' &&
          h('p', {}, h('a', { href: 'https://form.agid.gov.it/', rel: 'noopener noreferrer' }, t('citizen.accessibility.agidLink'))),
      ),
    ),
  );
}
