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

export function render(root: HTMLElement, ctx: PageContext): Dispose {
  setTitle(t('citizen.reports.title'));
  let disposed = false;
  let tab: 'map' | 'list' = ctx.query.get('vista') === 'elenco' ? 'list' : 'map';
  let filter = ctx.query.get('tipo') ?? '';
  let comune = ctx.query.get('comune') ?? '';
  let served: Municipality[] = [];
  let bbox = '';
  let cursor: string | null = null;
  let mapState: { L: typeof Leaflet; map: Leaflet.Map } | null = null;

  // The figures: shown only once the statistics have arrived.
  const resolved = h('p', { class: 'lead', 'data-testid': 'resolved', hidden: true });
  const comuneSelect = h('select', { id: 'filter-municipality', class: 'form-select' });
  const comuneField = h(
    'div',
    { class: 'field filter', hidden: true },
    h('label', { for: 'filter-municipality', class: 'field-label' }, t('citizen.reports.municipality')),
    comuneSelect,
  );
  const select = h('select', { id: 'filter-category', class: 'form-select' }, h('option', { value: '' }, t('citizen.reports.allTypes')));
  const count = h('p', { class: 'results-count', role: 'status' });
  const list = h('ul', { class: 'report-list list-unstyled', 'data-testid': 'report-list' });
  const more = h('button', { type: 'button', class: 'btn btn-outline-primary', hidden: true }, t('citizen.reports.loadMore'));
  const listError = h('div');
  const mapEl = h('div', { class: 'reports-map' });
  const mapNote = h('p', { class: 'map-note' });
  const legend = h(
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

  const tabs = (['map', 'list'] as const).map((k) =>
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
  const panels = {
    map: h('div', { role: 'tabpanel', id: 'panel-map', 'aria-labelledby': 'tab-map', class: 'tab-panel' }, mapNote, mapEl, legend),
    list: h('div', { role: 'tabpanel', id: 'panel-list', 'aria-labelledby': 'tab-list', class: 'tab-panel', tabindex: '0' }, count, list, listError, more),
  };

  const selectTab = (k: 'map' | 'list', focus: boolean) => {
    tab = k;
    tabs.forEach((b, i) => {
      const on = (i === 0 ? 'map' : 'list') === k;
      b.setAttribute('aria-selected', String(on));
      b.tabIndex = on ? 0 : -1;
      if (on && focus) b.focus();
    });
    panels.map.hidden = k !== 'map';
    panels.list.hidden = k !== 'list';
    syncUrl();
    if (k === 'map')
      void ensureMap().then(() => {
        mapState?.map.invalidateSize();
        void loadMarkers();
      });
  };
  tabs.forEach((b, i) => {
    b.addEventListener('click', () => selectTab(i === 0 ? 'map' : 'list', false));
    b.addEventListener('keydown', (e) => {
      const keys: Record<string, number> = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: 0, ArrowUp: 0 };
      if (e.key === 'Home' || e.key === 'End') {
        e.preventDefault();
        selectTab(e.key === 'Home' ? 'map' : 'list', true);
      } else if (keys[e.key]) {
        e.preventDefault();
        selectTab((i + keys[e.key] + 2) % 2 === 0 ? 'map' : 'list', true);
      }
    });
  });

  const syncUrl = () => {
    const q = new URLSearchParams();
    if (served.length > 1 && comune) q.set('comune', comune);
    if (filter) q.set('tipo', filter);
    if (tab === 'list') q.set('vista', 'elenco');
    const s = q.toString();
    history.replaceState(null, '', `/segnalazioni${s ? `?${s}` : ''}`);
  };

  const item = (r: ReportSummary) =>
    h(
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

  /** Bumped by every list request: an answer to an older one is dropped, so
   * that a filter changed mid-request never mixes two lists. */
  let pageGen = 0;
  const loadPage = async (reset: boolean) => {
    if (!bbox) return;
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
        query: { bbox, category: filter || undefined, limit: PAGE, cursor: cursor ?? undefined },
      });
      if (disposed || gen !== pageGen) return;
      const firstNew = page.items.length ? item(page.items[0]) : null;
      list.append(...(firstNew ? [firstNew] : []), ...page.items.slice(1).map(item));
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
      if (disposed || gen !== pageGen) return;
      more.disabled = false;
      replace(listError, alertBox(errorText(e)));
    }
  };
  more.addEventListener('click', () => void loadPage(false));

  let reload: (() => Promise<void>) | null = null;
  const loadMarkers = async () => {
    if (mapState && bbox) await reload?.();
  };

  const fitTerritory = () => {
    if (!mapState || !bbox) return;
    const [a, b, c, d] = bbox.split(',').map(Number);
    mapState.map.fitBounds(
      [
        [b, a],
        [d, c],
      ],
      { animate: false },
    );
  };

  let mapLoading: Promise<void> | null = null;
  const ensureMap = () => {
    mapLoading ??= (async () => {
      const mod = await import('../common/map');
      const m = await mod.createMap(mapEl, { label: t('citizen.reports.mapLabel') });
      if (disposed) {
        m.map.remove();
        return;
      }
      mapState = m;
      const layers = await import('../common/reportLayer');
      if (disposed) return;
      reload = layers.reportLayer({
        ...m,
        el: mapEl,
        note: (text) => (mapNote.textContent = text),
        describe: errorText,
        filters: () => ({ category: filter || undefined }),
        href: (code) => `/segnalazioni/${encodeURIComponent(code)}`,
        colour: (s) => MARKER_COLOURS[outcome(s)],
        alive: () => !disposed,
      });
      fitTerritory();
      await loadMarkers();
    })();
    return mapLoading;
  };

  /** Bumped by every statistics request, like pageGen. */
  let statsGen = 0;
  /** The resolved count and the types with their counts, for the chosen comune.
   * Optional: without them the list and the map still work. */
  const loadStats = async () => {
    const gen = ++statsGen;
    try {
      const stats = await api<PublicStats>('stats/public', { query: { municipality: comune || undefined } });
      if (disposed || gen !== statsGen) return;
      const n = stats.resolved_last_12_months;
      resolved.textContent = n === 1 ? t('citizen.reports.resolvedOne') : t('citizen.reports.resolved', { n: number(n) });
      resolved.hidden = false;
      const total = stats.categories.reduce((sum, c) => sum + c.total, 0);
      select.replaceChildren(
        h('option', { value: '' }, t('citizen.reports.allTypesCount', { n: total })),
        ...stats.categories.map((c) =>
          h('option', { value: c.category.code, selected: c.category.code === filter }, t('citizen.reports.typeCount', { name: categoryName(c.category), n: c.total, open: c.open })),
        ),
      );
      if (filter && !stats.categories.some((c) => c.category.code === filter)) filter = '';
      select.value = filter;
    } catch {
      if (disposed || gen !== statsGen) return;
      resolved.hidden = true;
      // No counts: the types are unknown, but a type asked for in the URL
      // still filters.
      select.replaceChildren(
        h('option', { value: '' }, t('citizen.reports.allTypes')),
        ...(filter ? [h('option', { value: filter, selected: true }, filter)] : []),
      );
      select.value = filter;
    }
  };

  /** Everything that depends on the chosen comune. */
  const showComune = async () => {
    const m = served.find((x) => x.istat_code === comune) ?? served[0];
    comune = m?.istat_code ?? '';
    bbox = m && m.bbox.length === 4 ? m.bbox.join(',') : '';
    comuneSelect.value = comune;
    await loadStats();
    if (disposed) return;
    syncUrl();
    void loadPage(true);
    fitTerritory();
    void loadMarkers();
  };

  select.addEventListener('change', () => {
    filter = select.value;
    syncUrl();
    void loadPage(true);
    void loadMarkers();
  });
  comuneSelect.addEventListener('change', () => {
    comune = comuneSelect.value;
    void showComune();
  });

  replace(
    root,
    h('h1', {}, t('citizen.reports.title')),
    h('p', {}, t('citizen.reports.intro')),
    comuneField,
    resolved,
    h(
      'div',
      { class: 'field filter' },
      h('label', { for: 'filter-category', class: 'field-label' }, t('citizen.reports.filter')),
      select,
    ),
    h('div', { role: 'tablist', 'aria-label': t('citizen.reports.views'), class: 'tabs' }, tabs),
    panels.map,
    panels.list,
    h('p', { class: 'mt-4' }, t('citizen.reports.own'), ' ', h('a', { href: '/segnala' }, t('citizen.home.cta'))),
  );
  selectTab(tab, false);

  void (async () => {
    try {
      served = await municipalities();
    } catch (e) {
      if (!disposed) replace(listError, alertBox(errorText(e)));
      return;
    }
    if (disposed) return;
    if (served.length > 1) {
      comuneSelect.replaceChildren(...served.map((m) => h('option', { value: m.istat_code }, m.name)));
      comuneField.hidden = false;
    }
    await showComune();
  })();

  return () => {
    disposed = true;
    mapState?.map.remove();
  };
}
