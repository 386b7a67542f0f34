// "Aggiungi un allegato": a photo or a PDF added by staff (a photo of the
// fix, a document brought to the counter). Photos are shown on the public
// page; documents only to staff. Its one field's problem is said in the box
// as well as at the field.

import { h, replace, announce } from '../../common/dom';
import { t } from '../../common/i18n';
import { api, ApiError } from '../../common/api';
import { clearFieldErrors, field, messageBox, setFieldError, showError, uploadErrorText, MAX_FILE_BYTES } from '../ui';
import type { ActionCtx } from './card';

export function uploadForm(c: ActionCtx): HTMLFormElement {
  const input = h('input', {
    type: 'file',
    class: 'form-control',
    accept: 'image/jpeg,image/png,image/webp,application/pdf',
    'data-testid': 'upload-file',
  });
  const box = messageBox();
  box.setAttribute('data-testid', 'upload-errors');
  const label = t('staff.detail.upload.submit');
  const btn = h('button', { type: 'submit', class: 'btn btn-outline-primary', 'data-testid': 'upload-submit' }, label);
  const submitting = (busy: boolean) => {
    btn.disabled = busy;
    btn.textContent = busy ? t('staff.detail.sending') : label;
  };
  const problem = (text: string) => {
    setFieldError(form, 'file', text);
    box.hidden = false;
    box.className = 'alert alert-danger staff-alert';
    replace(box, h('p', { class: 'mb-0' }, text));
    announce(text, true);
    input.focus();
  };
  const submit = async (ev: Event) => {
    ev.preventDefault();
    clearFieldErrors(form);
    showError(box, null);
    const file = input.files?.[0];
    if (!file) return problem(t('staff.detail.upload.choose'));
    if (file.size > MAX_FILE_BYTES) return problem(uploadErrorText(new ApiError(413, 'file_too_large', '')));
    const body = new FormData();
    body.append('file', file, file.name);
    submitting(true);
    try {
      await api(`reports/${encodeURIComponent(c.report.code)}/attachments`, { form: body });
      await c.reload(t('staff.detail.upload.done', { name: file.name }));
    } catch (e) {
      submitting(false);
      problem(uploadErrorText(e));
    }
  };
  const form: HTMLFormElement = h(
    'form',
    { class: 'staff-card', 'aria-labelledby': 'upload-h', novalidate: true, onsubmit: submit },
    h('h3', { id: 'upload-h', class: 'h5' }, t('staff.detail.upload.title')),
    box,
    field(t('staff.detail.upload.file'), input, { name: 'file', hint: t('staff.detail.upload.hint') }),
    btn,
  );
  return form;
}
