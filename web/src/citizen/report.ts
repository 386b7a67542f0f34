// One report. With the tracking token (the link in the citizen's email) it is
// the follow-up page: the citizen's own data, adding information, confirming
// the fix or reopening it. Without the token it is the report's public page,
// which shows no personal data (the API sends none).

import { h, replace, announce, focusHeading, type Child } from '../common/dom';
import { t, categoryName } from '../common/i18n';
import { api, ApiError, municipalities, type Attachment, type Municipality, type TimelineEntry } from '../common/api';
import { title as setTitle } from '../common/layout';
import { dateTime, date, status as statusLabel } from '../common/format';
import type * as Leaflet from 'leaflet';
import type { PageContext, Dispose } from './page';
import { field, showProblems, problemText, errorText, alertBox, row, setBusy, isBusy } from './ui';
import { uploadList, fileProblem, IMAGE_TYPES } from './upload';

interface ReportView {
  code: string;
  status: string;
  title: string;
  description: string;
  category: { code: string; name_it: string; name_en: string };
  office: { name: string } | null;
  lat: number;
  lon: number;
  address: string | null;
  created_at: string;
  updated_at: string;
  take_in_due_at: string | null;
  taken_in_at: string | null;
  expected_resolution_at: string | null;
  resolved_at: string | null;
  closed_at: string | null;
  duplicate_of: string | null;
  /** `published`, `pending` (waiting for the comune's review), `hidden`, `withheld` (never public). */
  publication: string;
  photos: Attachment[];
  documents?: Attachment[] | null;
  timeline: TimelineEntry[];
  reporter?: { name: string | null; email: string | null; phone: string | null; contact: string } | null;
}

const OPEN = ['new', 'taken_in', 'in_progress'];

export function render(root: HTMLElement, ctx: PageContext): Dispose {
  const code = ctx.params.code;
  const token = ctx.query.get('token');
  let disposed = false;
  let map: Leaflet.Map | null = null;
  const heading = h('h1', {}, t('citizen.report.heading', { code }));
  const content = h('div', { 'aria-busy': 'true' }, h('p', {}, t('common.loading')));
  setTitle(t('citizen.report.heading', { code }));
  replace(root, heading, content);

  const load = async (after?: () => void) => {
    try {
      const [r, served] = await Promise.all([
        api<ReportView>(`reports/${encodeURIComponent(code)}`, { query: { token } }),
        token ? municipalities().catch(() => null) : Promise.resolve(null),
      ]);
      if (disposed || !ctx.alive()) return;
      map?.remove();
      map = null;
      draw(r, reopenWindow(code, served));
      after?.();
    } catch (e) {
      if (disposed || !ctx.alive()) return;
      content.removeAttribute('aria-busy');
      const msg = loadErrorText(e);
      replace(
        content,
        alertBox(msg),
        e instanceof ApiError && e.status === 403 && h('p', {}, h('a', { href: `/segnalazioni/${encodeURIComponent(code)}` }, t('citizen.report.seePublic'))),
        h('p', {}, h('a', { href: '/segnalazioni' }, t('citizen.report.allReports'))),
      );
      announce(msg, true);
    }
  };

  const draw = (r: ReportView, reopenDays: number | null) => {
    setTitle(`${r.title} (${r.code})`);
    heading.textContent = r.title;
    content.removeAttribute('aria-busy');
    const mapEl = h('div', { class: 'report-map' });
    const open = OPEN.includes(r.status);
    replace(
      content,
      h(
        'p',
        { class: 'report-meta' },
        h('span', { class: 'report-code' }, t('citizen.report.code', { code: r.code })),
        ' ',
        h('span', { class: `status-badge status-${r.status}`, 'data-testid': 'status' }, statusLabel(r.status)),
      ),
      token && h('p', { class: 'callout-note' }, t('citizen.report.privateNote')),
      token && r.publication !== 'published' && h('p', { class: 'callout-note', 'data-testid': 'publication' }, t(`citizen.report.publication.${r.publication}`)),
      r.duplicate_of &&
        alertBox(t('citizen.report.duplicateOf', { code: r.duplicate_of }), 'info'),
      r.duplicate_of && h('p', {}, h('a', { href: `/segnalazioni/${encodeURIComponent(r.duplicate_of)}` }, t('citizen.report.followDuplicate', { code: r.duplicate_of }))),
      facts(r, open),
      h('h2', { class: 'h4' }, t('citizen.description.label')),
      h('p', { class: 'pre-wrap report-description' }, r.description),
      mapEl,
      attachments(r, token),
      timeline(r.timeline),
      token && r.reporter && yourData(r.reporter),
      token &&
        resolvedActions(r, token, reopenDays, (done) =>
          load(() => {
            content.prepend(alertBox(done, 'success'));
            focusHeading();
          }),
        ),
      token && open && addInformation(r, token, load),
      !token && h('p', { class: 'mt-4' }, t('citizen.report.publicNote')),
      h('p', { class: 'mt-4' }, h('a', { href: '/segnalazioni' }, t('citizen.report.allReports'))),
    );
    void import('../common/map').then(async ({ createMap, pin }) => {
      if (disposed) return;
      const m = await createMap(mapEl, { label: t('citizen.report.mapLabel'), center: [r.lat, r.lon], zoom: 17 });
      if (disposed) {
        m.map.remove();
        return;
      }
      map = m.map;
      pin(m.L, [r.lat, r.lon], { label: r.title }).addTo(m.map);
    });
  };

  void load();
  return () => {
    disposed = true;
    map?.remove();
  };
}

