// What every step of the form shows around its fields: the steps indicator
// (also on the confirmation page) and the back / next buttons.

import { h } from '../../common/dom';
import { t } from '../../common/i18n';

export const STEPS = ['privacy', 'data', 'summary'] as const;

/** Moves to step `n` (1 to 3). */
export type Go = (n: number) => void;

/** The step indicator: `current` is 0-based; 3 means all done. */
export function stepsIndicator(current: number): HTMLElement {
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

export function buttons(back: (() => void) | null, next: HTMLElement): HTMLElement {
  return h(
    'div',
    { class: 'form-buttons' },
    back && h('button', { type: 'button', class: 'btn btn-outline-primary btn-lg', onclick: back }, t('citizen.form.back')),
    next,
  );
}

/** The "Avanti" button; `onclick` checks the step before going on. */
export function nextButton(onclick: () => void): HTMLElement {
  return h('button', { type: 'button', class: 'btn btn-primary btn-lg', onclick }, t('citizen.form.next'));
}
