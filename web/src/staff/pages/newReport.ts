// URP on-behalf entry, built for a phone call: every field in reading order,
// Enter submits from anywhere (Shift+Enter for a new line in the
// description), and afterwards the code to read out and an empty form for the
// next caller.

import { h, replace, announce, type Child } from '../../common/dom';
import { t, lang, Lang } from '../../common/i18n';
import { api, ApiError, site } from '../../common/api';
import { dateTime } from '../../common/format';
import { createMap, pin, geocode, GeocodeResult } from '../../common/map';
import type { PageCtx } from '../main';
import * as session from '../session';
import {
  categoryOptions,
  clearFieldErrors,
  field,
  localNow,
  MAX_FILE_BYTES,
  messageBox,
  pageHeader,
  radioGroup,
  setFieldError,
  showError,
  showFieldErrors,
  uploadErrorText,
} from '../ui';
import type { CategoriesResponse, CreatedReport } from '../types';
import type * as Leaflet from 'leaflet';

const CHANNELS = ['phone', 'counter', 'email'];

interface Values {
  channel: string;
  received_at: string;
  address: string;
  lat: string;
  lon: string;
  category: string;
  title: string;
  description: string;
  name: string;
  phone: string;
  email: string;
  language: Lang;
}

function empty(channel = 'phone', language: Lang = lang()): Values {
  return {
    channel,
    received_at: localNow(),
    address: '',
    lat: '',
    lon: '',
    category: '',
    title: '',
    description: '',
    name: '',
    phone: '',
    email: '',
    language,
  };
}

/** How the citizen is kept informed: by email if they gave one, else by a
 * call back if they gave a phone number (the server's own default too). */
function reporter(v: Values): Record<string, string | null> | null {
  const name = v.name.trim() || null;
  const phone = v.phone.trim() || null;
  const email = v.email.trim() || null;
  if (!name && !phone && !email) return null;
  return { name, phone, email, contact: email ? 'email' : phone ? 'phone' : 'none' };
}

/** Accepts "43,7159" as well as "43.7159". */
function num(s: string): number | null {
  const v = Number(s.trim().replace(',', '.'));
  return s.trim() && Number.isFinite(v) ? v : null;
}

/** The form's controls, made afresh at each drawing. */
interface Inputs {
  received_at: HTMLInputElement;
  address: HTMLInputElement;
  lat: HTMLInputElement;
  lon: HTMLInputElement;
  category: HTMLSelectElement;
  title: HTMLInputElement;
  description: HTMLTextAreaElement;
  name: HTMLInputElement;
  phone: HTMLInputElement;
  email: HTMLInputElement;
  language: HTMLSelectElement;
  files: HTMLInputElement;
}