/** The days the citizen has to reopen a fixed report, from the comune the
 * code belongs to. Null when the municipalities could not be loaded: the
 * window is then unknown (not unlimited), and the server has the last word. */
function reopenWindow(code: string, served: Municipality[] | null): number | null {
  return served ? (served.find((m) => code.startsWith(`${m.code_prefix}-`))?.reopen_days ?? served[0]?.reopen_days ?? null) : null;
}

/** Why the report could not be shown, in words. */
function loadErrorText(e: unknown): string {
  const notFound = e instanceof ApiError && (e.status === 404 || e.status === 403);
  return e instanceof ApiError && e.status === 403
    ? t('citizen.report.badToken')
    : e instanceof ApiError && e.code === 'report_not_public'
      ? t('citizen.report.notPublic')
      : notFound
        ? t('citizen.report.notFound')
        : errorText(e);
}

/** Where the report stands: status, category, the dates, office, place. */
function facts(r: ReportView, open: boolean): HTMLElement {
  return h(
    'dl',
    { class: 'facts' },
    row(t('citizen.report.status'), statusLabel(r.status)),
    row(t('citizen.category.label'), categoryName(r.category)),
    row(t('citizen.report.received'), dateTime(r.created_at)),
    row(
      t('citizen.report.takenIn'),
      r.taken_in_at
        ? dateTime(r.taken_in_at)
        : open && r.take_in_due_at
          ? t('citizen.report.notYetTakenIn', { date: dateTime(r.take_in_due_at) })
          : t('citizen.summary.none'),
    ),
    row(t('citizen.report.office'), r.office?.name ?? t('citizen.report.noOffice')),
    (open || r.status === 'resolved') &&
      r.expected_resolution_at &&
      row(t('citizen.report.expected'), date(r.expected_resolution_at)),
    r.resolved_at && row(t('citizen.report.resolvedAt'), dateTime(r.resolved_at)),
    r.closed_at && row(t('citizen.report.closedAt'), dateTime(r.closed_at)),
    row(t('citizen.place.legend'), r.address || t('citizen.place.point', { lat: r.lat.toFixed(5), lon: r.lon.toFixed(5) })),
  );
}

/** The photos and, with the token, the documents. */
function attachments(r: ReportView, token: string | null): Child[] {
  return [
    r.photos.length > 0 && [
      h('h2', { class: 'h4' }, t('citizen.report.photos')),
      h(
        'ul',
        { class: 'photo-grid list-unstyled' },
        // With the token the citizen sees every photo, and which wait for the comune's review.
        r.photos.map((p, i) =>
          h(
            'li',
            {},
            h('a', { href: withToken(p.url, token) }, h('img', { src: withToken(p.url, token), alt: t('citizen.report.photoAlt', { n: i + 1, title: r.title }), loading: 'lazy' })),
            token && p.publication !== 'published' && h('p', { class: 'small mb-0' }, t(`citizen.report.photoState.${p.publication}`)),
          ),
        ),
      ),
    ],
    token && r.documents && r.documents.length > 0 && [
      h('h2', { class: 'h4' }, t('citizen.report.documents')),
      h(
        'ul',
        {},
        r.documents.map((d, i) => h('li', {}, h('a', { href: withToken(d.url, token), download: '' }, t('citizen.report.documentN', { n: i + 1 })))),
      ),
    ],
  ];
}

function withToken(url: string, token: string | null): string {
  if (!token) return url;
  return `${url}${url.includes('?') ? '&' : '?'}token=${encodeURIComponent(token)}`;
}

