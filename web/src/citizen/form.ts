// "Segnala un disservizio": the three-step form of the national model
// (privacy notice, the report's data, summary), then the confirmation page.
// The step is in the URL (?passo=2) so that the browser's Back button goes
// back one step; what the citizen typed is in a draft (draft.ts).

import { h, replace, announce } from '../common/dom';
import { t, lang, categoryName } from '../common/i18n';
import { api, ApiError, site, type Category } from '../common/api';
import { title as setTitle } from '../common/layout';
import type * as Leaflet from 'leaflet';
import type { PageContext, Dispose } from './page';
import { loadDraft, saveDraft, clearDraft, emptyDraft, hasContent, type Draft, type Contact } from './draft';
import { field, group, radio, checkbox, setError, showProblems, problemText, errorText, alertBox, type Problem } from './ui';
import { fileProblem, IMAGE_TYPES, MAX_IMAGES, MAX_DOCUMENTS } from './upload';
import { renderSent, loadSent, storeSent, type Sent } from './sent';
import { status as statusLabel, date as fmtDate, fileSize as size } from '../common/format';

interface Picked {
  file: File;
  /** Object URL of an image's preview. */
  url: string | null;
}

interface CategoriesResponse {
  municipality: string;
  municipality_name: string;
  categories: Array<Category & { selectable: boolean; triage: boolean; description_it?: string | null; description_en?: string | null }>;
}

interface NearbyItem {
  code: string;
  status: string;
  title: string;
  category: { name_it: string; name_en: string };
  created_at: string;
  distance_m: number;
}

// The form's state lives as long as the page: moving between steps, or
// switching language, redraws from it.
let draft: Draft = loadDraft();
const images: Picked[] = [];
const documents: Picked[] = [];
let categories: { key: string; data: CategoriesResponse } | null = null;
/** Why categories could not be loaded for the current point (shown at the place). */
let placeProblem: string | null = null;
/** Problems to show when step 2 is drawn (from the server, after "Invia"). */
let pendingProblems: Problem[] | null = null;
/** The field to focus when step 2 is drawn (a "Modifica" link). */
let focusField: string | null = null;

const STEPS = ['privacy', 'data', 'summary'] as const;

function save(): void {
  saveDraft(draft);
}

function pointKey(): string | null {
  return draft.lat === null || draft.lon === null ? null : `${draft.lat},${draft.lon}`;
}

export function render(root: HTMLElement, ctx: PageContext): Dispose | void {
  if (ctx.query.has('inviata')) {
    const sent = loadSent();
    if (sent) return renderSent(root, sent, stepsIndicator(3));
  }
  let step = Number(ctx.query.get('passo') ?? '1');
  if (![1, 2, 3].includes(step)) step = 1;
  if (step > 1 && !draft.privacy) step = 1;
  if (step === 3 && validateData().length > 0) step = 2;
  const wanted = `/segnala${step > 1 ? `?passo=${step}` : ''}`;
  if (location.pathname + location.search !== wanted && ctx.query.has('passo')) history.replaceState(null, '', wanted);

  const stepTitle = t(`citizen.form.steps.${STEPS[step - 1]}`);
  setTitle(`${t('citizen.form.stepOf', { n: step, total: 3 })}: ${stepTitle}`);
  const body = h('div', { class: 'form-step' });
  const heading = h('h2', { class: 'h3 mb-3', 'data-focus-on-arrival': focusField ? undefined : '' }, h('span', { class: 'visually-hidden' }, `${t('citizen.form.stepOf', { n: step, total: 3 })}: `), stepTitle);
  replace(
    root,
    h('h1', {}, t('citizen.form.title')),
    stepsIndicator(step - 1),
    heading,
    body,
    draftNote(ctx),
  );
  const go = (n: number) => ctx.navigate(n === 1 ? '/segnala' : `/segnala?passo=${n}`);
  if (step === 1) return stepPrivacy(body, go);
  if (step === 2) return stepData(body, go);
  return stepSummary(body, go, ctx);
}

