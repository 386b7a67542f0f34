// The national model's page feedback ("Quanto sono chiare le informazioni su
// questa pagina?"), at the foot of every citizen page, with the data-elements
// AgID's validator looks for. Five stars; 1–3 ask where it was hard, 4–5 what
// was good (both lists are in the page from the start, one shown); then an
// optional detail; then one anonymous POST /api/v1/feedback.

import { h, replace, announce } from '../common/dom';
import { t } from '../common/i18n';
import { api } from '../common/api';
import { errorText } from './ui';

const NEGATIVE = ['not_clear', 'not_complete', 'not_sure', 'technical_problems', 'other'];
const POSITIVE = ['clear', 'complete', 'always_sure', 'no_technical_problems', 'other'];
/** From this many stars the rating is positive (the model's threshold). */
const POSITIVE_FROM = 4;
const DETAIL_MAX = 200;

export interface Feedback {
  element: HTMLElement;
  /** Starts afresh for another page (route template, e.g. `/segnalazioni/{code}`). */
  show(page: string): void;
}

const STAR = 'M12 1.7L9.5 9.2H1.6L8 13.9l-2.4 7.6 6.4-4.7 6.4 4.7-2.4-7.6 6.4-4.7h-7.9L12 1.7z';

function star(): SVGSVGElement {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('class', 'icon icon-sm');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  const path = document.createElementNS(ns, 'path');
  path.setAttribute('d', STAR);
  svg.appendChild(path);
  return svg;
}

export function feedback(): Feedback {
  const element = h('section', { class: 'bg-primary py-5 page-feedback', 'aria-labelledby': 'feedback-title' });
  let page = '/';

  /** A fresh form: the stars, then step 1 (the answers), step 2 (the detail). */
  const draw = () => {
    let rating = 0;
    let step: 0 | 1 | 2 = 0;

    const stars = ratingStars((n) => choose(n));
    const negative = answersFieldset('negative', NEGATIVE);
    const positive = answersFieldset('positive', POSITIVE);
    const detail = h('input', {
      type: 'text',
      class: 'form-control',
      id: 'feedback-detail',
      maxlength: String(DETAIL_MAX),
      'aria-describedby': 'feedback-detail-hint',
      'data-element': 'feedback-input-text',
    });
    const details = detailsFieldset(detail);
    const error = h('div', { class: 'alert alert-danger d-none', role: 'alert' });
    const back = h('button', { type: 'button', class: 'btn btn-outline-primary fw-bold me-4', onclick: () => go(1) }, t('common.feedback.back'));
    const next = h('button', { type: 'submit', class: 'btn btn-primary fw-bold' }, t('common.feedback.next'));
    const steps = h(
      'form',
      { class: 'd-none mt-4', novalidate: true, onsubmit: (e: Event) => void submit(e) },
      negative,
      positive,
      details,
      error,
      h('div', { class: 'd-flex flex-nowrap pt-4 w-100 justify-content-center' }, back, next),
    );
    const card = feedbackCard(stars, steps);

    function choose(n: number): void {
      const wasShown = step > 0;
      rating = n;
      const good = n >= POSITIVE_FROM;
      positive.classList.toggle('d-none', !good);
      negative.classList.toggle('d-none', good);
      // Only the shown list's answer counts.
      (good ? negative : positive).querySelectorAll('input').forEach((i) => ((i as HTMLInputElement).checked = false));
      go(1);
      if (!wasShown) announce(t('common.feedback.shown'));
    }

    function go(to: 1 | 2): void {
      step = to;
      steps.classList.remove('d-none');
      details.classList.toggle('d-none', to !== 2);
      const list = rating >= POSITIVE_FROM ? positive : negative;
      list.classList.toggle('d-none', to !== 1);
      back.classList.toggle('d-none', to === 1);
      next.textContent = t(to === 2 ? 'common.feedback.send' : 'common.feedback.next');
      error.classList.add('d-none');
    }

    async function submit(e: Event): Promise<void> {
      e.preventDefault();
      if (step === 1) {
        go(2);
        detail.focus();
        return;
      }
      const list = rating >= POSITIVE_FROM ? positive : negative;
      const chosen = list.querySelector<HTMLInputElement>('input:checked')?.value ?? null;
      next.disabled = true;
      try {
        await api('feedback', { json: { page, rating, answer: chosen, detail: detail.value.trim() || null } });
        const thanks = h('p', { class: 'h4 mb-0', tabindex: '-1', 'data-testid': 'feedback-thanks' }, t('common.feedback.thanks'));
        replace(card, thanks);
        thanks.focus();
        announce(t('common.feedback.thanks'));
      } catch (err) {
        error.textContent = `${t('common.feedback.error')} ${errorText(err)}`;
        error.classList.remove('d-none');
        next.disabled = false;
      }
    }

    replace(
      element,
      h('div', { class: 'container' }, h('div', { class: 'row justify-content-center' }, h('div', { class: 'col-12 col-lg-8' }, card))),
    );
  };

  return {
    element,
    show(p: string) {
      page = p;
      draw();
    },
  };
}

