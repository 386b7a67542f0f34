// Building blocks shared by the console's pages: labelled fields, inline
// errors that are also announced, the queue table with its countdowns.

import { h, id, announce, replace, Child } from '../common/dom';
import { t, has, categoryName } from '../common/i18n';
import { api, ApiError, fieldText } from '../common/api';
import { countdown, dateTime, status as statusLabel } from '../common/format';
import type { CategoryView, QueueItem } from './types';

export interface FieldOptions {
  hint?: string;
  required?: boolean;
  /** The API field name, for placing server-side errors. */
  name?: string;
  class?: string;
}

/** A label above its control, an optional hint, and room for an error. */
export function field(label: string, control: HTMLElement, opts: FieldOptions = {}): HTMLElement {
  const controlId = control.id || id('fld');
  control.id = controlId;
  const describedBy: string[] = [];
  let hint: HTMLElement | null = null;
  if (opts.hint) {
    hint = h('div', { class: 'form-text', id: `${controlId}-hint` }, opts.hint);
    describedBy.push(hint.id);
  }
  if (describedBy.length) control.setAttribute('aria-describedby', describedBy.join(' '));
  if (opts.required) control.setAttribute('required', '');
  if (opts.name) control.dataset.field = opts.name;
  return h(
    'div',
    { class: `staff-field mb-3 ${opts.class ?? ''}`.trim() },
    h('label', { for: controlId, class: 'form-label' }, label, opts.required ? h('span', { class: 'req' }, ` (${t('staff.form.required')})`) : null),
    hint,
    control,
  );
}

/** Removes the error messages that showFieldErrors placed in `form`. */
export function clearFieldErrors(form: HTMLElement): void {
  for (const e of Array.from(form.querySelectorAll('.field-error'))) e.remove();
  for (const c of Array.from(form.querySelectorAll<HTMLElement>('[aria-invalid="true"]'))) {
    c.removeAttribute('aria-invalid');
    const ids = (c.getAttribute('aria-describedby') ?? '').split(' ').filter((x) => x && !x.endsWith('-err'));
    if (ids.length) c.setAttribute('aria-describedby', ids.join(' '));
    else c.removeAttribute('aria-describedby');
  }
}

/** Shows one error next to the control; returns false when not found. */
export function setFieldError(form: HTMLElement, name: string, text: string): HTMLElement | null {
  const control = form.querySelector<HTMLElement>(`[data-field="${CSS.escape(name)}"]`);
  if (!control) return null;
  const errId = `${control.id}-err`;
  form.querySelector(`#${CSS.escape(errId)}`)?.remove();
  const msg = h('div', { class: 'field-error', id: errId }, text);
  control.insertAdjacentElement('afterend', msg);
  control.setAttribute('aria-invalid', 'true');
  const ids = (control.getAttribute('aria-describedby') ?? '').split(' ').filter(Boolean);
  if (!ids.includes(errId)) ids.push(errId);
  control.setAttribute('aria-describedby', ids.join(' '));
  return control;
}

/** Places an API error's field problems next to their controls and focuses
 * the first; returns the problems that matched no control. */
export function showFieldErrors(form: HTMLElement, err: ApiError): string[] {
  clearFieldErrors(form);
  const unplaced: string[] = [];
  let first: HTMLElement | null = null;
  for (const p of err.fields) {
    const c = setFieldError(form, p.field, fieldText(p));
    if (c) first ??= c;
    else unplaced.push(fieldText(p));
  }
  first?.focus();
  return unplaced;
}

/** An alert box for an error (empty and hidden when `err` is null); the
 * message is also said to screen readers. */
export function showError(box: HTMLElement, err: unknown, extra: string[] = []): void {
  if (err === null || err === undefined) {
    box.hidden = true;
    replace(box);
    return;
  }
  const text = errorText(err);
  box.hidden = false;
  box.className = 'alert alert-danger staff-alert';
  replace(box, h('p', { class: 'mb-0' }, text), extra.length ? h('ul', { class: 'mb-0' }, extra.map((x) => h('li', {}, x))) : null);
  announce([text, ...extra].join(' '), true);
}

export function errorText(err: unknown): string {
  if (err instanceof ApiError) return err.plain;
  return t('staff.errors.unexpected');
}

