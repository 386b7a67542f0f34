// The phone-callback queue: citizens without email to be called back (their
// report was resolved, rejected, or cannot be fixed soon), by due time, with
// the message to read them and a form for each call's outcome.

import { h, replace, announce, id } from '../../common/dom';
import { t } from '../../common/i18n';
import { api, ApiError } from '../../common/api';
import { countdown, dateTime } from '../../common/format';
import type { PageCtx } from '../main';
import { errorText, field, loading, messageBox, pageHeader, radioGroup, showError, showFieldErrors, showSuccess } from '../ui';
import type { Callback } from '../types';

const STATES = ['open', 'done', 'unreachable'];
const OUTCOMES = ['reached', 'no_answer', 'wrong_number'];

/** What a card's form needs of the page. */
interface CardDeps {
  alive: () => boolean;
  flash: HTMLElement;
  /** The quiet refresh (cards in use are kept). */
  refresh: () => Promise<void>;
}

export async function callbacksPage(ctx: PageCtx): Promise<void> {
  let state = ctx.query.get('stato') ?? 'open';
  if (!STATES.includes(state)) state = 'open';
  let items: Callback[] = [];
  const flash = messageBox();
  flash.setAttribute('data-testid', 'callbacks-flash');
  const list = h('div', { 'data-testid': 'callbacks' });
  const notice = h('p', { class: 'staff-notice small', role: 'status', 'data-testid': 'callbacks-notice' });
  notice.hidden = true;
  // Answers to an older request (the filter changed meanwhile) are dropped.
  let generation = 0;

  /** `quiet`: the periodic or manual refresh, which must not take away an
   * outcome or a note being written during a call. */
  const load = async (quiet = false) => {
    const gen = ++generation;
    if (!quiet) replace(list, loading());
    try {
      const fresh = await api<Callback[]>('callbacks', { query: { state, limit: 100 } });
      if (!ctx.alive() || gen !== generation) return;
      items = fresh;
      notice.hidden = true;
      if (quiet) updateList(list, listNodes);
      else {
        drawList();
        announce(t('staff.callbacks.count', { n: items.length }));
      }
    } catch (e) {
      if (!ctx.alive() || gen !== generation) return;
      if (quiet) {
        // Keep the cards shown (and whatever is typed in them).
        notice.hidden = false;
        notice.textContent = t('staff.queue.refreshFailed', { reason: errorText(e) });
        return;
      }
      replace(list);
      showError(flash, e);
    }
  };

  const deps: CardDeps = { alive: ctx.alive, flash, refresh: () => load(true) };
  const listNodes = (reuse: Map<string, Element>): Element[] => [
    h('p', { class: 'staff-summary' }, t('staff.callbacks.count', { n: items.length })),
    ...(items.length ? items.map((c) => reuse.get(c.id) ?? card(c, deps)) : [h('p', { class: 'staff-empty' }, t(`staff.callbacks.empty.${state}`))]),
  ];
  const drawList = () => replace(list, ...listNodes(new Map()));

  const draw = () => {
    const filter = stateFilter(state, (chosen) => {
      state = chosen;
      history.replaceState(null, '', location.pathname + (state === 'open' ? '' : `?stato=${state}`));
      void load();
    }, () => void load(true));
    replace(ctx.main, ...pageHeader(t('staff.callbacks.title'), t('staff.callbacks.lead')), filter, flash, notice, list);
  };

  draw();
  ctx.onRedraw(() => {
    draw();
    drawList();
  });
  ctx.ready(t('staff.callbacks.title'));
  await load();
  const timer = window.setInterval(() => void load(true), 2 * 60_000);
  ctx.onDispose(() => window.clearInterval(timer));
}

/** The choice of which callbacks to show, and the refresh button. */
function stateFilter(state: string, chosen: (state: string) => void, refresh: () => void): HTMLElement {
  const sel = h(
    'select',
    { class: 'form-select', 'data-testid': 'callbacks-state' },
    STATES.map((s) => h('option', { value: s, selected: s === state }, t(`staff.callbacks.states.${s}`))),
  );
  return h(
    'form',
    {
      class: 'staff-filters',
      'aria-label': t('staff.callbacks.filter'),
      onsubmit: (ev: Event) => {
        ev.preventDefault();
        chosen(sel.value);
      },
    },
    field(t('staff.callbacks.stateLabel'), sel),
    h('button', { type: 'submit', class: 'btn btn-primary' }, t('staff.queue.filter.apply')),
    // Also every two minutes by itself; cards being filled in are kept.
    h('button', { type: 'button', class: 'btn btn-outline-primary', 'data-testid': 'callbacks-refresh', onclick: refresh }, t('staff.callbacks.refresh')),
  );
}

/** A card whose form is in use: focus inside, an outcome chosen or a note typed. */
function busy(el: Element): boolean {
  return (
    el.contains(document.activeElement) ||
    !!el.querySelector('input[type="radio"]:checked') ||
    Array.from(el.querySelectorAll<HTMLTextAreaElement>('textarea')).some((x) => x.value.trim() !== '')
  );
}

/** Redraws the cards of `list` from `nodes` but keeps, in place and never
 * detached (so focus stays), those whose form is in use. */
