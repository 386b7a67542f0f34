// The office workload dashboard: per office received, taken in, within the
// take-in deadline, take-in times, backlog; the service rating; CSV export.
// The table carries every number; the charts (chart.js, loaded lazily) are a
// visual summary of it.

import { h, replace, announce } from '../../common/dom';
import { t, has } from '../../common/i18n';
import { api, apiBlob } from '../../common/api';
import { date, dateTime, number } from '../../common/format';
import type { PageCtx } from '../main';
import { downloadBlob, errorText, field, isoDay, loading, messageBox, pageHeader, showError } from '../ui';
import type { OfficeStatsResponse } from '../types';

type ChartLike = { destroy(): void };

function addDays(day: string, n: number): string {
  const d = new Date(`${day}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** A number rounded to `digits` decimals, or a dash when there is none. */
function fmt(n: number | null | undefined, digits = 1): string {
  if (n === null || n === undefined) return '—';
  const f = 10 ** digits;
  return number(Math.round(n * f) / f);
}

/** A day (YYYY-MM-DD) in words. Midday UTC is the same calendar day in Rome. */
const fmtDay = (d: string) => date(`${d}T12:00:00Z`);

type OfficeRow = OfficeStatsResponse['offices'][number];

const officeName = (o: OfficeRow) => o.office?.name ?? t('staff.stats.triageRow');

export async function statsPage(ctx: PageCtx): Promise<void> {
  let from = ctx.query.get('dal') ?? isoDay(-30);
  let to = ctx.query.get('al') ?? isoDay(0);
  let data: OfficeStatsResponse | null = null;
  let charts: ChartLike[] = [];
  const errors = messageBox();
  errors.setAttribute('data-testid', 'stats-errors');
  const results = h('div', { 'data-testid': 'stats-results' });
  const destroyCharts = () => {
    charts.forEach((c) => c.destroy());
    charts = [];
  };
  ctx.onDispose(destroyCharts);
  const map = openReportsMap(ctx);

  const load = async () => {
    replace(results, loading());
    try {
      // The API's `to` is the day after the last one.
      data = await api<OfficeStatsResponse>('stats/offices', { query: { from, to: addDays(to, 1) } });
      if (!ctx.alive()) return;
      showError(errors, null);
      await drawResults();
      announce(t('staff.stats.loaded', { from: fmtDay(from), to: fmtDay(to) }));
    } catch (e) {
      if (!ctx.alive()) return;
      replace(results);
      showError(errors, e);
    }
  };

  const download = async (btn: HTMLButtonElement) => {
    btn.disabled = true;
    try {
      const blob = await apiBlob('stats/offices', { query: { from, to: addDays(to, 1), format: 'csv' } });
      downloadBlob(blob, `segnala-uffici_${from}_${to}.csv`);
      announce(t('staff.stats.csvDone'));
    } catch (e) {
      showError(errors, e);
    } finally {
      btn.disabled = false;
    }
  };

  /** The figures, then their charts once chart.js is loaded. */
  const drawResults = async () => {
    destroyCharts();
    if (!data) return;
    const d = data;
    replace(results, ...resultsContent(d, from, to));
    const { barChart } = await import('../charts');
    if (!ctx.alive() || data !== d) return;
    const q = (sel: string) => results.querySelector<HTMLCanvasElement>(`canvas[data-testid="${sel}"]`)!;
    charts.push(...makeCharts(barChart, q, d));
  };

  const draw = () => {
    const form = periodForm(from, to, errors, download, (f, tt) => {
      from = f;
      to = tt;
      history.replaceState(null, '', `${location.pathname}?dal=${from}&al=${to}`);
      void load();
    });
    replace(ctx.main, ...pageHeader(t('staff.stats.title'), t('staff.stats.lead')), form, errors, results, map.section);
    map.invalidateSize();
  };

  draw();
  ctx.onRedraw(() => {
    draw();
    void drawResults();
  });
  ctx.ready(t('staff.stats.title'));
  void map.show();
  await load();
}

/** The period's form (from, to, "Mostra") and the CSV download; a period
 * that ends before it starts is refused here. */
function periodForm(
  from: string,
  to: string,
  errors: HTMLElement,
  download: (btn: HTMLButtonElement) => Promise<void>,
  chosen: (from: string, to: string) => void,
): HTMLElement {
  const fromIn = h('input', { type: 'date', class: 'form-control', value: from, max: isoDay(0), 'data-testid': 'stats-from' });
  const toIn = h('input', { type: 'date', class: 'form-control', value: to, max: isoDay(0), 'data-testid': 'stats-to' });
  const csv: HTMLButtonElement = h('button', { type: 'button', class: 'btn btn-outline-primary', 'data-testid': 'stats-csv', onclick: () => void download(csv) }, t('staff.stats.csv'));
  const submit = (ev: Event) => {
    ev.preventDefault();
    if (!fromIn.value || !toIn.value || fromIn.value > toIn.value) {
      showError(errors, null);
      errors.hidden = false;
      errors.className = 'alert alert-danger staff-alert';
      replace(errors, h('p', { class: 'mb-0' }, t('staff.stats.badPeriod')));
      announce(t('staff.stats.badPeriod'), true);
      fromIn.focus();
      return;
    }
    chosen(fromIn.value, toIn.value);
  };
  return h(
    'form',
    { class: 'staff-filters', 'aria-label': t('staff.stats.period'), novalidate: true, onsubmit: submit },
    field(t('staff.stats.from'), fromIn),
    field(t('staff.stats.to'), toIn),
    h('button', { type: 'submit', class: 'btn btn-primary' }, t('staff.stats.show')),
    csv,
  );
}

/** The open reports on a map: groups per area when zoomed out, one by one
 * when zoomed in, each linking to its page here. Drawn once per page. */
function openReportsMap(ctx: PageCtx) {
  const mapEl = h('div', { class: 'staff-map', 'data-testid': 'stats-map' });
  const mapNote = h('p', { class: 'map-note', role: 'status' });
  const section = h(
    'section',
    { class: 'mt-5', 'aria-labelledby': 'stats-map-title' },
    h('h2', { id: 'stats-map-title', class: 'h4' }, t('staff.stats.mapTitle')),
    h('p', {}, t('staff.stats.mapLead')),
    mapNote,
    mapEl,
  );
  let map: { remove(): void; invalidateSize(): void } | null = null;
  ctx.onDispose(() => map?.remove());
  const show = async () => {
    const [{ createMap }, { reportLayer }] = await Promise.all([import('../../common/map'), import('../../common/reportLayer')]);
    if (!ctx.alive() || map) return;
    const m = await createMap(mapEl, { label: t('staff.stats.mapTitle') });
    if (!ctx.alive()) {
      m.map.remove();
      return;
    }
    map = m.map;
    const load = reportLayer({
      ...m,
      el: mapEl,
      note: (text) => (mapNote.textContent = text),
      describe: errorText,
      filters: () => ({ status: 'new,taken_in,in_progress' }),
      href: (code) => `/staff/segnalazioni/${encodeURIComponent(code)}`,
      colour: (status) => (status === 'new' ? '#a61919' : status === 'taken_in' ? '#995c00' : '#0066cc'),
      alive: ctx.alive,
    });
    await load();
  };
  return { section, show, invalidateSize: () => map?.invalidateSize() };
}

/** The totals, the table, the two charts' figures, the rating and the pages'
 * feedback. */
function resultsContent(d: OfficeStatsResponse, from: string, to: string): HTMLElement[] {
  const totals = d.offices.reduce(
    (a, o) => ({ received: a.received + o.received, backlog: a.backlog + o.open_backlog, overdue: a.overdue + o.overdue_now }),
    { received: 0, backlog: 0, overdue: 0 },
  );
  const figure = (testid: string, alt: string, caption: string) =>
    h('figure', { class: 'staff-chart' }, h('div', { class: 'chart-box' }, canvas(testid, alt)), h('figcaption', {}, caption));
  const workloadFig = figure(
    'chart-workload',
    t('staff.stats.chart.workloadAlt', { received: totals.received, backlog: totals.backlog, overdue: totals.overdue }),
    t('staff.stats.chart.workload'),
  );
  const slaFig = figure('chart-sla', t('staff.stats.chart.slaAlt'), t('staff.stats.chart.sla'));
  return [
    h(
      'ul',
      { class: 'staff-kpis' },
      h('li', {}, h('span', { class: 'kpi' }, number(totals.received)), ' ', t('staff.stats.kpi.received')),
      h('li', {}, h('span', { class: 'kpi' }, number(totals.backlog)), ' ', t('staff.stats.kpi.backlog')),
      h('li', { class: totals.overdue ? 'late-flag' : undefined }, h('span', { class: 'kpi' }, number(totals.overdue)), ' ', t('staff.stats.kpi.overdue')),
    ),
    officesTable(d, from, to),
    h('p', { class: 'small' }, t('staff.stats.tableNote')),
    h('section', { class: 'staff-charts', 'aria-labelledby': 'charts-h' }, h('h2', { id: 'charts-h', class: 'h4' }, t('staff.stats.chartsTitle')), h('div', { class: 'row g-4' }, h('div', { class: 'col-lg-6' }, workloadFig), h('div', { class: 'col-lg-6' }, slaFig))),
    ratingBlock(d),
    pagesBlock(d),
  ];
}

type BarChart = (typeof import('../charts'))['barChart'];

/** The charts over the canvases `q` finds: workload, within the deadline, rating. */
function makeCharts(barChart: BarChart, q: (testid: string) => HTMLCanvasElement, d: OfficeStatsResponse): ChartLike[] {
  const labels = d.offices.map(officeName);
  return [
    barChart(q('chart-workload'), labels, [
      { label: t('staff.stats.col.received'), data: d.offices.map((o) => o.received), color: '#0066cc' },
      { label: t('staff.stats.col.takenIn'), data: d.offices.map((o) => o.taken_in), color: '#008758' },
      { label: t('staff.stats.col.backlog'), data: d.offices.map((o) => o.open_backlog), color: '#a66300' },
      { label: t('staff.stats.col.overdueNow'), data: d.offices.map((o) => o.overdue_now), color: '#b71918' },
    ]),
    barChart(q('chart-sla'), labels, [{ label: t('staff.stats.col.withinDeadline'), data: d.offices.map((o) => o.within_deadline_pct ?? null), color: '#008758' }], { horizontal: true, max: 100 }),
    barChart(q('chart-rating'), [1, 2, 3, 4, 5].map((s) => t(`staff.stats.rating.scale.${s}`)), [{ label: t('staff.stats.rating.answers'), data: d.service_rating.histogram, color: '#0066cc' }], { stepSize: 1 }),
  ];
}

function officesTable(d: OfficeStatsResponse, from: string, to: string): HTMLElement {
  return h(
    'div',
    { class: 'table-responsive staff-table-wrap' },
    h(
      'table',
      { class: 'table staff-table staff-stats-table', 'data-testid': 'stats-table' },
      h('caption', {}, t('staff.stats.caption', { from: fmtDay(from), to: fmtDay(to) })),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['office', 'received', 'takenIn', 'withinDeadline', 'median', 'p90', 'backlog', 'overdueNow', 'oldest'].map((c) =>
            h('th', { scope: 'col' }, t(`staff.stats.col.${c}`)),
          ),
        ),
      ),
      h('tbody', {}, d.offices.map(officeRow)),
    ),
  );
}

function officeRow(o: OfficeRow): HTMLElement {
  const hours = (n: number | null | undefined) => (n === null || n === undefined ? '—' : t('staff.stats.hours', { n: fmt(n) }));
  return h(
    'tr',
    { class: o.overdue_now > 0 ? 'overdue' : undefined },
    h('th', { scope: 'row' }, officeName(o)),
    h('td', { class: 'num' }, number(o.received)),
    h('td', { class: 'num' }, number(o.taken_in)),
    h('td', { class: 'num' }, `${number(o.taken_in_within_deadline)} (${o.within_deadline_pct === null || o.within_deadline_pct === undefined ? '—' : fmt(o.within_deadline_pct) + ' %'})`),
    h('td', { class: 'num' }, hours(o.median_take_in_hours)),
    h('td', { class: 'num' }, hours(o.p90_take_in_hours)),
    h('td', { class: 'num' }, number(o.open_backlog)),
    h('td', { class: 'num' }, o.overdue_now > 0 ? h('strong', { class: 'late-flag' }, t('staff.stats.overdueN', { n: o.overdue_now })) : '0'),
    h(
      'td',
      {},
      o.oldest_open_code
        ? [h('a', { href: `/staff/segnalazioni/${encodeURIComponent(o.oldest_open_code)}` }, o.oldest_open_code), h('span', { class: 'd-block small' }, dateTime(o.oldest_open_received_at))]
        : '—',
    ),
  );
}

function ratingBlock(d: OfficeStatsResponse): HTMLElement {
  const r = d.service_rating;
  return h(
    'section',
    { class: 'staff-card', 'aria-labelledby': 'rating-h' },
    h('h2', { id: 'rating-h', class: 'h4' }, t('staff.stats.rating.title')),
    h('p', {}, t('staff.stats.rating.question')),
    r.count === 0
      ? h('p', { 'data-testid': 'rating-summary' }, t('staff.stats.rating.none'))
      : h('p', { 'data-testid': 'rating-summary' }, t('staff.stats.rating.summary', { avg: fmt(r.average ?? null, 2), n: r.count })),
    h(
      'table',
      { class: 'table staff-table staff-rating-table' },
      h('caption', {}, t('staff.stats.rating.caption')),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('staff.stats.rating.score')), h('th', { scope: 'col' }, t('staff.stats.rating.answers')))),
      h(
        'tbody',
        {},
        [1, 2, 3, 4, 5].map((s) => h('tr', {}, h('th', { scope: 'row' }, t(`staff.stats.rating.scale.${s}`)), h('td', { class: 'num' }, number(r.histogram[s - 1] ?? 0)))),
      ),
    ),
    h('figure', { class: 'staff-chart staff-chart--small' }, h('div', { class: 'chart-box' }, canvas('chart-rating', t('staff.stats.rating.chartAlt', { avg: fmt(r.average ?? null, 2), n: r.count }))), h('figcaption', {}, t('staff.stats.rating.chartCaption'))),
  );
}

/** An answer of the pages' feedback in words. */
function answerLabel(code: string): string {
  return code === 'other'
    ? t('common.feedback.negative.answers.other')
    : has(`common.feedback.negative.answers.${code}`)
      ? t(`common.feedback.negative.answers.${code}`)
      : t(`common.feedback.positive.answers.${code}`);
}

/** "Quanto sono chiare le informazioni su questa pagina?", per citizen page. */
function pagesBlock(d: OfficeStatsResponse): HTMLElement {
  return h(
    'section',
    { class: 'staff-card', 'aria-labelledby': 'pages-h', 'data-testid': 'page-feedback' },
    h('h2', { id: 'pages-h', class: 'h4' }, t('staff.stats.pages.title')),
    h('p', {}, t('staff.stats.pages.question')),
    d.page_feedback.length === 0
      ? h('p', {}, t('staff.stats.pages.none'))
      : [
          h(
            'table',
            { class: 'table staff-table' },
            h('caption', {}, t('staff.stats.pages.caption')),
            h(
              'thead',
              {},
              h('tr', {}, h('th', { scope: 'col' }, t('staff.stats.pages.page')), h('th', { scope: 'col', class: 'num' }, t('staff.stats.rating.answers')), h('th', { scope: 'col', class: 'num' }, t('staff.stats.pages.average')), h('th', { scope: 'col' }, t('staff.stats.pages.reasons'))),
            ),
            h(
              'tbody',
              {},
              d.page_feedback.map((p) =>
                h(
                  'tr',
                  {},
                  h('th', { scope: 'row' }, h('code', {}, p.page)),
                  h('td', { class: 'num' }, number(p.count)),
                  h('td', { class: 'num' }, fmt(p.average ?? null, 2)),
                  h('td', {}, p.answers.length ? h('ul', { class: 'list-unstyled mb-0' }, p.answers.map((a) => h('li', {}, `${answerLabel(a.answer)}: ${number(a.count)}`))) : '—'),
                ),
              ),
            ),
          ),
          d.page_feedback
            .filter((p) => p.details.length > 0)
            .map((p) =>
              h(
                'details',
                { class: 'mb-2' },
                h('summary', {}, t('staff.stats.pages.details', { page: p.page, n: p.details.length })),
                h('ul', {}, p.details.map((x) => h('li', {}, `${dateTime(x.at)} — ${'★'.repeat(x.rating)} — `, x.text))),
              ),
            ),
        ],
  );
}

function canvas(testid: string, label: string): HTMLCanvasElement {
  return h('canvas', { role: 'img', 'aria-label': label, 'data-testid': testid });
}