/**
 * A green confirmation box, announced politely. After a change the console
 * says it once the page shows the change (its arguments read before the
 * reload): what follows the message can be used at once.
 */
export function showSuccess(box: HTMLElement, text: string, ...more: Child[]): void {
  box.hidden = false;
  box.className = 'alert alert-success staff-alert';
  replace(box, h('p', { class: 'mb-0' }, text), ...more);
  announce(text);
}

export function messageBox(): HTMLElement {
  const box = h('div', { class: 'staff-alert', tabindex: '-1' });
  box.hidden = true;
  return box;
}

export function statusBadge(code: string): HTMLElement {
  return h('span', { class: `status-badge status-${code}` }, statusLabel(code));
}

export function channelLabel(code: string): string {
  return t(`common.channel.${code}`);
}

/** The take-in deadline as text: countdown while waiting, otherwise what
 * happened. The cell keeps `data-deadline` so the minute tick can refresh it. */
export function deadlineText(item: { status: string; take_in_due_at?: string | null }): { text: string; overdue: boolean } {
  if (item.status !== 'new' || !item.take_in_due_at) {
    return { text: item.status === 'new' ? t('staff.queue.noDeadline') : t('staff.queue.deadlineMet'), overdue: false };
  }
  const c = countdown(item.take_in_due_at);
  return { text: c.overdue ? t('staff.queue.overduePrefix', { span: c.text }) : c.text, overdue: c.overdue };
}

export function deadlineCell(item: { status: string; take_in_due_at?: string | null }): HTMLElement {
  const d = deadlineText(item);
  const el = h(
    'span',
    { class: 'deadline', 'data-testid': 'countdown', 'data-status': item.status, 'data-deadline': item.take_in_due_at ?? '' },
    d.text,
  );
  if (item.take_in_due_at && item.status === 'new') {
    el.appendChild(h('span', { class: 'deadline-at d-block small' }, dateTime(item.take_in_due_at)));
  }
  return el;
}

/** Refreshes every countdown on the page (called each minute). */
export function tickCountdowns(root: ParentNode = document): void {
  for (const el of Array.from(root.querySelectorAll<HTMLElement>('.deadline[data-deadline]'))) {
    const at = el.dataset.deadline;
    if (!at) continue;
    const d = deadlineText({ status: el.dataset.status ?? 'new', take_in_due_at: at });
    const first = el.firstChild;
    if (first && first.nodeType === Node.TEXT_NODE) first.textContent = d.text;
    const row = el.closest('tr, .callback');
    if (row && d.overdue && !row.classList.contains('overdue')) {
      row.classList.add('overdue');
    }
  }
}

export interface QueueTableOptions {
  caption: string;
  showOffice: boolean;
  showEscalation?: boolean;
  testid?: string;
}

/** The queue as a table: one row per report, overdue rows marked with
 * colour and words. */
export function queueTable(items: QueueItem[], opts: QueueTableOptions): HTMLElement {
  const head = [
    t('staff.queue.col.code'),
    t('staff.queue.col.title'),
    t('staff.queue.col.category'),
    opts.showOffice ? t('staff.queue.col.office') : null,
    t('staff.queue.col.status'),
    t('staff.queue.col.received'),
    t('staff.queue.col.deadline'),
    opts.showEscalation ? t('staff.queue.col.escalation') : null,
  ].filter((x): x is string => x !== null);
  return h(
    'div',
    { class: 'table-responsive staff-table-wrap' },
    h(
      'table',
      { class: 'table staff-table', 'data-testid': opts.testid ?? 'queue-table' },
      h('caption', {}, opts.caption),
      h('thead', {}, h('tr', {}, head.map((c) => h('th', { scope: 'col' }, c)))),
      h(
        'tbody',
        {},
        items.map((it) => {
          const d = deadlineText(it);
          return h(
            'tr',
            { class: d.overdue || (it.overdue && it.status === 'new') ? 'overdue' : undefined, 'data-code': it.code },
            h(
              'th',
              { scope: 'row' },
              h('a', { href: `/staff/segnalazioni/${encodeURIComponent(it.code)}`, class: 'report-link' }, it.code),
              it.overdue && it.status === 'new' ? h('span', { class: 'late-flag d-block' }, t('staff.queue.late')) : null,
            ),
            h('td', {}, it.title, it.address ? h('span', { class: 'd-block small text-muted-strong' }, it.address) : null),
            h('td', {}, categoryName(it.category)),
            opts.showOffice ? h('td', {}, it.office?.name ?? t('staff.queue.noOffice')) : null,
            h('td', {}, statusBadge(it.status), h('span', { class: 'd-block small' }, channelLabel(it.channel))),
            h('td', {}, dateTime(it.received_at)),
            h('td', {}, deadlineCell(it)),
            opts.showEscalation ? h('td', {}, String(it.escalation_level)) : null,
          );
        }),
      ),
    ),
  );
}

