// One report as staff see it: the citizen's contact, the place, photos and
// documents, the full timeline, and the actions the signed-in role may take.

import { h, replace, announce } from '../../common/dom';
import { t, has, categoryName } from '../../common/i18n';
import { api, apiBlob, ApiError, Attachment } from '../../common/api';
import { dateTime, fileSize, status as statusLabel } from '../../common/format';
import { createMap, pin } from '../../common/map';
import itStaff from '../../i18n/it/staff.json';
import enStaff from '../../i18n/en/staff.json';
import type { PageCtx } from '../main';
import * as session from '../session';
import {
  channelLabel,
  clearFieldErrors,
  deadlineCell,
  downloadBlob,
  errorText,
  field,
  loading,
  messageBox,
  setFieldError,
  showError,
  showSuccess,
  statusBadge,
  uploadErrorText,
  MAX_FILE_BYTES,
} from '../ui';
import { moderationCard, publicationBadge } from '../moderation';
import type { ActionCtx } from '../detail/card';
import { takeInForm } from '../detail/takeIn';
import { statusForm } from '../detail/status';
import { notCompetentForm } from '../detail/notCompetent';
import { noteForm } from '../detail/note';
import { reassignForm, Lists } from '../detail/reassign';
import { duplicateForm } from '../detail/duplicate';
import type { CategoriesResponse, MessageTemplate, StaffEvent, StaffReport } from '../types';

type TemplateTree = { templates?: Record<string, string> };