function timeline(entries: TimelineEntry[]): HTMLElement {
  const shown = entries.filter((e) => e.kind !== 'internal_note' && e.kind !== 'personal_data_viewed');
  return h(
    'section',
    { class: 'timeline-section', 'aria-labelledby': 'tl-title' },
    h('h2', { id: 'tl-title', class: 'h4' }, t('citizen.timeline.title')),
    h(
      'ol',
      { class: 'timeline', 'data-testid': 'timeline' },
      shown.map((e) =>
        h(
          'li',
          {},
          h('time', { datetime: e.at }, dateTime(e.at)),
          h('span', { class: 'timeline-what' }, eventText(e)),
          e.message && h('blockquote', { class: 'timeline-message pre-wrap' }, e.message),
        ),
      ),
    ),
  );
}

function eventText(e: TimelineEntry): string {
  if (e.kind === 'status_changed' && e.to_status) return t('citizen.timeline.statusChanged', { status: statusLabel(e.to_status) });
  const key = `citizen.timeline.kinds.${e.kind}`;
  return t(key);
}

function yourData(rep: NonNullable<ReportView['reporter']>): HTMLElement {
  const how =
    rep.contact === 'email'
      ? t('citizen.summary.byEmail', { email: rep.email ?? '' })
      : rep.contact === 'phone'
        ? t('citizen.summary.byPhone', { phone: rep.phone ?? '' })
        : t('citizen.author.contact.none');
  return h(
    'section',
    { class: 'your-data', 'aria-labelledby': 'yd-title' },
    h('h2', { id: 'yd-title', class: 'h4' }, t('citizen.report.yourData')),
    h('dl', { class: 'facts' }, row(t('citizen.author.name'), rep.name || t('citizen.summary.notGiven')), row(t('citizen.author.contactLegend'), how)),
  );
}

/** "Is it fixed?" — confirm or reopen, within the municipality's window. */
function resolvedActions(r: ReportView, token: string, reopenDays: number | null, reload: (done: string) => void): HTMLElement | null {
  if (r.status !== 'resolved' || !r.resolved_at) return null;
  const until = new Date(new Date(r.resolved_at).getTime() + (reopenDays ?? 0) * 86400000);
  const section = h('section', { class: 'citizen-actions', 'aria-labelledby': 'ca-title' }, h('h2', { id: 'ca-title', class: 'h4' }, t('citizen.resolved.title')));
  if (reopenDays !== null && reopenDays > 0 && until.getTime() < Date.now()) {
    section.append(h('p', {}, t('citizen.resolved.windowClosed')));
    return section;
  }
  const result = h('div', { class: 'action-result', tabindex: '-1' });
  const reason = h('textarea', { class: 'form-control', rows: '4', maxlength: '4000' });
  const confirmBtn = h('button', { type: 'button', class: 'btn btn-primary btn-lg' }, t('citizen.resolved.confirm'));
  const reopenBtn = h('button', { type: 'submit', class: 'btn btn-outline-primary btn-lg' }, t('citizen.resolved.reopen'));
  const reopenForm = h(
    'form',
    { novalidate: true, class: 'reopen-form' },
    field('message', t('citizen.resolved.reason'), reason, { hint: t('citizen.resolved.reasonHint') }),
    reopenBtn,
  );
  // One answer at a time: confirming and reopening exclude each other.
  const busy = (on: boolean) => {
    setBusy(confirmBtn, on);
    setBusy(reopenBtn, on);
  };
  confirmBtn.addEventListener('click', async () => {
    if (isBusy(confirmBtn)) return;
    busy(true);
    replace(result);
    try {
      await api(`reports/${encodeURIComponent(r.code)}/confirm`, { json: { token } });
      reload(t('citizen.resolved.confirmed'));
    } catch (e) {
      busy(false);
      replace(result, alertBox(errorText(e)));
    }
  });
  reopenForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (isBusy(reopenBtn)) return;
    if (!reason.value.trim()) {
      showProblems(reopenForm, [{ field: 'message', message: t('citizen.resolved.reasonRequired') }]);
      return;
    }
    busy(true);
    replace(result);
    try {
      await api(`reports/${encodeURIComponent(r.code)}/reopen`, { json: { token, message: reason.value.trim() } });
      reload(t('citizen.resolved.reopened'));
    } catch (err) {
      busy(false);
      if (err instanceof ApiError && err.fields.length) {
        showProblems(reopenForm, err.fields.map((p) => ({ field: 'message', message: problemText(p) })));
      } else replace(result, alertBox(errorText(err)));
    }
  });
  // Without the municipality's window (it could not be loaded) the page says
  // nothing about a deadline rather than guess one.
  const windowText =
    reopenDays === null ? t('citizen.resolved.textUnknownWindow') : reopenDays > 0 ? t('citizen.resolved.text', { date: date(until.toISOString()) }) : t('citizen.resolved.textNoLimit');
  section.append(
    h('p', {}, windowText),
    result,
    h('div', { class: 'resolved-choice' }, h('h3', { class: 'h5' }, t('citizen.resolved.yesTitle')), confirmBtn),
    h('div', { class: 'resolved-choice' }, h('h3', { class: 'h5' }, t('citizen.resolved.noTitle')), reopenForm),
  );
  return section;
}