/** A page heading plus an optional lead paragraph. */
export function pageHeader(titleText: string, lead?: string): Child[] {
  return [h('h1', { class: 'mb-3' }, titleText), lead ? h('p', { class: 'lead staff-lead' }, lead) : null];
}

export function loading(): HTMLElement {
  return h('p', { class: 'staff-loading', role: 'status' }, t('common.loading'));
}

/** Today's date (Europe/Rome) as YYYY-MM-DD, shifted by `days`. */
export function isoDay(days = 0): string {
  const d = new Date(Date.now() + days * 86400000);
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Rome', year: 'numeric', month: '2-digit', day: '2-digit' }).format(d);
}

/** The value for a datetime-local input: now in the browser's zone. */
export function localNow(): string {
  const d = new Date();
  d.setSeconds(0, 0);
  const off = d.getTimezoneOffset() * 60000;
  return new Date(d.getTime() - off).toISOString().slice(0, 16);
}

/** Saves a file the API returned (CSV, PDF) under `filename`. */
export function downloadBlob(blob: Blob, filename: string): void {
  const href = URL.createObjectURL(blob);
  const a = h('a', { href, download: filename, hidden: true });
  document.body.appendChild(a);
  a.click();
  a.remove();
  // The download has started by then; the URL only holds memory.
  window.setTimeout(() => URL.revokeObjectURL(href), 60_000);
}

export interface RadioOption {
  value: string;
  label: string;
}

/** A fieldset of radio buttons with its legend (one tab stop, arrows move
 * between the choices). Nothing is checked unless `checked` says so. */
export function radioGroup(
  legend: string,
  name: string,
  options: RadioOption[],
  opts: { checked?: string; inline?: boolean; class?: string } = {},
): HTMLFieldSetElement {
  return h(
    'fieldset',
    { class: `staff-radios mb-3 ${opts.class ?? ''}`.trim() },
    h('legend', { class: 'form-label' }, legend),
    options.map((o) => {
      const rid = `${name}-${o.value}`;
      return h(
        'div',
        { class: `form-check staff-radio ${opts.inline ? 'form-check-inline' : ''}`.trim() },
        h('input', { type: 'radio', class: 'form-check-input', name, id: rid, value: o.value, checked: o.value === opts.checked }),
        h('label', { for: rid, class: 'form-check-label' }, o.label),
      );
    }),
  );
}

/** The category tree as <option>s: groups become <optgroup>s with their
 * subcategories. For a filter (`filter: true`) a group also gets an option
 * that selects all of it (its codes comma-separated, as the API takes them);
 * otherwise only categories reports can be filed in are offered. */
export function categoryOptions(categories: CategoryView[], opts: { selected?: string; filter?: boolean } = {}): Child[] {
  const option = (value: string, label: string) => h('option', { value, selected: value === opts.selected }, label);
  return categories
    .filter((c) => !c.parent)
    .map((root) => {
      const kids = categories.filter((c) => c.parent === root.code);
      if (!kids.length) return option(root.code, categoryName(root));
      const name = categoryName(root);
      return h(
        'optgroup',
        { label: name },
        opts.filter
          ? option([root.code, ...kids.map((k) => k.code)].join(','), t('staff.categories.wholeGroup', { name }))
          : root.selectable
            ? option(root.code, t('staff.categories.generic', { name }))
            : null,
        kids.map((k) => option(k.code, categoryName(k))),
      );
    });
}

