// The public reports: a filter by type (with counts), the number resolved in
// the last twelve months, and two views of the same reports in tabs — a map
// and a list with "load more". With several comuni served, a choice of comune
// first. The comune, the filter and the tab are in the URL.

import { h, replace, announce } from '../common/dom';
import { t, categoryName } from '../common/i18n';
import { api, municipalities, type Municipality, type ReportSummary } from '../common/api';
import { title as setTitle } from '../common/layout';
import { date, number, status as statusLabel } from '../common/format';
import type * as Leaflet from 'leaflet';
import type { PageContext, Dispose } from './page';
import { errorText, alertBox } from './ui';

interface PublicStats {
  resolved_last_12_months: number;
  categories: Array<{ category: { code: string; name_it: string; name_en: string }; total: number; open: number; parent?: string | null }>;
}

const PAGE = 20;

/** Marker colours by outcome; the legend (citizen.css, .legend-swatch--*)
 * uses the same, and the tooltips say the status in words. */
const MARKER_COLOURS = { open: '#0066cc', done: '#008758', other: '#5c6f82' } as const;
type Outcome = keyof typeof MARKER_COLOURS;
function outcome(status: string): Outcome {
  if (['new', 'taken_in', 'in_progress'].includes(status)) return 'open';
  if (['resolved', 'closed'].includes(status)) return 'done';
  return 'other';
}

/** What the page shows, shared by its parts; the comune, the filter and the
 * tab are also in the URL. */
interface View {
  disposed: boolean;
  tab: 'map' | 'list';
  /** The category code, or '' for all. */
  filter: string;
  /** The chosen comune's ISTAT code. */
  comune: string;
  served: Municipality[];
  /** The chosen comune's bounding box, "west,south,east,north". */
  bbox: string;
}

export function render(root: HTMLElement, ctx: PageContext): Dispose {
  setTitle(t('citizen.reports.title'));
  const v: View = {
    disposed: false,
    tab: ctx.query.get('vista') === 'elenco' ? 'list' : 'map',
    filter: ctx.query.get('tipo') ?? '',
    comune: ctx.query.get('comune') ?? '',
    served: [],
    bbox: '',
  };
  const figures = figuresPart(v);
  const comuneSelect = h('select', { id: 'filter-municipality', class: 'form-select' });
  const comuneField = h(
    'div',
    { class: 'field filter', hidden: true },
    h('label', { for: 'filter-municipality', class: 'field-label' }, t('citizen.reports.municipality')),
    comuneSelect,
  );
  const listView = listPart(v);
  const mapView = mapPart(v);

  const selectTab = (k: 'map' | 'list', focus: boolean) => {
    v.tab = k;
    tabs.mark(k, focus);
    mapView.panel.hidden = k !== 'map';
    listView.panel.hidden = k !== 'list';
    syncUrl(v);
    if (k === 'map')
      void mapView.ensure().then(() => {
        mapView.invalidateSize();
        void mapView.loadMarkers();
      });
  };
  const tabs = tabList(selectTab);

  /** Everything that depends on the chosen comune. */
  const showComune = async () => {
    const m = v.served.find((x) => x.istat_code === v.comune) ?? v.served[0];
    v.comune = m?.istat_code ?? '';
    v.bbox = m && m.bbox.length === 4 ? m.bbox.join(',') : '';
    comuneSelect.value = v.comune;
    await figures.load();
    if (v.disposed) return;
    syncUrl(v);
    void listView.loadPage(true);
    mapView.fitTerritory();
    void mapView.loadMarkers();
  };

  figures.select.addEventListener('change', () => {
    v.filter = figures.select.value;
    syncUrl(v);
    void listView.loadPage(true);
    void mapView.loadMarkers();
  });
  comuneSelect.addEventListener('change', () => {
    v.comune = comuneSelect.value;
    void showComune();
  });

  replace(
    root,
    h('h1', {}, t('citizen.reports.title')),
    h('p', {}, t('citizen.reports.intro')),
    comuneField,
    figures.resolved,
    h(
      'div',
      { class: 'field filter' },
      h('label', { for: 'filter-category', class: 'field-label' }, t('citizen.reports.filter')),
      figures.select,
    ),
    h('div', { role: 'tablist', 'aria-label': t('citizen.reports.views'), class: 'tabs' }, tabs.buttons),
    mapView.panel,
    listView.panel,
    h('p', { class: 'mt-4' }, t('citizen.reports.own'), ' ', h('a', { href: '/segnala' }, t('citizen.home.cta'))),
  );
  selectTab(v.tab, false);

  // The comuni served first: with several, the citizen chooses one.
  void (async () => {
    try {
      v.served = await municipalities();
    } catch (e) {
      if (!v.disposed) listView.fail(e);
      return;
    }
    if (v.disposed) return;
    if (v.served.length > 1) {
      comuneSelect.replaceChildren(...v.served.map((m) => h('option', { value: m.istat_code }, m.name)));
      comuneField.hidden = false;
    }
    await showComune();
  })();

  return () => {
    v.disposed = true;
    mapView.dispose();
  };
}

