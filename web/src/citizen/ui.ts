// Form building blocks shared by the citizens' pages: labelled fields whose
// errors sit next to them (wired with aria-describedby / aria-invalid), and
// the API's field problems turned into plain words.

import { h, announce, replace, type Child } from '../common/dom';
import { title as setTitle } from '../common/layout';
import { t, has } from '../common/i18n';
import { ApiError, fieldText, type FieldProblem } from '../common/api';

export type Control = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;

/** Wires `control` to its field: id, name and the field key errors use. */
function wire(name: string, control: Control, describedBy: string[]): string {
  const cid = control.id || `fld-${name.replace(/[^a-z0-9]+/gi, '-')}`;
  control.id = cid;
  if (!control.name) control.name = name;
  control.dataset.field = name;
  control.dataset.describedbyBase = describedBy.join(' ');
  if (describedBy.length) control.setAttribute('aria-describedby', describedBy.join(' '));
  return cid;
}

/** A labelled text field, select or textarea with an optional hint and a place
 * for its error. */
export function field(
  name: string,
  label: string,
  control: Control,
  opts: { hint?: Child; optional?: boolean; extra?: Child } = {},
): HTMLElement {
  const base = `fld-${name.replace(/[^a-z0-9]+/gi, '-')}`;
  const hintId = opts.hint ? `${base}-hint` : null;
  const errId = `${base}-error`;
  const cid = wire(name, control, hintId ? [hintId] : []);
  return h(
    'div',
    { class: 'field', 'data-field-wrap': name },
    h('label', { for: cid, class: 'field-label' }, label, opts.optional && h('span', { class: 'field-optional' }, ` (${t('citizen.common.optional')})`)),
    hintId && h('div', { id: hintId, class: 'field-hint' }, opts.hint),
    h('p', { id: errId, class: 'field-error', hidden: true }),
    control,
    opts.extra,
  );
}

/** A group of controls (radio buttons, the place) with a legend and one error. */
export function group(name: string, legend: string, children: Child, opts: { hint?: Child } = {}): HTMLElement {
  const base = `fld-${name.replace(/[^a-z0-9]+/gi, '-')}`;
  const hintId = opts.hint ? `${base}-hint` : null;
  const errId = `${base}-error`;
  return h(
    'fieldset',
    { class: 'field field-group', 'data-field-wrap': name, 'aria-describedby': hintId ?? undefined },
    h('legend', { class: 'field-label' }, legend),
    hintId && h('div', { id: hintId, class: 'field-hint' }, opts.hint),
    h('p', { id: errId, class: 'field-error', hidden: true }),
    children,
  );
}

/** A radio button with its label, in bootstrap-italia's markup. */
export function radio(name: string, value: string, label: string, checked: boolean, onchange: () => void): HTMLElement {
  const rid = `r-${name.replace(/[^a-z0-9]+/gi, '-')}-${value}`;
  return h(
    'div',
    { class: 'form-check' },
    h('input', { type: 'radio', id: rid, name, value, checked, 'data-field': name, onchange }),
    h('label', { for: rid }, label),
  );
}

/** A checkbox with its label. */
export function checkbox(name: string, label: Child, checked: boolean, onchange: (on: boolean) => void): HTMLElement {
  const cid = `c-${name.replace(/[^a-z0-9]+/gi, '-')}`;
  const input = h('input', { type: 'checkbox', id: cid, name, checked, 'data-field': name });
  input.addEventListener('change', () => onchange(input.checked));
  return h('div', { class: 'form-check' }, input, h('label', { for: cid }, label));
}

function controlsOf(wrap: Element, name: string): Control[] {
  return Array.from(wrap.querySelectorAll<Control>(`[data-field="${CSS.escape(name)}"]`));
}

/** Shows (or, with null, clears) the error of one field. */
export function setError(root: ParentNode, name: string, message: string | null): boolean {
  const wrap = root.querySelector(`[data-field-wrap="${CSS.escape(name)}"]`);
  if (!wrap) return false;
  const err = wrap.querySelector<HTMLElement>(':scope > .field-error');
  if (!err) return false;
  err.textContent = message ?? '';
  err.hidden = !message;
  if (wrap.tagName === 'FIELDSET') {
    const hint = wrap.querySelector(':scope > .field-hint');
    const ids = [hint?.id, message ? err.id : null].filter(Boolean).join(' ');
    if (ids) wrap.setAttribute('aria-describedby', ids);
    else wrap.removeAttribute('aria-describedby');
  }
  for (const c of controlsOf(wrap, name)) {
    const ids = [c.dataset.describedbyBase, message ? err.id : ''].filter(Boolean).join(' ');
    if (ids) c.setAttribute('aria-describedby', ids);
    else c.removeAttribute('aria-describedby');
    if (message) c.setAttribute('aria-invalid', 'true');
    else c.removeAttribute('aria-invalid');
  }
  wrap.classList.toggle('has-error', Boolean(message));
  return true;
}