/** The step indicator: `current` is 0-based; 3 means all done. */
function stepsIndicator(current: number): HTMLElement {
  return h(
    'ol',
    { class: 'steps', 'aria-label': t('citizen.form.stepsLabel') },
    STEPS.map((s, i) =>
      h(
        'li',
        { class: i < current ? 'done' : undefined, 'aria-current': i === current ? 'step' : undefined },
        t(`citizen.form.steps.${s}`),
        i < current && h('span', { class: 'visually-hidden' }, ` (${t('citizen.form.stepDone')})`),
      ),
    ),
  );
}

function draftNote(ctx: PageContext): HTMLElement {
  const note = h('div', { class: 'draft-note' }, h('p', {}, t('citizen.form.draft.saved')));
  if (hasContent(draft) || images.length || documents.length) {
    note.append(
      h(
        'button',
        {
          type: 'button',
          class: 'btn btn-link px-0',
          onclick: () => {
            if (!window.confirm(t('citizen.form.draft.confirmDiscard'))) return;
            draft = emptyDraft();
            clearDraft();
            for (const p of [...images, ...documents]) if (p.url) URL.revokeObjectURL(p.url);
            images.length = 0;
            documents.length = 0;
            categories = null;
            placeProblem = null;
            announce(t('citizen.form.draft.discarded'));
            ctx.navigate('/segnala');
          },
        },
        t('citizen.form.draft.discard'),
      ),
    );
  }
  return note;
}

function buttons(back: (() => void) | null, next: HTMLElement): HTMLElement {
  return h(
    'div',
    { class: 'form-buttons' },
    back && h('button', { type: 'button', class: 'btn btn-outline-primary btn-lg', onclick: back }, t('citizen.form.back')),
    next,
  );
}

// ---- Step 1: the privacy notice ----

function stepPrivacy(body: HTMLElement, go: (n: number) => void): void {
  const full = h('a', { href: '/privacy' }, t('citizen.privacyStep.fullText'));
  void site().then((s) => {
    full.setAttribute('href', s.privacy_url || '/privacy');
    const days = s.retention_days;
    if (days) retention.textContent = t('citizen.privacyStep.retentionDays', { days });
  });
  const retention = h('span', {}, t('citizen.privacyStep.retention'));
  const items: Array<[string, HTMLElement | string]> = [
    ['controller', t('citizen.privacyStep.controller', { comune: t('common.municipalityLabel') })],
    ['purpose', t('citizen.privacyStep.purpose')],
    ['basis', t('citizen.privacyStep.basis')],
    ['data', t('citizen.privacyStep.data')],
    ['retentionTitle', retention],
    ['rights', t('citizen.privacyStep.rights')],
  ];
  const box = checkbox('privacy', t('citizen.privacyStep.accept'), draft.privacy, (on) => {
    draft.privacy = on;
    save();
    if (on) setError(body, 'privacy', null);
  });
  replace(
    body,
    h('p', { class: 'lead' }, t('citizen.privacyStep.intro')),
    h(
      'dl',
      { class: 'privacy-summary' },
      items.map(([k, v]) => [h('dt', {}, t(`citizen.privacyStep.labels.${k}`)), h('dd', {}, v)]),
    ),
    h('p', {}, full),
    group('privacy', t('citizen.privacyStep.legend'), box),
    buttons(
      null,
      h(
        'button',
        {
          type: 'button',
          class: 'btn btn-primary btn-lg',
          onclick: () => {
            if (!draft.privacy) {
              showProblems(body, [{ field: 'privacy', message: t('citizen.privacyStep.required') }]);
              return;
            }
            go(2);
          },
        },
        t('citizen.form.next'),
      ),
    ),
  );
}

// ---- Step 2: the report's data ----

function validateData(): Problem[] {
  const p: Problem[] = [];
  const req = (f: string) => p.push({ field: f, message: t(`citizen.required.${f.replace('.', '_')}`) });
  if (draft.lat === null || draft.lon === null) req('place');
  else if (placeProblem) p.push({ field: 'place', message: placeProblem });
  if (!draft.category) req('category');
  if (!draft.title.trim()) req('title');
  if (!draft.description.trim()) req('description');
  if (draft.contact === 'email') {
    if (!draft.email.trim()) req('reporter.email');
    else if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(draft.email.trim()))
      p.push({ field: 'reporter.email', message: t('citizen.fieldErrors.reporter_email.invalid_email') });
  }
  if (draft.contact === 'phone') {
    if (!draft.phone.trim()) req('reporter.phone');
    else if (!/^\+?[\d\s./-]{6,20}$/.test(draft.phone.trim()))
      p.push({ field: 'reporter.phone', message: t('citizen.fieldErrors.reporter_phone.invalid_phone') });
  }
  return p;
}

