// Step 1: the privacy notice, which the citizen accepts before writing.

import { h, replace } from '../../common/dom';
import { t } from '../../common/i18n';
import { site } from '../../common/api';
import { group, checkbox, setError, showProblems } from '../ui';
import { save, type FormState } from './state';
import { buttons, nextButton, type Go } from './nav';

export function stepPrivacy(s: FormState, body: HTMLElement, go: Go): void {
  const full = h('a', { href: '/privacy' }, t('citizen.privacyStep.fullText'));
  void site().then((info) => {
    full.setAttribute('href', info.privacy_url || '/privacy');
    const days = info.retention_days;
    if (days) retention.textContent = t('citizen.privacyStep.retentionDays', { days });
  });
  const retention = h('span', {}, t('citizen.privacyStep.retention'));
  const items: Array<[string, HTMLElement | string]> = [
    ['controller', t('citizen.privacyStep.controller', { comune: t('common.municipalityLabel') })],
    ['purpose', t('citizen.privacyStep.purpose')],
    ['basis', t('citizen.privacyStep.basis')],
    ['data', t('citizen.privacyStep.data')],
    ['retentionTitle', retention],
    ['rights', t('citizen.privacyStep.rights')],
  ];
  const box = checkbox('privacy', t('citizen.privacyStep.accept'), s.draft.privacy, (on) => {
    s.draft.privacy = on;
    save(s);
    if (on) setError(body, 'privacy', null);
  });
  replace(
    body,
    h('p', { class: 'lead' }, t('citizen.privacyStep.intro')),
    h(
      'dl',
      { class: 'privacy-summary' },
      items.map(([k, v]) => [h('dt', {}, t(`citizen.privacyStep.labels.${k}`)), h('dd', {}, v)]),
    ),
    h('p', {}, full),
    group('privacy', t('citizen.privacyStep.legend'), box),
    buttons(
      null,
      nextButton(() => {
        if (!s.draft.privacy) {
          showProblems(body, [{ field: 'privacy', message: t('citizen.privacyStep.required') }]);
          return;
        }
        go(2);
      }),
    ),
  );
}