export function clearErrors(root: ParentNode): void {
  for (const wrap of Array.from(root.querySelectorAll('[data-field-wrap]'))) {
    setError(root, wrap.getAttribute('data-field-wrap')!, null);
  }
}

export interface Problem {
  field: string;
  message: string;
}

/** Shows every problem next to its field, moves focus to the first one (in
 * page order) and says how many there are. Returns the problems no field took. */
export function showProblems(root: ParentNode, problems: Problem[]): Problem[] {
  clearErrors(root);
  const left: Problem[] = [];
  for (const p of problems) if (!setError(root, p.field, p.message)) left.push(p);
  const first = root.querySelector('[data-field-wrap].has-error');
  if (first) {
    const target =
      first.querySelector<HTMLElement>('[data-field][aria-invalid="true"]:not([type="radio"])') ??
      first.querySelector<HTMLElement>('[data-field]:checked') ??
      first.querySelector<HTMLElement>('[data-field]') ??
      first.querySelector<HTMLElement>('input, select, textarea, button');
    target?.focus();
  }
  const shown = problems.filter((p) => !left.includes(p));
  if (shown.length) {
    const intro = shown.length === 1 ? t('citizen.errors.oneProblem') : t('citizen.errors.manyProblems', { n: shown.length });
    announce(`${intro} ${shown.map((p) => p.message).join(' ')}`, true);
  }
  return left;
}

/** Plain words for one of the API's field problems. */
export function problemText(p: FieldProblem): string {
  const field = p.field.replace(/\./g, '_');
  if (has(`citizen.fieldErrors.${field}.${p.code}`)) return t(`citizen.fieldErrors.${field}.${p.code}`);
  if (has(`citizen.fieldErrors.${p.code}`)) return t(`citizen.fieldErrors.${p.code}`);
  return fieldText(p);
}

/** Plain words for an API error as a whole. */
export function errorText(e: unknown): string {
  if (e instanceof ApiError) {
    if (has(`citizen.apiErrors.${e.code}`)) return t(`citizen.apiErrors.${e.code}`);
    return e.plain;
  }
  return t('common.errors.network');
}

/** A message box for errors that belong to no single field. */
export function alertBox(text: string, kind: 'danger' | 'success' | 'info' | 'warning' = 'danger'): HTMLElement {
  return h('div', { class: `alert alert-${kind}`, role: kind === 'danger' ? 'alert' : 'status' }, text);
}

/** A "definition list" row for summaries and report pages. */
export function row(label: string, value: Child): HTMLElement[] {
  return [h('dt', {}, label), h('dd', {}, value)];
}

/** Marks a button as working (or done): while it is, a second press must do
 * nothing — callers check `isBusy` first. aria-disabled rather than
 * `disabled`, so that the focus stays on the button instead of falling to the
 * page, and screen readers say it is unavailable. */
export function setBusy(button: HTMLButtonElement, on: boolean): void {
  if (on) button.setAttribute('aria-disabled', 'true');
  else button.removeAttribute('aria-disabled');
  button.classList.toggle('is-busy', on);
}

export function isBusy(button: HTMLButtonElement): boolean {
  return button.getAttribute('aria-disabled') === 'true';
}

/** A page of text from the translation files: `<key>.title`, `<key>.intro`
 * and, per section, `<key>.sections.<s>.title` and `.text` (paragraphs split
 * on newlines). `extra` adds content at the end of a section. */
export function textPage(
  root: HTMLElement,
  key: string,
  sections: string[],
  opts: { extra?: (section: string) => Child; footer?: Child; lead?: Child } = {},
): void {
  const comune = t('common.municipalityLabel');
  setTitle(t(`${key}.title`));
  replace(
    root,
    h('h1', {}, t(`${key}.title`)),
    h('p', { class: 'lead' }, t(`${key}.intro`, { comune })),
    opts.lead,
    sections.map((s) => {
      const headingId = `${key.replace(/\W/g, '-')}-${s}`;
      return h(
        'section',
        { class: 'text-section', 'aria-labelledby': headingId },
        h('h2', { id: headingId, class: 'h4' }, t(`${key}.sections.${s}.title`)),
        t(`${key}.sections.${s}.text`, { comune })
          .split('\n')
          .map((p) => h('p', {}, p)),
        opts.extra?.(s),
      );
    }),
    opts.footer,
  );
}
