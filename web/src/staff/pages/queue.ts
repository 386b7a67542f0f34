// The work queue: an office sees its own reports, URP and supervisors the
// whole municipality's, by take-in deadline, with live countdowns.

import { h, replace } from '../../common/dom';
import { t } from '../../common/i18n';
import { api } from '../../common/api';
import type { PageCtx } from '../main';
import { categoryOptions, codeExample, codePrefix, field, messageBox, pageHeader, queueTable } from '../ui';
import { moreButton, pagedList } from '../paged';
import * as session from '../session';
import type { CategoriesResponse, QueuePage } from '../types';

const STATUS_FILTERS = ['open', 'new', 'taken_in', 'in_progress', 'resolved', 'closed', 'rejected', 'not_competent'];

/** The queue's filters; also in the URL. */
interface Filters {
  status: string;
  overdue: boolean;
  category: string;
  office: string;
}

export async function queuePage(ctx: PageCtx): Promise<void> {
  const u = session.user()!;
  const state: Filters = {
    status: ctx.query.get('stato') ?? 'open',
    overdue: ctx.query.get('scadute') === '1',
    category: ctx.query.get('categoria') ?? '',
    office: ctx.query.get('ufficio') ?? '',
  };
  // Supervisors may narrow the queue to one office.
  let offices: Array<{ code: string; name: string }> = [];
  if (u.role === 'supervisor') {
    api<Array<{ code: string; name: string }>>('offices')
      .then((list) => {
        offices = list;
        if (ctx.alive()) fillOffices();
      })
      .catch(() => {
        /* the filter is optional */
      });
  }
  let categories: CategoriesResponse | null = null;
  const errors = messageBox();
  const results = h('div', { 'data-testid': 'queue-results' });

  api<CategoriesResponse>('categories', { query: { municipality: u.municipality } })
    .then((c) => {
      categories = c;
      if (ctx.alive()) fillCategories();
    })
    .catch(() => {
      /* the filter is optional */
    });
  // The example in the "open by code" field: this comune's codes, this year.
  let codeIn: HTMLInputElement | null = null;
  let prefix: string | null = null;
  void codePrefix(u.municipality).then((p) => {
    prefix = p;
    if (ctx.alive() && codeIn && prefix) codeIn.placeholder = codeExample(prefix);
  });

  const list = pagedList({
    ctx,
    results,
    errors,
    draw: () => drawResults(),
    fetch: (cursor, limit) =>
      api<QueuePage>('staff/reports', {
        query: {
          status: state.status === 'open' ? undefined : state.status,
          overdue: state.overdue ? true : undefined,
          category: state.category || undefined,
          office: state.office || undefined,
          cursor,
          limit,
        },
      }),
  });

  const drawResults = () => replace(results, ...resultsContent(list.items, u.role !== 'office'), moreButton(list));

  let officeSel: HTMLSelectElement | null = null;
  const fillOffices = () => {
    if (!officeSel) return;
    replace(
      officeSel,
      h('option', { value: '' }, t('staff.queue.filter.allOffices')),
      offices.map((o) => h('option', { value: o.code, selected: o.code === state.office }, o.name)),
    );
  };
  let catSel: HTMLSelectElement | null = null;
  const fillCategories = () => {
    if (!catSel) return;
    replace(
      catSel,
      h('option', { value: '' }, t('staff.queue.filter.allCategories')),
      categoryOptions(categories?.categories ?? [], { selected: state.category, filter: true }),
    );
  };

  const draw = () => {
    catSel = h('select', { class: 'form-select', 'data-testid': 'filter-category' });
    fillCategories();
    officeSel = u.role === 'supervisor' ? h('select', { class: 'form-select', 'data-testid': 'filter-office' }) : null;
    fillOffices();
    const form = filterForm(state, catSel, officeSel, () => {
      syncUrl(state);
      void list.load();
    });
    // A citizen on the phone reads out a code: straight to that report.
    codeIn = h('input', { type: 'text', class: 'form-control', autocomplete: 'off', placeholder: prefix ? codeExample(prefix) : undefined, 'data-testid': 'goto-code' });
    const goto = gotoForm(codeIn, ctx.navigate);
    const titleText = u.role === 'office' ? t('staff.queue.titleOffice') : t('staff.queue.title');
    replace(ctx.main, ...pageHeader(titleText, t(`staff.queue.lead.${u.role}`)), goto, form, errors, list.notice, results);
  };

  draw();
  ctx.onRedraw(() => {
    draw();
    drawResults();
  });
  ctx.ready(u.role === 'office' ? t('staff.queue.titleOffice') : t('staff.queue.title'));
  await list.load();
  // Fresh data every five minutes (countdowns tick every minute on their own).
  const timer = window.setInterval(() => void list.refresh(), 5 * 60_000);
  ctx.onDispose(() => window.clearInterval(timer));
}