export async function newReportPage(ctx: PageCtx): Promise<void> {
  const u = session.user()!;
  let values = empty();
  let categories: CategoriesResponse | null = null;
  let last: CreatedReport | null = null;
  let uploadProblems: string[] = [];
  let geocoder = false;
  const result = h('div', { class: 'staff-result', tabindex: '-1', 'data-testid': 'created' });
  result.hidden = true;
  const errors = messageBox();
  errors.setAttribute('data-testid', 'form-errors');
  let inputs: Inputs | null = null;
  const map = pointMap(ctx, () => inputs);

  /** Takes what is typed into `values` (before a redraw, or to send). */
  const read = () => {
    values = readValues(ctx.main, inputs, values);
  };

  const fillCategories = () => {
    const sel = inputs?.category;
    if (!sel) return;
    replace(
      sel,
      h('option', { value: '' }, categories ? t('staff.urp.chooseCategory') : t('common.loading')),
      categoryOptions(categories?.categories ?? [], { selected: values.category }),
    );
  };

  const submit = async (form: HTMLFormElement, btn: HTMLButtonElement) => {
    read();
    if (!validate(form, values, errors)) return;
    btn.disabled = true;
    btn.textContent = t('staff.urp.sending');
    try {
      const created = await api<CreatedReport>('reports', { json: reportBody(values) });
      uploadProblems = [];
      await attachFiles(created.code, Array.from(inputs?.files.files ?? []), uploadProblems);
      if (!ctx.alive()) return;
      last = created;
      // The next caller: same desk (channel), their own language.
      values = empty(values.channel);
      draw();
      drawResult();
      result.focus();
      const said = t('staff.urp.created', { code: created.code });
      if (uploadProblems.length) announce(`${said} ${t('staff.urp.uploadsFailed', { code: created.code })} ${uploadProblems.join(' ')}`, true);
      else announce(said);
    } catch (e) {
      if (!ctx.alive()) return;
      btn.disabled = false;
      btn.textContent = t('staff.urp.submit');
      refused(form, errors, e, inputs?.lat);
    }
  };

  const drawResult = () => {
    if (!last) return;
    result.hidden = false;
    result.className = 'staff-result alert alert-success';
    replace(result, ...resultContent(last, uploadProblems));
  };

  const draw = () => {
    map.reset();
    inputs = makeInputs(values);
    fillCategories();
    for (const el of [inputs.lat, inputs.lon]) el.addEventListener('change', map.placeMarker);
    const mapBox = h('div', { class: 'staff-map staff-map--small' });
    const form = urpForm(errors, formFields(inputs, values, { geocoder, mapBox, placeMarker: map.placeMarker }), submit);
    replace(ctx.main, ...pageHeader(t('staff.urp.title')), h('p', { id: 'urp-keys', class: 'staff-lead' }, t('staff.urp.keys')), result, form);
    if (last) drawResult();
    map.draw(mapBox);
  };

  const cats = api<CategoriesResponse>('categories', { query: { municipality: u.municipality } });
  geocoder = !!(await site().catch(() => null))?.geocoder_url;
  if (!ctx.alive()) return;
  draw();
  ctx.onRedraw(() => {
    read();
    draw();
  });
  ctx.ready(t('staff.urp.title'));
  try {
    categories = await cats;
    if (ctx.alive()) fillCategories();
  } catch (e) {
    if (ctx.alive()) showError(errors, e);
  }
}

/** What the form holds, or `values` when it is not drawn. */
function readValues(main: HTMLElement, inputs: Inputs | null, values: Values): Values {
  const form = main.querySelector('form.staff-urp');
  if (!form || !inputs) return values;
  const ch = form.querySelector<HTMLInputElement>('input[name="channel"]:checked');
  return {
    channel: ch?.value ?? values.channel,
    received_at: inputs.received_at.value,
    address: inputs.address.value,
    lat: inputs.lat.value,
    lon: inputs.lon.value,
    category: inputs.category.value,
    title: inputs.title.value,
    description: inputs.description.value,
    name: inputs.name.value,
    phone: inputs.phone.value,
    email: inputs.email.value,
    language: inputs.language.value === 'en' ? 'en' : 'it',
  };
}

/** Enter submits from anywhere but a button, a link, the file picker, and a
 * textarea with Shift (a new line). */
function enterSubmits(ev: KeyboardEvent, form: HTMLFormElement, btn: HTMLButtonElement): void {
  if (ev.key !== 'Enter' || ev.isComposing) return;
  const el = ev.target as HTMLElement;
  if (el instanceof HTMLButtonElement || el instanceof HTMLAnchorElement) return;
  if (el instanceof HTMLInputElement && el.type === 'file') return;
  if (el instanceof HTMLTextAreaElement && ev.shiftKey) return;
  ev.preventDefault();
  form.requestSubmit(btn);
}

/** The problems found before sending, each with its field. */
function problemsOf(values: Values): Array<[string, string]> {
  const problems: Array<[string, string]> = [];
  if (!values.received_at || Number.isNaN(new Date(values.received_at).getTime())) problems.push(['received_at', t('staff.urp.err.receivedAt')]);
  else if (new Date(values.received_at).getTime() > Date.now() + 60_000) problems.push(['received_at', t('staff.urp.err.future')]);
  const lat = num(values.lat);
  const lon = num(values.lon);
  if (lat === null || lat < -90 || lat > 90) problems.push(['lat', t('staff.urp.err.lat')]);
  if (lon === null || lon < -180 || lon > 180) problems.push(['lon', t('staff.urp.err.lon')]);
  if (!values.category) problems.push(['category', t('staff.urp.err.category')]);
  if (!values.description.trim()) problems.push(['description', t('staff.urp.err.description')]);
  if (values.channel === 'phone' && !values.phone.trim()) problems.push(['reporter.phone', t('staff.urp.err.phone')]);
  if (values.channel === 'email' && !values.email.trim()) problems.push(['reporter.email', t('staff.urp.err.email')]);
  else if (values.email.trim() && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(values.email.trim())) problems.push(['reporter.email', t('staff.urp.err.emailFormat')]);
  return problems;
}

