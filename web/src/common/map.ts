// Leaflet maps, loaded only by the pages that show one. The tile URL comes
// from the site settings; with none (offline) the map is a plain surface that
// still takes clicks and shows markers.

import type * as Leaflet from 'leaflet';
import { api, site } from './api';
import { t } from './i18n';

export type L = typeof Leaflet;

let leaflet: Promise<L> | null = null;

export function loadLeaflet(): Promise<L> {
  leaflet ??= Promise.all([import('leaflet'), import('leaflet/dist/leaflet.css')]).then(
    ([m]) => ((m as unknown as { default?: L }).default ?? m) as L,
  );
  return leaflet;
}

/** Where maps open when neither the page nor the served comuni say. */
export const DEFAULT_CENTER: [number, number] = [41.9, 12.5];

interface Served {
  bbox: [number, number, number, number];
}
let served: Promise<Served[]> | null = null;
/** The served comuni's bounding boxes, fetched once. */
function servedBoxes(): Promise<Served[]> {
  served ??= api<Served[]>('municipalities').catch(() => []);
  return served;
}

export interface MapOptions {
  center?: [number, number];
  zoom?: number;
  /** Accessible name of the map region. */
  label: string;
}

/** Creates a map in `el` (which should have a height). */
export async function createMap(el: HTMLElement, opts: MapOptions): Promise<{ L: L; map: Leaflet.Map }> {
  const [L, settings, boxes] = await Promise.all([loadLeaflet(), site(), servedBoxes()]);
  el.classList.add('segnala-map');
  el.setAttribute('role', 'region');
  el.setAttribute('aria-label', opts.label);
  const map = L.map(el, { center: opts.center ?? DEFAULT_CENTER, zoom: opts.zoom ?? 14, keyboard: true });
  if (!opts.center && boxes.length > 0) {
    // The served territory (the first comune: usually the only one).
    const [minLon, minLat, maxLon, maxLat] = boxes[0].bbox;
    map.fitBounds([
      [minLat, minLon],
      [maxLat, maxLon],
    ]);
  }
  if (settings.map_tiles_url) {
    L.tileLayer(settings.map_tiles_url, { attribution: settings.map_attribution, maxZoom: 19 }).addTo(map);
  } else {
    el.classList.add('segnala-map--offline');
    map.attributionControl.addAttribution(t('common.map.noTiles'));
  }
  // Leaflet's zoom buttons are links without visible labels in Italian.
  el.querySelector('.leaflet-control-zoom-in')?.setAttribute('aria-label', t('common.map.zoomIn'));
  el.querySelector('.leaflet-control-zoom-in')?.setAttribute('title', t('common.map.zoomIn'));
  el.querySelector('.leaflet-control-zoom-out')?.setAttribute('aria-label', t('common.map.zoomOut'));
  el.querySelector('.leaflet-control-zoom-out')?.setAttribute('title', t('common.map.zoomOut'));
  return { L, map };
}

/** Text for a tooltip or popup: Leaflet writes strings as HTML, so anything
 * a citizen typed goes in as a text node. */
export function textContent(text: string): HTMLElement {
  const span = document.createElement('span');
  span.textContent = text;
  return span;
}

/** A round marker that needs no image files. */
export function pin(L: L, latlng: [number, number], opts: { label: string; color?: string }): Leaflet.CircleMarker {
  return L.circleMarker(latlng, {
    radius: 10,
    weight: 3,
    color: '#fff',
    fillColor: opts.color ?? '#0066cc',
    fillOpacity: 1,
  }).bindTooltip(textContent(opts.label));
}

export interface GeocodeResult {
  label: string;
  lat: number;
  lon: number;
}

/** Looks an address up with the configured geocoder (Nominatim-compatible:
 * `{q}` in the URL is replaced; the answer is a JSON array of
 * `{display_name, lat, lon}`). Null when no geocoder is configured. */
export async function geocode(query: string): Promise<GeocodeResult[] | null> {
  const settings = await site();
  if (!settings.geocoder_url) return null;
  const res = await fetch(settings.geocoder_url.replace('{q}', encodeURIComponent(query)), {
    headers: { Accept: 'application/json' },
  });
  if (!res.ok) throw new Error(`geocoder: ${res.status}`);
  const rows = (await res.json()) as Array<{ display_name?: string; label?: string; lat: string | number; lon: string | number }>;
  return rows
    .map((r) => ({ label: r.display_name ?? r.label ?? query, lat: Number(r.lat), lon: Number(r.lon) }))
    .filter((r) => Number.isFinite(r.lat) && Number.isFinite(r.lon));
}