function syncUrl(state: Filters): void {
  const q = new URLSearchParams();
  if (state.status !== 'open') q.set('stato', state.status);
  if (state.overdue) q.set('scadute', '1');
  if (state.category) q.set('categoria', state.category);
  if (state.office) q.set('ufficio', state.office);
  const s = q.toString();
  history.replaceState(null, '', location.pathname + (s ? `?${s}` : ''));
}

/** The count (and how many are late) and the table. */
function resultsContent(items: QueuePage['items'], showOffice: boolean): HTMLElement[] {
  const overdue = items.filter((i) => i.status === 'new' && i.overdue).length;
  return [
    h(
      'p',
      { class: 'staff-summary' },
      t('staff.queue.count', { n: items.length }),
      overdue ? h('strong', { class: 'late-flag ms-2' }, t('staff.queue.overdueCount', { n: overdue })) : null,
    ),
    items.length === 0 ? h('p', { class: 'staff-empty' }, t('staff.queue.empty')) : queueTable(items, { caption: t('staff.queue.caption'), showOffice }),
  ];
}

/** The filters (status, category, the office for supervisors, only the
 * late ones); applied, they are written to `state` and `apply` runs. */
function filterForm(state: Filters, catSel: HTMLSelectElement, officeSel: HTMLSelectElement | null, apply: () => void): HTMLElement {
  const statusSel = h(
    'select',
    { class: 'form-select', 'data-testid': 'filter-status' },
    STATUS_FILTERS.map((s) =>
      h('option', { value: s, selected: s === state.status }, s === 'open' ? t('staff.queue.filter.open') : t(`common.status.${s}`)),
    ),
  );
  const overdueBox = h('input', { type: 'checkbox', class: 'form-check-input', id: 'filter-overdue', checked: state.overdue });
  return h(
    'form',
    {
      class: 'staff-filters',
      'aria-label': t('staff.queue.filter.label'),
      onsubmit: (ev: Event) => {
        ev.preventDefault();
        state.status = statusSel.value;
        state.category = catSel.value;
        state.overdue = overdueBox.checked;
        state.office = officeSel?.value ?? '';
        apply();
      },
    },
    field(t('staff.queue.filter.status'), statusSel),
    field(t('staff.queue.filter.category'), catSel),
    officeSel ? field(t('staff.queue.filter.office'), officeSel) : null,
    h('div', { class: 'form-check staff-check' }, overdueBox, h('label', { for: 'filter-overdue' }, t('staff.queue.filter.overdue'))),
    h('button', { type: 'submit', class: 'btn btn-primary' }, t('staff.queue.filter.apply')),
  );
}

/** "Apri per codice": straight to the report whose code is typed. */
function gotoForm(input: HTMLInputElement, navigate: (path: string) => void): HTMLElement {
  return h(
    'form',
    {
      class: 'staff-filters staff-goto',
      role: 'search',
      'aria-label': t('staff.queue.goto.label'),
      onsubmit: (ev: Event) => {
        ev.preventDefault();
        const code = input.value.trim().toUpperCase().replace(/\s+/g, '');
        if (code) navigate(`/staff/segnalazioni/${encodeURIComponent(code)}`);
        else input.focus();
      },
    },
    field(t('staff.queue.goto.code'), input, { hint: t('staff.queue.goto.hint') }),
    h('button', { type: 'submit', class: 'btn btn-outline-primary' }, t('staff.queue.goto.submit')),
  );
}