function syncUrl(v: View): void {
  const q = new URLSearchParams();
  if (v.served.length > 1 && v.comune) q.set('comune', v.comune);
  if (v.filter) q.set('tipo', v.filter);
  if (v.tab === 'list') q.set('vista', 'elenco');
  const s = q.toString();
  history.replaceState(null, '', `/segnalazioni${s ? `?${s}` : ''}`);
}

/** The two tabs, map and list: arrows, Home and End move between them. */
function tabList(select: (k: 'map' | 'list', focus: boolean) => void) {
  const buttons = (['map', 'list'] as const).map((k) =>
    h(
      'button',
      {
        type: 'button',
        role: 'tab',
        id: `tab-${k}`,
        class: 'tab-button',
        'aria-controls': `panel-${k}`,
        'data-testid': `tab-${k}`,
      },
      t(`citizen.reports.tabs.${k}`),
    ),
  );
  buttons.forEach((b, i) => {
    b.addEventListener('click', () => select(i === 0 ? 'map' : 'list', false));
    b.addEventListener('keydown', (e) => {
      const keys: Record<string, number> = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: 0, ArrowUp: 0 };
      if (e.key === 'Home' || e.key === 'End') {
        e.preventDefault();
        select(e.key === 'Home' ? 'map' : 'list', true);
      } else if (keys[e.key]) {
        e.preventDefault();
        select((i + keys[e.key] + 2) % 2 === 0 ? 'map' : 'list', true);
      }
    });
  });
  /** Marks tab `k` as the selected one (focused, with `focus`). */
  const mark = (k: 'map' | 'list', focus: boolean) =>
    buttons.forEach((b, i) => {
      const on = (i === 0 ? 'map' : 'list') === k;
      b.setAttribute('aria-selected', String(on));
      b.tabIndex = on ? 0 : -1;
      if (on && focus) b.focus();
    });
  return { buttons, mark };
}

/** The figures: the number resolved in twelve months and the types with
 * their counts, which are also the filter's options, for the chosen comune. */
function figuresPart(v: View) {
  // Shown only once the statistics have arrived.
  const resolved = h('p', { class: 'lead', 'data-testid': 'resolved', hidden: true });
  const select = h('select', { id: 'filter-category', class: 'form-select' }, h('option', { value: '' }, t('citizen.reports.allTypes')));
  /** Bumped by every statistics request: an answer to an older one is dropped. */
  let statsGen = 0;
  /** Optional: without them the list and the map still work. */
  const load = async () => {
    const gen = ++statsGen;
    try {
      const stats = await api<PublicStats>('stats/public', { query: { municipality: v.comune || undefined } });
      if (v.disposed || gen !== statsGen) return;
      const n = stats.resolved_last_12_months;
      resolved.textContent = n === 1 ? t('citizen.reports.resolvedOne') : t('citizen.reports.resolved', { n: number(n) });
      resolved.hidden = false;
      const total = stats.categories.reduce((sum, c) => sum + c.total, 0);
      select.replaceChildren(
        h('option', { value: '' }, t('citizen.reports.allTypesCount', { n: total })),
        ...stats.categories.map((c) =>
          h('option', { value: c.category.code, selected: c.category.code === v.filter }, t('citizen.reports.typeCount', { name: categoryName(c.category), n: c.total, open: c.open })),
        ),
      );
      if (v.filter && !stats.categories.some((c) => c.category.code === v.filter)) v.filter = '';
      select.value = v.filter;
    } catch {
      if (v.disposed || gen !== statsGen) return;
      resolved.hidden = true;
      // No counts: the types are unknown, but a type asked for in the URL
      // still filters.
      select.replaceChildren(
        h('option', { value: '' }, t('citizen.reports.allTypes')),
        ...(v.filter ? [h('option', { value: v.filter, selected: true }, v.filter)] : []),
      );
      select.value = v.filter;
    }
  };
  return { resolved, select, load };
}

