// Moderation, shared by the report's page and the review queue: what the
// public reads of a report, and the decisions on it and on each photo
// (POST /api/v1/reports/{code}/moderation).

import { h, replace } from '../common/dom';
import { t } from '../common/i18n';
import { api, apiBlob, ApiError, Attachment } from '../common/api';
import { clearFieldErrors, field, messageBox, showError, showFieldErrors } from './ui';
import type { ModerationRequest, PublicVersion } from './types';

/** Sends one moderation request for report `code`. */
export function moderate(code: string, body: ModerationRequest): Promise<unknown> {
  return api(`reports/${encodeURIComponent(code)}/moderation`, { method: 'POST', json: body });
}

/** The badge of a report's or a photo's publication state. */
export function publicationBadge(state: string): HTMLElement {
  return h('span', { class: `tag tag-publication tag-publication-${state}`, 'data-testid': 'publication-state' }, t(`staff.moderation.state.${state}`));
}

/** Thumbnails fetched with the staff token (photos waiting for review are not public). */
export function thumbnails(photos: Attachment[], code: string, urls: Map<string, string>, keep: (u: string) => void): HTMLElement {
  const list = h('ul', { class: 'photo-grid staff-photos list-unstyled' });
  photos.forEach((p, i) => {
    const li = h('li', {});
    list.appendChild(li);
    const alt = t('staff.detail.photoAlt', { n: i + 1, code });
    const show = (src: string) =>
      replace(
        li,
        h('img', { src, alt, width: 128, height: 128 }),
        h('p', { class: 'small mb-0' }, publicationBadge(String(p.publication ?? 'pending'))),
      );
    showPhoto(li, p, i + 1, urls, keep, show);
  });
  return list;
}

/** Shows the `n`-th photo in `li` with `show`: from `urls` when it was
 * fetched before, else fetched with the staff token (loading, then the photo
 * or why not); `keep` is told of each object URL made, to revoke it later. */
export function showPhoto(
  li: HTMLElement,
  p: Attachment,
  n: number,
  urls: Map<string, string>,
  keep: (u: string) => void,
  show: (src: string) => void,
): void {
  const known = urls.get(p.id);
  if (known) return show(known);
  replace(li, h('span', { class: 'photo-loading' }, t('common.loading')));
  apiBlob(p.url)
    .then((b) => {
      const u = URL.createObjectURL(b);
      keep(u);
      urls.set(p.id, u);
      if (li.isConnected) show(u);
    })
    .catch(() => replace(li, h('span', { class: 'photo-error' }, t('staff.detail.photoError', { n }))));
}

export interface ModerationCardOptions {
  code: string;
  publication: string;
  public: PublicVersion;
  photos: Attachment[];
  /** Called after a successful change, with the text to announce. */
  done: (message: string) => Promise<void> | void;
}

/** The report page's card: state, public text, and every decision. */
export function moderationCard(o: ModerationCardOptions): HTMLElement {
  const box = messageBox();
  const title = h('input', { type: 'text', class: 'form-control', maxlength: 120, value: o.public.edited_title ?? '', 'data-testid': 'public-title' });
  const description = h('textarea', { class: 'form-control', rows: 4, maxlength: 4000, 'data-testid': 'public-description' });
  description.value = o.public.edited_description ?? '';
  const reason = h('textarea', { class: 'form-control', rows: 2, maxlength: 500, 'data-testid': 'moderation-reason' });
  const form: HTMLFormElement = h('form', { class: 'staff-card', 'aria-labelledby': 'pub-h', novalidate: true, onsubmit: (ev: Event) => ev.preventDefault() });

  const send = async (btn: HTMLButtonElement, body: ModerationRequest, doneText: string) => {
    clearFieldErrors(form);
    const r = reason.value.trim();
    if (r) body.reason = r;
    btn.disabled = true;
    try {
      await moderate(o.code, body);
      await o.done(doneText);
    } catch (e) {
      btn.disabled = false;
      if (e instanceof ApiError && e.fields.length) showError(box, e, showFieldErrors(form, e));
      else showError(box, e);
      box.focus();
    }
  };
  const button = (label: string, testid: string, cls: string, body: () => ModerationRequest, doneText: string) => {
    const btn: HTMLButtonElement = h('button', { type: 'button', class: `btn ${cls} btn-sm me-2 mb-2`, 'data-testid': testid, onclick: () => void send(btn, body(), doneText) }, label);
    return btn;
  };

  const never = o.public.policy === 'never' || o.publication === 'withheld';
  const reportButtons = never
    ? h('p', {}, t('staff.moderation.neverText'))
    : h(
        'p',
        {},
        o.publication !== 'published' &&
          button(t('staff.moderation.publish'), 'moderation-publish', 'btn-primary', () => ({ report: 'publish' }), t('staff.moderation.published')),
        o.publication !== 'hidden' &&
          button(t('staff.moderation.hide'), 'moderation-hide', 'btn-outline-danger', () => ({ report: 'hide' }), t('staff.moderation.hidden')),
      );
  const photoRows = o.photos.map((p, i) =>
    h(
      'li',
      { class: 'mb-2' },
      t('staff.moderation.photoN', { n: i + 1 }),
      ' ',
      publicationBadge(String(p.publication ?? 'pending')),
      ' ',
      p.publication !== 'published' &&
        button(t('staff.moderation.publishPhoto', { n: i + 1 }), `photo-publish-${i + 1}`, 'btn-outline-primary', () => ({ photos: [{ id: p.id, decision: 'publish' }] }), t('staff.moderation.photoPublished', { n: i + 1 })),
      p.publication !== 'hidden' &&
        button(t('staff.moderation.hidePhoto', { n: i + 1 }), `photo-hide-${i + 1}`, 'btn-outline-danger', () => ({ photos: [{ id: p.id, decision: 'hide' }] }), t('staff.moderation.photoHidden', { n: i + 1 })),
    ),
  );

  replace(
    form,
    h('h2', { id: 'pub-h', class: 'h4' }, t('staff.moderation.title')),
    box,
    h('p', {}, t('staff.moderation.stateLabel'), ' ', publicationBadge(o.publication), ' · ', t(`staff.moderation.policy.${o.public.policy}`)),
    o.public.masked && h('p', { class: 'small' }, t('staff.moderation.maskedNote')),
    h('h3', { class: 'h6' }, t('staff.moderation.publicText')),
    h('p', { class: 'mb-1', 'data-testid': 'public-title-preview' }, h('strong', {}, o.public.public_title)),
    h('p', { class: 'staff-description', 'data-testid': 'public-description-preview' }, o.public.public_description),
    field(t('staff.moderation.reason'), reason, { name: 'reason', hint: t('staff.moderation.reasonHint') }),
    reportButtons,
    o.photos.length > 0 && [h('h3', { class: 'h6' }, t('staff.moderation.photos')), h('ul', { class: 'list-unstyled' }, photoRows)],
    h('h3', { class: 'h6' }, t('staff.moderation.rewrite')),
    field(t('staff.moderation.publicTitle'), title, { name: 'public_title', hint: t('staff.moderation.emptyHint') }),
    field(t('staff.moderation.publicDescription'), description, { name: 'public_description' }),
    button(
      t('staff.moderation.saveText'),
      'moderation-save-text',
      'btn-outline-primary',
      () => ({ public_title: title.value.trim(), public_description: description.value.trim() }),
      t('staff.moderation.textSaved'),
    ),
  );
  return form;
}