function updateList(list: HTMLElement, nodes: (reuse: Map<string, Element>) => Element[]): void {
  const kept = new Map<string, Element>();
  for (const el of Array.from(list.querySelectorAll(':scope > article[data-callback]'))) {
    if (busy(el)) kept.set(el.getAttribute('data-callback')!, el);
  }
  if (!kept.size) {
    replace(list, ...nodes(new Map()));
    return;
  }
  const wanted = nodes(kept);
  // A card in use that left the list (recorded from another desk) stays
  // until its form is done with.
  const keep = new Set<Element>(kept.values());
  for (const child of Array.from(list.children)) if (!keep.has(child)) child.remove();
  let anchor: Element | null = list.firstElementChild;
  for (const node of wanted) {
    if (keep.has(node)) {
      anchor = node.nextElementSibling;
      continue;
    }
    list.insertBefore(node, anchor);
  }
}

/** One callback: who, the number, why, by when, the report, the message to
 * read out, the attempts so far, and the form for this call (while open). */
function card(c: Callback, deps: CardDeps): HTMLElement {
  const due = countdown(c.due_at);
  const hid = id('cb');
  return h(
    'article',
    { class: `staff-card callback ${c.overdue ? 'overdue' : ''}`, 'aria-labelledby': hid, 'data-callback': c.id, 'data-code': c.report_code },
    h(
      'h2',
      { class: 'h5', id: hid },
      c.citizen_name || t('staff.callbacks.anonymous'),
      ' — ',
      c.report_code,
    ),
    c.overdue ? h('p', { class: 'late-flag' }, t('staff.callbacks.overdue')) : null,
    h(
      'dl',
      { class: 'staff-dl' },
      h('dt', {}, t('staff.callbacks.phone')),
      h('dd', {}, c.phone ? h('a', { href: `tel:${c.phone.replace(/\s+/g, '')}`, class: 'staff-phone' }, c.phone) : t('staff.callbacks.noPhone')),
      h('dt', {}, t('staff.callbacks.reason')),
      h('dd', {}, t(`staff.callbacks.reasons.${c.reason}`)),
      h('dt', {}, t('staff.callbacks.due')),
      h('dd', {}, h('span', { class: 'deadline' }, dateTime(c.due_at), ' (', due.text, ')')),
      h('dt', {}, t('staff.callbacks.report')),
      h('dd', {}, h('a', { href: `/staff/segnalazioni/${encodeURIComponent(c.report_code)}` }, `${c.report_code}: ${c.report_title}`)),
      c.message ? [h('dt', {}, t('staff.callbacks.message')), h('dd', { class: 'staff-read-out' }, c.message)] : null,
    ),
    c.attempts.length
      ? h(
          'div',
          {},
          h('h3', { class: 'h6' }, t('staff.callbacks.attempts')),
          h(
            'ul',
            {},
            c.attempts.map((a) => h('li', {}, dateTime(a.at), ': ', t(`staff.callbacks.outcome.${a.outcome}`), a.note ? ` — ${a.note}` : '')),
          ),
        )
      : null,
    c.state === 'open' ? attemptForm(c, deps) : h('p', {}, t(`staff.callbacks.states.${c.state}`)),
  );
}

/** The outcome of this call, with a note; recorded, the list is refreshed. */
function attemptForm(c: Callback, deps: CardDeps): HTMLFormElement {
  const name = id('outcome');
  // Nothing is preselected: a wrong outcome logged by default would close
  // the callback (reached) or count a failed try.
  const radios = radioGroup(
    t('staff.callbacks.outcomeLabel'),
    name,
    OUTCOMES.map((o) => ({ value: o, label: t(`staff.callbacks.outcome.${o}`) })),
  );
  const note = h('textarea', { class: 'form-control', rows: 2, 'data-testid': 'attempt-note' });
  const box = messageBox();
  const label = t('staff.callbacks.record');
  const btn = h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'attempt-submit' }, label);
  const submit = async (ev: Event) => {
    ev.preventDefault();
    const outcome = form.querySelector<HTMLInputElement>(`input[name="${name}"]:checked`)?.value;
    if (!outcome) {
      box.hidden = false;
      box.className = 'alert alert-danger staff-alert';
      replace(box, h('p', { class: 'mb-0' }, t('staff.callbacks.chooseOutcome')));
      announce(t('staff.callbacks.chooseOutcome'), true);
      form.querySelector<HTMLInputElement>(`input[name="${name}"]`)?.focus();
      return;
    }
    btn.disabled = true;
    try {
      await api<Callback>(`callbacks/${encodeURIComponent(c.id)}/attempts`, { json: { outcome, note: note.value.trim() || null } });
      if (!deps.alive()) return;
      showSuccess(deps.flash, t('staff.callbacks.recorded', { code: c.report_code, outcome: t(`staff.callbacks.outcome.${outcome}`) }));
      // Done with this form: its card may now be redrawn with the attempt.
      deps.flash.focus();
      form.reset();
      await deps.refresh();
      btn.disabled = false;
    } catch (e) {
      btn.disabled = false;
      if (e instanceof ApiError && e.fields.length) showError(box, e, showFieldErrors(form, e));
      else showError(box, e);
    }
  };
  const form: HTMLFormElement = h(
    'form',
    { class: 'staff-attempt', onsubmit: submit },
    box,
    radios,
    field(t('staff.callbacks.note'), note, { name: 'note', hint: t('staff.callbacks.noteHint') }),
    btn,
  );
  return form;
}
