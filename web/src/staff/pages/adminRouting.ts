// Routing in the administration page: the comune's routing zones (listed,
// uploaded as GeoJSON, deleted) and "where does this point go?", which
// shows the comune, category, office and deadline a report filed at a
// clicked (or typed) point would get now.

import type * as Leaflet from 'leaflet';
import { h, replace, announce, Child } from '../../common/dom';
import { t, categoryName } from '../../common/i18n';
import { api, ApiError } from '../../common/api';
import { dateTime } from '../../common/format';
import { createMap, pin } from '../../common/map';
import { actionForm, clearFieldErrors, field, messageBox, showError, showFieldErrors } from '../ui';
import type { CategoryView } from '../types';
import type * as gen from '../../api.gen';

export interface Zone {
  id: string;
  name: string;
  category: string | null;
  office: string;
  priority: number;
  geometry: GeoJSON.Geometry;
}

type Ref = gen.CategoryRef;

interface Preview {
  municipality_name: string;
  category: Ref;
  parent: Ref | null;
  office: { code: string; name: string } | null;
  rule: { rule: string; zone_name?: string };
  take_in_due_at: string;
}

export interface RoutingDeps {
  zones: Zone[];
  offices: { code: string; name: string; active: boolean }[];
  categories: CategoryView[];
  flash: HTMLElement;
  /** Reloads the page's data and redraws; then says `done` (with `more`). */
  reload: (done?: string, ...more: Child[]) => Promise<void>;
  alive: () => boolean;
  /** For supervisors: the zones and the tester, no changes. */
  readOnly?: boolean;
}

function categorySelect(categories: CategoryView[], empty: string): HTMLSelectElement {
  return h(
    'select',
    { class: 'form-select' },
    h('option', { value: '' }, empty),
    categories.filter((c) => c.selectable).map((c) => h('option', { value: c.code }, categoryName(c))),
  ) as HTMLSelectElement;
}

function zonesTable(d: RoutingDeps): HTMLElement {
  if (!d.zones.length) return h('p', { class: 'staff-empty' }, t('staff.admin.zones.empty'));
  const officeName = (code: string) => d.offices.find((o) => o.code === code)?.name ?? code;
  const categoryLabel = (code: string | null) => {
    const c = d.categories.find((x) => x.code === code);
    return c ? categoryName(c) : t('staff.admin.zones.allCategories');
  };
  return h(
    'div',
    { class: 'table-responsive staff-table-wrap' },
    h(
      'table',
      { class: 'table staff-table' },
      h('caption', {}, t('staff.admin.zones.caption')),
      h('thead', {}, h('tr', {}, ['name', 'category', 'office', 'priority', d.readOnly ? null : 'actions'].filter((c) => c !== null).map((c) => h('th', { scope: 'col' }, t(`staff.admin.zones.col.${c}`))))),
      h(
        'tbody',
        {},
        d.zones.map((z) =>
          h(
            'tr',
            {},
            h('th', { scope: 'row' }, z.name),
            h('td', {}, categoryLabel(z.category)),
            h('td', {}, officeName(z.office)),
            h('td', {}, String(z.priority)),
            d.readOnly
              ? null
              : h(
              'td',
              {},
              h(
                'button',
                {
                  type: 'button',
                  class: 'btn btn-sm btn-outline-danger',
                  'aria-label': t('staff.admin.zones.deleteNamed', { name: z.name }),
                  onclick: async () => {
                    try {
                      await api(`admin/zones/${encodeURIComponent(z.id)}`, { method: 'DELETE' });
                      await d.reload(t('staff.admin.zones.deleted', { name: z.name }));
                    } catch (e) {
                      showError(d.flash, e);
                    }
                  },
                },
                t('staff.admin.zones.delete'),
              ),
            ),
          ),
        ),
      ),
    ),
  );
}

/**
 * A polygon drawn on a map: a click adds a corner where it falls; from the
 * keyboard, the arrows move the map and "add the centre" puts a corner under
 * the cross in the middle. The ring closes by itself.
 */