/** Five stars as radio buttons with their labels, from five down, in
 * bootstrap-italia's rating markup. */
function ratingStars(choose: (n: number) => void): HTMLElement[] {
  return [5, 4, 3, 2, 1].flatMap((n) => [
    h('input', {
      type: 'radio',
      id: `feedback-star-${n}`,
      name: 'feedback-rating',
      value: String(n),
      onchange: () => choose(n),
    }),
    h(
      'label',
      { class: 'full rating-star', for: `feedback-star-${n}`, 'data-element': `feedback-rate-${n}` },
      star(),
      h('span', { class: 'visually-hidden' }, t('common.feedback.rate', { n })),
    ),
  ]);
}

/** Step 1: where it was hard (`negative`) or what was good (`positive`). */
function answersFieldset(kind: 'negative' | 'positive', codes: string[]): HTMLElement {
  const question = h('span', { 'data-element': 'feedback-rating-question' }, t(`common.feedback.${kind}.question`));
  return h(
    'fieldset',
    { class: 'd-none', 'data-element': `feedback-rating-${kind}` },
    stepLegend(question, 1),
    h(
      'div',
      { class: 'card shadow-sm p-3' },
      codes.map((code) =>
        h(
          'div',
          { class: 'form-check my-1' },
          h('input', { type: 'radio', id: `feedback-${kind}-${code}`, name: `feedback-answer-${kind}`, value: code }),
          h('label', { for: `feedback-${kind}-${code}`, 'data-element': 'feedback-rating-answer' }, t(`common.feedback.${kind}.answers.${code}`)),
        ),
      ),
    ),
  );
}

/** Step 2: the optional detail. */
function detailsFieldset(detail: HTMLInputElement): HTMLElement {
  const label = h('label', { for: 'feedback-detail', class: 'active' }, t('common.feedback.detail'));
  const hint = h('small', { id: 'feedback-detail-hint', class: 'form-text' }, t('common.feedback.detailHint'));
  return h('fieldset', { class: 'd-none' }, stepLegend(h('span', {}, t('common.feedback.detailsQuestion')), 2), h('div', { class: 'form-group mb-0' }, label, detail, hint));
}

/** A step's legend: its question, and which step of two it is. */
function stepLegend(question: HTMLElement, n: number): HTMLElement {
  const badge = h('span', { class: 'badge bg-light text-primary ms-2' }, t('common.feedback.step', { n }));
  return h('legend', { class: 'd-flex justify-content-between align-items-center w-100 h5 mb-3' }, question, badge);
}

function feedbackCard(stars: HTMLElement[], steps: HTMLElement): HTMLElement {
  return h(
    'div',
    { class: 'card shadow card-wrapper p-4', 'data-element': 'feedback' },
    h(
      'div',
      { class: 'card-header border-0 p-0' },
      h('h2', { id: 'feedback-title', class: 'h4 mb-3', 'data-element': 'feedback-title' }, t('common.feedback.title')),
    ),
    h(
      'div',
      { class: 'card-body p-0' },
      h('fieldset', { class: 'rating' }, h('legend', { class: 'visually-hidden' }, t('common.feedback.scale')), stars),
      h('div', { class: 'clearfix' }),
      steps,
    ),
  );
}
