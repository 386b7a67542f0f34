// The phone-callback queue: citizens without email to be called back (their
// report was resolved, rejected, or cannot be fixed soon), by due time, with
// the message to read them and a form for each call's outcome.

import { h, replace, announce, id } from '../../common/dom';
import { t } from '../../common/i18n';
import { api, ApiError } from '../../common/api';
import { countdown, dateTime } from '../../common/format';
import type { PageCtx } from '../main';
import { field, loading, messageBox, pageHeader, showError, showFieldErrors, showSuccess } from '../ui';
import type { Callback } from '../types';

const STATES = ['open', 'done', 'unreachable'];
const OUTCOMES = ['reached', 'no_answer', 'wrong_number'];

export async function callbacksPage(ctx: PageCtx): Promise<void> {
  let state = ctx.query.get('stato') ?? 'open';
  if (!STATES.includes(state)) state = 'open';
  let items: Callback[] = [];
  const flash = messageBox();
  flash.setAttribute('data-testid', 'callbacks-flash');
  const list = h('div', { 'data-testid': 'callbacks' });

  const load = async (quiet = false) => {
    if (!quiet) replace(list, loading());
    try {
      items = await api<Callback[]>('callbacks', { query: { state, limit: 100 } });
      if (!ctx.alive()) return;
      drawList();
      if (!quiet) announce(t('staff.callbacks.count', { n: items.length }));
    } catch (e) {
      if (!ctx.alive()) return;
      replace(list);
      showError(flash, e);
    }
  };

  const attemptForm = (c: Callback) => {
    const name = id('outcome');
    // Nothing is preselected: a wrong outcome logged by default would close
    // the callback (reached) or count a failed try.
    const radios = OUTCOMES.map((o) => {
      const rid = `${name}-${o}`;
      return h(
        'div',
        { class: 'form-check staff-radio' },
        h('input', { type: 'radio', class: 'form-check-input', name, id: rid, value: o }),
        h('label', { for: rid, class: 'form-check-label' }, t(`staff.callbacks.outcome.${o}`)),
      );
    });
    const note = h('textarea', { class: 'form-control', rows: 2, 'data-testid': 'attempt-note' });
    const box = messageBox();
    const label = t('staff.callbacks.record');
    const btn = h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'attempt-submit' }, label);
    const form: HTMLFormElement = h(
      'form',
      {
        class: 'staff-attempt',
        onsubmit: async (ev: Event) => {
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
            if (!ctx.alive()) return;
            showSuccess(flash, t('staff.callbacks.recorded', { code: c.report_code, outcome: t(`staff.callbacks.outcome.${outcome}`) }));
            await load(true);
            flash.focus();
          } catch (e) {
            btn.disabled = false;
            if (e instanceof ApiError && e.fields.length) showError(box, e, showFieldErrors(form, e));
            else showError(box, e);
          }
        },
      },
      box,
      h('fieldset', { class: 'mb-3' }, h('legend', { class: 'form-label' }, t('staff.callbacks.outcomeLabel')), radios),
      field(t('staff.callbacks.note'), note, { name: 'note', hint: t('staff.callbacks.noteHint') }),
      btn,
    );
    return form;
  };

  const card = (c: Callback) => {
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
              c.attempts.map((a) =>
                h('li', {}, dateTime(a.at), ': ', t(`staff.callbacks.outcome.${a.outcome}`), a.note ? ` — ${a.note}` : ''),
              ),
            ),
          )
        : null,
      c.state === 'open' ? attemptForm(c) : h('p', {}, t(`staff.callbacks.states.${c.state}`)),
    );
  };

  const drawList = () => {
    replace(
      list,
      h('p', { class: 'staff-summary' }, t('staff.callbacks.count', { n: items.length })),
      items.length ? items.map(card) : h('p', { class: 'staff-empty' }, t(`staff.callbacks.empty.${state}`)),
    );
  };

  const draw = () => {
    const sel = h(
      'select',
      { class: 'form-select', 'data-testid': 'callbacks-state' },
      STATES.map((s) => h('option', { value: s, selected: s === state }, t(`staff.callbacks.states.${s}`))),
    );
    const filter = h(
      'form',
      {
        class: 'staff-filters',
        'aria-label': t('staff.callbacks.filter'),
        onsubmit: (ev: Event) => {
          ev.preventDefault();
          state = sel.value;
          history.replaceState(null, '', location.pathname + (state === 'open' ? '' : `?stato=${state}`));
          void load();
        },
      },
      field(t('staff.callbacks.stateLabel'), sel),
      h('button', { type: 'submit', class: 'btn btn-primary' }, t('staff.queue.filter.apply')),
    );
    replace(ctx.main, ...pageHeader(t('staff.callbacks.title'), t('staff.callbacks.lead')), filter, flash, list);
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