/** The list's tab: the reports a page at a time, with "Carica altre". */
function listPart(v: View) {
  const count = h('p', { class: 'results-count', role: 'status' });
  const list = h('ul', { class: 'report-list list-unstyled', 'data-testid': 'report-list' });
  const more = h('button', { type: 'button', class: 'btn btn-outline-primary', hidden: true }, t('citizen.reports.loadMore'));
  const listError = h('div');
  let cursor: string | null = null;
  /** Bumped by every list request: an answer to an older one is dropped, so
   * that a filter changed mid-request never mixes two lists. */
  let pageGen = 0;
  const loadPage = async (reset: boolean) => {
    if (!v.bbox) return;
    const gen = ++pageGen;
    if (reset) {
      cursor = null;
      replace(list);
      more.hidden = true;
    }
    more.disabled = true;
    replace(listError);
    try {
      const page = await api<{ items: ReportSummary[]; next_cursor?: string | null }>('reports', {
        query: { bbox: v.bbox, category: v.filter || undefined, limit: PAGE, cursor: cursor ?? undefined },
      });
      if (v.disposed || gen !== pageGen) return;
      const firstNew = page.items.length ? reportItem(page.items[0]) : null;
      list.append(...(firstNew ? [firstNew] : []), ...page.items.slice(1).map(reportItem));
      cursor = page.next_cursor ?? null;
      more.hidden = !cursor;
      more.disabled = false;
      const shown = list.children.length;
      count.textContent = shown === 0 ? t('citizen.reports.none') : cursor ? t('citizen.reports.shownMore', { n: shown }) : t('citizen.reports.shown', { n: shown });
      if (!reset && firstNew) {
        // Keyboard users continue from the first new report.
        firstNew.querySelector('a')?.focus();
        announce(t('citizen.reports.loaded', { n: page.items.length }));
      }
    } catch (e) {
      if (v.disposed || gen !== pageGen) return;
      more.disabled = false;
      replace(listError, alertBox(errorText(e)));
    }
  };
  more.addEventListener('click', () => void loadPage(false));
  const panel = h('div', { role: 'tabpanel', id: 'panel-list', 'aria-labelledby': 'tab-list', class: 'tab-panel', tabindex: '0' }, count, list, listError, more);
  return { panel, loadPage, fail: (e: unknown) => replace(listError, alertBox(errorText(e))) };
}

function reportItem(r: ReportSummary): HTMLElement {
  return h(
    'li',
    { class: 'report-item' },
    h('h3', { class: 'h5 mb-1' }, h('a', { href: `/segnalazioni/${encodeURIComponent(r.code)}` }, r.title)),
    h(
      'p',
      { class: 'mb-0' },
      h('span', { class: `status-badge status-${r.status}` }, statusLabel(r.status)),
      ' ',
      categoryName(r.category),
      ' · ',
      t('citizen.reports.reportedOn', { date: date(r.created_at) }),
      r.address ? ` · ${r.address}` : '',
    ),
  );
}

/** The map's tab: the reports of the comune's territory (see reportLayer),
 * with the legend of the markers' colours. Leaflet is loaded when the tab is
 * first shown. */
function mapPart(v: View) {
  const mapEl = h('div', { class: 'reports-map' });
  const mapNote = h('p', { class: 'map-note' });
  let mapState: { L: typeof Leaflet; map: Leaflet.Map } | null = null;
  let reload: (() => Promise<void>) | null = null;
  const loadMarkers = async () => {
    if (mapState && v.bbox) await reload?.();
  };
  const fitTerritory = () => {
    if (!mapState || !v.bbox) return;
    const [a, b, c, d] = v.bbox.split(',').map(Number);
    mapState.map.fitBounds(
      [
        [b, a],
        [d, c],
      ],
      { animate: false },
    );
  };
  let mapLoading: Promise<void> | null = null;
  const ensure = () => {
    mapLoading ??= (async () => {
      const mod = await import('../common/map');
      const m = await mod.createMap(mapEl, { label: t('citizen.reports.mapLabel') });
      if (v.disposed) {
        m.map.remove();
        return;
      }
      mapState = m;
      const layers = await import('../common/reportLayer');
      if (v.disposed) return;
      reload = layers.reportLayer({
        ...m,
        el: mapEl,
        note: (text) => (mapNote.textContent = text),
        describe: errorText,
        filters: () => ({ category: v.filter || undefined }),
        href: (code) => `/segnalazioni/${encodeURIComponent(code)}`,
        colour: (s) => MARKER_COLOURS[outcome(s)],
        alive: () => !v.disposed,
      });
      fitTerritory();
      await loadMarkers();
    })();
    return mapLoading;
  };
  const panel = h('div', { role: 'tabpanel', id: 'panel-map', 'aria-labelledby': 'tab-map', class: 'tab-panel' }, mapNote, mapEl, mapLegend());
  return {
    panel,
    ensure,
    loadMarkers,
    fitTerritory,
    invalidateSize: () => mapState?.map.invalidateSize(),
    dispose: () => mapState?.map.remove(),
  };
}

function mapLegend(): HTMLElement {
  return h(
    'div',
    { class: 'map-legend' },
    h('p', { id: 'map-legend-title', class: 'map-legend-title' }, t('citizen.reports.legend.title')),
    h(
      'ul',
      { class: 'list-unstyled', 'aria-labelledby': 'map-legend-title', 'data-testid': 'map-legend' },
      (Object.keys(MARKER_COLOURS) as Outcome[]).map((k) =>
        h('li', {}, h('span', { class: `legend-swatch legend-swatch--${k}`, 'aria-hidden': 'true' }), t(`citizen.reports.legend.${k}`)),
      ),
    ),
  );
}