/** Shows the problems next to their fields and in `errors`, the focus on the
 * first; true when there are none. */
function validate(form: HTMLElement, values: Values, errors: HTMLElement): boolean {
  clearFieldErrors(form);
  const problems = problemsOf(values);
  if (!problems.length) return true;
  let first: HTMLElement | null = null;
  for (const [name, text] of problems) {
    const c = setFieldError(form, name, text);
    first ??= c;
  }
  showError(errors, new ApiError(422, 'validation_failed', ''), problems.map(([, x]) => x));
  first?.focus();
  return false;
}

function reportBody(values: Values): Record<string, unknown> {
  return {
    channel: values.channel,
    received_at: new Date(values.received_at).toISOString(),
    address: values.address.trim() || null,
    lat: num(values.lat),
    lon: num(values.lon),
    category: values.category,
    title: values.title.trim() || null,
    description: values.description.trim(),
    language: values.language,
    reporter: reporter(values),
  };
}

/** Photos or documents the citizen brought to the counter, attached as staff
 * (the bearer token): the report exists already, so a file that fails is
 * added to `problems` (said next to the code), not a failed report. */
async function attachFiles(code: string, files: File[], problems: string[]): Promise<void> {
  for (const file of files) {
    if (file.size > MAX_FILE_BYTES) {
      problems.push(t('staff.urp.uploadFailed', { name: file.name, reason: uploadErrorText(new ApiError(413, 'file_too_large', '')) }));
      continue;
    }
    const form = new FormData();
    form.append('file', file, file.name);
    try {
      await api(`reports/${encodeURIComponent(code)}/attachments`, { form });
    } catch (e) {
      problems.push(t('staff.urp.uploadFailed', { name: file.name, reason: uploadErrorText(e) }));
    }
  }
}

/** A refused report: a point outside the territory at the latitude, other
 * field problems at their fields, anything else in `errors` (focused). */
function refused(form: HTMLFormElement, errors: HTMLElement, e: unknown, lat: HTMLInputElement | undefined): void {
  if (e instanceof ApiError && e.code === 'outside_territory') {
    clearFieldErrors(form);
    setFieldError(form, 'lat', e.plain);
    showError(errors, e);
    lat?.focus();
  } else if (e instanceof ApiError && e.fields.length) {
    const rest = showFieldErrors(form, e);
    showError(errors, e, rest);
  } else {
    showError(errors, e);
    errors.focus();
  }
}

/** The code to read out, where the report went, and the files that failed. */
function resultContent(last: CreatedReport, uploadProblems: string[]): Child[] {
  return [
    h('h2', { class: 'h4' }, t('staff.urp.resultTitle')),
    h('p', {}, t('staff.urp.readCode')),
    h('p', { class: 'staff-code', 'data-testid': 'created-code' }, last.code),
    h('p', { class: 'staff-code-spelled', 'aria-hidden': 'true' }, last.code.split('').join(' ')),
    h(
      'p',
      {},
      last.office ? t('staff.urp.routedTo', { office: last.office.name }) : t('staff.urp.toTriage'),
      last.take_in_due_at ? [' ', t('staff.urp.dueBy', { at: dateTime(last.take_in_due_at) })] : null,
    ),
    uploadProblems.length
      ? h(
          'div',
          { class: 'staff-upload-problems', 'data-testid': 'upload-problems' },
          h('p', { class: 'mb-1' }, h('strong', {}, t('staff.urp.uploadsFailed', { code: last.code }))),
          h('ul', { class: 'field-error' }, uploadProblems.map((p) => h('li', {}, p))),
        )
      : null,
    h(
      'p',
      { class: 'mb-0' },
      h(
        'a',
        { href: `/staff/segnalazioni/${encodeURIComponent(last.code)}` },
        uploadProblems.length ? t('staff.urp.openToAttach', { code: last.code }) : t('staff.urp.openCreated', { code: last.code }),
      ),
    ),
  ];
}