export async function detailPage(ctx: PageCtx): Promise<void> {
  const code = ctx.params.code;
  const u = session.user()!;
  replace(ctx.main, h('h1', {}, t('staff.detail.loadingTitle', { code })), loading());
  ctx.ready(t('staff.detail.loadingTitle', { code }));
  let report: StaffReport;
  try {
    report = await api<StaffReport>(`staff/reports/${encodeURIComponent(code)}`);
  } catch (e) {
    if (!ctx.alive()) return;
    replace(
      ctx.main,
      h('h1', {}, t('staff.detail.notFoundTitle', { code })),
      h('div', { class: 'alert alert-danger', role: 'alert' }, errorText(e)),
      h('p', {}, h('a', { href: '/staff/coda' }, t('staff.detail.back'))),
    );
    ctx.ready(t('staff.detail.notFoundTitle', { code }));
    return;
  }
  if (!ctx.alive()) return;

  const objectUrls: string[] = [];
  ctx.onDispose(() => objectUrls.forEach((x) => URL.revokeObjectURL(x)));
  const photoUrls = new Map<string, string>();
  // The supervisor's choices for re-routing, filled once loaded.
  const lists: Lists = { categories: null, offices: null };
  let fillReassignLists = () => {};
  const flash = messageBox();
  flash.setAttribute('data-testid', 'detail-flash');

  const reload = async (successText: string) => {
    try {
      const fresh = await api<StaffReport>(`staff/reports/${encodeURIComponent(code)}`);
      if (!ctx.alive()) return;
      report = fresh;
      draw();
      showSuccess(flash, successText);
      flash.focus();
    } catch (e) {
      if (!ctx.alive()) return;
      // It may have left this office's view (not competent, reassigned).
      if (e instanceof ApiError && e.status === 404) {
        replace(
          ctx.main,
          h('h1', {}, t('staff.detail.goneTitle', { code })),
          h('div', { class: 'alert alert-success', role: 'status' }, successText),
          h('p', {}, t('staff.detail.goneText')),
          h('p', {}, h('a', { href: '/staff/coda' }, t('staff.detail.back'))),
        );
        ctx.ready(t('staff.detail.goneTitle', { code }));
        return;
      }
      showError(flash, e);
    }
  };

  const isSupervisor = u.role === 'supervisor';
  if (isSupervisor) {
    Promise.all([
      api<CategoriesResponse>('categories', { query: { municipality: u.municipality } }).then((c) => (lists.categories = c)),
      api<Array<{ code: string; name: string }>>('offices')
        .then((list) => (lists.offices = list))
        .catch(() => (lists.offices = [])),
    ])
      .then(() => {
        if (ctx.alive()) fillReassignLists();
      })
      .catch(() => {
        /* the forms say the lists are missing */
      });
  }
  const supervisorBox = h('div', { class: 'staff-supervisor' });

  // ---- templates -------------------------------------------------------
  const templatesFor = (target: string): Array<{ label: string; text: string }> => {
    const fill = (s: string) =>
      s
        .replace(/\{code\}/g, report.code)
        .replace(/\{category\}/g, categoryName(report.category))
        .replace(/\{office\}/g, report.office?.name ?? '')
        // Never the citizen's own title: the message is mailed to an address
        // nobody confirmed, and must not carry the citizen's text (or links).
        .replace(/\{title\}/g, categoryName(report.category));
    const out: Array<{ label: string; text: string }> = [];
    for (const tpl of (report.templates ?? []).filter((x: MessageTemplate) => x.status === target)) {
      const name = tpl.label || t('staff.detail.tpl.category');
      out.push({ label: t('staff.detail.tpl.italian', { name }), text: fill(tpl.text_it) });
      if (tpl.text_en) out.push({ label: t('staff.detail.tpl.english', { name }), text: fill(tpl.text_en) });
    }
    const it = (itStaff as TemplateTree).templates?.[target];
    const en = (enStaff as TemplateTree).templates?.[target];
    if (it) out.push({ label: t('staff.detail.tpl.italian', { name: t('staff.detail.tpl.generic') }), text: fill(it) });
    if (en) out.push({ label: t('staff.detail.tpl.english', { name: t('staff.detail.tpl.generic') }), text: fill(en) });
    return out;
  };

  /** A public-message box with a template picker that fills it. */
  const messageField = (target: () => string, name: string) => {
    const area = h('textarea', { class: 'form-control', rows: 4, 'data-testid': `${name}-message` });
    const picker = h('select', { class: 'form-select', 'data-testid': `${name}-template` });
    // The text last put in by a template: until the operator changes it, a
    // new target status may put in its own; after that, what they wrote stays.
    let inserted = '';
    const refill = (overwrite: boolean) => {
      const list = templatesFor(target());
      replace(picker, h('option', { value: '' }, t('staff.detail.tpl.choose')), list.map((x, i) => h('option', { value: String(i) }, x.label)));
      if (overwrite && (area.value.trim() === '' || area.value === inserted)) {
        inserted = list[0]?.text ?? '';
        area.value = inserted;
        picker.value = list.length ? '0' : '';
      }
    };
    picker.addEventListener('change', () => {
      const list = templatesFor(target());
      const pick = list[Number(picker.value)];
      if (picker.value !== '' && pick) {
        inserted = pick.text;
        area.value = pick.text;
        announce(t('staff.detail.tpl.applied'));
      }
    });
    refill(true);
    return {
      area,
      refill,
      nodes: [
        field(t('staff.detail.tpl.label'), picker, { hint: t('staff.detail.tpl.hint') }),
        field(t('staff.detail.publicMessage'), area, { hint: t('staff.detail.publicMessageHint'), name: 'public_message' }),
      ],
    };
  };

  const submitting = (btn: HTMLButtonElement, busy: boolean, label: string) => {
    btn.disabled = busy;
    btn.textContent = busy ? t('staff.detail.sending') : label;
  };

  /** What the actions (one module each, in ../detail/) need of the page. */
  const actionCtx = (): ActionCtx => ({ report, reload, messageField });

  /** Adds a photo or a PDF (a photo of the fix, a document brought to the
   * counter). Photos are shown on the public page; documents only to staff. */
  const uploadForm = () => {
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
    const problem = (text: string) => {
      setFieldError(form, 'file', text);
      box.hidden = false;
      box.className = 'alert alert-danger staff-alert';
      replace(box, h('p', { class: 'mb-0' }, text));
      announce(text, true);
      input.focus();
    };
    const form: HTMLFormElement = h(
      'form',
      {
        class: 'staff-card',
        'aria-labelledby': 'upload-h',
        novalidate: true,
        onsubmit: async (ev: Event) => {
          ev.preventDefault();
          clearFieldErrors(form);
          showError(box, null);
          const file = input.files?.[0];
          if (!file) return problem(t('staff.detail.upload.choose'));
          if (file.size > MAX_FILE_BYTES) return problem(uploadErrorText(new ApiError(413, 'file_too_large', '')));
          const body = new FormData();
          body.append('file', file, file.name);
          submitting(btn, true, label);
          try {
            await api(`reports/${encodeURIComponent(report.code)}/attachments`, { form: body });
            await reload(t('staff.detail.upload.done', { name: file.name }));
          } catch (e) {
            submitting(btn, false, label);
            problem(uploadErrorText(e));
          }
        },
      },
      h('h3', { id: 'upload-h', class: 'h5' }, t('staff.detail.upload.title')),
      box,
      field(t('staff.detail.upload.file'), input, { name: 'file', hint: t('staff.detail.upload.hint') }),
      btn,
    );
    return form;
  };

  const drawSupervisor = () => {
    if (!isSupervisor) return;
    const r = reassignForm(actionCtx(), lists);
    fillReassignLists = r ? r.fill : () => {};
    const d = duplicateForm(actionCtx());
    replace(
      supervisorBox,
      r || d ? h('h2', { class: 'h4 mt-4' }, t('staff.detail.supervisorTitle')) : null,
      r?.form ?? null,
      d,
    );
  };

  // ---- information -----------------------------------------------------
  const infoList = () => {
    const rows: Array<[string, Node | string]> = [
      [t('staff.detail.field.status'), statusBadge(report.status)],
      [t('staff.detail.field.category'), categoryName(report.category)],
      [t('staff.detail.field.office'), report.office?.name ?? t('staff.queue.noOffice')],
      [t('staff.detail.field.channel'), channelLabel(report.channel)],
      [t('staff.detail.field.received'), dateTime(report.received_at)],
    ];
    if (report.status === 'new' && report.take_in_due_at) rows.push([t('staff.detail.field.deadline'), deadlineCell(report)]);
    if (report.taken_in_at) rows.push([t('staff.detail.field.takenIn'), dateTime(report.taken_in_at)]);
    if (report.expected_resolution_at) rows.push([t('staff.detail.field.expected'), dateTime(report.expected_resolution_at)]);
    if (report.resolved_at) rows.push([t('staff.detail.field.resolved'), dateTime(report.resolved_at)]);
    if (report.escalation_level > 0)
      rows.push([t('staff.detail.field.escalation'), h('strong', { class: 'late-flag' }, t('staff.detail.escalationLevel', { n: report.escalation_level }))]);
    if (report.duplicate_of)
      rows.push([t('staff.detail.field.duplicateOf'), h('a', { href: `/staff/segnalazioni/${encodeURIComponent(report.duplicate_of)}` }, report.duplicate_of)]);
    return h('dl', { class: 'staff-dl' }, rows.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
  };

  /** Answers to the category's extra questions, when there are any. */
  const attributesList = () => {
    const a = report.attributes;
    if (!a || typeof a !== 'object' || Array.isArray(a) || !Object.keys(a).length) return null;
    return [
      h('h3', { class: 'h6' }, t('staff.detail.attributes')),
      h(
        'dl',
        { class: 'staff-dl mb-3' },
        Object.entries(a as Record<string, unknown>).map(([k, v]) => [h('dt', {}, k), h('dd', {}, typeof v === 'string' ? v : JSON.stringify(v))]),
      ),
    ];
  };

  const reporterBox = () => {
    const r = report.reporter;
    const rows: Array<[string, Node | string]> = [];
    if (r?.name) rows.push([t('staff.detail.reporter.name'), r.name]);
    if (r?.phone) rows.push([t('staff.detail.reporter.phone'), h('a', { href: `tel:${r.phone.replace(/\s+/g, '')}`, 'data-testid': 'reporter-phone' }, r.phone)]);
    if (r?.email) rows.push([t('staff.detail.reporter.email'), h('a', { href: `mailto:${encodeURIComponent(r.email)}` }, r.email)]);
    if (r) rows.push([t('staff.detail.reporter.contact'), t(`staff.detail.reporter.contactKind.${r.contact}`)]);
    return h(
      'section',
      { class: 'staff-card', 'aria-labelledby': 'reporter-h' },
      h('h2', { id: 'reporter-h', class: 'h4' }, t('staff.detail.reporter.title')),
      h('p', { class: 'small' }, t('staff.detail.reporter.privacy')),
      rows.length ? h('dl', { class: 'staff-dl' }, rows.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])) : h('p', {}, t('staff.detail.reporter.none')),
    );
  };

  const attachmentsBox = () => {
    const photos = report.photos ?? [];
    const docs = report.documents ?? [];
    const grid = h('ul', { class: 'photo-grid staff-photos list-unstyled', 'data-testid': 'photos' });
    photos.forEach((p, i) => {
      const li = h('li', {});
      grid.appendChild(li);
      const alt = t('staff.detail.photoAlt', { n: i + 1, code: report.code });
      const show = (src: string) =>
        replace(
          li,
          h('a', { href: src, target: '_blank', rel: 'noopener', class: 'photo-link' }, h('img', { src, alt, width: 128, height: 128 })),
          h('p', { class: 'small mb-0' }, publicationBadge(String(p.publication ?? 'published'))),
        );
      const known = photoUrls.get(p.id);
      if (known) show(known);
      else {
        replace(li, h('span', { class: 'photo-loading' }, t('common.loading')));
        apiBlob(p.url)
          .then((b) => {
            const u = URL.createObjectURL(b);
            objectUrls.push(u);
            photoUrls.set(p.id, u);
            if (li.isConnected) show(u);
          })
          .catch(() => replace(li, h('span', { class: 'photo-error' }, t('staff.detail.photoError', { n: i + 1 }))));
      }
    });
    const download = async (d: Attachment, btn: HTMLButtonElement) => {
      btn.disabled = true;
      try {
        downloadBlob(await apiBlob(d.url), `${report.code}-${d.id}.pdf`);
      } catch (e) {
        showError(flash, e);
      } finally {
        btn.disabled = false;
      }
    };
    return h(
      'section',
      { class: 'staff-card', 'aria-labelledby': 'att-h' },
      h('h2', { id: 'att-h', class: 'h4' }, t('staff.detail.attachments')),
      photos.length ? grid : h('p', {}, t('staff.detail.noPhotos')),
      docs.length
        ? h(
            'ul',
            { class: 'staff-docs' },
            docs.map((d, i) => {
              const btn: HTMLButtonElement = h(
                'button',
                { type: 'button', class: 'btn btn-outline-primary btn-sm', onclick: () => void download(d, btn) },
                t('staff.detail.downloadDoc', { n: i + 1, size: fileSize(d.size_bytes) }),
              );
              return h('li', {}, btn);
            }),
          )
        : null,
      // The app's link is shown, not made clickable: it came from outside.
      report.media_url ? h('p', {}, `${t('staff.detail.mediaUrl')}: `, h('code', { class: 'text-break' }, report.media_url)) : null,
    );
  };

  const eventText = (e: StaffEvent): Node[] => {
    const out: Node[] = [];
    if (e.from_status && e.to_status && e.from_status !== e.to_status) {
      out.push(
        h('p', { class: 'mb-1' }, t('staff.detail.timeline.transition', { from: statusLabel(e.from_status), to: statusLabel(e.to_status) })),
      );
    } else if (e.to_status && e.kind !== 'created') {
      out.push(h('p', { class: 'mb-1' }, t('staff.detail.timeline.statusNow', { status: statusLabel(e.to_status) })));
    }
    if (e.message) out.push(h('p', { class: 'mb-1 event-message' }, e.message));
    const d = (e.data && typeof e.data === 'object' ? e.data : {}) as Record<string, unknown>;
    const bits: string[] = [];
    if (typeof d.from_category === 'string' && typeof d.to_category === 'string')
      bits.push(t('staff.detail.timeline.categoryChange', { from: d.from_category, to: d.to_category }));
    else if (typeof d.from === 'string' && typeof d.to === 'string' && e.kind === 'category_changed')
      bits.push(t('staff.detail.timeline.categoryChange', { from: d.from, to: d.to }));
    if (typeof d.reason === 'string') bits.push(t('staff.detail.timeline.reason', { reason: has(`staff.detail.rejection.${d.reason}`) ? t(`staff.detail.rejection.${d.reason}`) : d.reason }));
    if (typeof d.level === 'number') bits.push(t('staff.detail.escalationLevel', { n: d.level }));
    if (typeof d.outcome === 'string') bits.push(t(`staff.callbacks.outcome.${d.outcome}`));
    if (typeof d.duplicate_of === 'string') bits.push(t('staff.detail.timeline.duplicateOf', { code: d.duplicate_of }));
    if (typeof d.take_in_due_at === 'string' && e.kind === 'routed') bits.push(t('staff.detail.timeline.due', { at: dateTime(d.take_in_due_at) }));
    if (bits.length) out.push(h('p', { class: 'mb-1 small' }, bits.join(' · ')));
    return out;
  };

  const timeline = () =>
    h(
      'section',
      { class: 'staff-card', 'aria-labelledby': 'tl-h' },
      h('h2', { id: 'tl-h', class: 'h4' }, t('staff.detail.timeline.title')),
      h(
        'ol',
        { class: 'staff-timeline', 'data-testid': 'timeline' },
        report.events.map((e) =>
          h(
            'li',
            { class: `event event-${e.kind} ${e.public ? 'event-public' : 'event-internal'}` },
            h(
              'p',
              { class: 'mb-1' },
              h('strong', {}, has(`staff.events.${e.kind}`) ? t(`staff.events.${e.kind}`) : e.kind),
              ' — ',
              h('time', { datetime: e.at }, dateTime(e.at)),
              ' · ',
              t(`staff.actors.${e.actor_kind}`),
              ' ',
              h('span', { class: e.public ? 'tag tag-public' : 'tag tag-internal' }, e.public ? t('staff.detail.timeline.public') : t('staff.detail.timeline.internal')),
            ),
            ...eventText(e),
          ),
        ),
      ),
    );

  let mapBox = h('div', { class: 'staff-map', 'data-testid': 'detail-map' });
  let currentMap: { remove(): void } | null = null;
  ctx.onDispose(() => currentMap?.remove());

  const draw = () => {
    currentMap?.remove();
    currentMap = null;
    mapBox = h('div', { class: 'staff-map', 'data-testid': 'detail-map' });
    const actions: Array<HTMLElement | null> = [];
    const working = (u.role === 'office' || u.role === 'supervisor') && report.next_statuses.length > 0;
    const c = actionCtx();
    if (working && report.status === 'new') actions.push(takeInForm(c));
    if (working) actions.push(statusForm(c));
    if (working) actions.push(notCompetentForm(c));
    actions.push(noteForm(c));
    actions.push(uploadForm());
    if (u.role === 'office' || u.role === 'supervisor')
      actions.push(
        moderationCard({
          code: report.code,
          publication: report.publication,
          public: report.moderation,
          photos: report.photos ?? [],
          done: (text) => reload(text),
        }),
      );
    drawSupervisor();
    replace(
      ctx.main,
      h('p', { class: 'staff-back' }, h('a', { href: '/staff/coda' }, t('staff.detail.back'))),
      h('h1', {}, h('span', { class: 'report-code', 'data-testid': 'report-code' }, report.code), ': ', report.title),
      flash,
      h(
        'div',
        { class: 'row g-4' },
        h(
          'div',
          { class: 'col-lg-7' },
          h(
            'section',
            { class: 'staff-card', 'aria-labelledby': 'sum-h' },
            h('h2', { id: 'sum-h', class: 'h4' }, t('staff.detail.summary')),
            infoList(),
          ),
          reporterBox(),
          h(
            'section',
            { class: 'staff-card', 'aria-labelledby': 'place-h' },
            h('h2', { id: 'place-h', class: 'h4' }, t('staff.detail.place')),
            h('h3', { class: 'h6' }, t('staff.detail.description')),
            h('p', { class: 'staff-description' }, report.description),
            attributesList(),
            h(
              'p',
              {},
              report.address ? [h('strong', {}, report.address), h('br', {})] : null,
              t('staff.detail.coords', { lat: report.lat.toFixed(5), lon: report.lon.toFixed(5) }),
            ),
            mapBox,
          ),
          attachmentsBox(),
          timeline(),
        ),
        h(
          'div',
          { class: 'col-lg-5' },
          h(
            'section',
            { class: 'staff-actions', 'aria-labelledby': 'actions-h' },
            h('h2', { id: 'actions-h', class: 'h4' }, t('staff.detail.actions')),
            !working && u.role !== 'urp' ? h('p', {}, t('staff.detail.noWorkflow', { status: statusLabel(report.status) })) : null,
            u.role === 'urp' ? h('p', {}, t('staff.detail.urpHint')) : null,
            ...actions,
            supervisorBox,
          ),
        ),
      ),
    );
    void drawMap();
  };

  const drawMap = async () => {
    const box = mapBox;
    try {
      const { L, map } = await createMap(box, { center: [report.lat, report.lon], zoom: 17, label: t('staff.detail.mapLabel', { code: report.code }) });
      if (box !== mapBox || !ctx.alive()) {
        map.remove();
        return;
      }
      currentMap = map;
      pin(L, [report.lat, report.lon], { label: report.address ?? report.title }).addTo(map);
    } catch {
      replace(box, h('p', {}, t('staff.detail.mapError')));
    }
  };

  draw();
  ctx.onRedraw(() => draw());
  ctx.ready(`${report.code}: ${report.title}`);
}