function drawingMap(d: RoutingDeps): { box: HTMLElement; ring: () => [number, number][]; clear: () => void } {
  const points: [number, number][] = [];
  const mapBox = h('div', { class: 'staff-map segnala-map--drawing mb-2', 'data-testid': 'zone-drawing', 'aria-describedby': 'zone-drawing-hint' });
  const status = h('p', { class: 'form-text', 'aria-live': 'polite', id: 'zone-drawing-status' }, t('staff.admin.zones.draw.none'));
  let leaflet: { L: typeof Leaflet; map: Leaflet.Map } | null = null;
  let shape: Leaflet.Polygon | Leaflet.Polyline | null = null;
  const redraw = () => {
    shape?.remove();
    shape = null;
    if (leaflet && points.length) {
      const style = { color: '#0066cc', weight: 3, fillOpacity: 0.15, interactive: false };
      shape = (points.length >= 3 ? leaflet.L.polygon(points, style) : leaflet.L.polyline(points, style)).addTo(leaflet.map);
    }
    status.textContent = points.length === 0 ? t('staff.admin.zones.draw.none') : points.length < 3 ? t('staff.admin.zones.draw.few', { n: points.length }) : t('staff.admin.zones.draw.ready', { n: points.length });
  };
  const add = (lat: number, lon: number) => {
    points.push([lat, lon]);
    redraw();
  };
  void createMap(mapBox, { label: t('staff.admin.zones.draw.mapLabel'), zoom: 13 }).then((m) => {
    if (!d.alive()) return;
    leaflet = m;
    for (const z of d.zones) m.L.geoJSON(z.geometry, { interactive: false, style: { color: '#8a4b00', weight: 2, fillOpacity: 0.05 } }).addTo(m.map);
    m.map.on('click', (ev: Leaflet.LeafletMouseEvent) => add(ev.latlng.lat, ev.latlng.lng));
    redraw();
  });
  const button = (label: string, run: () => void) => h('button', { type: 'button', class: 'btn btn-sm btn-outline-primary me-2 mb-2', 'aria-describedby': 'zone-drawing-status', onclick: run }, label);
  const clear = () => {
    points.length = 0;
    redraw();
  };
  const box = h(
    'fieldset',
    { class: 'mb-3', 'data-field': 'geometry' },
    h('legend', { class: 'form-label fs-6' }, t('staff.admin.zones.draw.legend')),
    h('p', { class: 'form-text', id: 'zone-drawing-hint' }, t('staff.admin.zones.draw.hint')),
    mapBox,
    status,
    h(
      'div',
      {},
      button(t('staff.admin.zones.draw.centre'), () => {
        if (!leaflet) return;
        const c = leaflet.map.getCenter();
        add(c.lat, c.lng);
      }),
      button(t('staff.admin.zones.draw.undo'), () => {
        points.pop();
        redraw();
      }),
      button(t('staff.admin.zones.draw.clear'), clear),
    ),
  );
  return { box, ring: () => [...points], clear };
}

function zoneForm(d: RoutingDeps): HTMLElement {
  const name = h('input', { class: 'form-control', autocomplete: 'off' }) as HTMLInputElement;
  const office = h(
    'select',
    { class: 'form-select' },
    d.offices.filter((o) => o.active).map((o) => h('option', { value: o.code }, o.name)),
  ) as HTMLSelectElement;
  const category = categorySelect(d.categories, t('staff.admin.zones.allCategories'));
  const drawing = drawingMap(d);
  const file = h('input', { class: 'form-control', type: 'file', accept: '.geojson,.json,application/geo+json,application/json' }) as HTMLInputElement;
  /** The boundary: the uploaded file's, else the drawn one (GeoJSON is lon, lat). */
  const geometry = async (): Promise<unknown> => {
    const upload = file.files?.[0];
    if (upload) {
      let doc: { type?: string; features?: unknown[] } | null;
      try {
        doc = JSON.parse(await upload.text());
      } catch {
        throw new ApiError(422, 'invalid_geometry', t('staff.admin.zones.notJson'));
      }
      // A FeatureCollection of one polygon, as GIS tools export it.
      return doc?.type === 'FeatureCollection' ? doc.features?.[0] : doc;
    }
    const ring = drawing.ring();
    if (ring.length < 3) throw new ApiError(422, 'required', t('staff.admin.zones.fileMissing'));
    const coordinates = [...ring, ring[0]].map(([lat, lon]) => [Number(lon.toFixed(6)), Number(lat.toFixed(6))]);
    return { type: 'Polygon', coordinates: [coordinates] };
  };
  return actionForm(
    'admin-new-zone',
    h('h3', { class: 'h5 mt-4', id: 'admin-new-zone' }, t('staff.admin.zones.new')),
    async (form) => {
      const zoneName = name.value.trim();
      await api('admin/zones', {
        method: 'POST',
        json: { name: zoneName, office: office.value, category: category.value || null, geometry: await geometry() },
      });
      form.reset();
      drawing.clear();
      await d.reload(t('staff.admin.zones.created', { name: zoneName }));
    },
    field(t('staff.admin.zones.name'), name, { name: 'name', required: true }),
    field(t('staff.admin.zones.office'), office, { name: 'office', required: true }),
    field(t('staff.admin.zones.category'), category, { name: 'category' }),
    drawing.box,
    field(t('staff.admin.zones.file'), file, { name: 'file', hint: t('staff.admin.zones.fileHint') }),
    h('button', { type: 'submit', class: 'btn btn-primary' }, t('staff.admin.zones.create')),
  );
}