function makeInputs(values: Values): Inputs {
  const description = h('textarea', { class: 'form-control', rows: 4, maxlength: 4000 });
  description.value = values.description;
  return {
    received_at: h('input', { type: 'datetime-local', class: 'form-control', value: values.received_at, max: localNow() }),
    address: h('input', { type: 'text', class: 'form-control', value: values.address, autocomplete: 'off' }),
    lat: h('input', { type: 'text', inputmode: 'decimal', class: 'form-control', value: values.lat, autocomplete: 'off' }),
    lon: h('input', { type: 'text', inputmode: 'decimal', class: 'form-control', value: values.lon, autocomplete: 'off' }),
    category: h('select', { class: 'form-select' }),
    title: h('input', { type: 'text', class: 'form-control', value: values.title, maxlength: 120 }),
    description,
    name: h('input', { type: 'text', class: 'form-control', value: values.name, autocomplete: 'off' }),
    phone: h('input', { type: 'tel', class: 'form-control', value: values.phone, autocomplete: 'off' }),
    email: h('input', { type: 'email', class: 'form-control', value: values.email, autocomplete: 'off', 'data-testid': 'urp-email' }),
    language: h(
      'select',
      { class: 'form-select', 'data-testid': 'urp-language' },
      (['it', 'en'] as const).map((l) => h('option', { value: l, selected: l === values.language }, t(`staff.urp.languages.${l}`))),
    ),
    files: h('input', { type: 'file', class: 'form-control', multiple: true, accept: 'image/jpeg,image/png,image/webp,application/pdf', 'data-testid': 'urp-files' }),
  };
}

/** The form around `fields`: Enter submits it (see enterSubmits). */
function urpForm(errors: HTMLElement, fields: HTMLElement[], submit: (form: HTMLFormElement, btn: HTMLButtonElement) => Promise<void>): HTMLFormElement {
  const btn = h('button', { type: 'submit', class: 'btn btn-primary btn-lg', 'data-testid': 'urp-submit' }, t('staff.urp.submit'));
  const form: HTMLFormElement = h(
    'form',
    {
      class: 'staff-urp',
      novalidate: true,
      'aria-describedby': 'urp-keys',
      onsubmit: (ev: Event) => {
        ev.preventDefault();
        void submit(form, btn);
      },
      onkeydown: (ev: KeyboardEvent) => enterSubmits(ev, form, btn),
    },
    errors,
    fields,
    btn,
  );
  return form;
}

/** The form's four fieldsets, in the order of a call: the call, the place,
 * the problem, the citizen. */
function formFields(
  inputs: Inputs,
  values: Values,
  place: { geocoder: boolean; mapBox: HTMLElement; placeMarker: () => void },
): HTMLElement[] {
  const radios = radioGroup(
    t('staff.urp.channel'),
    'channel',
    CHANNELS.map((c) => ({ value: c, label: t(`common.channel.${c}`) })),
    { checked: values.channel, inline: true },
  );
  const fieldset = (legend: string, ...children: Child[]) => h('fieldset', { class: 'staff-fieldset' }, h('legend', {}, legend), ...children);
  const half = (child: HTMLElement) => h('div', { class: 'col-sm-6' }, child);
  return [
    fieldset(
      t('staff.urp.section.call'),
      radios,
      field(t('staff.urp.receivedAt'), inputs.received_at, { required: true, name: 'received_at', hint: t('staff.urp.receivedAtHint') }),
    ),
    placeFieldset(inputs, place),
    fieldset(
      t('staff.urp.section.problem'),
      field(t('staff.urp.category'), inputs.category, { required: true, name: 'category' }),
      field(t('staff.urp.titleField'), inputs.title, { name: 'title', hint: t('staff.urp.titleHint') }),
      field(t('staff.urp.description'), inputs.description, { required: true, name: 'description', hint: t('staff.urp.descriptionHint') }),
      field(t('staff.urp.files'), inputs.files, { name: 'file', hint: t('staff.urp.filesHint') }),
    ),
    fieldset(
      t('staff.urp.section.citizen'),
      h('p', { class: 'small' }, t('staff.urp.citizenHint')),
      h(
        'div',
        { class: 'row' },
        half(field(t('staff.urp.name'), inputs.name, { name: 'reporter.name' })),
        half(field(t('staff.urp.phone'), inputs.phone, { name: 'reporter.phone', hint: t('staff.urp.phoneHint') })),
        half(field(t('staff.urp.email'), inputs.email, { name: 'reporter.email', hint: t('staff.urp.emailHint') })),
        half(field(t('staff.urp.language'), inputs.language, { name: 'language', hint: t('staff.urp.languageHint') })),
      ),
    ),
  ];
}

