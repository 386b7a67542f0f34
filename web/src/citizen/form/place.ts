// The place of the report ("Dove"): the address, searched with the comune's
// geocoder when it has one; the map, where a click sets the point; the "use my
// position" and "use the map's centre" buttons; the point in words.

import type * as Leaflet from 'leaflet';
import { h, replace, announce } from '../../common/dom';
import { t } from '../../common/i18n';
import { site } from '../../common/api';
import type { GeocodeResult } from '../../common/map';
import { group, setError } from '../ui';
import { bindText, save, type FormState } from './state';

const PLACE_HINT_ID = 'fld-place-hint';

export interface PlacePart {
  group: HTMLElement;
  /** Writes the draft's point in words. */
  showPoint(): void;
  /** Removes the map. */
  dispose(): void;
}

/** The place's fieldset. `pointChanged` runs each time the citizen sets a
 * point (the categories follow it); `alive` is false once the step is left. */
export function placePart(s: FormState, body: HTMLElement, alive: () => boolean, pointChanged: () => void): PlacePart {
  const address = h('input', {
    type: 'text',
    id: 'fld-address',
    class: 'form-control',
    autocomplete: 'street-address',
    value: s.draft.address,
    maxlength: '300',
    'data-field': 'place',
  });
  bindText(s, address, 'address');
  const pointText = h('p', { class: 'point-text', 'aria-live': 'polite', 'data-testid': 'point-text' });
  const map = pinMap(s, alive, (lat, lon) => setPoint(lat, lon));
  const search = addressSearch(body, address, alive, (r) => {
    s.draft.address = r.label;
    setPoint(r.lat, r.lon, { pan: true });
  });
  const crosshair = h('div', { class: 'map-crosshair', 'aria-hidden': 'true' });
  const locateBtn = locateButton(body, (lat, lon) => setPoint(lat, lon, { pan: true }));
  const centreBtn = h('button', { type: 'button', class: 'btn btn-outline-primary' }, t('citizen.place.useMapCentre'));
  centreBtn.addEventListener('click', () => {
    const c = map.centre();
    if (c) setPoint(c.lat, c.lng);
  });
  address.dataset.describedbyBase = PLACE_HINT_ID;
  address.setAttribute('aria-describedby', PLACE_HINT_ID);

  function showPoint(): void {
    pointText.textContent =
      s.draft.lat === null || s.draft.lon === null
        ? t('citizen.place.noPoint')
        : t('citizen.place.point', { lat: s.draft.lat.toFixed(5), lon: s.draft.lon.toFixed(5) });
    pointText.classList.toggle('has-point', s.draft.lat !== null);
  }

  function setPoint(lat: number, lon: number, opts: { pan?: boolean } = {}): void {
    s.draft.lat = Math.round(lat * 1e6) / 1e6;
    s.draft.lon = Math.round(lon * 1e6) / 1e6;
    save(s);
    showPoint();
    map.drawMarker();
    if (opts.pan) map.pan();
    pointChanged();
  }

  const placeGroup = group(
    'place',
    t('citizen.place.legend'),
    [
      h('label', { for: 'fld-address', class: 'field-label-sub' }, t('citizen.place.address')),
      h('div', { class: 'address-row' }, address, search.button),
      search.results,
      h('div', { class: 'map-wrap' }, map.el, crosshair),
      h('div', { class: 'map-buttons' }, 'geolocation' in navigator && locateBtn, centreBtn),
      pointText,
    ],
    { hint: t('citizen.place.hint') },
  );
  placeGroup.querySelector(':scope > .field-hint')!.id = PLACE_HINT_ID;
  return { group: placeGroup, showPoint, dispose: map.remove };
}

interface PinMap {
  el: HTMLElement;
  /** Draws the pin at the draft's point, once the map is there. */
  drawMarker(): void;
  /** Centres the map on the draft's point, zoomed in at least to the street. */
  pan(): void;
  /** The map's centre, once the map is there. */
  centre(): Leaflet.LatLng | null;
  remove(): void;
}

