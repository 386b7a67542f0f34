// Who reports ("Chi"): an optional name and how the comune may answer (by
// e-mail, by phone, or not at all), with the address or number asked for
// only when it is needed.

import { h } from '../../common/dom';
import { t } from '../../common/i18n';
import type { Contact } from '../draft';
import { field, group, radio } from '../ui';
import { bindText, save, type FormState } from './state';

export function contactFields(s: FormState): HTMLElement[] {
  const nameInput = h('input', { type: 'text', class: 'form-control', value: s.draft.name, autocomplete: 'name', maxlength: '200' });
  bindText(s, nameInput, 'name');
  const email = h('input', { type: 'email', class: 'form-control', value: s.draft.email, autocomplete: 'email', maxlength: '200' });
  bindText(s, email, 'email');
  const phone = h('input', { type: 'tel', class: 'form-control', value: s.draft.phone, autocomplete: 'tel', maxlength: '30' });
  bindText(s, phone, 'phone');
  const emailField = field('reporter.email', t('citizen.author.email'), email, { hint: t('citizen.author.emailHint') });
  const phoneField = field('reporter.phone', t('citizen.author.phone'), phone, { hint: t('citizen.author.phoneHint') });
  const noneNote = h('p', { class: 'contact-none-note' }, t('citizen.author.noneNote'));
  const showContact = () => {
    emailField.hidden = s.draft.contact !== 'email';
    phoneField.hidden = s.draft.contact !== 'phone';
    noneNote.hidden = s.draft.contact !== 'none';
  };
  const contactRadios = (['email', 'phone', 'none'] as Contact[]).map((c) =>
    radio('reporter.contact', c, t(`citizen.author.contact.${c}`), s.draft.contact === c, () => {
      s.draft.contact = c;
      save(s);
      showContact();
    }),
  );
  showContact();
  return [
    field('reporter.name', t('citizen.author.name'), nameInput, { optional: true, hint: t('citizen.author.nameHint') }),
    group('reporter.contact', t('citizen.author.contactLegend'), contactRadios),
    emailField,
    phoneField,
    noneNote,
  ];
}
