// The reports already filed near the point in the chosen category, shown
// under the category so that the citizen may follow one instead of filing
// the same problem again.

import { h, replace, announce } from '../../common/dom';
import { t } from '../../common/i18n';
import { api } from '../../common/api';
import { status as statusLabel, date as fmtDate } from '../../common/format';
import { pointKey, type FormState } from './state';

interface NearbyItem {
  code: string;
  status: string;
  title: string;
  category: { name_it: string; name_en: string };
  created_at: string;
  distance_m: number;
}

export interface NearbyPart {
  node: HTMLElement;
  /** Looks again for the draft's point and category (empties the box without both). */
  load(): Promise<void>;
  clear(): void;
}

export function nearbyPart(s: FormState, alive: () => boolean): NearbyPart {
  const node = h('div', { class: 'nearby', 'data-testid': 'nearby' });
  const load = async () => {
    const key = pointKey(s);
    if (!key || !s.draft.category) {
      replace(node);
      return;
    }
    const cat = s.draft.category;
    try {
      const res = await api<{ items: NearbyItem[] }>('reports/nearby', {
        query: { lat: s.draft.lat, lon: s.draft.lon, radius_m: 200, category: cat, limit: 5 },
      });
      if (!alive() || pointKey(s) !== key || s.draft.category !== cat) return;
      if (!res.items.length) {
        replace(node, h('p', { class: 'nearby-none' }, t('citizen.nearby.none')));
        return;
      }
      replace(node, nearbyBox(res.items));
      announce(t('citizen.nearby.announce', { n: res.items.length }));
    } catch {
      replace(node);
    }
  };
  return { node, load, clear: () => replace(node) };
}

function nearbyBox(items: NearbyItem[]): HTMLElement {
  return h(
    'div',
    { class: 'notice nearby-box' },
    h('h3', { class: 'h5', id: 'nearby-title' }, t('citizen.nearby.title')),
    h('p', {}, t('citizen.nearby.intro', { n: items.length })),
    h(
      'ul',
      { 'aria-labelledby': 'nearby-title' },
      items.map((r) =>
        h(
          'li',
          {},
          h('a', { href: `/segnalazioni/${encodeURIComponent(r.code)}` }, r.title),
          ' — ',
          t('citizen.nearby.item', {
            status: statusLabel(r.status),
            distance: Math.round(r.distance_m),
            date: fmtDate(r.created_at),
          }),
        ),
      ),
    ),
    h('p', { class: 'mb-0' }, t('citizen.nearby.orContinue')),
  );
}