/** The map with the draft's pin; Leaflet is loaded on demand. */
function pinMap(s: FormState, alive: () => boolean, clicked: (lat: number, lon: number) => void): PinMap {
  const el = h('div', { class: 'form-map', 'data-testid': 'form-map' });
  let handle: { L: typeof Leaflet; map: Leaflet.Map; marker: Leaflet.CircleMarker | null } | null = null;
  const drawMarker = () => {
    if (!handle || s.draft.lat === null || s.draft.lon === null) return;
    const { L, map } = handle;
    if (handle.marker) handle.marker.setLatLng([s.draft.lat, s.draft.lon]);
    else {
      handle.marker = L.circleMarker([s.draft.lat, s.draft.lon], {
        radius: 12,
        weight: 4,
        color: '#fff',
        fillColor: '#c02026',
        fillOpacity: 1,
      })
        .bindTooltip(t('citizen.place.pinLabel'))
        .addTo(map);
    }
  };

  void import('../../common/map').then(async ({ createMap }) => {
    // On the draft's point if there is one, otherwise on the served comune.
    const { L, map } = await createMap(
      el,
      s.draft.lat !== null && s.draft.lon !== null
        ? { label: t('citizen.place.mapLabel'), center: [s.draft.lat, s.draft.lon], zoom: 16 }
        : { label: t('citizen.place.mapLabel') },
    );
    if (!alive()) {
      map.remove();
      return;
    }
    handle = { L, map, marker: null };
    el.dataset.ready = 'true';
    drawMarker();
    map.on('click', (e: Leaflet.LeafletMouseEvent) => clicked(e.latlng.lat, e.latlng.lng));
  });

  return {
    el,
    drawMarker,
    pan: () => {
      if (handle && s.draft.lat !== null && s.draft.lon !== null)
        handle.map.setView([s.draft.lat, s.draft.lon], Math.max(handle.map.getZoom(), 16));
    },
    centre: () => handle?.map.getCenter() ?? null,
    remove: () => {
      handle?.map.remove();
      handle = null;
    },
  };
}

/** "Usa la mia posizione": the browser's geolocation sets the point. */
function locateButton(body: HTMLElement, located: (lat: number, lon: number) => void): HTMLButtonElement {
  const btn = h('button', { type: 'button', class: 'btn btn-outline-primary' }, t('citizen.place.useMyPosition'));
  btn.addEventListener('click', () => {
    if (!('geolocation' in navigator)) {
      setError(body, 'place', t('citizen.place.noGeolocation'));
      return;
    }
    btn.setAttribute('aria-busy', 'true');
    announce(t('citizen.place.locating'));
    navigator.geolocation.getCurrentPosition(
      (pos) => {
        btn.removeAttribute('aria-busy');
        located(pos.coords.latitude, pos.coords.longitude);
      },
      () => {
        btn.removeAttribute('aria-busy');
        setError(body, 'place', t('citizen.place.geolocationFailed'));
        announce(t('citizen.place.geolocationFailed'), true);
      },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 0 },
    );
  });
  return btn;
}

/** The address search, offered once the site says the comune has a geocoder:
 * what it finds is a list of buttons, each of which sets the point. */
function addressSearch(
  body: HTMLElement,
  address: HTMLInputElement,
  alive: () => boolean,
  chosen: (r: GeocodeResult) => void,
): { button: HTMLButtonElement; results: HTMLElement } {
  // Only the line that says what the search found is announced, not the
  // buttons to choose from. It stays in the page (empty when idle): a live
  // region added together with its text is often not read.
  const status = h('p', { id: 'geo-results-title', class: 'geo-status', 'aria-live': 'polite' });
  const list = h('div', { class: 'geo-list' });
  const results = h('div', { class: 'geo-results' }, status, list);
  const show = (text: string | null, failed = false) => {
    status.textContent = text ?? '';
    status.classList.toggle('field-error', failed);
  };
  const button = h('button', { type: 'button', class: 'btn btn-outline-primary', hidden: true }, t('citizen.place.search'));
  const pick = (r: GeocodeResult) => {
    address.value = r.label;
    chosen(r);
    // The pressed button goes with the list: the focus goes back to the
    // address, now filled in.
    address.focus();
    replace(list);
    show(null);
  };
  const search = async () => {
    const q = address.value.trim();
    if (!q) {
      setError(body, 'place', t('citizen.place.typeAddress'));
      address.focus();
      return;
    }
    replace(list);
    show(t('common.loading'));
    try {
      const { geocode } = await import('../../common/map');
      const found = (await geocode(q)) ?? [];
      if (!alive()) return;
      if (!found.length) {
        show(t('citizen.place.noResults'));
        return;
      }
      const shown = Math.min(found.length, 8);
      show(shown === 1 ? t('citizen.place.resultsOne') : t('citizen.place.results', { n: shown }));
      replace(list, resultList(found.slice(0, 8), pick));
    } catch {
      if (alive()) show(t('citizen.place.geocoderFailed'), true);
    }
  };
  void site().then((info) => {
    if (!info.geocoder_url || !alive()) return;
    button.hidden = false;
    button.addEventListener('click', search);
  });
  return { button, results };
}

function resultList(found: GeocodeResult[], pick: (r: GeocodeResult) => void): HTMLElement {
  return h(
    'ul',
    { class: 'list-unstyled', 'aria-labelledby': 'geo-results-title' },
    found.map((r) =>
      h('li', {}, h('button', { type: 'button', class: 'btn btn-link text-start', onclick: () => pick(r) }, r.label)),
    ),
  );
}
