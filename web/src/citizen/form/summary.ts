// Step 3: the summary, each item with a "Modifica" link back to its field,
// and sending, after a confirmation dialog. A refusal whose problems all
// belong to fields of step 2 goes back there to show them.

import { h, replace, announce } from '../../common/dom';
import { t, lang, categoryName } from '../../common/i18n';
import { api, ApiError } from '../../common/api';
import type { PageContext } from '../page';
import { alertBox, errorText, problemText, type Problem } from '../ui';
import { storeSent, type Sent } from '../sent';
import { forget, type FormState, type Picked } from './state';
import { buttons, type Go } from './nav';

export function stepSummary(s: FormState, body: HTMLElement, go: Go, ctx: PageContext): void {
  const failure = h('div', { class: 'send-failure' });
  const sendBtn = h('button', { type: 'button', class: 'btn btn-primary btn-lg', 'data-testid': 'send' }, t('citizen.summary.send'));
  const dialog = confirmDialog(sendBtn, failure, async () => {
    try {
      await sendReport(s);
      return { sent: true, after: () => ctx.navigate('/segnala?inviata=1', { replace: true }) };
    } catch (e) {
      return { sent: false, after: () => refused(s, e, go, failure, sendBtn) };
    }
  });
  replace(
    body,
    h('p', {}, t('citizen.summary.intro')),
    summaryList(s, go),
    (s.images.length > 0 || s.documents.length > 0) && h('p', {}, t('citizen.summary.filesAfter')),
    h('div', { class: 'notice declaration' }, h('p', { class: 'mb-0' }, t('citizen.summary.declaration'))),
    failure,
    buttons(() => go(2), sendBtn),
    dialog,
  );
}

/** What the citizen wrote, item by item; "Modifica" goes back to the item's
 * field in step 2 (or, for the privacy notice, to step 1). */
function summaryList(s: FormState, go: Go): HTMLElement {
  const { draft } = s;
  const edit = (label: string, fieldName: string | null) =>
    h(
      'button',
      {
        type: 'button',
        class: 'btn btn-link edit-link',
        onclick: () => {
          if (fieldName === null) go(1);
          else {
            s.focusField = fieldName;
            go(2);
          }
        },
      },
      t('citizen.summary.edit'),
      h('span', { class: 'visually-hidden' }, `: ${label}`),
    );
  const item = (label: string, value: HTMLElement | string, fieldName: string | null) =>
    h('div', { class: 'summary-item' }, h('dt', {}, label), h('dd', {}, value), h('dd', { class: 'summary-edit' }, edit(label, fieldName)));
  const none = t('citizen.summary.none');
  const fileList = (list: Picked[]) =>
    list.length ? h('ul', { class: 'list-unstyled mb-0' }, list.map((p) => h('li', {}, p.file.name))) : none;
  const contact =
    draft.contact === 'email'
      ? t('citizen.summary.byEmail', { email: draft.email })
      : draft.contact === 'phone'
        ? t('citizen.summary.byPhone', { phone: draft.phone })
        : t('citizen.author.contact.none');
  const place = h(
    'div',
    {},
    draft.address ? h('div', {}, draft.address) : null,
    h('div', {}, t('citizen.place.point', { lat: draft.lat!.toFixed(5), lon: draft.lon!.toFixed(5) })),
  );
  return h(
    'dl',
    { class: 'summary' },
    item(t('citizen.summary.privacy'), t('citizen.summary.privacyAccepted'), null),
    item(t('citizen.place.legend'), place, 'place'),
    item(t('citizen.category.label'), draft.categoryName ? categoryName(draft.categoryName) : draft.category, 'category'),
    item(t('citizen.titleField.label'), draft.title, 'title'),
    item(t('citizen.description.label'), h('div', { class: 'pre-wrap' }, draft.description), 'description'),
    item(t('citizen.files.imageLabel'), fileList(s.images), 'images'),
    item(t('citizen.files.documentLabel'), fileList(s.documents), 'documents'),
    item(t('citizen.author.name'), draft.name.trim() || t('citizen.summary.notGiven'), 'reporter.name'),
    item(t('citizen.author.contactLegend'), contact, 'reporter.contact'),
  );
}

/** How a press of "Conferma" ended, and what to do once the dialog has closed. */
interface Outcome {
  sent: boolean;
  after: () => void;
}