function ruleText(p: Preview): string {
  switch (p.rule.rule) {
    case 'zone':
      return t('staff.admin.tester.rules.zone', { name: p.rule.zone_name ?? '' });
    case 'category_default':
    case 'parent_category_default':
    case 'unrouted':
      return t(`staff.admin.tester.rules.${p.rule.rule}`);
    default:
      return p.rule.rule;
  }
}

function tester(d: RoutingDeps): HTMLElement {
  const box = messageBox();
  const result = h('div', { 'aria-live': 'polite', 'data-testid': 'routing-result' });
  const lat = h('input', { class: 'form-control', inputmode: 'decimal', autocomplete: 'off' }) as HTMLInputElement;
  const lon = h('input', { class: 'form-control', inputmode: 'decimal', autocomplete: 'off' }) as HTMLInputElement;
  const category = categorySelect(d.categories, t('staff.admin.tester.chooseCategory'));
  const mapBox = h('div', { class: 'staff-map mb-3' });
  let marker: Leaflet.CircleMarker | null = null;
  let leaflet: { L: typeof Leaflet; map: Leaflet.Map } | null = null;
  const place = (la: number, lo: number) => {
    if (!leaflet) return;
    marker?.remove();
    marker = pin(leaflet.L, [la, lo], { label: t('staff.admin.tester.point') }).addTo(leaflet.map);
  };
  void createMap(mapBox, { label: t('staff.admin.tester.mapLabel'), zoom: 13 }).then((m) => {
    if (!d.alive()) return;
    leaflet = m;
    for (const z of d.zones) m.L.geoJSON(z.geometry, { style: { color: '#8a4b00', weight: 2, fillOpacity: 0.1 } }).addTo(m.map);
    m.map.on('click', (ev: Leaflet.LeafletMouseEvent) => {
      lat.value = ev.latlng.lat.toFixed(6);
      lon.value = ev.latlng.lng.toFixed(6);
      place(ev.latlng.lat, ev.latlng.lng);
      announce(t('staff.admin.tester.picked'));
    });
  });
  const form: HTMLFormElement = h(
    'form',
    {
      class: 'staff-form mb-4',
      'aria-labelledby': 'admin-tester',
      onsubmit: async (ev: Event) => {
        ev.preventDefault();
        clearFieldErrors(form);
        replace(result);
        try {
          const p = await api<Preview>('admin/routing/preview', {
            query: { lat: lat.value.trim().replace(',', '.'), lon: lon.value.trim().replace(',', '.'), category: category.value },
          });
          place(Number(lat.value.replace(',', '.')), Number(lon.value.replace(',', '.')));
          replace(
            result,
            h(
              'dl',
              { class: 'staff-dl' },
              h('dt', {}, t('staff.admin.tester.municipality')),
              h('dd', {}, p.municipality_name),
              h('dt', {}, t('staff.admin.tester.category')),
              h('dd', {}, p.parent ? `${categoryName(p.parent)} › ${categoryName(p.category)}` : categoryName(p.category)),
              h('dt', {}, t('staff.admin.tester.office')),
              h('dd', {}, p.office ? p.office.name : t('staff.admin.tester.noOffice')),
              h('dt', {}, t('staff.admin.tester.rule')),
              h('dd', {}, ruleText(p)),
              h('dt', {}, t('staff.admin.tester.deadline')),
              h('dd', {}, dateTime(p.take_in_due_at)),
            ),
          );
        } catch (e) {
          if (e instanceof ApiError && e.fields.length) showError(box, e, showFieldErrors(form, e));
          else showError(box, e);
        }
      },
    },
    h('h3', { class: 'h5 mt-4', id: 'admin-tester' }, t('staff.admin.tester.title')),
    h('p', {}, t('staff.admin.tester.lead')),
    box,
    mapBox,
    h('div', { class: 'row' }, h('div', { class: 'col-sm-6' }, field(t('staff.admin.tester.lat'), lat, { name: 'lat', required: true })), h('div', { class: 'col-sm-6' }, field(t('staff.admin.tester.lon'), lon, { name: 'lon', required: true }))),
    field(t('staff.admin.tester.categoryLabel'), category, { name: 'category', required: true }),
    h('button', { type: 'submit', class: 'btn btn-primary' }, t('staff.admin.tester.submit')),
    result,
  ) as HTMLFormElement;
  return form;
}

/** The routing section: zones, a new zone, the point tester. */
export function routingSection(d: RoutingDeps): (HTMLElement | null)[] {
  return [
    h('h2', { class: 'h4', id: 'admin-routing' }, t('staff.admin.zones.title')),
    zonesTable(d),
    d.readOnly ? null : zoneForm(d),
    tester(d),
  ];
}
