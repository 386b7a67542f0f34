// "Note legali": the model's content licence (CC-BY 4.0, open by default,
// art. 52 CAD) with the data-elements AgID's validator reads, and what else a
// citizen should know about the site's content.

import { h } from '../common/dom';
import { t } from '../common/i18n';
import { textPage } from './ui';

export function render(root: HTMLElement): void {
  textPage(root, 'citizen.legal', ['reports', 'personal'], {
    lead: h(
      'section',
      { class: 'text-section', 'aria-labelledby': 'legal-license' },
      h('h2', { id: 'legal-license', class: 'h4', 'data-element': 'legal-notes-section' }, t('citizen.legal.license')),
      h('p', { 'data-element': 'legal-notes-body' }, t('citizen.legal.body')),
    ),
  });
}