/** The dialog "Inviare la segnalazione?", opened by `sendBtn`. While `send`
 * runs the dialog cannot be dismissed; closed, it gives the focus back to
 * `sendBtn`. */
function confirmDialog(sendBtn: HTMLButtonElement, failure: HTMLElement, send: () => Promise<Outcome>): HTMLDialogElement {
  const dialog = h('dialog', { 'aria-labelledby': 'dlg-title', 'aria-describedby': 'dlg-text', class: 'confirm-dialog' });
  const confirmBtn = h('button', { type: 'button', class: 'btn btn-primary btn-lg' }, t('citizen.summary.dialog.confirm'));
  const cancelBtn = h('button', { type: 'button', class: 'btn btn-outline-primary btn-lg' }, t('citizen.summary.dialog.cancel'));
  replace(
    dialog,
    h('h2', { id: 'dlg-title', class: 'h4' }, t('citizen.summary.dialog.title')),
    h('p', { id: 'dlg-text' }, t('citizen.summary.dialog.text')),
    h('div', { class: 'form-buttons' }, cancelBtn, confirmBtn),
  );
  let sending = false;
  cancelBtn.addEventListener('click', () => dialog.close());
  dialog.addEventListener('cancel', (e) => {
    if (sending) e.preventDefault();
  });
  dialog.addEventListener('close', () => {
    if (!sending) sendBtn.focus();
  });
  sendBtn.addEventListener('click', () => {
    replace(failure);
    dialog.showModal();
    confirmBtn.focus();
  });
  confirmBtn.addEventListener('click', async () => {
    sending = true;
    confirmBtn.disabled = true;
    cancelBtn.disabled = true;
    confirmBtn.textContent = t('citizen.summary.sending');
    announce(t('citizen.summary.sending'));
    const outcome = await send();
    sending = false;
    dialog.close();
    if (!outcome.sent) {
      confirmBtn.disabled = false;
      cancelBtn.disabled = false;
      confirmBtn.textContent = t('citizen.summary.dialog.confirm');
    }
    outcome.after();
  });
  return dialog;
}

/** Files the report; the files follow from the confirmation page (sent.ts).
 * Once filed, the form forgets it. */
async function sendReport(s: FormState): Promise<void> {
  const { draft } = s;
  const created = await api<Sent>('reports', {
    json: {
      category: draft.category,
      lat: draft.lat,
      lon: draft.lon,
      address: draft.address.trim() || null,
      title: draft.title.trim(),
      description: draft.description.trim(),
      language: lang(),
      reporter: {
        name: draft.name.trim() || null,
        email: draft.contact === 'email' ? draft.email.trim() : null,
        phone: draft.contact === 'phone' ? draft.phone.trim() : null,
        contact: draft.contact,
      },
    },
  });
  storeSent(created, [...s.images, ...s.documents].map((p) => p.file));
  forget(s);
}

/** After a refused "Invia": back to step 2 when every problem belongs to one
 * of its fields, otherwise the problems (or the error) above the buttons. */
function refused(s: FormState, e: unknown, go: Go, failure: HTMLElement, sendBtn: HTMLButtonElement): void {
  const { inline, other } = serverProblems(s, e);
  if (inline.length && !other.length) {
    s.pendingProblems = inline;
    go(2);
    return;
  }
  replace(failure, alertBox(other.length ? other.map((p) => p.message).join(' ') : errorText(e)));
  sendBtn.focus();
}

/** The server's field problems: those a field of step 2 shows, and the others
 * (shown as a whole above the buttons). */
function serverProblems(s: FormState, e: unknown): { inline: Problem[]; other: Problem[] } {
  const inline: Problem[] = [];
  const other: Problem[] = [];
  if (!(e instanceof ApiError)) return { inline, other };
  if (e.code === 'outside_territory') {
    s.placeProblem = t('citizen.place.outside');
    return { inline: [{ field: 'place', message: s.placeProblem }], other };
  }
  const known = new Set(['category', 'title', 'description', 'reporter.name', 'reporter.email', 'reporter.phone', 'reporter.contact']);
  for (const p of e.fields) {
    const field = ['lat', 'lon', 'address'].includes(p.field) ? 'place' : p.field;
    (known.has(field) || field === 'place' ? inline : other).push({ field, message: problemText(p) });
  }
  return { inline, other };
}