/** Adding information: a message for the office, photos and documents. */
function addInformation(r: ReportView, token: string, reload: (after?: () => void) => void): HTMLElement {
  // A message (POST /reports/{code}/information).
  const message = h('textarea', { class: 'form-control', rows: '4', maxlength: '2000' });
  const messageResult = h('div', { class: 'message-result', tabindex: '-1' });
  const messageBtn = h('button', { type: 'submit', class: 'btn btn-primary' }, t('citizen.addInfo.sendMessage'));
  const messageForm = h(
    'form',
    { novalidate: true, class: 'message-form' },
    field('info-message', t('citizen.addInfo.message'), message, { hint: t('citizen.addInfo.messageHint') }),
    messageBtn,
    messageResult,
  );
  messageForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    // Sending twice would give the office the message twice.
    if (isBusy(messageBtn)) return;
    const text = message.value.trim();
    if (!text) {
      showProblems(messageForm, [{ field: 'info-message', message: t('citizen.addInfo.messageRequired') }]);
      return;
    }
    setBusy(messageBtn, true);
    replace(messageResult);
    try {
      await api(`reports/${encodeURIComponent(r.code)}/information`, { json: { token, message: text } });
      announce(t('citizen.addInfo.messageSent'));
      reload(() => {
        const done = document.querySelector<HTMLElement>('.message-result');
        if (done) {
          replace(done, alertBox(t('citizen.addInfo.messageSent'), 'success'));
          done.focus();
        }
      });
    } catch (err) {
      setBusy(messageBtn, false);
      if (err instanceof ApiError && err.fields.length) {
        showProblems(messageForm, err.fields.map((p) => ({ field: 'info-message', message: problemText(p) })));
      } else replace(messageResult, alertBox(errorText(err)));
    }
  });

  // Files (POST /reports/{code}/attachments).
  const input = h('input', {
    type: 'file',
    class: 'form-control',
    multiple: true,
    accept: [...IMAGE_TYPES, 'application/pdf'].join(','),
  });
  const progress = h('div', {});
  const filesBtn = h('button', { type: 'submit', class: 'btn btn-primary' }, t('citizen.addInfo.send'));
  const form = h(
    'form',
    { novalidate: true, class: 'files-form' },
    field('files', t('citizen.addInfo.files'), input, {
      hint: [t('citizen.addInfo.filesHint'), ' ', h('strong', {}, t('citizen.files.photosPublic'))],
    }),
    filesBtn,
    progress,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    // Until every file is settled: a second press would send them all again.
    if (isBusy(filesBtn)) return;
    const files = Array.from(input.files ?? []);
    if (!files.length) {
      showProblems(form, [{ field: 'files', message: t('citizen.addInfo.chooseFiles') }]);
      return;
    }
    const bad = files.map((f) => fileProblem(f, f.type === 'application/pdf' ? 'document' : 'image')).filter((x): x is string => Boolean(x));
    if (bad.length) {
      showProblems(form, [{ field: 'files', message: bad.join(' ') }]);
      return;
    }
    showProblems(form, []);
    setBusy(filesBtn, true);
    replace(
      progress,
      uploadList(r.code, token, files, (ok) => {
        setBusy(filesBtn, false);
        input.value = '';
        if (ok) {
          const again = h('button', { type: 'button', class: 'btn btn-outline-primary mt-2', onclick: () => reload(() => focusHeading()) }, t('citizen.addInfo.refresh'));
          progress.append(again);
        }
      }),
    );
  });
  return h(
    'section',
    { class: 'add-info', 'aria-labelledby': 'ai-title' },
    h('h2', { id: 'ai-title', class: 'h4' }, t('citizen.addInfo.title')),
    h('p', {}, t('citizen.addInfo.text')),
    messageForm,
    form,
  );
}
