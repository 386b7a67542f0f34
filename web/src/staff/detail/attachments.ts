// The report's photos and documents on its page. Both are fetched with the
// staff token (photos waiting for review are not public); a photo's object
// URL is kept for the page's life, so that redrawing does not fetch it again.

import { h, replace } from '../../common/dom';
import { t } from '../../common/i18n';
import { apiBlob, Attachment } from '../../common/api';
import { fileSize } from '../../common/format';
import { downloadBlob, showError } from '../ui';
import { publicationBadge, showPhoto } from '../moderation';
import type { PageCtx } from '../main';
import type { StaffReport } from '../types';

/** The photos fetched so far, by id; their object URLs are revoked when the
 * page is left. */
export interface PhotoCache {
  urls: Map<string, string>;
  keep(u: string): void;
}

export function photoCache(ctx: PageCtx): PhotoCache {
  const objectUrls: string[] = [];
  ctx.onDispose(() => objectUrls.forEach((x) => URL.revokeObjectURL(x)));
  return { urls: new Map(), keep: (u) => objectUrls.push(u) };
}

/** The card; a download that fails is said in `flash`. */
export function attachmentsCard(report: StaffReport, photos: PhotoCache, flash: HTMLElement): HTMLElement {
  const list = report.photos ?? [];
  const docs = report.documents ?? [];
  return h(
    'section',
    { class: 'staff-card', 'aria-labelledby': 'att-h' },
    h('h2', { id: 'att-h', class: 'h4' }, t('staff.detail.attachments')),
    list.length ? photoGrid(report, photos) : h('p', {}, t('staff.detail.noPhotos')),
    docs.length ? h('ul', { class: 'staff-docs' }, docs.map((d, i) => h('li', {}, downloadButton(report, d, i, flash)))) : null,
    // The app's link is shown, not made clickable: it came from outside.
    report.media_url ? h('p', {}, `${t('staff.detail.mediaUrl')}: `, h('code', { class: 'text-break' }, report.media_url)) : null,
  );
}

function photoGrid(report: StaffReport, photos: PhotoCache): HTMLElement {
  const grid = h('ul', { class: 'photo-grid staff-photos list-unstyled', 'data-testid': 'photos' });
  (report.photos ?? []).forEach((p, i) => {
    const li = h('li', {});
    grid.appendChild(li);
    const alt = t('staff.detail.photoAlt', { n: i + 1, code: report.code });
    showPhoto(li, p, i + 1, photos.urls, photos.keep, (src) =>
      replace(
        li,
        h('a', { href: src, target: '_blank', rel: 'noopener', class: 'photo-link' }, h('img', { src, alt, width: 128, height: 128 })),
        h('p', { class: 'small mb-0' }, publicationBadge(String(p.publication ?? 'published'))),
      ),
    );
  });
  return grid;
}

/** Downloads the `i`-th document (a PDF) as `<code>-<id>.pdf`. */
function downloadButton(report: StaffReport, d: Attachment, i: number, flash: HTMLElement): HTMLButtonElement {
  const btn: HTMLButtonElement = h(
    'button',
    { type: 'button', class: 'btn btn-outline-primary btn-sm', onclick: () => void download() },
    t('staff.detail.downloadDoc', { n: i + 1, size: fileSize(d.size_bytes) }),
  );
  const download = async () => {
    btn.disabled = true;
    try {
      downloadBlob(await apiBlob(d.url), `${report.code}-${d.id}.pdf`);
    } catch (e) {
      showError(flash, e);
    } finally {
      btn.disabled = false;
    }
  };
  return btn;
}
