// "Da pubblicare": the reports, and the photos of public reports, waiting
// for a person to decide what the public sees. One decision per report: the
// checked photos are published with it, the others are not.

import { h, replace, announce } from '../../common/dom';
import { t, categoryName } from '../../common/i18n';
import { api, ApiError } from '../../common/api';
import { dateTime } from '../../common/format';
import type { PageCtx } from '../main';
import { moderate, publicationBadge, thumbnails } from '../moderation';
import { clearFieldErrors, field, messageBox, pageHeader, showError, showFieldErrors, showSuccess } from '../ui';
import { moreButton, pagedList } from '../paged';
import type { ModerationItem, ModerationPage, ModerationRequest } from '../types';

export async function moderationPage(ctx: PageCtx): Promise<void> {
  const errors = messageBox();
  const done = messageBox();
  const results = h('div', { 'data-testid': 'moderation-results' });
  const urls = new Map<string, string>();
  const objectUrls: string[] = [];
  ctx.onDispose(() => objectUrls.forEach((u) => URL.revokeObjectURL(u)));
  const list = pagedList<ModerationItem>({
    ctx,
    results,
    errors,
    draw: () => drawResults(),
    fetch: (cursor, limit) => api<ModerationPage>('staff/moderation', { query: { limit: Math.min(limit, 100), cursor } }),
  });

  const item = (it: ModerationItem, index: number): HTMLElement => {
    const headingId = `mod-${index}`;
    const box = messageBox();
    const reason = h('textarea', { class: 'form-control', rows: 2, maxlength: 500, 'data-testid': 'queue-reason' });
    const pending = it.photos.filter((p) => p.publication === 'pending');
    const checks = pending.map((p) => {
      const n = it.photos.indexOf(p) + 1;
      const input = h('input', { type: 'checkbox', class: 'form-check-input', id: `${headingId}-p${n}`, 'data-testid': `queue-photo-${n}` });
      return { p, input, row: h('div', { class: 'form-check' }, input, h('label', { class: 'form-check-label', for: input.id }, t('staff.moderation.publishPhoto', { n }))) };
    });
    const form: HTMLFormElement = h('form', { class: 'staff-card', 'aria-labelledby': headingId, novalidate: true, onsubmit: (ev: Event) => ev.preventDefault() });
    const send = async (btn: HTMLButtonElement, publish: boolean) => {
      clearFieldErrors(form);
      const body: ModerationRequest = {
        photos: checks.map((c) => ({ id: c.p.id, decision: publish && c.input.checked ? 'publish' : 'hide' })),
      };
      if (it.publication === 'pending') body.report = publish ? 'publish' : 'hide';
      const r = reason.value.trim();
      if (r) body.reason = r;
      btn.disabled = true;
      try {
        await moderate(it.code, body);
        const text = t(publish ? 'staff.moderation.queueDone' : 'staff.moderation.queueRefused', { code: it.code });
        showSuccess(done, text);
        announce(text);
        await list.refresh();
        done.focus();
      } catch (e) {
        btn.disabled = false;
        if (e instanceof ApiError && e.fields.length) showError(box, e, showFieldErrors(form, e));
        else showError(box, e);
        box.focus();
      }
    };
    const publishBtn: HTMLButtonElement = h('button', { type: 'button', class: 'btn btn-primary btn-sm me-2', 'data-testid': 'queue-publish', onclick: () => void send(publishBtn, true) }, t('staff.moderation.queuePublish'));
    const refuseBtn: HTMLButtonElement = h('button', { type: 'button', class: 'btn btn-outline-danger btn-sm me-2', 'data-testid': 'queue-refuse', onclick: () => void send(refuseBtn, false) }, t('staff.moderation.queueRefuse'));
    replace(
      form,
      h(
        'h2',
        { id: headingId, class: 'h5' },
        h('a', { href: `/staff/segnalazioni/${encodeURIComponent(it.code)}` }, h('span', { class: 'report-code' }, it.code), ': ', it.title),
      ),
      box,
      h(
        'p',
        { class: 'small' },
        categoryName(it.category),
        it.office ? ` · ${it.office.name}` : '',
        ' · ',
        h('time', { datetime: it.received_at }, dateTime(it.received_at)),
        ' · ',
        publicationBadge(it.publication),
      ),
      h(
        'div',
        { class: 'row g-3' },
        h('div', { class: 'col-md-6' }, h('h3', { class: 'h6' }, t('staff.moderation.citizenText')), h('p', { class: 'staff-description' }, it.description)),
        h(
          'div',
          { class: 'col-md-6' },
          h('h3', { class: 'h6' }, t('staff.moderation.publicText')),
          h('p', { class: 'mb-1' }, h('strong', {}, it.public_title)),
          h('p', { class: 'staff-description', 'data-testid': 'queue-public-description' }, it.public_description),
          it.masked && h('p', { class: 'small' }, t('staff.moderation.maskedNote')),
        ),
      ),
      it.photos.length > 0 && thumbnails(it.photos, it.code, urls, (u) => objectUrls.push(u)),
      checks.length > 0 && h('fieldset', { class: 'mb-2' }, h('legend', { class: 'h6' }, t('staff.moderation.whichPhotos')), checks.map((c) => c.row)),
      field(t('staff.moderation.reason'), reason, { name: 'reason', hint: t('staff.moderation.reasonHint') }),
      h('p', { class: 'mb-0' }, publishBtn, refuseBtn),
    );
    return h('li', {}, form);
  };

  const drawResults = () =>
    replace(
      results,
      h('p', { class: 'staff-summary' }, t('staff.queue.count', { n: list.items.length })),
      list.items.length
        ? h('ol', { class: 'list-unstyled staff-moderation-list', 'data-testid': 'moderation-list' }, list.items.map(item))
        : h('p', { class: 'staff-empty' }, t('staff.moderation.empty')),
      moreButton(list),
    );

  const draw = () => replace(ctx.main, ...pageHeader(t('staff.moderation.queueTitle'), t('staff.moderation.queueLead')), done, errors, list.notice, results);
  draw();
  ctx.onRedraw(() => {
    draw();
    drawResults();
  });
  ctx.ready(t('staff.moderation.queueTitle'));
  await list.load();
}