/** The place: the address (searched with the geocoder, when there is one),
 * latitude and longitude, and the map where a click sets them. */
function placeFieldset(inputs: Inputs, place: { geocoder: boolean; mapBox: HTMLElement; placeMarker: () => void }): HTMLElement {
  const geoResults = h('div', { class: 'staff-geo', 'aria-live': 'polite' });
  const search = async () => {
    const q = inputs.address.value.trim();
    if (!q) return;
    replace(geoResults, t('common.loading'));
    try {
      const found = (await geocode(q)) ?? [];
      const pick = (g: GeocodeResult) => {
        inputs.lat.value = g.lat.toFixed(6);
        inputs.lon.value = g.lon.toFixed(6);
        place.placeMarker();
        replace(geoResults);
        announce(t('staff.urp.pointSet', { lat: inputs.lat.value, lon: inputs.lon.value }));
        inputs.category.focus();
      };
      replace(
        geoResults,
        found.length
          ? h('ul', { class: 'list-unstyled' }, found.slice(0, 5).map((g) => h('li', {}, h('button', { type: 'button', class: 'btn btn-link', onclick: () => pick(g) }, g.label))))
          : h('p', {}, t('staff.urp.noAddress')),
      );
    } catch {
      replace(geoResults, h('p', {}, t('staff.urp.geocoderError')));
    }
  };
  return h(
    'fieldset',
    { class: 'staff-fieldset' },
    h('legend', {}, t('staff.urp.section.place')),
    h(
      'div',
      { class: 'staff-address' },
      field(t('staff.urp.address'), inputs.address, { name: 'address', hint: t('staff.urp.addressHint') }),
      place.geocoder ? h('button', { type: 'button', class: 'btn btn-outline-primary', onclick: () => void search() }, t('staff.urp.searchAddress')) : null,
    ),
    geoResults,
    h(
      'div',
      { class: 'row' },
      h('div', { class: 'col-sm-6' }, field(t('staff.urp.lat'), inputs.lat, { required: true, name: 'lat', hint: t('staff.urp.latHint') })),
      h('div', { class: 'col-sm-6' }, field(t('staff.urp.lon'), inputs.lon, { required: true, name: 'lon', hint: t('staff.urp.lonHint') })),
    ),
    h('p', { class: 'small', id: 'urp-map-hint' }, t('staff.urp.mapHint')),
    place.mapBox,
  );
}

/** The map of the form: a click sets latitude and longitude; typed ones move
 * the pin. One map at a time, removed when the page is left. */
function pointMap(ctx: PageCtx, inputs: () => Inputs | null) {
  let map: Leaflet.Map | null = null;
  let L: typeof Leaflet | null = null;
  let marker: Leaflet.CircleMarker | null = null;
  ctx.onDispose(() => map?.remove());

  const placeMarker = () => {
    if (!map || !L) return;
    const lat = num(inputs()?.lat.value ?? '');
    const lon = num(inputs()?.lon.value ?? '');
    marker?.remove();
    marker = null;
    if (lat === null || lon === null) return;
    marker = pin(L, [lat, lon], { label: t('staff.urp.pointHere') }).addTo(map);
    map.panTo([lat, lon]);
  };
  const reset = () => {
    map?.remove();
    map = null;
    marker = null;
  };
  const draw = (mapBox: HTMLElement) => {
    void createMap(mapBox, { label: t('staff.urp.mapLabel'), zoom: 13 })
      .then((m) => {
        if (!mapBox.isConnected) {
          m.map.remove();
          return;
        }
        map = m.map;
        L = m.L;
        mapBox.setAttribute('aria-describedby', 'urp-map-hint');
        map.on('click', (ev: Leaflet.LeafletMouseEvent) => {
          const i = inputs()!;
          i.lat.value = ev.latlng.lat.toFixed(6);
          i.lon.value = ev.latlng.lng.toFixed(6);
          placeMarker();
          announce(t('staff.urp.pointSet', { lat: i.lat.value, lon: i.lon.value }));
        });
        placeMarker();
      })
      .catch(() => replace(mapBox, h('p', {}, t('staff.detail.mapError'))));
  };
  return { placeMarker, reset, draw };
}
