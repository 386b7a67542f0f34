// "Segnalazione inviata": the code, what happens next, the private follow-up
// link and the PDF receipt; then the chosen files are sent to the report, and
// the one-question rating of the service.

import { h, replace, announce } from '../common/dom';
import { t, categoryName } from '../common/i18n';
import { api } from '../common/api';
import { title as setTitle } from '../common/layout';
import { dateTime, date } from '../common/format';
import { uploadList } from './upload';
import { radio, showProblems, errorText, alertBox, setBusy, isBusy } from './ui';

export interface Sent {
  code: string;
  status: string;
  tracking_token: string;
  follow_up_url: string;
  category: { code: string; name_it: string; name_en: string };
  title: string;
  office?: { name: string } | null;
  take_in_due_at?: string | null;
  expected_resolution_at?: string | null;
  created_at: string;
}

const KEY = 'segnala.citizen.sent';
/** Files chosen in the form, waiting to be sent (lost on reload: they cannot be stored). */
let pendingFiles: File[] = [];
/** Whether this page load already sent them (a language switch redraws). */
let uploadView: HTMLElement | null = null;
let rated = false;

export function storeSent(s: Sent, files: File[]): void {
  pendingFiles = files;
  uploadView = null;
  rated = false;
  try {
    sessionStorage.setItem(KEY, JSON.stringify(s));
  } catch {
    /* without storage the page is shown once */
  }
  memory = s;
}

let memory: Sent | null = null;

export function loadSent(): Sent | null {
  if (memory) return memory;
  try {
    const raw = sessionStorage.getItem(KEY);
    memory = raw ? (JSON.parse(raw) as Sent) : null;
  } catch {
    memory = null;
  }
  return memory;
}

export function followPath(s: Sent): string {
  return `/segnalazioni/${encodeURIComponent(s.code)}?token=${encodeURIComponent(s.tracking_token)}`;
}

export function renderSent(root: HTMLElement, s: Sent, steps: HTMLElement): void {
  setTitle(t('citizen.sent.title'));
  const follow = followPath(s);
  const fullLink = new URL(follow, location.origin).href;
  const receipt = `/api/v1/reports/${encodeURIComponent(s.code)}/receipt.pdf?token=${encodeURIComponent(s.tracking_token)}`;

  const uploads = h('section', { class: 'sent-section', 'aria-labelledby': 'sent-files' });
  if (pendingFiles.length) {
    uploads.append(h('h2', { id: 'sent-files', class: 'h4' }, t('citizen.sent.filesTitle')));
    if (!uploadView) {
      const files = pendingFiles;
      const result = h('div', { 'aria-live': 'polite' });
      uploadView = h(
        'div',
        {},
        uploadList(s.code, s.tracking_token, files, (ok, failed) => {
          replace(result, failed ? alertBox(t('citizen.files.someFailedLong', { ok, failed }), 'warning') : h('p', { class: 'upload-done' }, t('citizen.files.allSent', { n: ok })));
        }),
        result,
      );
    }
    uploads.append(uploadView);
  }

  replace(
    root,
    h('h1', {}, t('citizen.sent.title')),
    steps,
    h(
      'div',
      { class: 'notice notice-success sent-callout' },
      h('p', { class: 'lead mb-2' }, t('citizen.sent.thanks')),
      h('p', { class: 'mb-0' }, t('citizen.sent.codeIs'), ' ', h('strong', { class: 'report-code', 'data-testid': 'report-code' }, s.code)),
    ),
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, t('citizen.category.label')),
      h('dd', {}, categoryName(s.category)),
      h('dt', {}, t('citizen.titleField.label')),
      h('dd', {}, s.title),
      h('dt', {}, t('citizen.report.received')),
      h('dd', {}, dateTime(s.created_at)),
      s.office && [h('dt', {}, t('citizen.report.office')), h('dd', {}, s.office.name)],
      s.take_in_due_at && [h('dt', {}, t('citizen.report.takeInBy')), h('dd', {}, dateTime(s.take_in_due_at))],
      s.expected_resolution_at && [h('dt', {}, t('citizen.report.expected')), h('dd', {}, date(s.expected_resolution_at))],
    ),
    h(
      'section',
      { class: 'sent-section', 'aria-labelledby': 'sent-follow' },
      h('h2', { id: 'sent-follow', class: 'h4' }, t('citizen.sent.followTitle')),
      h('p', {}, t('citizen.sent.followText')),
      h('p', { class: 'follow-link' }, h('a', { href: follow, 'data-testid': 'follow-link' }, fullLink)),
      h('p', {}, t('citizen.sent.keepLink')),
      h(
        'p',
        {},
        h(
          'a',
          { href: receipt, class: 'btn btn-primary btn-lg', download: t('citizen.sent.receiptFile', { code: s.code }), 'data-testid': 'receipt' },
          t('citizen.sent.receipt'),
        ),
      ),
    ),
    uploads,
    rating(s),
    h('p', { class: 'mt-4' }, h('a', { href: '/' }, t('citizen.sent.backHome'))),
  );
}

function rating(s: Sent): HTMLElement {
  const box = h('section', { class: 'sent-section service-rating', 'aria-labelledby': 'rating-title' });
  const title = h('h2', { id: 'rating-title', class: 'h4' }, t('citizen.rating.title'));
  if (rated) {
    replace(box, title, h('p', { role: 'status' }, t('citizen.rating.thanks')));
    return box;
  }
  let score = 0;
  const radios = [1, 2, 3, 4, 5].map((n) =>
    radio('rating', String(n), t(`citizen.rating.scores.${n}`), false, () => {
      score = n;
    }),
  );
  const failure = h('div');
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, t('citizen.rating.send'));
  const form = h(
    'form',
    { novalidate: true },
    h(
      'fieldset',
      { class: 'field field-group', 'data-field-wrap': 'rating' },
      h('legend', { class: 'field-label' }, t('citizen.rating.question')),
      h('p', { class: 'field-error', id: 'fld-rating-error', hidden: true }),
      radios,
    ),
    failure,
    submit,
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (isBusy(submit)) return;
    if (!score) {
      showProblems(form, [{ field: 'rating', message: t('citizen.rating.required') }]);
      return;
    }
    setBusy(submit, true);
    try {
      await api(`reports/${encodeURIComponent(s.code)}/rating`, { json: { token: s.tracking_token, score } });
      rated = true;
      const thanks = h('p', { tabindex: '-1', 'data-testid': 'rating-thanks' }, t('citizen.rating.thanks'));
      replace(box, title, thanks);
      thanks.focus();
      announce(t('citizen.rating.thanks'));
    } catch (err) {
      setBusy(submit, false);
      replace(failure, alertBox(errorText(err)));
    }
  });
  replace(box, title, form);
  return box;
}
