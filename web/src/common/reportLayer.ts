// The reports on a map, for the citizens' map and the supervisor's: while the
// view holds more than a page of reports they are drawn as groups (counts per
// square from /reports/clusters; a group zooms in when chosen), then one by
// one (/reports, newest first). Reloaded when the map moves.

import type * as Leaflet from 'leaflet';
import { h } from './dom';
import { t, categoryName } from './i18n';
import { api, type ReportSummary } from './api';
import { number, status as statusLabel } from './format';
import type { L } from './map';
import { textContent } from './map';

/** Most reports drawn one by one; above it, groups. */
export const MAP_LIMIT = 200;
/** From this zoom on (a few streets) reports are drawn one by one. */
const MAX_CLUSTER_ZOOM = 17;
const OPEN = ['new', 'taken_in', 'in_progress'];

interface ClusterPage {
  total: number;
  clusters: Array<{ lat: number; lon: number; count: number; by_status: Record<string, number>; bbox: [number, number, number, number] }>;
}

export interface ReportLayerOptions {
  L: L;
  map: Leaflet.Map;
  /** Gets `data-markers` (reports drawn) or `data-clusters` (groups drawn). */
  el: HTMLElement;
  /** Says what the map shows (a live region or a plain note). */
  note: (text: string) => void;
  /** An error in words for the note (default: its message). */
  describe?: (e: unknown) => string;
  /** The filters besides the box: `status`, `category`. */
  filters: () => Record<string, string | undefined>;
  /** Where a report's popup links to. */
  href: (code: string) => string;
  colour: (status: string) => string;
  alive: () => boolean;
}

/** The map's view as `minLon,minLat,maxLon,maxLat`. */
function viewBox(map: Leaflet.Map): string {
  const b = map.getBounds();
  const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
  return [clamp(b.getWest(), -180, 180), clamp(b.getSouth(), -90, 90), clamp(b.getEast(), -180, 180), clamp(b.getNorth(), -90, 90)]
    .map((v) => v.toFixed(5))
    .join(',');
}

/** Draws the reports in view and keeps them in step with the map; call the
 * returned function when a filter changes. */
export function reportLayer(o: ReportLayerOptions): () => Promise<void> {
  const { L, map } = o;
  const layer = L.layerGroup().addTo(map);
  let loadedFor = '';

  const drawClusters = (page: ClusterPage, zoom: number) => {
    layer.clearLayers();
    for (const c of page.clusters) {
      const open = OPEN.reduce((sum, s) => sum + (c.by_status[s] ?? 0), 0);
      const label = t('common.map.clusterLabel', { n: number(c.count), open: number(open) });
      const size = c.count >= 1000 ? 'l' : c.count >= 100 ? 'm' : 's';
      const text = c.count >= 10000 ? `${Math.floor(c.count / 1000)}k` : String(c.count);
      const icon = L.divIcon({
        className: `map-cluster map-cluster--${size}`,
        html: `<span aria-hidden="true">${text}</span>`,
        iconSize: size === 'l' ? [52, 52] : size === 'm' ? [44, 44] : [36, 36],
      });
      // A keyboard marker is a button: Enter or Space zooms to its square.
      const marker = L.marker([c.lat, c.lon], { icon, keyboard: true, title: label })
        .bindTooltip(textContent(label))
        .on('click', () =>
          map.fitBounds(
            [
              [c.bbox[1], c.bbox[0]],
              [c.bbox[3], c.bbox[2]],
            ],
            { maxZoom: Math.max(zoom + 2, 15) },
          ),
        )
        .addTo(layer);
      const el = marker.getElement();
      el?.setAttribute('aria-label', label);
      // Leaflet 1.9 makes the marker focusable but leaves its keys alone.
      el?.addEventListener('keydown', (e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          marker.fire('click');
        }
      });
    }
    o.note(t('common.map.clusters', { n: number(page.total) }));
    o.el.dataset.clusters = String(page.clusters.length);
  };

  const drawReports = (items: ReportSummary[], more: boolean) => {
    layer.clearLayers();
    for (const r of items) {
      // Built as elements: Leaflet writes a string as HTML, and titles are
      // typed by citizens.
      const popup = h(
        'div',
        {},
        h('strong', {}, r.title),
        h('br'),
        `${statusLabel(r.status)} · ${categoryName(r.category)}`,
        h('br'),
        h('a', { href: o.href(r.code) }, t('common.map.open', { code: r.code })),
      );
      L.circleMarker([r.lat, r.lon], {
        radius: 9,
        weight: 3,
        color: '#fff',
        fillColor: o.colour(r.status),
        fillOpacity: 1,
      })
        // The status in words too: colour alone does not tell it.
        .bindTooltip(textContent(t('common.map.markerLabel', { title: r.title, status: statusLabel(r.status) })))
        .bindPopup(popup)
        .addTo(layer);
    }
    o.note(more ? t('common.map.some', { n: items.length }) : t('common.map.all', { n: items.length }));
    o.el.dataset.markers = String(items.length);
  };

  const load = async () => {
    // A map in a hidden panel has no size, and no box yet.
    const size = map.getSize();
    if (size.x < 2 || size.y < 2) return;
    const view = viewBox(map);
    const zoom = Math.round(map.getZoom());
    const filters = o.filters();
    // Load each combination of view and filters once.
    const key = `${view}|${zoom}|${JSON.stringify(filters)}`;
    if (key === loadedFor) return;
    loadedFor = key;
    delete o.el.dataset.markers;
    delete o.el.dataset.clusters;
    const current = () => o.alive() && key === loadedFor;
    try {
      const counted = await api<ClusterPage>('reports/clusters', { query: { bbox: view, zoom, ...filters } });
      if (!current()) return;
      if (counted.total > MAP_LIMIT && zoom < MAX_CLUSTER_ZOOM) {
        drawClusters(counted, zoom);
        return;
      }
      const page = await api<{ items: ReportSummary[]; next_cursor?: string | null }>('reports', {
        query: { bbox: view, limit: MAP_LIMIT, ...filters },
      });
      if (!current()) return;
      drawReports(page.items, Boolean(page.next_cursor));
    } catch (e) {
      if (!current()) return;
      loadedFor = '';
      o.note(o.describe ? o.describe(e) : e instanceof Error ? e.message : String(e));
    }
  };
  map.on('moveend', () => void load());
  return load;
}
