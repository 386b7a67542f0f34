// The public reports: a filter by type (with counts), the number resolved in
// the last twelve months, and two views of the same reports in tabs — a map
// and a list with "load more". The filter and the tab are in the URL.

import { h, replace, announce } from '../common/dom';
import { t, categoryName } from '../common/i18n';
import { api, type ReportSummary } from '../common/api';
import { title as setTitle } from '../common/layout';
import { date, number, status as statusLabel } from '../common/format';
import type * as Leaflet from 'leaflet';
import type { PageContext, Dispose } from './page';
import { errorText, alertBox } from './ui';

interface PublicStats {
  resolved_last_12_months: number;
  categories: Array<{ category: { code: string; name_it: string; name_en: string }; total: number; open: number; parent?: string | null }>;
}

interface Municipality {
  bbox: number[];
}

const PAGE = 20;
const MAP_LIMIT = 200;

export function render(root: HTMLElement, ctx: PageContext): Dispose {
  setTitle(t('citizen.reports.title'));
  let disposed = false;
  let tab: 'map' | 'list' = ctx.query.get('vista') === 'elenco' ? 'list' : 'map';
  let filter = ctx.query.get('tipo') ?? '';
  let bbox = '';
  let cursor: string | null = null;
  let mapState: { L: typeof Leaflet; map: Leaflet.Map; layer: Leaflet.LayerGroup } | null = null;

  const resolved = h('p', { class: 'lead', 'data-testid': 'resolved' });
  const select = h('select', { id: 'filter-category', class: 'form-select' }, h('option', { value: '' }, t('citizen.reports.allTypes')));
  const count = h('p', { class: 'results-count', role: 'status' });
  const list = h('ul', { class: 'report-list list-unstyled', 'data-testid': 'report-list' });
  const more = h('button', { type: 'button', class: 'btn btn-outline-primary', hidden: true }, t('citizen.reports.loadMore'));
  const listError = h('div');
  const mapEl = h('div', { class: 'reports-map' });
  const mapNote = h('p', { class: 'map-note' });

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
    map: h('div', { role: 'tabpanel', id: 'panel-map', 'aria-labelledby': 'tab-map', class: 'tab-panel' }, mapNote, mapEl),
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
    if (k === 'map') void ensureMap().then(() => mapState?.map.invalidateSize());
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

  const loadPage = async (reset: boolean) => {
    if (!bbox) return;
    if (reset) {
      cursor = null;
      replace(list);
    }
    more.disabled = true;
    replace(listError);
    try {
      const page = await api<{ items: ReportSummary[]; next_cursor?: string | null }>('reports', {
        query: { bbox, category: filter || undefined, limit: PAGE, cursor: cursor ?? undefined },
      });
      if (disposed) return;
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
      if (disposed) return;
      more.disabled = false;
      replace(listError, alertBox(errorText(e)));
    }
  };
  more.addEventListener('click', () => void loadPage(false));

  let markersFor = '';
  const loadMarkers = async () => {
    if (!mapState || !bbox) return;
    const { L, map, layer } = mapState;
    // Called when the map, the territory or the filter becomes known: load
    // each combination once.
    const key = `${bbox}|${filter}`;
    if (key === markersFor) return;
    markersFor = key;
    delete mapEl.dataset.markers;
    try {
      const page = await api<{ items: ReportSummary[]; next_cursor?: string | null }>('reports', {
        query: { bbox, category: filter || undefined, limit: MAP_LIMIT },
      });
      if (disposed || key !== markersFor) return;
      layer.clearLayers();
      for (const r of page.items) {
        const popup = h(
          'div',
          {},
          h('strong', {}, r.title),
          h('br'),
          `${statusLabel(r.status)} · ${categoryName(r.category)}`,
          h('br'),
          h('a', { href: `/segnalazioni/${encodeURIComponent(r.code)}` }, t('citizen.reports.open', { code: r.code })),
        );
        L.circleMarker([r.lat, r.lon], {
          radius: 9,
          weight: 3,
          color: '#fff',
          fillColor: ['resolved', 'closed'].includes(r.status) ? '#008758' : '#0066cc',
          fillOpacity: 1,
        })
          .bindTooltip(r.title)
          .bindPopup(popup)
          .addTo(layer);
      }
      mapNote.textContent = page.next_cursor
        ? t('citizen.reports.mapSome', { n: page.items.length })
        : t('citizen.reports.mapAll', { n: page.items.length });
      map.invalidateSize();
      mapEl.dataset.markers = String(page.items.length);
    } catch (e) {
      markersFor = '';
      if (!disposed) mapNote.textContent = errorText(e);
    }
  };

  let mapLoading: Promise<void> | null = null;
  const ensureMap = () => {
    mapLoading ??= (async () => {
      const { createMap } = await import('../common/map');
      const m = await createMap(mapEl, { label: t('citizen.reports.mapLabel') });
      if (disposed) {
        m.map.remove();
        return;
      }
      mapState = { ...m, layer: m.L.layerGroup().addTo(m.map) };
      if (bbox) {
        const [a, b, c, d] = bbox.split(',').map(Number);
        m.map.fitBounds(
          [
            [b, a],
            [d, c],
          ],
          { animate: false },
        );
      }
      await loadMarkers();
    })();
    return mapLoading;
  };

  select.addEventListener('change', () => {
    filter = select.value;
    syncUrl();
    void loadPage(true);
    void loadMarkers();
  });

  replace(
    root,
    h('h1', {}, t('citizen.reports.title')),
    h('p', {}, t('citizen.reports.intro')),
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
      const [stats, municipalities] = await Promise.all([api<PublicStats>('stats/public'), api<Municipality[]>('municipalities')]);
      if (disposed) return;
      const n = stats.resolved_last_12_months;
      resolved.textContent = n === 1 ? t('citizen.reports.resolvedOne') : t('citizen.reports.resolved', { n: number(n) });
      const total = stats.categories.reduce((s, c) => s + c.total, 0);
      select.replaceChildren(
        h('option', { value: '' }, t('citizen.reports.allTypesCount', { n: total })),
        ...stats.categories.map((c) =>
          h('option', { value: c.category.code, selected: c.category.code === filter }, t('citizen.reports.typeCount', { name: categoryName(c.category), n: c.total, open: c.open })),
        ),
      );
      if (filter && !stats.categories.some((c) => c.category.code === filter)) filter = '';
      select.value = filter;
      // All the served territory: the union of the municipalities' boxes.
      const boxes = municipalities.map((m) => m.bbox).filter((b) => b.length === 4);
      if (boxes.length) {
        bbox = [
          Math.min(...boxes.map((b) => b[0])),
          Math.min(...boxes.map((b) => b[1])),
          Math.max(...boxes.map((b) => b[2])),
          Math.max(...boxes.map((b) => b[3])),
        ].join(',');
      }
      await loadPage(true);
      const shown = mapState as { map: Leaflet.Map } | null;
      if (shown) {
        const [a, b, c, d] = bbox.split(',').map(Number);
        shown.map.fitBounds(
          [
            [b, a],
            [d, c],
          ],
          { animate: false },
        );
        await loadMarkers();
      }
    } catch (e) {
      if (!disposed) replace(listError, alertBox(errorText(e)));
    }
  })();

  return () => {
    disposed = true;
    mapState?.map.remove();
  };
}
