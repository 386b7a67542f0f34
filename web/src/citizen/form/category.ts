// The category ("Cosa"): a select filled with the categories the comune of
// the point serves, with the chosen one's description under it. The
// categories are loaded for each new point; a point outside every comune is
// the place's problem, shown at the place.

import { h, announce } from '../../common/dom';
import { t, lang, categoryName } from '../../common/i18n';
import { api, ApiError, type Category } from '../../common/api';
import { field, setError, errorText } from '../ui';
import { pointKey, save, type FormState, type CategoriesResponse } from './state';
import type { NearbyPart } from './nearby';

export interface CategoryPart {
  field: HTMLElement;
  /** Fills the select from the categories in the state. */
  fill(): void;
  /** Loads the categories of the draft's point, unless the state has them;
   * `fromUser` when the citizen just set the point (changes are announced). */
  load(fromUser: boolean): Promise<void>;
}

export function categoryPart(s: FormState, body: HTMLElement, alive: () => boolean, nearby: NearbyPart): CategoryPart {
  const select = h('select', { class: 'form-select', disabled: s.draft.lat === null });
  const desc = h('p', { class: 'category-desc', 'aria-live': 'polite' });

  const describe = () => {
    const c = s.categories?.data.categories.find((x) => x.code === s.draft.category);
    const d = c ? (lang() === 'en' ? c.description_en || c.description_it : c.description_it) : null;
    desc.textContent = d ?? '';
    desc.hidden = !d;
  };
  const fill = () => {
    select.disabled = !s.categories;
    select.replaceChildren(...options(s));
    select.value = s.draft.category;
    describe();
  };
  select.addEventListener('change', () => {
    const c = s.categories?.data.categories.find((x) => x.code === select.value);
    s.draft.category = c ? c.code : '';
    s.draft.categoryName = c ? { name_it: c.name_it, name_en: c.name_en } : null;
    save(s);
    if (c) setError(body, 'category', null);
    describe();
    void nearby.load();
  });

  const load = async (fromUser: boolean) => {
    const key = pointKey(s);
    if (!key) {
      fill();
      return;
    }
    if (s.categories?.key === key) {
      fill();
      void nearby.load();
      return;
    }
    select.disabled = true;
    try {
      const data = await api<CategoriesResponse>('categories', { query: { lat: s.draft.lat, lon: s.draft.lon } });
      if (!alive() || pointKey(s) !== key) return;
      loaded(key, data, fromUser);
    } catch (e) {
      if (!alive() || pointKey(s) !== key) return;
      s.categories = null;
      fill();
      nearby.clear();
      s.placeProblem = e instanceof ApiError && e.code === 'outside_territory' ? t('citizen.place.outside') : errorText(e);
      setError(body, 'place', s.placeProblem);
      announce(s.placeProblem, true);
    }
  };
  /** Takes the point's categories; a chosen category they lack is dropped. */
  const loaded = (key: string, data: CategoriesResponse, fromUser: boolean) => {
    s.categories = { key, data };
    s.placeProblem = null;
    setError(body, 'place', null);
    if (s.draft.category && !data.categories.some((c) => c.code === s.draft.category && c.selectable)) {
      s.draft.category = '';
      s.draft.categoryName = null;
      save(s);
      if (fromUser) announce(t('citizen.category.changedWithPlace'));
    }
    fill();
    if (fromUser) announce(t('citizen.category.loaded', { comune: data.municipality_name }));
    void nearby.load();
  };

  return {
    field: field('category', t('citizen.category.label'), select, { hint: t('citizen.category.hint'), extra: desc }),
    fill,
    load,
  };
}

/** The select's options: the top categories, each with its children in a group. */
function options(s: FormState): Array<HTMLOptionElement | HTMLOptGroupElement> {
  const list = s.categories?.data.categories ?? [];
  const out: Array<HTMLOptionElement | HTMLOptGroupElement> = [
    h('option', { value: '' }, s.categories ? t('citizen.category.choose') : t('citizen.category.placeFirst')),
  ];
  const opt = (c: Category) => h('option', { value: c.code, selected: c.code === s.draft.category }, categoryName(c));
  for (const top of list.filter((c) => !c.parent)) {
    const children = list.filter((c) => c.parent === top.code && c.selectable);
    if (children.length) {
      out.push(h('optgroup', { label: categoryName(top) }, top.selectable && opt(top), children.map(opt)));
    } else if (top.selectable) out.push(opt(top));
  }
  return out;
}