let prefixes: Promise<Array<{ istat_code: string; code_prefix: string }>> | null = null;
/** The prefix of the staff member's comune's report codes ("PI"), or null. */
export async function codePrefix(municipality: string): Promise<string | null> {
  prefixes ??= api<Array<{ istat_code: string; code_prefix: string }>>('municipalities').catch(() => []);
  const list = await prefixes;
  return (list.find((m) => m.istat_code === municipality) ?? list[0])?.code_prefix ?? null;
}

/** "per esempio PI-2026-000123", for code fields; this year's codes. */
export function codeExample(prefix: string): string {
  return t('staff.codeExample', { code: `${prefix}-${isoDay(0).slice(0, 4)}-000123` });
}

/** The largest file the server takes (src/media.rs). */
export const MAX_FILE_BYTES = 10 * 1024 * 1024;

/** Why an upload was refused, in words (staff.upload.errors.<code>). */
export function uploadErrorText(err: unknown): string {
  if (err instanceof ApiError && has(`staff.upload.errors.${err.code}`)) return t(`staff.upload.errors.${err.code}`);
  return errorText(err);
}

/** Reloads a page's data and redraws it; then says `done` (with `more`). */
export type Reload = (done?: string, ...more: Child[]) => Promise<void>;

/**
 * A form that sends itself: on submit it clears the old errors and runs
 * `send`; an error goes next to its fields when the API names them, else
 * into the form's own message box. `box` is placed after the heading.
 */
export function actionForm(
  headingId: string,
  heading: HTMLElement,
  send: (form: HTMLFormElement) => Promise<void>,
  ...children: Child[]
): HTMLFormElement {
  const box = messageBox();
  const form: HTMLFormElement = h(
    'form',
    {
      class: 'staff-form mb-4',
      'aria-labelledby': headingId,
      novalidate: true,
      onsubmit: async (ev: Event) => {
        ev.preventDefault();
        clearFieldErrors(form);
        box.hidden = true;
        try {
          await send(form);
        } catch (e) {
          if (e instanceof ApiError && e.fields.length) showError(box, e, showFieldErrors(form, e));
          else showError(box, e);
        }
      },
    },
    heading,
    box,
    ...children,
  ) as HTMLFormElement;
  return form;
}

/** A table with a caption, column headers and one row per item. */
export function table<T>(caption: string, columns: string[], items: T[], row: (item: T) => HTMLElement[]): HTMLElement {
  return h(
    'div',
    { class: 'table-responsive staff-table-wrap' },
    h(
      'table',
      { class: 'table staff-table' },
      h('caption', {}, caption),
      h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, items.map((item) => h('tr', {}, row(item)))),
    ),
  );
}

/** A whole number typed in `input`, or null when it is empty. */
export function wholeNumber(input: HTMLInputElement): number | null {
  const v = input.value.trim();
  return v === '' ? null : Number(v);
}

/**
 * A checkbox and its label, as bootstrap-italia draws them (the input, then
 * a label pointing at it): returns the wrapper and the input.
 */
export function checkbox(label: string, checked: boolean, opts: { name?: string; value?: string; inline?: boolean } = {}): [HTMLElement, HTMLInputElement] {
  const box = h('input', { class: 'form-check-input', type: 'checkbox', id: id('chk') }) as HTMLInputElement;
  box.checked = checked;
  if (opts.value !== undefined) box.value = opts.value;
  if (opts.name) box.dataset.field = opts.name;
  const wrap = h('div', { class: `form-check ${opts.inline ? 'form-check-inline' : 'mb-3'}` }, box, h('label', { class: 'form-check-label', for: box.id }, label));
  return [wrap, box];
}

/** A text input (or another `type` in `attrs`) holding `value`. */
export function textInput(value = '', attrs: Record<string, string> = {}): HTMLInputElement {
  return h('input', { class: 'form-control', autocomplete: 'off', value, ...attrs }) as HTMLInputElement;
}

/** A select of `[value, label]` options with `selected` chosen. */
export function choice(options: [string, string][], selected = ''): HTMLSelectElement {
  return h(
    'select',
    { class: 'form-select' },
    options.map(([value, label]) => h('option', value === selected ? { value, selected: true } : { value }, label)),
  ) as HTMLSelectElement;
}