function stepData(body: HTMLElement, go: (n: number) => void): Dispose {
  let disposed = false;
  let mapHandle: { L: typeof Leaflet; map: Leaflet.Map; marker: Leaflet.CircleMarker | null } | null = null;

  // -- Place --
  const address = h('input', {
    type: 'text',
    id: 'fld-address',
    class: 'form-control',
    autocomplete: 'street-address',
    value: draft.address,
    maxlength: '300',
    'data-field': 'place',
  });
  address.addEventListener('input', () => {
    draft.address = address.value;
    save();
  });
  const pointText = h('p', { class: 'point-text', 'aria-live': 'polite', 'data-testid': 'point-text' });
  // Only the line that says what the search found is announced, not the
  // buttons to choose from. It stays in the page (empty when idle): a live
  // region added together with its text is often not read.
  const geoStatus = h('p', { id: 'geo-results-title', class: 'geo-status', 'aria-live': 'polite' });
  const geoList = h('div', { class: 'geo-list' });
  const geoResults = h('div', { class: 'geo-results' }, geoStatus, geoList);
  const showGeo = (text: string | null, failed = false) => {
    geoStatus.textContent = text ?? '';
    geoStatus.classList.toggle('field-error', failed);
  };
  const searchBtn = h('button', { type: 'button', class: 'btn btn-outline-primary', hidden: true }, t('citizen.place.search'));
  const mapEl = h('div', { class: 'form-map', 'data-testid': 'form-map' });
  const crosshair = h('div', { class: 'map-crosshair', 'aria-hidden': 'true' });
  const locateBtn = h('button', { type: 'button', class: 'btn btn-outline-primary' }, t('citizen.place.useMyPosition'));
  const centreBtn = h('button', { type: 'button', class: 'btn btn-outline-primary' }, t('citizen.place.useMapCentre'));
  const placeHintId = 'fld-place-hint';
  address.dataset.describedbyBase = placeHintId;
  address.setAttribute('aria-describedby', placeHintId);

  const showPoint = () => {
    pointText.textContent =
      draft.lat === null || draft.lon === null
        ? t('citizen.place.noPoint')
        : t('citizen.place.point', { lat: draft.lat.toFixed(5), lon: draft.lon.toFixed(5) });
    pointText.classList.toggle('has-point', draft.lat !== null);
  };

  const setPoint = (lat: number, lon: number, opts: { pan?: boolean } = {}) => {
    draft.lat = Math.round(lat * 1e6) / 1e6;
    draft.lon = Math.round(lon * 1e6) / 1e6;
    save();
    showPoint();
    drawMarker();
    if (opts.pan && mapHandle) mapHandle.map.setView([draft.lat, draft.lon], Math.max(mapHandle.map.getZoom(), 16));
    void loadCategories(true);
  };

  const drawMarker = () => {
    if (!mapHandle || draft.lat === null || draft.lon === null) return;
    const { L, map } = mapHandle;
    if (mapHandle.marker) mapHandle.marker.setLatLng([draft.lat, draft.lon]);
    else {
      mapHandle.marker = L.circleMarker([draft.lat, draft.lon], {
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

  void import('../common/map').then(async ({ createMap }) => {
    // On the draft's point if there is one, otherwise on the served comune.
    const { L, map } = await createMap(
      mapEl,
      draft.lat !== null && draft.lon !== null
        ? { label: t('citizen.place.mapLabel'), center: [draft.lat, draft.lon], zoom: 16 }
        : { label: t('citizen.place.mapLabel') },
    );
    if (disposed) {
      map.remove();
      return;
    }
    mapHandle = { L, map, marker: null };
    mapEl.dataset.ready = 'true';
    drawMarker();
    map.on('click', (e: Leaflet.LeafletMouseEvent) => setPoint(e.latlng.lat, e.latlng.lng));
  });

  locateBtn.addEventListener('click', () => {
    if (!('geolocation' in navigator)) {
      setError(body, 'place', t('citizen.place.noGeolocation'));
      return;
    }
    locateBtn.setAttribute('aria-busy', 'true');
    announce(t('citizen.place.locating'));
    navigator.geolocation.getCurrentPosition(
      (pos) => {
        locateBtn.removeAttribute('aria-busy');
        setPoint(pos.coords.latitude, pos.coords.longitude, { pan: true });
      },
      () => {
        locateBtn.removeAttribute('aria-busy');
        setError(body, 'place', t('citizen.place.geolocationFailed'));
        announce(t('citizen.place.geolocationFailed'), true);
      },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 0 },
    );
  });
  centreBtn.addEventListener('click', () => {
    if (!mapHandle) return;
    const c = mapHandle.map.getCenter();
    setPoint(c.lat, c.lng);
  });

  void site().then((s) => {
    if (!s.geocoder_url || disposed) return;
    searchBtn.hidden = false;
    searchBtn.addEventListener('click', async () => {
      const q = address.value.trim();
      if (!q) {
        setError(body, 'place', t('citizen.place.typeAddress'));
        address.focus();
        return;
      }
      replace(geoList);
      showGeo(t('common.loading'));
      try {
        const { geocode } = await import('../common/map');
        const found = (await geocode(q)) ?? [];
        if (disposed) return;
        if (!found.length) {
          showGeo(t('citizen.place.noResults'));
          return;
        }
        const shown = Math.min(found.length, 8);
        showGeo(shown === 1 ? t('citizen.place.resultsOne') : t('citizen.place.results', { n: shown }));
        replace(
          geoList,
          h(
            'ul',
            { class: 'list-unstyled', 'aria-labelledby': 'geo-results-title' },
            found.slice(0, 8).map((r) =>
              h(
                'li',
                {},
                h(
                  'button',
                  {
                    type: 'button',
                    class: 'btn btn-link text-start',
                    onclick: () => {
                      address.value = r.label;
                      draft.address = r.label;
                      setPoint(r.lat, r.lon, { pan: true });
                      // The pressed button goes with the list: the focus
                      // goes back to the address, now filled in.
                      address.focus();
                      replace(geoList);
                      showGeo(null);
                    },
                  },
                  r.label,
                ),
              ),
            ),
          ),
        );
      } catch {
        if (!disposed) showGeo(t('citizen.place.geocoderFailed'), true);
      }
    });
  });

  // -- Category --
  const category = h('select', { class: 'form-select', disabled: draft.lat === null });
  const categoryDesc = h('p', { class: 'category-desc', 'aria-live': 'polite' });
  const nearby = h('div', { class: 'nearby', 'data-testid': 'nearby' });

  const fillCategories = () => {
    const list = categories?.data.categories ?? [];
    category.disabled = !categories;
    const options: Array<HTMLOptionElement | HTMLOptGroupElement> = [
      h('option', { value: '' }, categories ? t('citizen.category.choose') : t('citizen.category.placeFirst')),
    ];
    for (const top of list.filter((c) => !c.parent)) {
      const children = list.filter((c) => c.parent === top.code && c.selectable);
      const opt = (c: Category) => h('option', { value: c.code, selected: c.code === draft.category }, categoryName(c));
      if (children.length) {
        options.push(h('optgroup', { label: categoryName(top) }, top.selectable && opt(top), children.map(opt)));
      } else if (top.selectable) options.push(opt(top));
    }
    category.replaceChildren(...options);
    category.value = draft.category;
    describeCategory();
  };
  const describeCategory = () => {
    const c = categories?.data.categories.find((x) => x.code === draft.category);
    const d = c ? (lang() === 'en' ? c.description_en || c.description_it : c.description_it) : null;
    categoryDesc.textContent = d ?? '';
    categoryDesc.hidden = !d;
  };
  category.addEventListener('change', () => {
    const c = categories?.data.categories.find((x) => x.code === category.value);
    draft.category = c ? c.code : '';
    draft.categoryName = c ? { name_it: c.name_it, name_en: c.name_en } : null;
    save();
    if (c) setError(body, 'category', null);
    describeCategory();
    void loadNearby();
  });

  const loadCategories = async (fromUser: boolean) => {
    const key = pointKey();
    if (!key) {
      fillCategories();
      return;
    }
    if (categories?.key === key) {
      fillCategories();
      void loadNearby();
      return;
    }
    category.disabled = true;
    try {
      const data = await api<CategoriesResponse>('categories', { query: { lat: draft.lat, lon: draft.lon } });
      if (disposed || pointKey() !== key) return;
      categories = { key, data };
      placeProblem = null;
      setError(body, 'place', null);
      if (draft.category && !data.categories.some((c) => c.code === draft.category && c.selectable)) {
        draft.category = '';
        draft.categoryName = null;
        save();
        if (fromUser) announce(t('citizen.category.changedWithPlace'));
      }
      fillCategories();
      if (fromUser) announce(t('citizen.category.loaded', { comune: data.municipality_name }));
      void loadNearby();
    } catch (e) {
      if (disposed || pointKey() !== key) return;
      categories = null;
      fillCategories();
      replace(nearby);
      placeProblem = e instanceof ApiError && e.code === 'outside_territory' ? t('citizen.place.outside') : errorText(e);
      setError(body, 'place', placeProblem);
      announce(placeProblem, true);
    }
  };

  const loadNearby = async () => {
    const key = pointKey();
    if (!key || !draft.category) {
      replace(nearby);
      return;
    }
    const cat = draft.category;
    try {
      const res = await api<{ items: NearbyItem[] }>('reports/nearby', {
        query: { lat: draft.lat, lon: draft.lon, radius_m: 200, category: cat, limit: 5 },
      });
      if (disposed || pointKey() !== key || draft.category !== cat) return;
      if (!res.items.length) {
        replace(nearby, h('p', { class: 'nearby-none' }, t('citizen.nearby.none')));
        return;
      }
      replace(
        nearby,
        h(
          'div',
          { class: 'notice nearby-box' },
          h('h3', { class: 'h5', id: 'nearby-title' }, t('citizen.nearby.title')),
          h('p', {}, t('citizen.nearby.intro', { n: res.items.length })),
          h(
            'ul',
            { 'aria-labelledby': 'nearby-title' },
            res.items.map((r) =>
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
        ),
      );
      announce(t('citizen.nearby.announce', { n: res.items.length }));
    } catch {
      replace(nearby);
    }
  };

  // -- Title, details --
  const titleInput = h('input', { type: 'text', class: 'form-control', value: draft.title, maxlength: '120', autocomplete: 'off' });
  titleInput.addEventListener('input', () => {
    draft.title = titleInput.value;
    save();
  });
  const desc = h('textarea', { class: 'form-control', rows: '6', maxlength: '4000' });
  desc.value = draft.description;
  desc.addEventListener('input', () => {
    draft.description = desc.value;
    save();
  });

  // -- Files --
  const filePicker = (kind: 'image' | 'document') => {
    const list = kind === 'image' ? images : documents;
    const max = kind === 'image' ? MAX_IMAGES : MAX_DOCUMENTS;
    const name = kind === 'image' ? 'images' : 'documents';
    const input = h('input', {
      type: 'file',
      class: 'form-control',
      multiple: true,
      accept: kind === 'image' ? IMAGE_TYPES.join(',') : 'application/pdf',
    });
    const previews = h('ul', { class: kind === 'image' ? 'file-previews photo-grid' : 'file-previews', 'data-testid': `${name}-list` });
    // Says why the picker is unavailable once it is full; it takes the focus
    // when the picker is disabled under it.
    const full = h('p', { class: 'files-full', tabindex: '-1', hidden: true }, t(`citizen.files.full.${kind}`, { max }));
    const draw = () => {
      replace(
        previews,
        list.map((p, i) =>
          h(
            'li',
            { class: 'file-preview' },
            p.url && h('img', { src: p.url, alt: t('citizen.files.previewAlt', { n: i + 1, name: p.file.name }) }),
            h('span', { class: 'file-name' }, `${p.file.name} (${size(p.file.size)})`),
            h(
              'button',
              {
                type: 'button',
                class: 'btn btn-outline-danger btn-sm',
                'aria-label': t('citizen.files.removeNamed', { name: p.file.name }),
                onclick: () => {
                  if (p.url) URL.revokeObjectURL(p.url);
                  list.splice(list.indexOf(p), 1);
                  draw();
                  announce(t('citizen.files.removed', { name: p.file.name }));
                  input.focus();
                },
              },
              t('citizen.files.remove'),
            ),
          ),
        ),
      );
      const isFull = list.length >= max;
      full.hidden = !isFull;
      if (isFull && document.activeElement === input) full.focus();
      input.disabled = isFull;
    };
    input.addEventListener('change', () => {
      const problems: string[] = [];
      for (const file of Array.from(input.files ?? [])) {
        const bad = fileProblem(file, kind);
        if (bad) problems.push(bad);
        else if (list.length >= max) problems.push(t(`citizen.files.tooMany.${kind}`, { max }));
        else list.push({ file, url: kind === 'image' ? URL.createObjectURL(file) : null });
      }
      input.value = '';
      draw();
      setError(body, name, problems.length ? [...new Set(problems)].join(' ') : null);
      if (problems.length) announce(problems.join(' '), true);
      else announce(t('citizen.files.added', { n: list.length }));
    });
    draw();
    return field(name, t(`citizen.files.${kind}Label`), input, {
      optional: true,
      // Photos are shown on the report's public page: said before choosing them.
      hint: kind === 'image' ? [t('citizen.files.imageHint', { max }), ' ', h('strong', {}, t('citizen.files.photosPublic'))] : t('citizen.files.documentHint', { max }),
      extra: [full, previews],
    });
  };

  // -- Author --
  const nameInput = h('input', { type: 'text', class: 'form-control', value: draft.name, autocomplete: 'name', maxlength: '200' });
  nameInput.addEventListener('input', () => {
    draft.name = nameInput.value;
    save();
  });
  const email = h('input', { type: 'email', class: 'form-control', value: draft.email, autocomplete: 'email', maxlength: '200' });
  email.addEventListener('input', () => {
    draft.email = email.value;
    save();
  });
  const phone = h('input', { type: 'tel', class: 'form-control', value: draft.phone, autocomplete: 'tel', maxlength: '30' });
  phone.addEventListener('input', () => {
    draft.phone = phone.value;
    save();
  });
  const emailField = field('reporter.email', t('citizen.author.email'), email, { hint: t('citizen.author.emailHint') });
  const phoneField = field('reporter.phone', t('citizen.author.phone'), phone, { hint: t('citizen.author.phoneHint') });
  const noneNote = h('p', { class: 'contact-none-note' }, t('citizen.author.noneNote'));
  const showContact = () => {
    emailField.hidden = draft.contact !== 'email';
    phoneField.hidden = draft.contact !== 'phone';
    noneNote.hidden = draft.contact !== 'none';
  };
  const contactRadios = (['email', 'phone', 'none'] as Contact[]).map((c) =>
    radio('reporter.contact', c, t(`citizen.author.contact.${c}`), draft.contact === c, () => {
      draft.contact = c;
      save();
      showContact();
    }),
  );
  showContact();

  const placeGroup = group(
    'place',
    t('citizen.place.legend'),
    [
      h('label', { for: 'fld-address', class: 'field-label-sub' }, t('citizen.place.address')),
      h('div', { class: 'address-row' }, address, searchBtn),
      geoResults,
      h('div', { class: 'map-wrap' }, mapEl, crosshair),
      h('div', { class: 'map-buttons' }, 'geolocation' in navigator && locateBtn, centreBtn),
      pointText,
    ],
    { hint: t('citizen.place.hint') },
  );
  placeGroup.querySelector(':scope > .field-hint')!.id = placeHintId;

  replace(
    body,
    h('p', {}, t('citizen.form.requiredNote')),
    h('section', { class: 'form-section', 'aria-labelledby': 'sec-where' },
      h('h3', { id: 'sec-where', class: 'h4' }, t('citizen.sections.where')),
      placeGroup,
    ),
    h('section', { class: 'form-section', 'aria-labelledby': 'sec-what' },
      h('h3', { id: 'sec-what', class: 'h4' }, t('citizen.sections.what')),
      field('category', t('citizen.category.label'), category, { hint: t('citizen.category.hint'), extra: categoryDesc }),
      nearby,
      field('title', t('citizen.titleField.label'), titleInput, { hint: t('citizen.titleField.hint') }),
      field('description', t('citizen.description.label'), desc, { hint: t('citizen.description.hint') }),
      filePicker('image'),
      filePicker('document'),
    ),
    h('section', { class: 'form-section', 'aria-labelledby': 'sec-who' },
      h('h3', { id: 'sec-who', class: 'h4' }, t('citizen.sections.who')),
      field('reporter.name', t('citizen.author.name'), nameInput, { optional: true, hint: t('citizen.author.nameHint') }),
      group('reporter.contact', t('citizen.author.contactLegend'), contactRadios),
      emailField,
      phoneField,
      noneNote,
    ),
    buttons(
      () => go(1),
      h(
        'button',
        {
          type: 'button',
          class: 'btn btn-primary btn-lg',
          onclick: () => {
            const problems = validateData();
            if (problems.length) {
              showProblems(body, problems);
              return;
            }
            go(3);
          },
        },
        t('citizen.form.next'),
      ),
    ),
  );
  showPoint();
  fillCategories();
  void loadCategories(false);
  if (placeProblem) setError(body, 'place', placeProblem);

  if (pendingProblems) {
    const problems = pendingProblems;
    pendingProblems = null;
    // After the router's focus, so that focus lands on the first invalid field.
    queueMicrotask(() => showProblems(body, problems));
  } else if (focusField) {
    const target = body.querySelector<HTMLElement>(`[data-field="${CSS.escape(focusField)}"]`);
    focusField = null;
    target?.setAttribute('data-focus-on-arrival', '');
  }

  return () => {
    disposed = true;
    mapHandle?.map.remove();
    mapHandle = null;
  };
}

// ---- Step 3: summary and sending ----

function stepSummary(body: HTMLElement, go: (n: number) => void, ctx: PageContext): void {
  const edit = (label: string, fieldName: string | null) =>
    h(
      'button',
      {
        type: 'button',
        class: 'btn btn-link edit-link',
        onclick: () => {
          if (fieldName === null) go(1);
          else {
            focusField = fieldName;
            go(2);
          }
        },
      },
      t('citizen.summary.edit'),
      h('span', { class: 'visually-hidden' }, `: ${label}`),
    );
  const item = (label: string, value: HTMLElement | string, fieldName: string | null) =>
    h('div', { class: 'summary-item' }, h('dt', {}, label), h('dd', {}, value), h('dd', { class: 'summary-edit' }, edit(label, fieldName)));
  const none = t('citizen.summary.none');
  const fileList = (list: Picked[]) =>
    list.length ? h('ul', { class: 'list-unstyled mb-0' }, list.map((p) => h('li', {}, p.file.name))) : none;
  const contact =
    draft.contact === 'email'
      ? t('citizen.summary.byEmail', { email: draft.email })
      : draft.contact === 'phone'
        ? t('citizen.summary.byPhone', { phone: draft.phone })
        : t('citizen.author.contact.none');
  const place = h(
    'div',
    {},
    draft.address ? h('div', {}, draft.address) : null,
    h('div', {}, t('citizen.place.point', { lat: draft.lat!.toFixed(5), lon: draft.lon!.toFixed(5) })),
  );
  const failure = h('div', { class: 'send-failure' });
  const sendBtn = h('button', { type: 'button', class: 'btn btn-primary btn-lg', 'data-testid': 'send' }, t('citizen.summary.send'));

  const dialog = h('dialog', { 'aria-labelledby': 'dlg-title', 'aria-describedby': 'dlg-text', class: 'confirm-dialog' });
  const confirmBtn = h('button', { type: 'button', class: 'btn btn-primary btn-lg' }, t('citizen.summary.dialog.confirm'));
  const cancelBtn = h('button', { type: 'button', class: 'btn btn-outline-primary btn-lg' }, t('citizen.summary.dialog.cancel'));
  replace(
    dialog,
    h('h2', { id: 'dlg-title', class: 'h4' }, t('citizen.summary.dialog.title')),
    h('p', { id: 'dlg-text' }, t('citizen.summary.dialog.text')),
    h('div', { class: 'form-buttons' }, cancelBtn, confirmBtn),
  );
  let sending = false;
  cancelBtn.addEventListener('click', () => dialog.close());
  dialog.addEventListener('cancel', (e) => {
    if (sending) e.preventDefault();
  });
  dialog.addEventListener('close', () => {
    if (!sending) sendBtn.focus();
  });
  sendBtn.addEventListener('click', () => {
    replace(failure);
    dialog.showModal();
    confirmBtn.focus();
  });
  confirmBtn.addEventListener('click', async () => {
    sending = true;
    confirmBtn.disabled = true;
    cancelBtn.disabled = true;
    confirmBtn.textContent = t('citizen.summary.sending');
    announce(t('citizen.summary.sending'));
    try {
      const created = await api<Sent>('reports', {
        json: {
          category: draft.category,
          lat: draft.lat,
          lon: draft.lon,
          address: draft.address.trim() || null,
          title: draft.title.trim(),
          description: draft.description.trim(),
          language: lang(),
          reporter: {
            name: draft.name.trim() || null,
            email: draft.contact === 'email' ? draft.email.trim() : null,
            phone: draft.contact === 'phone' ? draft.phone.trim() : null,
            contact: draft.contact,
          },
        },
      });
      const files = [...images, ...documents].map((p) => p.file);
      storeSent(created, files);
      for (const p of images) if (p.url) URL.revokeObjectURL(p.url);
      images.length = 0;
      documents.length = 0;
      draft = emptyDraft();
      clearDraft();
      categories = null;
      sending = false;
      dialog.close();
      ctx.navigate('/segnala?inviata=1', { replace: true });
    } catch (e) {
      sending = false;
      dialog.close();
      confirmBtn.disabled = false;
      cancelBtn.disabled = false;
      confirmBtn.textContent = t('citizen.summary.dialog.confirm');
      const { inline, other } = serverProblems(e);
      if (inline.length && !other.length) {
        pendingProblems = inline;
        go(2);
        return;
      }
      replace(failure, alertBox(other.length ? other.map((p) => p.message).join(' ') : errorText(e)));
      sendBtn.focus();
    }
  });

  replace(
    body,
    h('p', {}, t('citizen.summary.intro')),
    h(
      'dl',
      { class: 'summary' },
      item(t('citizen.summary.privacy'), t('citizen.summary.privacyAccepted'), null),
      item(t('citizen.place.legend'), place, 'place'),
      item(t('citizen.category.label'), draft.categoryName ? categoryName(draft.categoryName) : draft.category, 'category'),
      item(t('citizen.titleField.label'), draft.title, 'title'),
      item(t('citizen.description.label'), h('div', { class: 'pre-wrap' }, draft.description), 'description'),
      item(t('citizen.files.imageLabel'), fileList(images), 'images'),
      item(t('citizen.files.documentLabel'), fileList(documents), 'documents'),
      item(t('citizen.author.name'), draft.name.trim() || t('citizen.summary.notGiven'), 'reporter.name'),
      item(t('citizen.author.contactLegend'), contact, 'reporter.contact'),
    ),
    (images.length > 0 || documents.length > 0) && h('p', {}, t('citizen.summary.filesAfter')),
    h('div', { class: 'notice declaration' }, h('p', { class: 'mb-0' }, t('citizen.summary.declaration'))),
    failure,
    buttons(() => go(2), sendBtn),
    dialog,
  );
}

/** The server's field problems: those a field of step 2 shows, and the others
 * (shown as a whole above the buttons). */
function serverProblems(e: unknown): { inline: Problem[]; other: Problem[] } {
  const inline: Problem[] = [];
  const other: Problem[] = [];
  if (!(e instanceof ApiError)) return { inline, other };
  if (e.code === 'outside_territory') {
    placeProblem = t('citizen.place.outside');
    return { inline: [{ field: 'place', message: placeProblem }], other };
  }
  const known = new Set(['category', 'title', 'description', 'reporter.name', 'reporter.email', 'reporter.phone', 'reporter.contact']);
  for (const p of e.fields) {
    const field = ['lat', 'lon', 'address'].includes(p.field) ? 'place' : p.field;
    (known.has(field) || field === 'place' ? inline : other).push({ field, message: problemText(p) });
  }
  return { inline, other };
}
