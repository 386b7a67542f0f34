// A tiny hyperscript helper: the pages are plain DOM, no framework.

export type Child = Node | string | number | null | undefined | false | Child[];
export type Attrs = Record<string, unknown>;

/** Creates an element. `on*` function attributes become listeners, `class`
 * and `for` map to their DOM names, `true` sets a boolean attribute. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2).toLowerCase(), value as EventListener);
    } else if (key === 'value' && 'value' in el) {
      (el as HTMLInputElement).value = String(value);
    } else if (key === 'checked' && 'checked' in el) {
      (el as HTMLInputElement).checked = Boolean(value);
    } else {
      el.setAttribute(key, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

export function append(parent: Node, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(parent, c);
    else parent.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
}

/** Replaces all children of `el`. */
export function replace(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, children);
}

let uid = 0;
/** A fresh id for label/aria wiring. */
export function id(prefix = 'f'): string {
  uid += 1;
  return `${prefix}-${uid}`;
}

/** Says `message` to screen readers through the page's live region. */
export function announce(message: string, assertive = false): void {
  const region = document.getElementById(assertive ? 'sr-alert' : 'sr-status');
  if (!region) return;
  region.textContent = '';
  // A separate task, so that repeating the same message is announced again.
  window.setTimeout(() => {
    region.textContent = message;
  }, 50);
}

/** Moves focus to a page's main heading after navigation, for screen readers
 * and keyboard users. */
export function focusHeading(root: ParentNode = document): void {
  const heading = root.querySelector<HTMLElement>('main h1');
  if (heading) {
    heading.setAttribute('tabindex', '-1');
    heading.focus();
  }
}
