// What and where on a report's page: the description, the answers to the
// category's extra questions, the address and coordinates, and the map with
// the report's pin.

import { h, replace } from '../../common/dom';
import { t } from '../../common/i18n';
import { createMap, pin } from '../../common/map';
import type { PageCtx } from '../main';
import type { StaffReport } from '../types';

/** The card; `mapBox` is where the map is drawn (see `reportMap`). */
export function placeCard(report: StaffReport, mapBox: HTMLElement): HTMLElement {
  return h(
    'section',
    { class: 'staff-card', 'aria-labelledby': 'place-h' },
    h('h2', { id: 'place-h', class: 'h4' }, t('staff.detail.place')),
    h('h3', { class: 'h6' }, t('staff.detail.description')),
    h('p', { class: 'staff-description' }, report.description),
    attributesList(report),
    h(
      'p',
      {},
      report.address ? [h('strong', {}, report.address), h('br', {})] : null,
      t('staff.detail.coords', { lat: report.lat.toFixed(5), lon: report.lon.toFixed(5) }),
    ),
    mapBox,
  );
}

/** Answers to the category's extra questions, when there are any. */
function attributesList(report: StaffReport): HTMLElement[] | null {
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
}

export interface ReportMap {
  /** A new box for the map, for a new drawing of the page; the map drawn
   * before is removed. */
  box(): HTMLElement;
  /** Draws the report's map into the latest box (a box replaced meanwhile
   * gets nothing). */
  draw(report: StaffReport): Promise<void>;
}

/** The page's one map at a time, removed when the page is left. */
export function reportMap(ctx: PageCtx): ReportMap {
  let mapBox: HTMLElement | null = null;
  let currentMap: { remove(): void } | null = null;
  ctx.onDispose(() => currentMap?.remove());
  return {
    box() {
      currentMap?.remove();
      currentMap = null;
      mapBox = h('div', { class: 'staff-map', 'data-testid': 'detail-map' });
      return mapBox;
    },
    async draw(report) {
      const box = mapBox;
      if (!box) return;
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
    },
  };
}
