// The full privacy notice (GDPR art. 13), from the translation files.

import { h } from '../common/dom';
import { t } from '../common/i18n';
import { textPage } from './ui';

const SECTIONS = ['controller', 'dpo', 'purposes', 'basis', 'data', 'recipients', 'transfers', 'retention', 'rights', 'complaint', 'cookies'];

export function render(root: HTMLElement): void {
  textPage(root, 'citizen.privacy', SECTIONS, {
    footer: h('p', { class: 'text-muted' }, t('citizen.privacy.updated')),
  });
}
