// The full privacy notice (GDPR art. 13), from the translation files.

import { h, replace } from '../common/dom';
import { t } from '../common/i18n';
import { title as setTitle } from '../common/layout';

const SECTIONS = ['controller', 'dpo', 'purposes', 'basis', 'data', 'recipients', 'transfers', 'retention', 'rights', 'complaint', 'cookies'];

export function render(root: HTMLElement): void {
  setTitle(t('citizen.privacy.title'));
  replace(
    root,
    h('h1', {}, t('citizen.privacy.title')),
    h('p', { class: 'lead' }, t('citizen.privacy.intro', { comune: t('common.municipalityLabel') })),
    SECTIONS.map((s) =>
      h(
        'section',
        { class: 'text-section', 'aria-labelledby': `pv-${s}` },
        h('h2', { id: `pv-${s}`, class: 'h4' }, t(`citizen.privacy.sections.${s}.title`)),
        t(`citizen.privacy.sections.${s}.text`, { comune: t('common.municipalityLabel') })
          .split('\n')
          .map((p) => h('p', {}, p)),
      ),
    ),
    h('p', { class: 'text-muted' }, t('citizen.privacy.updated')),
  );
}
